//! A fast path in front of pest for the declarations most specs are made of.
//!
//! pest took 80% of `slipway check` on a 1,000-service spec: every value climbs the whole
//! expression ladder of the grammar (`expr`, `or_expr`, `and_expr`, `not_expr`, `comparison`)
//! and tries every operator after it. This reader goes straight through the common case, an
//! item whose body holds attributes, blocks, lists, tagged objects and plain values (strings,
//! numbers, booleans, names), and builds exactly the tree pest and [`super::parser`] build,
//! spans included. It accepts a declaration only when it is sure: anything else (imports,
//! `from`, operators, calls, parentheses, bad escapes, deep nesting, any syntax error) makes
//! it return `None`, and the declaration goes to pest, so the grammar in
//! `grammar/slipway.pest` stays the definition of the language and the only source of syntax
//! errors. A test parses every spec in the repository and thousands of mutations of them both
//! ways and requires the same tree whenever this reader accepts.

use super::ast::*;
use super::escape;
use super::lexer::{self, is_word_start, Kind, Token};
use crate::span::{FileId, Span};

/// Deeper nesting is left to pest, which reports the limits.
const MAX_NESTING: usize = 32;

/// The declaration in `chunk` (found at byte `offset` of `file`), or `None` when pest must
/// read it.
pub(crate) fn parse_declaration(file: FileId, chunk: &str, offset: usize) -> Option<Declaration> {
    let mut reader = Reader {
        bytes: chunk.as_bytes(),
        text: chunk,
        position: 0,
        file,
        offset,
        depth: 0,
        entries: Vec::new(),
    };
    reader.skip()?;
    let item = reader.item()?;
    reader.skip()?;
    (reader.position == chunk.len()).then_some(Declaration::Item(Box::new(item)))
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    file: FileId,
    offset: usize,
    depth: usize,
    /// The entries of the objects being read, innermost last: each object takes its own
    /// off the end when it closes, into a vector of exactly their number.
    entries: Vec<Entry>,
}

impl Reader<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    /// The token at the reader's position.
    fn token(&self) -> Option<Token> {
        lexer::token_at(self.text, self.position)
    }

    /// The token at the reader's position when it is of kind `kind`.
    fn token_of(&self, kind: Kind) -> Option<Token> {
        self.token().filter(|token| token.kind == kind)
    }

    /// Skips whitespace (with the byte order mark) and comments, as the grammar's implicit
    /// `WHITESPACE` and `COMMENT` do. `None` for a `/*` that is never closed.
    fn skip(&mut self) -> Option<()> {
        self.position = lexer::trivia_end(self.text, self.position)?;
        Some(())
    }

    /// A name: a word that is not reserved.
    fn ident(&mut self) -> Option<Ident> {
        let token = self.token_of(Kind::Word)?;
        let text = token.text(self.text);
        if lexer::is_reserved(text) {
            return None;
        }
        self.position = token.end;
        Some(Ident {
            text: text.to_string(),
            span: self.span(token.start, token.end),
        })
    }

    /// `ident ("." ident)*` without spaces: a path, or the tag of a tagged object.
    fn dotted(&mut self) -> Option<Vec<Ident>> {
        let mut segments = vec![self.ident()?];
        while self.peek() == Some(b'.')
            && self
                .bytes
                .get(self.position + 1)
                .copied()
                .is_some_and(is_word_start)
        {
            let before = self.position;
            self.position += 1;
            match self.ident() {
                Some(segment) => segments.push(segment),
                None => {
                    self.position = before;
                    break;
                }
            }
        }
        Some(segments)
    }

    fn string(&mut self) -> Option<StringLit> {
        let token = self.token_of(Kind::String { closed: true })?;
        let raw = self.text.get(token.start + 1..token.end - 1)?;
        let value = escape::unescape(raw).ok()?;
        self.position = token.end;
        Some(StringLit {
            value,
            span: self.span(token.start, token.end),
        })
    }

    /// A number with its unit, as the lexer reads it.
    fn number(&mut self) -> Option<Expr> {
        let token = self.token_of(Kind::Number)?;
        let text = token.text(self.text);
        let (digits, unit) = text.split_at(lexer::unit_start(text));
        self.position = token.end;
        let number = NumberLit {
            digits: digits.to_string(),
            unit: (!unit.is_empty()).then(|| unit.to_string()),
        };
        Some(Expr {
            kind: ExprKind::Number(number),
            span: self.span(token.start, token.end),
        })
    }

    /// `true` or `false` as whole words.
    fn boolean(&mut self) -> Option<Expr> {
        let token = self.token_of(Kind::Word)?;
        let value = match token.text(self.text) {
            "true" => true,
            "false" => false,
            _ => return None,
        };
        self.position = token.end;
        Some(Expr {
            kind: ExprKind::Bool(value),
            span: self.span(token.start, token.end),
        })
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.position;
        let keyword = self.ident()?;
        if keyword.text == "import" {
            return None;
        }
        self.skip()?;
        let name = self.ident()?;
        self.skip()?;
        match self.peek()? {
            b'{' => {
                let object = self.object(None)?;
                let value = Expr {
                    span: object.span,
                    kind: ExprKind::Object(object),
                };
                let span = self.span(start, self.position);
                Some(Item {
                    keyword,
                    name,
                    from: None,
                    value,
                    doc: None,
                    span,
                })
            }
            b'=' if self.bytes.get(self.position + 1) != Some(&b'=') => {
                self.position += 1;
                self.skip()?;
                let value = self.value()?;
                // The value keeps the whitespace and comments skipped after it, and so does
                // the item (there are no more children to tighten the span to).
                self.skip()?;
                let span = self.span(start, self.position);
                Some(Item {
                    keyword,
                    name,
                    from: None,
                    value,
                    doc: None,
                    span,
                })
            }
            _ => None,
        }
    }

    /// Steps over an opening `{` or `[` (where the reader is) and what the grammar skips after
    /// it, one level deeper; returns where the bracket was. `None` past [`MAX_NESTING`].
    fn open(&mut self) -> Option<usize> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return None;
        }
        let start = self.position;
        self.position += 1;
        self.skip()?;
        Some(start)
    }

    /// Steps over the closing `}` or `]` (where the reader is), one level up.
    fn close(&mut self) {
        self.position += 1;
        self.depth -= 1;
    }

    /// `{ entries }`, after an optional tag. The reader is at the `{`.
    fn object(&mut self, tag: Option<Ident>) -> Option<Object> {
        let start = self.open()?;
        let first = self.entries.len();
        if self.object_entries().is_none() {
            self.entries.truncate(first);
            return None;
        }
        self.close();
        let mut span = self.span(start, self.position);
        if let Some(tag) = &tag {
            span = tag.span.to(span);
        }
        // Trees of large specs are kept for the whole check: no spare capacity (a vector
        // grown by pushing keeps up to half of it spare, and the allocator keeps a shrunk
        // block where it is).
        let entries = self.entries.drain(first..).collect();
        Some(Object { tag, entries, span })
    }

    /// The entries of an object up to its `}`, pushed onto `self.entries`.
    fn object_entries(&mut self) -> Option<()> {
        while self.peek()? != b'}' {
            let entry = self.entry()?;
            self.entries.push(entry);
            self.skip()?;
            if self.peek() == Some(b',') {
                self.position += 1;
                self.skip()?;
            }
        }
        Some(())
    }

    fn key(&mut self) -> Option<Ident> {
        if self.peek()? == b'"' {
            let literal = self.string()?;
            Some(Ident {
                text: literal.value,
                span: literal.span,
            })
        } else {
            self.ident()
        }
    }

    fn entry(&mut self) -> Option<Entry> {
        let key = self.key()?;
        self.skip()?;
        if self.peek()? == b'=' {
            if self.bytes.get(self.position + 1) == Some(&b'=') {
                return None;
            }
            self.position += 1;
            self.skip()?;
            let value = self.value()?;
            return Some(Entry::Attribute { key, value });
        }
        let label = if self.peek()? == b'{' {
            None
        } else {
            let label = self.ident()?;
            self.skip()?;
            Some(label)
        };
        if self.peek()? != b'{' {
            return None;
        }
        let body = self.object(None)?;
        Some(Entry::Block { key, label, body })
    }

    /// A value with no operator after it.
    fn value(&mut self) -> Option<Expr> {
        let value = self.primary()?;
        let after = self.position;
        self.skip()?;
        // A comparison, `and` or `or` would continue the value: pest reads those.
        // (Only those bytes can start one: the common case, a name, is not read twice.)
        let could_continue = matches!(self.peek(), Some(b'=' | b'!' | b'<' | b'>' | b'a' | b'o'));
        let continues = could_continue
            && self.token().is_some_and(|token| match token.kind {
                Kind::Assign | Kind::Compare => true,
                Kind::Unknown => token.text(self.text) == "!",
                Kind::Word => matches!(token.text(self.text), "and" | "or"),
                _ => false,
            });
        self.position = after;
        (!continues).then_some(value)
    }

    fn primary(&mut self) -> Option<Expr> {
        match self.peek()? {
            b'"' => {
                let literal = self.string()?;
                Some(Expr {
                    kind: ExprKind::String(literal.value),
                    span: literal.span,
                })
            }
            b'-' | b'0'..=b'9' => self.number(),
            b'[' => self.list(),
            b'{' => {
                let object = self.object(None)?;
                Some(Expr {
                    span: object.span,
                    kind: ExprKind::Object(object),
                })
            }
            b't' | b'f' => self.boolean().or_else(|| self.word_led()),
            byte if is_word_start(byte) => self.word_led(),
            _ => None,
        }
    }

    /// A tagged object (`http { ... }`, `probes.http-health { ... }`) or a path.
    fn word_led(&mut self) -> Option<Expr> {
        let start = self.position;
        let segments = self.dotted()?;
        let end = self.position;
        self.skip()?;
        match self.peek() {
            Some(b'{') => {
                let text = self.text.get(start..end)?.to_string();
                let tag = Ident {
                    text,
                    span: self.span(start, end),
                };
                let object = self.object(Some(tag))?;
                Some(Expr {
                    span: object.span,
                    kind: ExprKind::Object(object),
                })
            }
            Some(b'(') => None,
            _ => {
                self.position = end;
                let span = self.span(start, end);
                Some(Expr {
                    kind: ExprKind::Path(Path { segments, span }),
                    span,
                })
            }
        }
    }

    /// `[ value, value, ]`.
    fn list(&mut self) -> Option<Expr> {
        let start = self.open()?;
        let mut items = Vec::new();
        while self.peek()? != b']' {
            items.push(self.value()?);
            self.skip()?;
            match self.peek()? {
                b',' => {
                    self.position += 1;
                    self.skip()?;
                }
                b']' => {}
                _ => return None,
            }
        }
        self.close();
        items.shrink_to_fit();
        Some(Expr {
            kind: ExprKind::List(items),
            span: self.span(start, self.position),
        })
    }
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
