//! The lexical rules of Slipway, written once outside the grammar: whitespace, comments,
//! strings, numbers with units, names and punctuation.
//!
//! `grammar/slipway.pest` stays the definition of the language and pest the only source of
//! syntax errors. Everything else that reads text without the parser (the splitter, the fast
//! reader, the parser's error helpers, the formatter and the language server) cuts it into
//! tokens here, so a comment, a string or a number ends in the same place for all of them and
//! for pest. [`tokens`] is a zero-allocation iterator over [`Token`]s that covers every byte of
//! the text; [`token_at`] reads the single token starting at an offset. A test
//! (`syntax/lexer_grammar_tests.rs`) and the fuzz target `lexer` check that every token pest builds
//! starts and ends on a boundary of these tokens.

/// The byte order mark, U+FEFF, which the grammar skips as whitespace.
pub(crate) const BOM: &str = "\u{FEFF}";

/// The words the grammar never reads as names: `true`, `false`, `and`, `or`, `not`.
pub const RESERVED: [&str; 5] = ["true", "false", "and", "or", "not"];

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A run of blanks: spaces, tabs, carriage returns and byte order marks.
    Space,
    /// One `\n`.
    Newline,
    /// `// ...` or `# ...`, up to (not including) the end of its line.
    LineComment,
    /// `/* ... */`; one that is never closed runs to the end of the text.
    BlockComment {
        closed: bool,
    },
    /// `"..."` with its escapes (a backslash and any character but a line break). One that is
    /// never closed ends before the line break (or at the end of the text).
    String {
        closed: bool,
    },
    /// `-? digits (. digits)? unit?`, where a unit is `%` or letters: `3`, `-0.5`, `30s`, `2Gi`.
    Number,
    /// `[A-Za-z_][A-Za-z0-9_-]*`: a name, a keyword, or one of the [`RESERVED`] words.
    Word,
    /// `{`, `[` or `(`.
    Open(u8),
    /// `}`, `]` or `)`.
    Close(u8),
    /// `=`.
    Assign,
    /// `==`, `!=`, `<=`, `>=`, `<` or `>`.
    Compare,
    Comma,
    Dot,
    /// `/`, as in `import std/strategies`.
    Slash,
    /// Any other character (one whole character, never part of one).
    Unknown,
}

impl Kind {
    /// Whitespace and comments: what the grammar skips between tokens.
    pub(crate) fn is_trivia(self) -> bool {
        matches!(
            self,
            Kind::Space | Kind::Newline | Kind::LineComment | Kind::BlockComment { .. }
        )
    }

    pub fn is_comment(self) -> bool {
        matches!(self, Kind::LineComment | Kind::BlockComment { .. })
    }
}

/// One token: its kind and its byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token's text (empty if the range does not fit `text`).
    pub fn text(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// The tokens of `text`, in order, covering every byte.
pub fn tokens(text: &str) -> Tokens<'_> {
    tokens_from(text, 0)
}

/// The tokens of `text` from byte `start` on (which must start a token).
pub(crate) fn tokens_from(text: &str, start: usize) -> Tokens<'_> {
    Tokens {
        text,
        position: start,
    }
}

/// The iterator behind [`tokens`]; cheap to copy, so a reader can look ahead with a copy.
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    text: &'a str,
    position: usize,
}

impl Tokens<'_> {
    /// Where the next token starts.
    pub fn position(&self) -> usize {
        self.position
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let token = token_at(self.text, self.position)?;
        self.position = token.end;
        Some(token)
    }
}

/// The tokens of `text` that matter to a reader of its structure, in order (line breaks,
/// comments, strings and brackets), and the runs of other tokens between them (names,
/// numbers, blanks, other punctuation), each run as one [`Piece::Run`]. No token but a
/// comment or a string holds a line break, a bracket, a quote, `#` or `/`, and those start
/// with one, so skipping to the next such byte lands on a token boundary: a run ends where
/// [`tokens`] starts the next structural token (a test and the fuzz target `lexer` hold the
/// two views together). The splitter reads this view: it skips a name in one step.
pub fn structure(text: &str) -> Structure<'_> {
    Structure { text, position: 0 }
}

/// What [`structure`] yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// A line break, comment, string, bracket or `/`.
    Token(Token),
    /// The tokens from `start` to `end`, none of them structural.
    Run { start: usize, end: usize },
}

/// The iterator behind [`structure`].
#[derive(Debug, Clone, Copy)]
pub struct Structure<'a> {
    text: &'a str,
    position: usize,
}

impl Structure<'_> {
    /// The tokens from where the next piece starts, as [`tokens_from`] reads them.
    pub fn tokens(&self) -> Tokens<'_> {
        tokens_from(self.text, self.position)
    }
}

/// Where the first token from `start` on that is not a blank starts, if one does before
/// `end`.
pub(crate) fn first_solid(text: &str, start: usize, end: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = start;
    while at < end {
        if !is_blank_at(bytes, at) {
            return Some(at);
        }
        at = blanks_end(bytes, at);
    }
    None
}

/// Whether `byte` starts a token that [`structure`] yields on its own.
#[inline]
fn is_structural(byte: u8) -> bool {
    matches!(
        byte,
        b'\n' | b'"' | b'#' | b'/' | b'{' | b'[' | b'(' | b'}' | b']' | b')'
    )
}

impl Iterator for Structure<'_> {
    type Item = Piece;

    #[inline]
    fn next(&mut self) -> Option<Piece> {
        let bytes = self.text.as_bytes();
        let start = self.position;
        if is_structural(*bytes.get(start)?) {
            let token = token_at(self.text, start)?;
            self.position = token.end;
            Some(Piece::Token(token))
        } else {
            let end = run_end(bytes, start, |b| !is_structural(b));
            self.position = end;
            Some(Piece::Run { start, end })
        }
    }
}

/// The token that starts at byte `start` of `text`, or `None` at the end (or past it).
#[inline]
pub fn token_at(text: &str, start: usize) -> Option<Token> {
    let bytes = text.as_bytes();
    let first = *bytes.get(start)?;
    let second = bytes.get(start + 1).copied();
    // Names, strings and numbers first: they are most of a spec, and none starts like trivia.
    let (kind, end) = match first {
        byte if is_word_start(byte) => (Kind::Word, word_end(bytes, start)),
        b'"' => string(bytes, start),
        b'0'..=b'9' => (Kind::Number, number_end(bytes, start)),
        b'-' if second.is_some_and(|b| b.is_ascii_digit()) => {
            (Kind::Number, number_end(bytes, start + 1))
        }
        _ => trivia_at(bytes, start).unwrap_or_else(|| punctuation(text, start, first, second)),
    };
    Some(Token { kind, start, end })
}

/// Where the whitespace and comments from byte `start` on end (`start` itself when there are
/// none), without reading the token after them; `None` when they end in a `/*` that is never
/// closed. For readers that only skip what the grammar skips.
#[inline]
pub(crate) fn trivia_end(text: &str, start: usize) -> Option<usize> {
    let mut at = start;
    while let Some((kind, end)) = trivia_at(text.as_bytes(), at) {
        if kind == (Kind::BlockComment { closed: false }) {
            return None;
        }
        at = end;
    }
    Some(at)
}

/// The whitespace or comment token at `start` (its kind and end), if there is one.
#[inline(always)]
fn trivia_at(bytes: &[u8], start: usize) -> Option<(Kind, usize)> {
    let second = bytes.get(start + 1).copied();
    Some(match *bytes.get(start)? {
        b'\n' => (Kind::Newline, start + 1),
        b' ' | b'\t' | b'\r' | 0xEF if is_blank_at(bytes, start) => {
            (Kind::Space, blanks_end(bytes, start))
        }
        b'#' => (Kind::LineComment, line_end(bytes, start)),
        b'/' if second == Some(b'/') => (Kind::LineComment, line_end(bytes, start)),
        b'/' if second == Some(b'*') => block_comment(bytes, start),
        _ => return None,
    })
}

/// Whether `byte` can start a name.
#[inline]
pub(crate) fn is_word_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

/// Whether `byte` can continue a name.
#[inline]
pub(crate) fn is_word_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// Whether `word` is one of the [`RESERVED`] words.
pub(crate) fn is_reserved(word: &str) -> bool {
    // (A match compiles to a test of the length and one comparison; `RESERVED.contains`
    // compared all five. The unit tests hold the two lists together.)
    matches!(word, "true" | "false" | "and" | "or" | "not")
}

/// Where the unit of the number token `number` starts (its length when it has none):
/// `30s` → 2, `25%` → 2, `-1.5` → 4.
pub(crate) fn unit_start(number: &str) -> usize {
    number
        .bytes()
        .rposition(|b| b.is_ascii_digit())
        .map_or(number.len(), |last_digit| last_digit + 1)
}

#[inline]
fn is_blank_at(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        Some(b' ' | b'\t' | b'\r') => true,
        Some(0xEF) => bytes.get(at..at + BOM.len()) == Some(BOM.as_bytes()),
        _ => false,
    }
}

#[inline]
fn blanks_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    loop {
        at = run_end(bytes, at, |b| matches!(b, b' ' | b'\t' | b'\r'));
        if bytes.get(at..at + BOM.len()) != Some(BOM.as_bytes()) {
            return at;
        }
        at += BOM.len();
    }
}

#[inline]
fn run_end(bytes: &[u8], start: usize, accept: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| !accept(b)))
        .map_or(bytes.len(), |length| start + length)
}

#[inline]
fn line_end(bytes: &[u8], start: usize) -> usize {
    run_end(bytes, start, |b| b != b'\n')
}

#[inline]
fn word_end(bytes: &[u8], start: usize) -> usize {
    run_end(bytes, start, is_word_char)
}

/// `/*` up to the first `*/` after it (`/*/` does not close itself).
fn block_comment(bytes: &[u8], start: usize) -> (Kind, usize) {
    let body = start + 2;
    let close = bytes
        .get(body..)
        .and_then(|rest| rest.windows(2).position(|pair| pair == b"*/"));
    match close {
        Some(at) => (Kind::BlockComment { closed: true }, body + at + 2),
        None => (Kind::BlockComment { closed: false }, bytes.len()),
    }
}

/// A string literal; an unclosed one ends before its line break, as the grammar's string
/// cannot cross a line (not even after a backslash).
#[inline]
fn string(bytes: &[u8], start: usize) -> (Kind, usize) {
    let mut at = start + 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => return (Kind::String { closed: true }, at + 1),
            b'\n' => return (Kind::String { closed: false }, at),
            b'\\' if matches!(bytes.get(at + 1), None | Some(b'\n')) => at += 1,
            // An escape takes the next byte; the rest of a multi-byte character is then read
            // as ordinary bytes (none of them is a quote, backslash or line break).
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    (Kind::String { closed: false }, bytes.len())
}

/// The end of a number whose digits start at `digits`.
#[inline]
fn number_end(bytes: &[u8], digits: usize) -> usize {
    let mut at = run_end(bytes, digits, |b| b.is_ascii_digit());
    if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at = run_end(bytes, at + 1, |b| b.is_ascii_digit());
    }
    match bytes.get(at) {
        Some(b'%') => at + 1,
        _ => run_end(bytes, at, |b| b.is_ascii_alphabetic()),
    }
}

fn punctuation(text: &str, start: usize, first: u8, second: Option<u8>) -> (Kind, usize) {
    let kind = match (first, second) {
        (b'=' | b'!' | b'<' | b'>', Some(b'=')) => return (Kind::Compare, start + 2),
        (b'<' | b'>', _) => Kind::Compare,
        (b'{' | b'[' | b'(', _) => Kind::Open(first),
        (b'}' | b']' | b')', _) => Kind::Close(first),
        (b'=', _) => Kind::Assign,
        (b',', _) => Kind::Comma,
        (b'.', _) => Kind::Dot,
        (b'/', _) => Kind::Slash,
        _ => {
            let width = text
                .get(start..)
                .and_then(|rest| rest.chars().next())
                .map_or(1, char::len_utf8);
            return (Kind::Unknown, start + width);
        }
    };
    (kind, start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokens(text).map(|t| (t.kind, t.text(text))).collect()
    }

    #[test]
    fn covers_every_byte() {
        let text = "service a { x = \"é\\\"\" # c\n y = -2.5Gi/* b */z=[1,2%]}\u{FEFF}é!";
        let mut end = 0;
        for token in tokens(text) {
            assert_eq!(token.start, end);
            assert!(token.end > token.start);
            end = token.end;
        }
        assert_eq!(end, text.len());
    }

    #[test]
    fn reads_numbers_with_units() {
        assert_eq!(
            kinds("30s -0.5 25% 1.x 1e3"),
            [
                (Kind::Number, "30s"),
                (Kind::Space, " "),
                (Kind::Number, "-0.5"),
                (Kind::Space, " "),
                (Kind::Number, "25%"),
                (Kind::Space, " "),
                (Kind::Number, "1"),
                (Kind::Dot, "."),
                (Kind::Word, "x"),
                (Kind::Space, " "),
                (Kind::Number, "1e"),
                (Kind::Number, "3"),
            ]
        );
        assert_eq!(unit_start("30s"), 2);
        assert_eq!(unit_start("-1.5"), 4);
        assert_eq!(unit_start("25%"), 2);
    }

    #[test]
    fn strings_end_at_their_quote_or_their_line() {
        assert_eq!(
            kinds("\"a\\\"b\" \"open\n"),
            [
                (Kind::String { closed: true }, "\"a\\\"b\""),
                (Kind::Space, " "),
                (Kind::String { closed: false }, "\"open"),
                (Kind::Newline, "\n"),
            ]
        );
        assert_eq!(
            kinds("\"a\\\nb"),
            [
                (Kind::String { closed: false }, "\"a\\"),
                (Kind::Newline, "\n"),
                (Kind::Word, "b"),
            ]
        );
        assert_eq!(kinds("\"\\"), [(Kind::String { closed: false }, "\"\\")]);
    }

    #[test]
    fn reads_comments() {
        assert_eq!(
            kinds("# a\r\n// b\n/*/ c */"),
            [
                (Kind::LineComment, "# a\r"),
                (Kind::Newline, "\n"),
                (Kind::LineComment, "// b"),
                (Kind::Newline, "\n"),
                (Kind::BlockComment { closed: true }, "/*/ c */"),
            ]
        );
        assert_eq!(
            kinds("/* open { "),
            [(Kind::BlockComment { closed: false }, "/* open { ")]
        );
    }

    #[test]
    fn reserved_words_are_exactly_the_listed_ones() {
        for word in RESERVED {
            assert!(is_reserved(word), "{word}");
        }
        for word in ["tru", "falsey", "an", "nott", "or-", "True"] {
            assert!(!is_reserved(word), "{word}");
        }
    }

    #[test]
    fn reads_punctuation_and_unknown_characters() {
        assert_eq!(
            kinds("a==b!c<=é;std/x"),
            [
                (Kind::Word, "a"),
                (Kind::Compare, "=="),
                (Kind::Word, "b"),
                (Kind::Unknown, "!"),
                (Kind::Word, "c"),
                (Kind::Compare, "<="),
                (Kind::Unknown, "é"),
                (Kind::Unknown, ";"),
                (Kind::Word, "std"),
                (Kind::Slash, "/"),
                (Kind::Word, "x"),
            ]
        );
        assert_eq!(
            kinds("\u{FEFF} \tx-1_"),
            [(Kind::Space, "\u{FEFF} \t"), (Kind::Word, "x-1_")]
        );
    }
}
