//! Splits a file into top-level declaration chunks before pest sees it.
//!
//! pest stops at the first error, so the parser is run once per declaration. This scanner
//! finds the declarations cheaply: it reads the structural tokens of [`super::lexer`] (so
//! strings and comments hide their brackets, and a name is skipped in one step), tracks
//! bracket depth, and starts a new chunk at a line that begins in column 0 with a name when
//! the brackets are balanced, or with a declaration keyword even when they are not (so an
//! unclosed `{` does not swallow the rest of the file). On the way it records every comment
//! for the formatter, and the first place where brackets nest deeper than [`MAX_DEPTH`],
//! which bounds the parser's recursion.

use crate::span::{FileId, Span};

use super::ast::Comment;
use super::lexer::{self, Kind, Piece, Token};

/// The deepest bracket nesting the parser accepts; deeper input is reported, not parsed.
pub(crate) const MAX_DEPTH: usize = 64;

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
    let mut scanner = Scanner {
        file,
        text,
        depth: 0,
        chunk_start: None,
        too_deep_at: None,
        split: Split::default(),
    };
    let mut pieces = lexer::structure(text);
    while let Some(piece) = pieces.next() {
        match piece {
            // Names, numbers and the like only open a chunk; the chunk is open most of the
            // time, so the run is not read.
            Piece::Run { start, end } => {
                if scanner.chunk_start.is_none() {
                    if let Some(solid) = lexer::first_solid(text, start, end) {
                        scanner.open_chunk(solid);
                    }
                }
            }
            Piece::Token(token) => {
                scanner.step(token, pieces.tokens());
                if token.kind == Kind::Newline && scanner.starts_new_chunk(token.end) {
                    scanner.close_chunk(token.end);
                    scanner.depth = 0;
                }
            }
        }
    }
    scanner.close_chunk(text.len());
    scanner.split
}

struct Scanner<'a> {
    file: FileId,
    text: &'a str,
    depth: usize,
    chunk_start: Option<usize>,
    too_deep_at: Option<usize>,
    split: Split,
}

impl Scanner<'_> {
    /// Whether the line starting at `position` starts a new declaration.
    fn starts_new_chunk(&self, position: usize) -> bool {
        if self.chunk_start.is_none() {
            return false;
        }
        let mut rest = self.text.get(position..).unwrap_or("");
        // (Most lines start with no byte order mark; testing for one is cheaper than trimming.)
        if rest.starts_with(lexer::BOM) {
            rest = rest.trim_start_matches(lexer::BOM);
        }
        // A declaration starts with a letter (most lines are indented: no need to read on).
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return false;
        }
        let mut tokens = lexer::tokens(rest);
        let Some(word) = tokens.next().filter(|token| token.kind == Kind::Word) else {
            return false;
        };
        let word = word.text(rest);
        if self.depth == 0 {
            return true;
        }
        // Inside unbalanced brackets only `keyword name` starts a declaration: `strategy = x`
        // written in column 0 inside a block is a field, not a new declaration.
        let blank = tokens.next().is_some_and(|token| {
            token.kind == Kind::Space && token.text(rest).bytes().all(|b| b == b' ' || b == b'\t')
        });
        let followed_by_name = blank
            && tokens
                .next()
                .is_some_and(|token| matches!(token.kind, Kind::Word | Kind::String { .. }));
        DECLARATION_KEYWORDS.contains(&word) && followed_by_name
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

    fn open_chunk(&mut self, position: usize) {
        if self.chunk_start.is_none() {
            self.chunk_start = Some(position);
        }
    }

    /// Takes one token; `after` reads the tokens that follow it.
    fn step(&mut self, token: Token, after: lexer::Tokens) {
        match token.kind {
            // The grammar skips a byte order mark as whitespace (editors write one at the start
            // of a file, concatenated files have them anywhere); so does the splitter, or a file
            // holding only a BOM would be a declaration that fails to parse.
            Kind::Space | Kind::Newline => {}
            Kind::LineComment => self.push_comment(token),
            Kind::BlockComment { closed } => {
                if !closed && self.split.unclosed_comment.is_none() {
                    self.split.unclosed_comment = Some(token.start);
                }
                self.push_comment(token);
            }
            Kind::Open(_) => {
                self.open_chunk(token.start);
                self.depth += 1;
                if self.depth > MAX_DEPTH && self.too_deep_at.is_none() {
                    self.too_deep_at = Some(token.start);
                }
            }
            Kind::Close(bracket) => {
                self.open_chunk(token.start);
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 && bracket == b'}' && rest_of_line_is_blank(after) {
                    self.close_chunk(token.end);
                }
            }
            _ => self.open_chunk(token.start),
        }
    }

    fn push_comment(&mut self, token: Token) {
        let text = token.text(self.text).trim_end_matches('\r');
        self.split.comments.push(Comment {
            text: text.to_string(),
            span: Span::new(self.file, token.start, token.start + text.len()),
        });
    }
}

/// Whether only blanks or a comment follow on the line.
fn rest_of_line_is_blank(tokens: lexer::Tokens) -> bool {
    for token in tokens {
        match token.kind {
            Kind::Space => {}
            Kind::Newline | Kind::LineComment | Kind::BlockComment { .. } => return true,
            _ => return false,
        }
    }
    true
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
