//! Declarations and references across the files of a spec, read from the lexical scans so
//! that navigation also works inside declarations that do not parse.
//!
//! The places where a name refers to a declaration are the schema's: a field that names a kind
//! of declaration says so (`Field::names`): `after` names environments, `depends_on` and
//! `override <name>` name services, and `strategy` names a strategy (unless it is a kind such
//! as `canary`). In a dotted name such as
//! `strategies.careful` (a declaration of an imported module) the last segment is the
//! reference and the first the module's alias. Policies are declared but never referred to,
//! so their only "reference" is their declaration. Which declaration a name refers to follows
//! the checker's scopes ([`scope`]): an imported name resolves into its module, standard
//! modules included, exactly as a name declared in the spec resolves to its declaration.

use super::scan::{Kind, Role, Scan};
use super::scope;
use super::workspace::Analysis;
use crate::check::schema::{self, Shape, STRATEGY_KINDS};

/// The declaration kinds the editor navigates between.
pub const KINDS: &[&str] = &["app", "environment", "service", "strategy", "policy"];

/// A declaration name or a reference to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: &'static str,
    pub name: String,
    /// The module alias in front of a reference: `strategies` in
    /// `strategies.progressive-canary`.
    pub qualifier: Option<String>,
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub is_declaration: bool,
}

impl Symbol {
    /// Whether `other` is this very declaration or reference.
    pub fn same_place(&self, other: &Symbol) -> bool {
        (self.file, self.start) == (other.file, other.start)
    }
}

/// The declaration kind a value word of field `key` refers to, in the block at `path`, as
/// the schema says; a strategy kind such as `canary` is a keyword, not a reference.
pub fn reference_kind(path: &[String], key: &str, word: &str) -> Option<&'static str> {
    let kind = named_kind(path, key, Shape::Value)?;
    (kind != "strategy" || !STRATEGY_KINDS.contains(&word)).then_some(kind)
}

/// The declaration kind the label of block `key` names, in the block at `path`.
pub fn label_kind(path: &[String], key: &str) -> Option<&'static str> {
    named_kind(path, key, Shape::Repeated)
}

/// What the schema says field `key` (written as `shape`) of the block at `path` names.
fn named_kind(path: &[String], key: &str, shape: Shape) -> Option<&'static str> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let field = schema::for_path(&path)?.field(key)?;
    (field.shape == shape).then_some(field.names?)
}

/// The symbol that token `index` of `scan` is, if any. The last word of a dotted value is a
/// reference; so is a named strategy adjusted in place (`strategy = careful { ... }`), whose
/// name the scan reads as a kind.
fn symbol(scan: &Scan, text: &str, file: usize, index: usize) -> Option<Symbol> {
    let token = scan.tokens.get(index)?;
    if token.kind != Kind::Word {
        return None;
    }
    let word = text.get(token.start..token.end)?;
    let (kind, is_declaration) = match &token.role {
        Role::Name { keyword } => (*KINDS.iter().find(|kind| *kind == keyword)?, true),
        Role::Value { key } | Role::Tag { key } if !scan.continues_after(index) => {
            (reference_kind(&scan.path(token.frame), key, word)?, false)
        }
        Role::Label { key } => (label_kind(&scan.path(token.frame), key)?, false),
        _ => return None,
    };
    Some(Symbol {
        kind,
        name: word.to_string(),
        qualifier: qualifier(scan, text, index),
        file,
        start: token.start,
        end: token.end,
        is_declaration,
    })
}

/// The word before the `.` in front of token `index`: the module alias of a dotted name.
fn qualifier(scan: &Scan, text: &str, index: usize) -> Option<String> {
    let dot = scan.tokens.get(index.checked_sub(1)?)?;
    let alias = scan.tokens.get(index.checked_sub(2)?)?;
    if dot.kind != Kind::Dot || alias.kind != Kind::Word {
        return None;
    }
    text.get(alias.start..alias.end).map(str::to_string)
}

/// The symbols of file `file`, in source order.
fn symbols_in(analysis: &Analysis, file: usize) -> Vec<Symbol> {
    let Some(scan) = analysis.scans().get(file) else {
        return Vec::new();
    };
    let text = analysis.files.get(file).map_or("", |f| f.text.as_str());
    (0..scan.tokens.len())
        .filter_map(|index| symbol(scan, text, file, index))
        .collect()
}

/// Every declaration and reference in the spec, file by file, in source order.
pub fn all(analysis: &Analysis) -> Vec<Symbol> {
    (0..analysis.files.len())
        .flat_map(|file| symbols_in(analysis, file))
        .collect()
}

/// The declaration or reference under `offset` in `file`.
pub fn at(analysis: &Analysis, file: usize, offset: usize) -> Option<Symbol> {
    let scan = analysis.scans().get(file)?;
    let text = analysis.files.get(file)?.text.as_str();
    let (index, _) = scan.token_at(offset)?;
    symbol(scan, text, file, index)
}

/// The file imported under the alias at `offset` in `file` (`strategies` in
/// `strategies.progressive-canary`), if the word there is one.
pub fn module_at(analysis: &Analysis, file: usize, offset: usize) -> Option<usize> {
    let scan = analysis.scans().get(file)?;
    let (index, token) = scan.token_at(offset)?;
    let is_alias = token.kind == Kind::Word
        && matches!(token.role, Role::Value { .. } | Role::Tag { .. })
        && scan.continues_after(index);
    if !is_alias {
        return None;
    }
    let word = analysis.files.get(file)?.text.get(token.start..token.end)?;
    scope::visible(analysis, file).aliases.get(word).copied()
}

/// The declarations of `kind` named `name` in `files` (usually one; two when it is declared
/// twice).
fn declarations_in(analysis: &Analysis, files: &[usize], kind: &str, name: &str) -> Vec<Symbol> {
    files
        .iter()
        .flat_map(|&file| symbols_in(analysis, file))
        .filter(|s| s.is_declaration && s.kind == kind && s.name == name)
        .collect()
}

/// The declarations `symbol` names, as seen from its file: through the import of its alias
/// when it is qualified; otherwise among the declarations the file sees by their bare names,
/// then among the names its imports list. A declaration names itself (and a second
/// declaration of its name, if there is one).
pub fn resolve(analysis: &Analysis, symbol: &Symbol) -> Vec<Symbol> {
    let visible = scope::visible(analysis, symbol.file);
    if let Some(alias) = &symbol.qualifier {
        let target: Vec<usize> = visible.aliases.get(alias).copied().into_iter().collect();
        return declarations_in(analysis, &target, symbol.kind, &symbol.name);
    }
    let found = declarations_in(analysis, &visible.own, symbol.kind, &symbol.name);
    match visible.listed.get(&symbol.name) {
        Some(&target) if found.is_empty() => {
            declarations_in(analysis, &[target], symbol.kind, &symbol.name)
        }
        _ => found,
    }
}

/// Every declaration and reference in the spec that names what `target` names.
pub fn references(analysis: &Analysis, target: &Symbol) -> Vec<Symbol> {
    let declared = resolve(analysis, target);
    all(analysis)
        .into_iter()
        .filter(|s| s.kind == target.kind && s.name == target.name)
        .filter(|s| {
            resolve(analysis, s)
                .iter()
                .any(|found| declared.iter().any(|d| d.same_place(found)))
        })
        .collect()
}

/// The names of `kind` that file `file` can use, each with its declaration: its own
/// declarations and the names its imports list by their bare names, and every declaration of
/// an imported module through the module's alias (`strategies.progressive-canary`). Sorted by
/// name, without duplicates.
pub fn visible_names(analysis: &Analysis, file: usize, kind: &str) -> Vec<(String, Symbol)> {
    let visible = scope::visible(analysis, file);
    let of_kind = |files: &[usize]| -> Vec<Symbol> {
        files
            .iter()
            .flat_map(|&file| symbols_in(analysis, file))
            .filter(|s| s.is_declaration && s.kind == kind)
            .collect()
    };
    let mut names: Vec<(String, Symbol)> = of_kind(&visible.own)
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    for (listed, &target) in &visible.listed {
        let found = of_kind(&[target]).into_iter().find(|s| &s.name == listed);
        names.extend(found.map(|s| (s.name.clone(), s)));
    }
    for (alias, &target) in &visible.aliases {
        names.extend(
            of_kind(&[target])
                .into_iter()
                .map(|s| (format!("{alias}.{}", s.name), s)),
        );
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    names.dedup_by(|a, b| a.0 == b.0);
    names
}

/// The declarations of `kind` in the module that file `file` imports as `alias`.
pub fn module_names(analysis: &Analysis, file: usize, alias: &str, kind: &str) -> Vec<Symbol> {
    let Some(&target) = scope::visible(analysis, file).aliases.get(alias) else {
        return Vec::new();
    };
    let mut names: Vec<Symbol> = symbols_in(analysis, target)
        .into_iter()
        .filter(|s| s.is_declaration && s.kind == kind)
        .collect();
    names.sort_by(|a, b| a.name.cmp(&b.name));
    names
}

/// The doc comment of `declaration`, from its file's syntax tree.
pub fn doc_comment(analysis: &Analysis, declaration: &Symbol) -> Option<String> {
    analysis
        .checked
        .modules
        .get(declaration.file)?
        .declarations
        .iter()
        .find_map(|item| match item {
            crate::syntax::ast::Declaration::Item(item)
                if item.keyword.text == declaration.kind && item.name.text == declaration.name =>
            {
                item.doc.clone()
            }
            _ => None,
        })
}
