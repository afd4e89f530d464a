//! Phase 2: syntax trees to the typed [`Model`].
//!
//! The checker walks every declaration of every file, reads it against the field tables in
//! [`schema`], resolves references by name, and lowers it into [`model`] types. It never
//! stops at the first problem: each declaration is checked on its own, a broken one is left
//! out of the model, and everything else is still checked. The promotion and dependency
//! graphs are built by [`crate::graph`] from the lowered model; policies run last.

mod declarations;
mod environment;
pub mod model;
pub mod names;
pub mod policy;
mod reader;
pub mod schema;
mod service;
mod strategy;
pub mod values;

use crate::diagnostics::{self, Code, Diagnostic};
use crate::span::{FileId, SourceFile, Span};
use crate::syntax::{self, ast};
use model::Model;

/// Collects diagnostics while checking. It holds no other state: everything the checker
/// learns goes into the model it returns.
#[derive(Debug, Default)]
pub struct Checker {
    diagnostics: Vec<Diagnostic>,
}

impl Checker {
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The collected diagnostics, in the order they were found.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

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
    let mut checker = Checker::default();
    let mut modules = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        let file_id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let (module, parse_diagnostics) = syntax::parse(file_id, &file.text);
        checker.diagnostics.extend(parse_diagnostics);
        modules.push(module);
    }
    let model = check_modules(&mut checker, &modules);
    let mut diagnostics = checker.diagnostics;
    diagnostics::sort(&mut diagnostics);
    Checked {
        model,
        modules,
        diagnostics,
    }
}

/// Checks already-parsed modules (the language server reuses parses of unchanged files).
pub fn check_modules(checker: &mut Checker, modules: &[ast::Module]) -> Model {
    let declared = declarations::collect(checker, modules);
    let mut model = declarations::lower(checker, &declared);
    let names = crate::graph::Declared {
        environments: declared.names("environment"),
        services: declared.names("service"),
    };
    crate::graph::analyse(checker, &mut model, &names);
    model.deployments = environment::deployments(&model);
    policy::run(checker, &model);
    model
}

/// A declaration span for "declared here" labels when nothing better exists.
pub(crate) fn item_label(item: &ast::Item) -> Span {
    item.keyword.span.to(item.name.span)
}

/// The one place that reports an unknown name, so every "unknown X" reads the same.
pub(crate) fn unknown_reference<'a>(
    what: &str,
    name: &str,
    span: Span,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let diagnostic = Diagnostic::error(
        Code::SW0103,
        format!("unknown {what} `{}`", names::shorten(name)),
        span,
        format!("no {what} has this name"),
    )
    .with_suggestion(name, candidates.iter().copied());
    if diagnostic.help.is_some() {
        return diagnostic;
    }
    if candidates.is_empty() {
        diagnostic.with_help(format!("declare a {what} named `{}`", names::shorten(name)))
    } else {
        let listed: Vec<String> = candidates.iter().take(8).map(|c| format!("`{c}`")).collect();
        diagnostic.with_help(format!("known {what}s: {}", listed.join(", ")))
    }
}
