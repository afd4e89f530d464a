//! Declarations and references across the files of a spec, read from the lexical scans so
//! that navigation also works inside declarations that do not parse.
//!
//! The places where a name refers to a declaration are listed once, in [`reference_kind`]:
//! `after` names environments, `depends_on` and `override <name>` name services, and
//! `strategy` names a strategy (unless it is a kind such as `canary`). In a dotted name such as
//! `strategies.careful` (a declaration of an imported module) the last segment is the
//! reference. Policies are declared but never referred to, so their only "reference" is their
//! declaration.

use super::scan::{Kind, Role, Scan};
use super::workspace::Analysis;
use crate::check::schema::STRATEGY_KINDS;

/// The declaration kinds the editor navigates between.
pub const KINDS: &[&str] = &["app", "environment", "service", "strategy", "policy"];

/// A declaration name or a reference to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: &'static str,
    pub name: String,
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub is_declaration: bool,
}

/// The declaration kind a value word of field `key` refers to, in the block at `path`.
pub fn reference_kind(path: &[String], key: &str, word: &str) -> Option<&'static str> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match (path.as_slice(), key) {
        (["environment"], "after") => Some("environment"),
        (["service"], "depends_on") => Some("service"),
        (["environment"] | ["environment", "override"], "strategy")
            if !STRATEGY_KINDS.contains(&word) =>
        {
            Some("strategy")
        }
        _ => None,
    }
}

/// The declaration kind the label of block `key` names, in the block at `path`.
pub fn label_kind(path: &[String], key: &str) -> Option<&'static str> {
    match (
        path.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        key,
    ) {
        (["environment"], "override") => Some("service"),
        _ => None,
    }
}

/// The symbol that token `index` of `scan` is, if any.
fn symbol(scan: &Scan, text: &str, file: usize, index: usize) -> Option<Symbol> {
    let token = scan.tokens.get(index)?;
    if token.kind != Kind::Word {
        return None;
    }
    let word = text.get(token.start..token.end)?;
    let (kind, is_declaration) = match &token.role {
        Role::Name { keyword } => (*KINDS.iter().find(|kind| *kind == keyword)?, true),
        Role::Value { key } if !scan.continues_after(index) => {
            (reference_kind(&scan.path(token.frame), key, word)?, false)
        }
        Role::Label { key } => (label_kind(&scan.path(token.frame), key)?, false),
        _ => return None,
    };
    Some(Symbol {
        kind,
        name: word.to_string(),
        file,
        start: token.start,
        end: token.end,
        is_declaration,
    })
}

/// Every declaration and reference in the spec, file by file, in source order.
pub fn all(analysis: &Analysis) -> Vec<Symbol> {
    let mut out = Vec::new();
    for (file, scan) in analysis.scans().iter().enumerate() {
        let text = analysis.files.get(file).map_or("", |f| f.text.as_str());
        out.extend((0..scan.tokens.len()).filter_map(|index| symbol(scan, text, file, index)));
    }
    out
}

/// The declaration or reference under `offset` in `file`.
pub fn at(analysis: &Analysis, file: usize, offset: usize) -> Option<Symbol> {
    let scan = analysis.scans().get(file)?;
    let text = analysis.files.get(file)?.text.as_str();
    let (index, _) = scan.token_at(offset)?;
    symbol(scan, text, file, index)
}

/// The declarations of `kind` named `name` (usually one; two when it is declared twice).
pub fn declarations(analysis: &Analysis, kind: &str, name: &str) -> Vec<Symbol> {
    all(analysis)
        .into_iter()
        .filter(|s| s.is_declaration && s.kind == kind && s.name == name)
        .collect()
}

/// The names declared with `kind`, sorted and without duplicates.
pub fn declared_names(analysis: &Analysis, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = all(analysis)
        .into_iter()
        .filter(|s| s.is_declaration && s.kind == kind)
        .map(|s| s.name)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The doc comment of the declaration `kind name`, from the parsed files.
pub fn doc_comment(analysis: &Analysis, kind: &str, name: &str) -> Option<String> {
    analysis
        .checked
        .modules
        .iter()
        .flat_map(|module| &module.declarations)
        .find_map(|declaration| match declaration {
            crate::syntax::ast::Declaration::Item(item)
                if item.keyword.text == kind && item.name.text == name =>
            {
                item.doc.clone()
            }
            _ => None,
        })
}
