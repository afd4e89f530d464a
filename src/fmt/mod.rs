//! The formatter: one canonical layout for Slipway specs, built from the syntax tree and the
//! comments side table (no IO; the CLI reads and writes the files).
//!
//! The layout rules, in the order a reader meets them:
//!
//! * Indentation is two spaces per level; lines end with `\n`; the file ends with exactly one
//!   newline; trailing whitespace is removed.
//! * Attributes are written `key = value`. In a run of consecutive attributes that each fit on
//!   one line, the `=` signs are aligned (keys padded with spaces). A blank line, a block, or an
//!   attribute whose value spans several lines ends the run; own-line comments do not.
//! * A body `{ ... }` (a declaration, a block, or a value such as `http { ... }`) stays on one
//!   line when it was written on one line, holds no comments, and fits in 100 columns; its
//!   entries are then separated by two spaces and no commas: `requests { cpu = 500m  memory = 1Gi }`.
//!   Otherwise it is expanded: one entry per line, no commas, `}` on its own line. An empty
//!   body is `{}`.
//! * Lists follow the same rule: `[a, b]` on one line when written so, comment-free and short
//!   enough; otherwise one item per line, each followed by a comma.
//! * Conditions are written on one line with single spaces around operators, and with the
//!   fewest parentheses that keep their grouping (`(a or b) and c`).
//! * Comments are kept verbatim: a comment that followed code on the same line stays at the end
//!   of that line, after one space; any other comment gets its own line at the indentation of
//!   what follows it.
//! * Blank lines between entries and between declarations are kept, several collapsing into
//!   one; blank lines at the start and end of a body or file are removed. A declaration that
//!   spans several lines is always separated from its neighbours by one blank line (its doc
//!   and leading comments stay attached to it).
//! * Strings, numbers, names and keys are written exactly as in the source, so escapes and
//!   units never change.
//!
//! A file with syntax errors is not formatted: [`format_source`] returns its diagnostics.
//! As a last line of defence, the result is parsed again and compared with the input (same
//! declarations and values, same comments); a mismatch is reported instead of returned, so a
//! formatter bug can never change the meaning of a spec.

mod expr;
mod printer;
mod skeleton;

use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};
use crate::syntax;
use crate::syntax::ast::Comment;

/// The widest line the formatter produces on purpose (long strings may still exceed it).
pub(crate) const WIDTH: usize = 100;

/// Why a file was not formatted.
#[derive(Debug, Clone)]
pub enum FormatError {
    /// The file does not parse; these are its syntax diagnostics.
    Syntax(Vec<Diagnostic>),
    /// The formatter produced text that would change the file's meaning (a bug); the file
    /// is left alone.
    Unstable(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(diagnostics) => {
                write!(f, "the file has {} syntax error(s)", diagnostics.len())
            }
            FormatError::Unstable(reason) => {
                write!(f, "formatter bug, file left unchanged: {reason}")
            }
        }
    }
}

/// The end of `span` in `source` once trailing whitespace and comments are dropped. pest
/// includes them in the span of a rule that ends in a repetition (`staging // note`), so
/// every consumer that places text after a node (the formatter, editor ranges) trims first.
pub fn significant_end(source: &str, comments: &[Comment], span: Span) -> usize {
    let start = (span.start as usize).min(source.len());
    let mut end = (span.end as usize).clamp(start, source.len());
    loop {
        let trimmed = start + source.get(start..end).unwrap_or("").trim_end().len();
        let index = comments.partition_point(|c| (c.span.end as usize) < trimmed);
        match comments.get(index) {
            Some(comment)
                if comment.span.end as usize == trimmed && comment.span.start as usize >= start =>
            {
                end = comment.span.start as usize;
            }
            _ => return trimmed,
        }
    }
}

/// Formats one file's text. The result is idempotent: formatting it again changes nothing.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let file = FileId(0);
    let (module, diagnostics) = syntax::parse(file, text);
    if !diagnostics.is_empty() {
        return Err(FormatError::Syntax(diagnostics));
    }
    let formatted = printer::print(text, &module);
    verify(&module, &formatted)?;
    Ok(formatted)
}

/// Checks that `formatted` parses to the same declarations, values and comments as `module`.
fn verify(module: &syntax::ast::Module, formatted: &str) -> Result<(), FormatError> {
    let (again, diagnostics) = syntax::parse(module.file, formatted);
    if let Some(first) = diagnostics.first() {
        return Err(FormatError::Unstable(format!(
            "the output does not parse: {}",
            first.message
        )));
    }
    if skeleton::of(module) != skeleton::of(&again) {
        return Err(FormatError::Unstable(
            "the output has a different syntax tree".to_string(),
        ));
    }
    let texts = |list: &[syntax::ast::Comment]| -> Vec<String> {
        list.iter()
            .map(|comment| comment.text.trim_end().to_string())
            .collect()
    };
    if texts(&module.comments) != texts(&again.comments) {
        return Err(FormatError::Unstable(
            "the output lost or reordered a comment".to_string(),
        ));
    }
    Ok(())
}
