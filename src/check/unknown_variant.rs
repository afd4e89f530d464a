//! SW0208, worded once: a keyword that names none of the kinds its field selects from (a
//! strategy, probe, trigger or toolchain kind, a pause that is neither a duration nor
//! `approval`). Readers describe it as an [`UnknownVariant`] and report
//! [`UnknownVariant::diagnostic`], so the code's messages, help and fixes live here.

use crate::diagnostics::{quoted_list, Code, Diagnostic, Listed};
use crate::span::Span;

/// A kind that does not exist, with the kinds that do.
#[derive(Debug, Clone)]
pub(crate) enum UnknownVariant<'a> {
    /// A tag that is none of `choices`; `what` names the field's kinds (`toolchain`).
    Kind {
        what: &'a str,
        tag: &'a str,
        choices: &'a [&'a str],
        span: Span,
    },
    /// A step's `pause` that names something other than `approval`.
    Pause { written: &'a str, span: Span },
}

impl UnknownVariant<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            UnknownVariant::Kind {
                what,
                tag,
                choices,
                span,
            } => {
                let diagnostic = Diagnostic::error(
                    Code::SW0208,
                    format!("unknown {what} `{tag}`"),
                    *span,
                    format!("not a known {what}"),
                )
                .with_suggestion(tag, choices.iter().copied())
                .with_data("name", *tag)
                .with_data("kind", *what)
                .with_data("expected", Listed(choices.iter().copied()));
                if diagnostic.help.is_some() {
                    return diagnostic;
                }
                diagnostic.with_help(format!(
                    "expected one of {}",
                    quoted_list(choices.iter().copied())
                ))
            }
            UnknownVariant::Pause { written, span } => Diagnostic::error(
                Code::SW0208,
                format!("unknown pause `{written}`"),
                *span,
                "expected a duration or `approval`",
            )
            .with_suggestion(written, ["approval"])
            .with_data("name", *written)
            .with_data("kind", "pause"),
        }
    }
}
