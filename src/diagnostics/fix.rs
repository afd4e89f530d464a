//! Machine-applicable fixes: a replacement of one span, and how sure the checker is of it.
//!
//! A diagnostic may carry fixes. A [`Applicability::Safe`] fix is one the checker is certain
//! of (a typo with only one close name, a unit written the way Kubernetes spells it, quotes
//! around a number, `0.95` where `95%` is meant): `slipway check --fix` applies those. A
//! [`Applicability::Suggested`] fix is a likely correction that still needs a person (it may
//! change meaning, or other places may need the same edit); the language server offers both
//! as quick fixes. [`apply_safe`] edits one file's text and is pure, so the CLI, the tests and
//! any editor apply fixes the same way.

use super::Diagnostic;
use crate::span::{FileId, Span};
use serde::Serialize;

/// Whether a fix may be applied without a person looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Certain: applied by `slipway check --fix`.
    Safe,
    /// Likely, but a person should decide: offered by the language server only.
    Suggested,
}

/// A replacement of `span` by `replacement` that fixes the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    pub applicability: Applicability,
}

impl Fix {
    pub(crate) fn is_safe(&self) -> bool {
        self.applicability == Applicability::Safe
    }
}

/// One fix applied to a file, as `check --fix` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub code: super::Code,
    /// Byte range in the text before the edit.
    pub span: Span,
    pub before: String,
    pub after: String,
}

/// Applies the safe fixes of `diagnostics` that fall in `file` to `text`. A diagnostic's
/// fixes are applied together or not at all: only when every one of them is safe and none
/// overlaps an edit already taken (the first diagnostic in order wins; the rest are left for
/// the next round, after a new check). Returns the new text and what was changed.
pub fn apply_safe(text: &str, file: FileId, diagnostics: &[Diagnostic]) -> (String, Vec<Applied>) {
    let mut taken: Vec<(&Diagnostic, &Fix)> = Vec::new();
    for diagnostic in diagnostics {
        let fixes = &diagnostic.fixes;
        if fixes.is_empty() || !fixes.iter().all(|f| f.is_safe() && fits(f, file, text)) {
            continue;
        }
        let clashes = fixes.iter().any(|fix| {
            taken
                .iter()
                .any(|(_, other)| overlaps(fix.span, other.span))
        });
        if !clashes {
            taken.extend(fixes.iter().map(|fix| (diagnostic, fix)));
        }
    }
    taken.sort_by_key(|(_, fix)| (fix.span.start, fix.span.end));
    let mut out = String::with_capacity(text.len());
    let mut applied = Vec::new();
    let mut cursor = 0usize;
    for (diagnostic, fix) in taken {
        let (start, end) = (fix.span.start as usize, fix.span.end as usize);
        out.push_str(&text[cursor..start]);
        out.push_str(&fix.replacement);
        cursor = end;
        applied.push(Applied {
            code: diagnostic.code,
            span: fix.span,
            before: text[start..end].to_string(),
            after: fix.replacement.clone(),
        });
    }
    out.push_str(&text[cursor..]);
    (out, applied)
}

/// Whether `fix` edits `file` at character boundaries inside `text`, and changes anything.
fn fits(fix: &Fix, file: FileId, text: &str) -> bool {
    let (start, end) = (fix.span.start as usize, fix.span.end as usize);
    fix.span.file == file
        && start <= end
        && text.is_char_boundary(start)
        && text.is_char_boundary(end)
        && end <= text.len()
        && text[start..end] != fix.replacement
}

/// Two edits clash when their ranges share a byte, or both insert at the same place.
fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end || a.start == b.start
}

#[cfg(test)]
mod tests {
    use super::apply_safe;
    use crate::diagnostics::{Code, Diagnostic};
    use crate::span::{FileId, Span};

    fn span(start: u32, end: u32) -> Span {
        Span {
            file: FileId(0),
            start,
            end,
        }
    }

    fn problem(start: u32, end: u32) -> Diagnostic {
        Diagnostic::error(Code::SW0205, "m", span(start, end), "l")
    }

    #[test]
    fn applies_safe_fixes_and_reports_them() {
        let text = "memory = 2GB\ncpu = 5x\n";
        let diagnostics = [
            problem(9, 12).with_fix(span(9, 12), "2G"),
            problem(19, 21).with_suggested_fix(span(19, 21), "5"),
        ];
        let (fixed, applied) = apply_safe(text, FileId(0), &diagnostics);
        assert_eq!(fixed, "memory = 2G\ncpu = 5x\n");
        assert_eq!(applied.len(), 1);
        assert_eq!(
            (applied[0].before.as_str(), applied[0].after.as_str()),
            ("2GB", "2G")
        );
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_round() {
        let text = "abcdef";
        let diagnostics = [
            problem(0, 3).with_fix(span(0, 3), "x"),
            problem(2, 5).with_fix(span(2, 5), "y"),
        ];
        let (fixed, applied) = apply_safe(text, FileId(0), &diagnostics);
        assert_eq!(fixed, "xdef");
        assert_eq!(applied.len(), 1);
    }

    #[test]
    fn fixes_in_other_files_or_outside_the_text_are_left_alone() {
        let other = Span {
            file: FileId(1),
            start: 0,
            end: 1,
        };
        let diagnostics = [
            problem(0, 1).with_fix(other, "x"),
            problem(0, 1).with_fix(span(0, 99), "y"),
        ];
        let (fixed, applied) = apply_safe("abc", FileId(0), &diagnostics);
        assert_eq!(fixed, "abc");
        assert!(applied.is_empty());
    }
}
