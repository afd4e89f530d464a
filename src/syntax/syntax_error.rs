//! SW0001, worded once: text that does not follow the grammar (a block or string never
//! closed, a token where another was expected, a declaration or block cut short, a comment
//! never closed). The parser works out where and what; it describes the problem as a
//! [`SyntaxError`] and reports [`SyntaxError::diagnostic`], so the code's messages, labels,
//! help and fixes live here.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A syntax error, with what the parser knows about it.
#[derive(Debug, Clone)]
pub enum SyntaxError<'a> {
    /// A `{` (at `open`) never closed; its `}` belongs at `end`, the end of the declaration.
    UnclosedBraceAtEnd { open: Span, end: Span },
    /// A `{` (at `open`) never closed; the indentation says its `}` belongs before the line
    /// at `line`, indented by `indent` spaces.
    UnclosedBrace {
        open: Span,
        line: Span,
        indent: usize,
    },
    /// A string starting at `start` whose line ends at `line_end` without a closing quote.
    UnclosedString { start: Span, line_end: Span },
    /// Something (`found`, in words) where the grammar expected something else (`expected`,
    /// in words); `word_follows` says the text there starts with a letter.
    Expected {
        expected: &'a str,
        found: &'a str,
        word_follows: bool,
        span: Span,
    },
    /// A declaration without its kind, name or value.
    IncompleteDeclaration { span: Span },
    /// A block without its name or body.
    IncompleteBlock { span: Span },
    /// A node the parser cannot read as a value.
    ExpectedValue { span: Span },
    /// A rule with fewer parts than the grammar gives it.
    Incomplete { span: Span },
    /// A `/*` (at `span`) with no `*/` after it.
    UnclosedComment { span: Span },
}

impl SyntaxError<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::UnclosedBraceAtEnd { open, end } => unclosed_brace(*open)
                .with_label(*end, "expected `}` here")
                .with_help("add the missing `}`; every block must be closed before the next declaration"),
            SyntaxError::UnclosedBrace { open, line, indent } => {
                let indent = " ".repeat(*indent);
                unclosed_brace(*open)
                    .with_label(*line, "its `}` belongs before this line")
                    .with_help(format!(
                        "add `{indent}}}` on a line of its own there: the indentation shows where the block ends, and the `}}` further down closes the enclosing block"
                    ))
                    .with_suggested_fix(*line, format!("{indent}}}\n"))
            }
            SyntaxError::UnclosedString { start, line_end } => {
                error("this string is never closed", *start, "the string starts here")
                    .with_label(*line_end, "expected `\"` here")
                    .with_help("close the string with `\"` on the same line; write a line break inside a string as `\\n`")
            }
            SyntaxError::Expected {
                expected,
                found,
                word_follows,
                span,
            } => expected_found(expected, found, *word_follows, *span)
                .with_data("expected", *expected)
                .with_data("found", *found),
            SyntaxError::IncompleteDeclaration { span } => error(
                "incomplete declaration",
                *span,
                "expected `kind name { ... }`",
            ),
            SyntaxError::IncompleteBlock { span } => error("incomplete block", *span, "here"),
            SyntaxError::ExpectedValue { span } => {
                error("expected a value", *span, "expected a value here")
            }
            SyntaxError::Incomplete { span } => error("incomplete syntax", *span, "here"),
            SyntaxError::UnclosedComment { span } => error(
                "this comment is never closed",
                *span,
                "the comment starts here and runs to the end of the file",
            )
            .with_help("close the comment with `*/`; everything after an unclosed `/*` is ignored"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0001, message, span, label)
}

fn unclosed_brace(open: Span) -> Diagnostic {
    error("this `{` is never closed", open, "opened here")
}

/// "expected `=`, found `:`", with help for the slips people make most.
fn expected_found(expected: &str, found: &str, word_follows: bool, span: Span) -> Diagnostic {
    let diagnostic = error(
        format!("expected {expected}, found {found}"),
        span,
        format!("expected {expected} here"),
    );
    match found {
        "`;`" => diagnostic
            .with_help("Slipway needs no `;`: end a field with a new line, a space or `,`"),
        "`:`" | "a string" if expected.contains("`=`") => {
            diagnostic.with_help("a field is written `name = value`")
        }
        _ if expected == "the end of the declaration" && word_follows => {
            diagnostic.with_help("every declaration starts on a new line")
        }
        _ => diagnostic,
    }
}
