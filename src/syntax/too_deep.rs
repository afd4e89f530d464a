//! SW0002, worded once: something nested deeper than the compiler follows (brackets, a value
//! or condition tree, a chain of templates built `from` one another). The limits keep every
//! phase's recursion bounded; whoever meets one describes it as a [`TooDeep`] and reports
//! [`TooDeep::diagnostic`]. The type lives in `syntax`, the lowest phase that meets one, so
//! the checker can use it without the syntax phase knowing the checker.

use super::parser::MAX_TREE_DEPTH;
use super::split::MAX_DEPTH;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// What nests too deep, and where.
#[derive(Debug, Clone)]
pub enum TooDeep {
    /// Brackets nested more than [`MAX_DEPTH`] deep; the span is the first bracket too deep.
    Brackets { span: Span },
    /// A value whose syntax tree is more than [`MAX_TREE_DEPTH`] deep.
    Value { span: Span },
    /// An `and`/`or` chain or a run of `not`s more than [`MAX_DEPTH`] deep.
    Condition { span: Span },
    /// A chain of templates built from one another longer than `limit`.
    Templates { limit: usize, span: Span },
}

impl TooDeep {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            TooDeep::Brackets { span } => error(
                format!("brackets nest more than {MAX_DEPTH} levels deep"),
                *span,
                "this bracket is too deep",
            )
            .with_help("flatten the structure; no Slipway construct needs this much nesting"),
            TooDeep::Value { span } => error(
                format!("this value nests more than {MAX_TREE_DEPTH} levels deep"),
                *span,
                "too deep",
            )
            .with_help(
                "brackets, `and`/`or` chains and `not`s all nest; split the value or the condition",
            ),
            TooDeep::Condition { span } => error(
                format!("a condition nests more than {MAX_DEPTH} levels deep"),
                *span,
                "too deep",
            )
            .with_help("split the condition; no Slipway construct needs this much nesting"),
            TooDeep::Templates { limit, span } => error(
                format!("templates are built from one another more than {limit} deep"),
                *span,
                "too deep in a chain of `from`s",
            )
            .with_help("shorten the chain of `from`s; no spec needs templates built this deep"),
        }
    }
}

fn error(message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic::error(Code::SW0002, message, span, label)
}
