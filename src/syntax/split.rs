//! Splits a file into top-level declaration chunks before pest sees it.
//!
//! pest stops at the first error, so the parser is run once per declaration. This scanner
//! finds the declarations cheaply: it tracks strings, comments and bracket depth, and starts a
//! new chunk at a line that begins in column 0 with a name when the brackets are balanced, or
//! with a declaration keyword even when they are not (so an unclosed `{` does not swallow the
//! rest of the file). On the way it records every comment for the formatter, and the first
//! place where brackets nest deeper than [`MAX_DEPTH`], which bounds the parser's recursion.

use crate::span::{FileId, Span};

use super::ast::Comment;

/// The deepest bracket nesting the parser accepts; deeper input is reported, not parsed.
pub const MAX_DEPTH: usize = 64;

/// The byte order mark, U+FEFF.
const BOM: &str = "\u{FEFF}";

/// Words that always start a declaration at column 0, even inside unbalanced brackets.
const DECLARATION_KEYWORDS: &[&str] = &[
    "app",
    "service",
    "environment",
    "strategy",
    "policy",
    "import",
    "template",
    "defaults",
    "waiver",
];

/// One top-level chunk: its byte range and, if it nests too deeply, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub too_deep_at: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Split {
    pub chunks: Vec<Chunk>,
    pub comments: Vec<Comment>,
    /// Where a `/*` comment starts that is never closed (it runs to the end of the file).
    pub unclosed_comment: Option<usize>,
}

pub fn split(file: FileId, text: &str) -> Split {
    Scanner {
        file,
        text,
        bytes: text.as_bytes(),
        position: 0,
        depth: 0,
        chunk_start: None,
        too_deep_at: None,
        split: Split::default(),
    }
    .run()
}

struct Scanner<'a> {
    file: FileId,
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    depth: usize,
    chunk_start: Option<usize>,
    too_deep_at: Option<usize>,
    split: Split,
}

impl Scanner<'_> {
    fn run(mut self) -> Split {
        while self.position < self.bytes.len() {
            let before = self
                .position
                .checked_sub(1)
                .and_then(|at| self.bytes.get(at));
            let at_line_start = before.is_none_or(|byte| *byte == b'\n');
            if at_line_start && self.starts_new_chunk() {
                self.close_chunk(self.position);
                self.depth = 0;
            }
            self.step();
        }
        self.close_chunk(self.bytes.len());
        self.split
    }

    fn starts_new_chunk(&self) -> bool {
        let rest = self.text[self.position..].trim_start_matches(BOM);
        let word_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        if word_len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return false;
        }
        if self.chunk_start.is_none() {
            return false;
        }
        let word = &rest[..word_len];
        // Inside unbalanced brackets only `keyword name` starts a declaration: `strategy = x`
        // written in column 0 inside a block is a field, not a new declaration.
        let after = rest[word_len..].trim_start_matches([' ', '\t']);
        let followed_by_name = after.len() < rest.len() - word_len
            && after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '"');
        self.depth == 0 || (DECLARATION_KEYWORDS.contains(&word) && followed_by_name)
    }

    fn close_chunk(&mut self, end: usize) {
        if let Some(start) = self.chunk_start.take() {
            self.split.chunks.push(Chunk {
                start,
                end,
                too_deep_at: self.too_deep_at.take(),
            });
        }
    }

    fn open_chunk(&mut self) {
        if self.chunk_start.is_none() {
            self.chunk_start = Some(self.position);
        }
    }

    /// Consumes one token-ish unit at `position`.
    fn step(&mut self) {
        let Some(byte) = self.peek(0) else {
            self.position = self.bytes.len();
            return;
        };
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => self.position += 1,
            // The grammar skips a byte order mark as whitespace (editors write one at the start
            // of a file, concatenated files have them anywhere); so does the splitter, or a file
            // holding only a BOM would be a declaration that fails to parse.
            0xEF if self.rest().starts_with(BOM.as_bytes()) => {
                self.position += BOM.len();
            }
            b'/' if self.peek(1) == Some(b'/') => self.line_comment(),
            b'#' => self.line_comment(),
            b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
            b'"' => {
                self.open_chunk();
                self.string();
            }
            b'{' | b'[' | b'(' => {
                self.open_chunk();
                self.depth += 1;
                if self.depth > MAX_DEPTH && self.too_deep_at.is_none() {
                    self.too_deep_at = Some(self.position);
                }
                self.position += 1;
            }
            b'}' | b']' | b')' => {
                self.open_chunk();
                self.depth = self.depth.saturating_sub(1);
                self.position += 1;
                if self.depth == 0 && byte == b'}' && self.rest_of_line_is_blank() {
                    self.close_chunk(self.position);
                }
            }
            _ => {
                self.open_chunk();
                self.position += utf8_len(byte);
            }
        }
    }

    fn rest_of_line_is_blank(&self) -> bool {
        for &byte in self.rest() {
            match byte {
                b'\n' => return true,
                b' ' | b'\t' | b'\r' => {}
                b'/' | b'#' => return true,
                _ => return false,
            }
        }
        true
    }

    /// The bytes from `position` on (none past the end).
    fn rest(&self) -> &[u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.position + ahead).copied()
    }

    fn line_comment(&mut self) {
        let start = self.position;
        while self.peek(0).is_some_and(|byte| byte != b'\n') {
            self.position += 1;
        }
        self.push_comment(start);
    }

    fn block_comment(&mut self) {
        let start = self.position;
        self.position += 2;
        while self.position < self.bytes.len() && !self.rest().starts_with(b"*/") {
            self.position += 1;
        }
        if self.position >= self.bytes.len() && self.split.unclosed_comment.is_none() {
            self.split.unclosed_comment = Some(start);
        }
        self.position = (self.position + 2).min(self.bytes.len());
        self.push_comment(start);
    }

    fn push_comment(&mut self, start: usize) {
        let end = self.position;
        let text = self
            .text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r');
        self.split.comments.push(Comment {
            text: text.to_string(),
            span: Span::new(self.file, start, start + text.len()),
        });
    }

    /// Skips a string literal; an unterminated one ends at the end of its line.
    fn string(&mut self) {
        self.position += 1;
        while let Some(byte) = self.peek(0) {
            match byte {
                b'\\' => self.position += 2,
                b'"' => {
                    self.position += 1;
                    return;
                }
                b'\n' => return,
                byte => self.position += utf8_len(byte),
            }
        }
        self.position = self.position.min(self.bytes.len());
    }
}

fn utf8_len(first_byte: u8) -> usize {
    match first_byte {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        split(FileId(0), text)
            .chunks
            .iter()
            .map(|chunk| text[chunk.start..chunk.end].trim())
            .collect()
    }

    #[test]
    fn splits_at_top_level_declarations() {
        let text =
            "service a {\n  x = 1\n}\n// note\nstrategy s = recreate\nservice b { y = \"}\" }\n";
        assert_eq!(
            chunks(text),
            [
                "service a {\n  x = 1\n}",
                "strategy s = recreate",
                "service b { y = \"}\" }"
            ]
        );
    }

    #[test]
    fn unclosed_brace_does_not_swallow_the_next_declaration() {
        let text = "service a {\n  x = 1\nservice b {\n}\n";
        assert_eq!(chunks(text), ["service a {\n  x = 1", "service b {\n}"]);
    }

    #[test]
    fn byte_order_marks_are_whitespace() {
        assert_eq!(chunks("\u{FEFF}"), Vec::<&str>::new());
        let text = "\u{FEFF}strategy s = recreate\n\u{FEFF}service b {\n}\n";
        assert_eq!(chunks(text), ["strategy s = recreate", "service b {\n}"]);
    }

    #[test]
    fn records_an_unclosed_block_comment() {
        let text = "service a {}\n/* never closed\nservice b {}\n";
        let found = split(FileId(0), text);
        assert_eq!(found.unclosed_comment, Some(13));
        assert_eq!(
            split(FileId(0), "/* closed */ service a {}").unclosed_comment,
            None
        );
    }

    #[test]
    fn records_depth_overflow() {
        let text = format!("service a {{ x = {} }}", "[".repeat(MAX_DEPTH + 5));
        let split = split(FileId(0), &text);
        assert!(split.chunks[0].too_deep_at.is_some());
    }
}
