//! Source files and byte spans.
//!
//! Every AST node and every model entity that came from source carries a [`Span`]: a file id
//! and a half-open byte range. Lines and columns are computed only when something is shown to
//! a person (the renderer, JSON output, the language server), through [`LineIndex`].

use serde::Serialize;

/// Identifies one source file inside a [`crate::Sources`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A value together with the place in the source it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// Serialises as the bare value: snapshots of the model show meaning, not offsets.
impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// One input file: a display name (usually the path as the user gave it) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// Zero-based line and column; the column counts UTF-8 characters (LSP clients convert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineColumn {
    pub line: u32,
    pub column: u32,
}

/// Byte offset to line/column conversion for one file: the one line table of the compiler,
/// used by the renderer, the command line and the language server. Columns count characters,
/// or any other unit a caller measures characters in (the language server's UTF-16 code
/// units). Lines that are pure ASCII (nearly all of them) get their column by subtraction, so
/// a generated spec with thousands of problems on one long line still renders in linear time.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    ascii: Vec<bool>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let mut ascii = vec![true];
        for (index, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                starts.push(index + 1);
                ascii.push(true);
            } else if !byte.is_ascii() {
                if let Some(last) = ascii.last_mut() {
                    *last = false;
                }
            }
        }
        LineIndex { starts, ascii }
    }

    /// The zero-based line of `offset`; offsets past the end are on the last line.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1)
    }

    /// The offset where `line` starts, or `text_len` past the last line.
    pub fn start(&self, line: usize, text_len: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(text_len)
    }

    /// The line and column (in characters) of `offset`; offsets past the end clamp to the end.
    pub fn line_column(&self, text: &str, offset: usize) -> LineColumn {
        self.line_column_in(text, offset, |_| 1)
    }

    /// The line and column of `offset`, the column in the units `width` gives each character.
    pub fn line_column_in(
        &self,
        text: &str,
        offset: usize,
        width: impl Fn(char) -> usize,
    ) -> LineColumn {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.start(line, text.len()).min(offset);
        // One unit per character of an ASCII line, whatever the unit: UTF-8 and UTF-16 alike.
        let column = if self.ascii.get(line).copied().unwrap_or(false) {
            offset - start
        } else {
            text.get(start..offset)
                .map_or(0, |s| s.chars().map(&width).sum())
        };
        LineColumn {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a line/column position (the inverse of [`LineIndex::line_column`]);
    /// a column past the end of its line clamps to the end (before a `\r\n`).
    pub fn offset(&self, text: &str, position: LineColumn) -> usize {
        self.offset_in(text, position, |_| 1)
    }

    /// The byte offset of a line/column position whose column is in the units `width` gives
    /// each character (the inverse of [`LineIndex::line_column_in`]).
    pub fn offset_in(
        &self,
        text: &str,
        position: LineColumn,
        width: impl Fn(char) -> usize,
    ) -> usize {
        let Some(start) = self.starts.get(position.line as usize).copied() else {
            return text.len();
        };
        let line = text.get(start..).unwrap_or("");
        let mut units = 0;
        let mut bytes = 0;
        for c in line.chars() {
            if units >= position.column as usize || c == '\r' || c == '\n' {
                break;
            }
            units += width(c);
            bytes += c.len_utf8();
        }
        start + bytes
    }
}

/// The largest char boundary at or before `offset`.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_columns_round_trip() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        for offset in [0, 1, 3, 5, 6, 7, 8] {
            let position = index.line_column(text, offset);
            assert_eq!(index.offset(text, position), offset, "offset {offset}");
        }
        assert_eq!(
            index.line_column(text, 5),
            LineColumn { line: 1, column: 1 }
        );
    }

    #[test]
    fn finds_lines_and_character_columns() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        let at = |offset| {
            let position = index.line_column(text, offset);
            (position.line, position.column)
        };
        assert_eq!(at(0), (0, 0));
        assert_eq!(at(2), (0, 2));
        assert_eq!(at(3), (1, 0));
        assert_eq!(at(6), (1, 2));
        assert_eq!(at(8), (3, 0));
        assert_eq!(at(99), (3, 1));
        assert_eq!(index.start(2, text.len()), 7);
        assert_eq!(index.start(9, text.len()), text.len());
    }

    #[test]
    fn columns_in_other_units_and_line_ends() {
        let text = "a😀b\r\nc";
        let index = LineIndex::new(text);
        let utf16 = |c: char| c.len_utf16();
        assert_eq!(
            index.line_column_in(text, 5, utf16),
            LineColumn { line: 0, column: 3 }
        );
        let after_b = LineColumn { line: 0, column: 4 };
        assert_eq!(index.offset_in(text, after_b, utf16), 6);
        // Past the end of the line: before its `\r\n`.
        let far = LineColumn {
            line: 0,
            column: 40,
        };
        assert_eq!(index.offset_in(text, far, utf16), 6);
    }
}
