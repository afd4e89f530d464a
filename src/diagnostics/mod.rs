//! Diagnostics as data.
//!
//! Every phase reports problems as [`Diagnostic`] values: a stable [`Code`], a severity, a
//! message, one primary label and any number of secondary labels (each a [`Span`]), optional
//! help, and optional machine-applicable [`Fix`]es ("did you mean"). Nothing here prints:
//! [`render`] turns diagnostics into text (miette) or JSON, and the language server converts
//! the same values into LSP diagnostics, so the CLI and the editor always agree.

mod codes;
pub mod fix;
pub mod render;
pub(crate) mod suggest;
mod unknown_reference;
mod visible;

pub use codes::Code;
pub use fix::{Applicability, Fix};
pub use suggest::{closest, did_you_mean, suggest, SuggestionBudget};
pub use unknown_reference::UnknownReference;

use crate::span::Span;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a short message shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
    /// The facts of the problem for tools (`--format json`, the language server's `data`):
    /// the name written, what kind of thing it names, the names that would be accepted. The
    /// keys of each code are listed in `docs/diagnostics.md`; empty for most codes.
    pub data: BTreeMap<&'static str, Datum>,
}

/// One fact of a problem, as [`Diagnostic::data`] holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Datum {
    Text(String),
    List(Vec<String>),
}

impl From<&str> for Datum {
    fn from(text: &str) -> Datum {
        Datum::Text(text.to_string())
    }
}

impl From<String> for Datum {
    fn from(text: String) -> Datum {
        Datum::Text(text)
    }
}

impl<'a, I: IntoIterator<Item = &'a str>> From<Listed<I>> for Datum {
    fn from(list: Listed<I>) -> Datum {
        let mut names: Vec<String> = list.0.into_iter().map(str::to_string).collect();
        names.sort();
        names.dedup();
        Datum::List(names)
    }
}

/// Names given to [`Diagnostic::with_data`] as a list (sorted, each once).
pub(crate) struct Listed<I>(pub I);

impl Diagnostic {
    pub fn error(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            fixes: Vec::new(),
            data: BTreeMap::new(),
        }
    }

    pub fn warning(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Records a fact of the problem under `key` (see [`Diagnostic::data`]).
    pub(crate) fn with_data(mut self, key: &'static str, value: impl Into<Datum>) -> Self {
        self.data.insert(key, value.into());
        self
    }

    pub(crate) fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a fix the checker is certain of: `slipway check --fix` applies it.
    pub(crate) fn with_fix(self, span: Span, replacement: impl Into<String>) -> Self {
        self.with_fix_of(span, replacement, Applicability::Safe)
    }

    /// Adds a likely fix that a person should confirm: offered by the language server only.
    pub(crate) fn with_suggested_fix(self, span: Span, replacement: impl Into<String>) -> Self {
        self.with_fix_of(span, replacement, Applicability::Suggested)
    }

    fn with_fix_of(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        applicability: Applicability,
    ) -> Self {
        self.fixes.push(Fix {
            span,
            replacement: replacement.into(),
            applicability,
        });
        self
    }

    /// Adds "did you mean `x`?" help and a fix of the primary span when a close candidate
    /// exists; the fix is safe when that candidate is the only close one.
    pub(crate) fn with_suggestion<'a>(
        self,
        written: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let span = self.primary.span;
        self.with_suggestion_at(span, written, candidates)
    }

    /// [`Diagnostic::with_suggestion`] for a name written at `span` (part of the primary span,
    /// such as the module of `module.template`).
    pub(crate) fn with_suggestion_at<'a>(
        self,
        span: Span,
        written: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let Some(found) = closest(written, candidates) else {
            return self;
        };
        let applicability = if found.only {
            Applicability::Safe
        } else {
            Applicability::Suggested
        };
        self.with_help(format!("did you mean `{}`?", found.name))
            .with_fix_of(span, found.name, applicability)
    }

    /// Whether `slipway check --fix` can fix this problem by itself.
    pub fn has_safe_fix(&self) -> bool {
        !self.fixes.is_empty() && self.fixes.iter().all(Fix::is_safe)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file and position, then code, and drops exact duplicates, so output
/// order never depends on the order in which checks ran.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.primary.span, a.code, &a.message).cmp(&(b.primary.span, b.code, &b.message))
    });
    diagnostics.dedup();
}

/// Names in backticks, separated by commas: `` `a`, `b`, `c` ``, for help lines that list
/// what is allowed or known.
pub(crate) fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Long names are cut in messages so one huge identifier cannot flood the output.
pub fn shorten(name: &str) -> String {
    if name.chars().count() <= 60 {
        return name.to_string();
    }
    let head: String = name.chars().take(57).collect();
    format!("{head}...")
}
