//! SW0202, worded once: a field, a labelled block or a list item given twice where it must be
//! given once. Every reader that finds a repeat describes it as a [`Twice`] and reports
//! [`Twice::diagnostic`], so the message, labels and help read the same everywhere.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// What was given twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeated {
    /// A field of a block (`replicas`, an environment variable, a metric's interval).
    Field,
    /// An `override NAME { ... }` block of an environment.
    Override,
    /// A `hook NAME { ... }` block of a canary.
    Hook,
    /// An item of a list that holds each value once.
    ListItem,
}

/// A name given a second time, at `span`; `first` is where it was given first, if known.
#[derive(Debug, Clone)]
pub(crate) struct Twice<'a> {
    pub repeated: Repeated,
    pub name: &'a str,
    pub span: Span,
    pub first: Option<Span>,
}

impl Twice<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        let name = self.name;
        let (message, again, first, help) = match self.repeated {
            Repeated::Field => (
                format!("`{name}` is set twice"),
                "set again here",
                "first set here",
                "remove one of the two".to_string(),
            ),
            Repeated::Override => (
                format!("service `{name}` is overridden twice"),
                "again here",
                "first override",
                "merge the two override blocks".to_string(),
            ),
            Repeated::Hook => (
                format!("hook `{name}` is declared twice"),
                "again here",
                "first declared here",
                "give each hook its own name: it names the Job".to_string(),
            ),
            Repeated::ListItem => (
                format!("`{name}` is listed twice"),
                "listed again here",
                "first listed here",
                "remove one of the two".to_string(),
            ),
        };
        let diagnostic = Diagnostic::error(Code::SW0202, message, self.span, again);
        match self.first {
            Some(span) => diagnostic.with_label(span, first),
            None => diagnostic,
        }
        .with_help(help)
    }
}
