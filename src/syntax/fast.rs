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
use crate::span::{FileId, Span};

/// Deeper nesting is left to pest, which reports the limits.
const MAX_NESTING: usize = 32;

/// The declaration in `chunk` (found at byte `offset` of `file`), or `None` when pest must
/// read it.
pub fn parse_declaration(file: FileId, chunk: &str, offset: usize) -> Option<Declaration> {
    let mut reader = Reader {
        bytes: chunk.as_bytes(),
        text: chunk,
        position: 0,
        file,
        offset,
        depth: 0,
    };
    reader.skip()?;
    let item = reader.item()?;
    reader.skip()?;
    (reader.position == chunk.len()).then_some(Declaration::Item(item))
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    file: FileId,
    offset: usize,
    depth: usize,
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

impl Reader<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn rest(&self) -> &[u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    /// Skips whitespace (with the byte order mark) and comments, as the grammar's implicit
    /// `WHITESPACE` and `COMMENT` do. `None` for a `/*` that is never closed.
    fn skip(&mut self) -> Option<()> {
        loop {
            let rest = self.rest();
            match rest.first() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.position += 1,
                Some(0xEF) if rest.starts_with("\u{FEFF}".as_bytes()) => self.position += 3,
                Some(b'#') => self.line_comment(),
                Some(b'/') if rest.starts_with(b"//") => self.line_comment(),
                Some(b'/') if rest.starts_with(b"/*") => {
                    let close = rest.windows(2).skip(2).position(|pair| pair == b"*/")?;
                    self.position += close + 4;
                }
                _ => return Some(()),
            }
        }
    }

    fn line_comment(&mut self) {
        let length = self
            .rest()
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.rest().len());
        self.position += length;
    }

    /// `[A-Za-z_][A-Za-z0-9_-]*`, but not a reserved word on its own.
    fn ident(&mut self) -> Option<Ident> {
        let start = self.position;
        if !self.peek().is_some_and(is_ident_start) {
            return None;
        }
        let length = self
            .rest()
            .iter()
            .take_while(|&&b| is_ident_char(b))
            .count();
        let text = self.text.get(start..start + length)?;
        if matches!(text, "true" | "false" | "and" | "or" | "not") {
            return None;
        }
        self.position += length;
        Some(Ident {
            text: text.to_string(),
            span: self.span(start, start + length),
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
                .is_some_and(is_ident_start)
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
        let start = self.position;
        self.position += 1;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    // An escape takes any character but a line break; `unescape` judges it.
                    if matches!(self.bytes.get(self.position + 1), None | Some(b'\n')) {
                        return None;
                    }
                    self.position += 1;
                    self.position += utf8_length(self.text.get(self.position..)?);
                }
                _ => self.position += 1,
            }
        }
        let raw = self.text.get(start + 1..self.position)?;
        self.position += 1;
        let value = escape::unescape(raw).ok()?;
        Some(StringLit {
            value,
            span: self.span(start, self.position),
        })
    }

    /// `-? digits (. digits)? unit?` where a unit is `%` or letters.
    fn number(&mut self) -> Option<Expr> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        let digits = |reader: &Self| {
            reader
                .rest()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let whole = digits(self);
        if whole == 0 {
            return None;
        }
        self.position += whole;
        if self.peek() == Some(b'.')
            && self
                .bytes
                .get(self.position + 1)
                .is_some_and(u8::is_ascii_digit)
        {
            self.position += 1;
            self.position += digits(self);
        }
        let digits_end = self.position;
        let unit_length = match self.peek() {
            Some(b'%') => 1,
            _ => self
                .rest()
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count(),
        };
        self.position += unit_length;
        let unit =
            (unit_length > 0).then(|| self.text.get(digits_end..self.position).map(str::to_string));
        let number = NumberLit {
            digits: self.text.get(start..digits_end)?.to_string(),
            unit: unit.flatten(),
        };
        Some(Expr {
            kind: ExprKind::Number(number),
            span: self.span(start, self.position),
        })
    }

    /// `true` or `false` as whole words.
    fn boolean(&mut self) -> Option<Expr> {
        let start = self.position;
        for (word, value) in [("true", true), ("false", false)] {
            if self.rest().starts_with(word.as_bytes())
                && !self
                    .bytes
                    .get(start + word.len())
                    .copied()
                    .is_some_and(is_ident_char)
            {
                self.position += word.len();
                return Some(Expr {
                    kind: ExprKind::Bool(value),
                    span: self.span(start, self.position),
                });
            }
        }
        None
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

    /// `{ entries }`, after an optional tag. The reader is at the `{`.
    fn object(&mut self, tag: Option<Ident>) -> Option<Object> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return None;
        }
        let start = self.position;
        self.position += 1;
        self.skip()?;
        let mut entries = Vec::new();
        while self.peek()? != b'}' {
            entries.push(self.entry()?);
            self.skip()?;
            if self.peek() == Some(b',') {
                self.position += 1;
                self.skip()?;
            }
        }
        self.position += 1;
        self.depth -= 1;
        let mut span = self.span(start, self.position);
        if let Some(tag) = &tag {
            span = tag.span.to(span);
        }
        // Trees of large specs are kept for the whole check: no spare capacity.
        entries.shrink_to_fit();
        Some(Object { tag, entries, span })
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
        let continues = match self.rest() {
            [b'=' | b'!' | b'<' | b'>', ..] => true,
            rest => ["and", "or"].iter().any(|word| {
                rest.starts_with(word.as_bytes())
                    && !rest.get(word.len()).copied().is_some_and(is_ident_char)
            }),
        };
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
            byte if is_ident_start(byte) => self.word_led(),
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
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return None;
        }
        let start = self.position;
        self.position += 1;
        self.skip()?;
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
        self.position += 1;
        self.depth -= 1;
        items.shrink_to_fit();
        Some(Expr {
            kind: ExprKind::List(items),
            span: self.span(start, self.position),
        })
    }
}

/// The length in bytes of the character at the start of `text` (1 at the end).
fn utf8_length(text: &str) -> usize {
    text.chars().next().map_or(1, char::len_utf8)
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
