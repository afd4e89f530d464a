//! The driver: runs the phases in order over a set of files. It is the only module that knows
//! the whole pipeline, so each phase depends only on the ones before it:
//! syntax -> check (lower) -> graph -> check (finish: per-environment settings, policies).

use crate::check::{self, model::Model, Checker};
use crate::diagnostics::{self, Diagnostic};
use crate::span::{FileId, SourceFile};
use crate::syntax::{self, ast};

/// The result of checking a set of files: the model (as complete as the errors allow), the
/// syntax trees (for the formatter and the language server) and every diagnostic, sorted.
#[derive(Debug)]
pub struct Checked {
    pub model: Model,
    pub modules: Vec<ast::Module>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks `files` as one spec. File ids are indexes into `files`.
pub fn check(files: &[SourceFile]) -> Checked {
    let mut diagnostics = Vec::new();
    let modules = parse_all(files, &mut diagnostics);
    let model = check_modules(&modules, &mut diagnostics);
    diagnostics::sort(&mut diagnostics);
    Checked { model, modules, diagnostics }
}

/// Parses every file; file ids are indexes into `files`.
pub fn parse_all(files: &[SourceFile], diagnostics: &mut Vec<Diagnostic>) -> Vec<ast::Module> {
    files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let file_id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            let (module, found) = syntax::parse(file_id, &file.text);
            diagnostics.extend(found);
            module
        })
        .collect()
}

/// Checks already-parsed modules (the language server reuses parses of unchanged files).
/// Diagnostics are appended unsorted.
pub fn check_modules(modules: &[ast::Module], diagnostics: &mut Vec<Diagnostic>) -> Model {
    let mut checker = Checker::default();
    let (mut model, names) = check::lower(&mut checker, modules);
    checker.report_all(crate::graph::analyse(&mut model, &names));
    check::finish(&mut checker, &mut model);
    diagnostics.extend(checker.into_diagnostics());
    model
}
