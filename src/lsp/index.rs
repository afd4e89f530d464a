//! Declarations and references across the files of a spec, as the checker resolved them.
//!
//! For every declaration that parsed, the names come from the parsed trees and what each
//! reference names from the checker's resolution ([`crate::Checked::resolutions`], built by
//! `check/resolutions.rs`): the places the schema marks as naming a declaration (`after`,
//! `depends_on`, `override <name>`, `strategy` unless it is a kind such as `canary`), templates
//! named where one may be used (`from web`, `liveness = probes.http-health`), dotted names
//! into imported modules (`strategies.careful`: the last segment is the reference) and the
//! names an import lists. So the editor resolves a name exactly as `slipway check` does,
//! imported modules, clashes and template bodies included. A policy is declared but never
//! referred to, so its only "reference" is its declaration.
//!
//! The lexical scan ([`super::scan`]) is only the fallback for the byte ranges of
//! declarations the parser dropped (syntax errors; the user is usually mid-edit) and for
//! files the check did not parse: there, references are read from the scan and resolved by
//! name through the imports the check followed ([`scope`]), as before the checker recorded
//! its resolutions.

use super::scan::{Kind, Role, Scan};
use super::scope;
use super::workspace::Analysis;
use crate::check::resolutions::{DeclaredName, Resolutions};
use crate::check::schema::{self, Shape, STRATEGY_KINDS};
use crate::span::{FileId, Span};
use crate::syntax::ast::Declaration;

pub use crate::check::resolutions::KINDS;

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

    fn span(&self) -> Span {
        span_of(self.file, self.start, self.end)
    }
}

fn span_of(file: usize, start: usize, end: usize) -> Span {
    Span::new(FileId(u32::try_from(file).unwrap_or(u32::MAX)), start, end)
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
    schema::for_path(&path)?.field(key)?.names_when(shape)
}

/// The byte ranges of file `file` that only the scan reads: the declarations that did not
/// parse, or the whole file when the check did not parse it.
fn fallback_ranges(analysis: &Analysis, file: usize) -> Vec<(usize, usize)> {
    let Some(module) = analysis.checked.modules.get(file) else {
        return vec![(0, usize::MAX)];
    };
    module
        .declarations
        .iter()
        .filter_map(|declaration| match declaration {
            Declaration::Error(broken) => {
                Some((broken.span.start as usize, broken.span.end as usize))
            }
            _ => None,
        })
        .collect()
}

fn in_fallback(analysis: &Analysis, file: usize, offset: usize) -> bool {
    fallback_ranges(analysis, file)
        .iter()
        .any(|&(start, end)| start <= offset && offset <= end)
}

fn resolutions(analysis: &Analysis) -> &Resolutions {
    analysis.resolutions()
}

/// The symbol of a declaration the checker read.
fn declared(declaration: &DeclaredName) -> Symbol {
    Symbol {
        kind: declaration.kind,
        name: declaration.name.clone(),
        qualifier: None,
        file: declaration.span.file.0 as usize,
        start: declaration.span.start as usize,
        end: declaration.span.end as usize,
        is_declaration: true,
    }
}

/// The symbol of a reference at `span` that the checker resolved to `target`.
fn referring(analysis: &Analysis, span: Span, target: &DeclaredName) -> Symbol {
    let file = span.file.0 as usize;
    let start = span.start as usize;
    let qualifier = analysis.scans().get(file).and_then(|scan| {
        let (index, _) = scan.token_at(start)?;
        let text = analysis.files.get(file)?.text.as_str();
        qualifier(scan, text, index)
    });
    Symbol {
        kind: target.kind,
        name: target.name.clone(),
        qualifier,
        file,
        start,
        end: span.end as usize,
        is_declaration: false,
    }
}

/// The symbol that token `index` of `scan` is, if any, read lexically. The last word of a
/// dotted value is a reference; so is a named strategy adjusted in place
/// (`strategy = careful { ... }`), whose name the scan reads as a kind.
fn scanned(scan: &Scan, text: &str, file: usize, index: usize) -> Option<Symbol> {
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

/// The declarations the checker read in file `file`, in source order.
fn declarations_of(analysis: &Analysis, file: usize) -> Vec<Symbol> {
    resolutions(analysis)
        .declarations
        .iter()
        .filter(|declaration| declaration.span.file.0 as usize == file)
        .map(declared)
        .collect()
}

/// The symbols of file `file`, in source order: the checker's declarations and resolved
/// references, and what the scan reads inside the ranges the parser dropped.
fn symbols_in(analysis: &Analysis, file: usize) -> Vec<Symbol> {
    let mut symbols = declarations_of(analysis, file);
    let resolutions = resolutions(analysis);
    let mut last: Option<Span> = None;
    for resolution in &resolutions.references {
        let span = resolution.reference;
        if span.file.0 as usize != file || last == Some(span) {
            continue;
        }
        last = Some(span);
        if let Some(target) = resolutions.declaration(resolution.declaration) {
            symbols.push(referring(analysis, span, target));
        }
    }
    symbols.extend(fallback_symbols(analysis, file));
    symbols.sort_by_key(|symbol| symbol.start);
    symbols
}

/// What the scan reads inside the ranges of file `file` the parser dropped, except the
/// declarations the checker already knows by name.
fn fallback_symbols(analysis: &Analysis, file: usize) -> Vec<Symbol> {
    let ranges = fallback_ranges(analysis, file);
    if ranges.is_empty() {
        return Vec::new();
    }
    let Some(scan) = analysis.scans().get(file) else {
        return Vec::new();
    };
    let text = analysis.files.get(file).map_or("", |f| f.text.as_str());
    let known = declarations_of(analysis, file);
    (0..scan.tokens.len())
        .filter(|&index| {
            scan.tokens.get(index).is_some_and(|token| {
                ranges
                    .iter()
                    .any(|&(start, end)| start <= token.start && token.end <= end)
            })
        })
        .filter_map(|index| scanned(scan, text, file, index))
        .filter(|symbol| !known.iter().any(|d| d.same_place(symbol)))
        .collect()
}

/// Every declaration and reference in the spec, file by file, in source order.
pub fn all(analysis: &Analysis) -> Vec<Symbol> {
    (0..analysis.files.len())
        .flat_map(|file| symbols_in(analysis, file))
        .collect()
}

/// The declaration or reference under `offset` in `file`: one the checker read, else what
/// the scan reads there (in a declaration that did not parse, or a reference the check could
/// not resolve).
pub fn at(analysis: &Analysis, file: usize, offset: usize) -> Option<Symbol> {
    let checked = symbols_in(analysis, file)
        .into_iter()
        .find(|symbol| symbol.start <= offset && offset <= symbol.end);
    if checked.is_some() {
        return checked;
    }
    let scan = analysis.scans().get(file)?;
    let text = analysis.files.get(file)?.text.as_str();
    let (index, _) = scan.token_at(offset)?;
    scanned(scan, text, file, index)
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
        .flat_map(|&file| declarations_of(analysis, file))
        .filter(|s| s.kind == kind && s.name == name)
        .collect()
}

/// The declarations `symbol` names. A declaration names itself (and a second declaration of
/// its name, if there is one); a reference the checker resolved, what the checker resolved it
/// to; a reference inside a declaration that did not parse, what its name means in its file
/// ([`by_name`]). A reference outside those that the checker did not resolve names nothing.
pub fn resolve(analysis: &Analysis, symbol: &Symbol) -> Vec<Symbol> {
    if symbol.is_declaration {
        let own = scope::visible(analysis, symbol.file).own;
        return declarations_in(analysis, &own, symbol.kind, &symbol.name);
    }
    let resolved: Vec<Symbol> = resolutions(analysis)
        .targets(symbol.span())
        .map(declared)
        .collect();
    if resolved.is_empty() && in_fallback(analysis, symbol.file, symbol.start) {
        return by_name(analysis, symbol);
    }
    resolved
}

/// The fallback's resolution, as seen from the symbol's file: through the import of its
/// alias when it is qualified; otherwise among the declarations the file sees by their bare
/// names, then among the names its imports list.
fn by_name(analysis: &Analysis, symbol: &Symbol) -> Vec<Symbol> {
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
            .flat_map(|&file| declarations_of(analysis, file))
            .filter(|s| s.kind == kind)
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
    let mut names: Vec<Symbol> = declarations_of(analysis, target)
        .into_iter()
        .filter(|s| s.kind == kind)
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
