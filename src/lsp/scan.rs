//! A forgiving, lexical reading of a file for editor features: which words are declaration
//! names, field keys, labels, kinds and values, and in which block each one sits.
//!
//! The parser gives up on a declaration with a syntax error, but the editor still needs hover,
//! completion and navigation there (the user is usually mid-edit). Navigation in parsed
//! declarations follows the checker's resolutions ([`super::index`]); the scan gives hover and
//! completion the cursor's place (block, key, value) and gives the index the names and
//! references inside the declarations the parser dropped. So this module reads the
//! tokens of [`crate::syntax::lexer`] and follows brackets and `key = value` shapes with a
//! small state machine per block, restarting at every top-level declaration found by [`crate::syntax::split`]. It never
//! fails: unexpected tokens are simply marked [`Role::Other`].

use crate::span::FileId;
use crate::syntax::lexer::{self, Kind as LexKind};
use crate::syntax::split;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Str,
    Number,
    Open(u8),
    Close(u8),
    Assign,
    Comma,
    Dot,
    /// `==`, `<`, `and`, `or`, `not`, ...
    Operator,
    Other,
}

/// What a word means where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The kind of a top-level declaration: `service`.
    Keyword,
    /// The name of a top-level declaration: `web` in `service web`.
    Name {
        keyword: String,
    },
    /// A field key.
    Key,
    /// `web` in `override web { ... }`.
    Label {
        key: String,
    },
    /// The kind before a body: `canary` in `strategy = canary { ... }`.
    Tag {
        key: String,
    },
    /// A word, string or number in the value of field `key`.
    Value {
        key: String,
    },
    Other,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub role: Role,
    /// The innermost frame (block or bracket) the token is in.
    pub frame: usize,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub parent: Option<usize>,
    /// What this frame adds to the block path: `["resources"]`, `["strategy", "canary"]`.
    pub segments: Vec<String>,
    /// A list or parentheses (inside a value) rather than a body.
    pub sequence: bool,
}

/// Where the cursor is, for completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Where a declaration keyword goes.
    Declaration,
    /// Where a field key goes.
    Key,
    /// The value of field `key`.
    Value { key: String },
    /// The label after block key `key`.
    Label { key: String },
    /// Nothing to complete (a name being declared, a string, a comment).
    None,
}

#[derive(Debug, Clone)]
pub struct Scan {
    pub tokens: Vec<Token>,
    pub frames: Vec<Frame>,
    /// Byte ranges of comments, for "inside a comment" checks.
    pub comments: Vec<(usize, usize)>,
}

impl Scan {
    /// The block path of `frame`, from the declaration kind down.
    pub fn path(&self, frame: usize) -> Vec<String> {
        let mut chain = Vec::new();
        let mut current = Some(frame);
        while let Some(index) = current {
            let Some(frame) = self.frames.get(index) else {
                break;
            };
            chain.push(index);
            current = frame.parent;
        }
        chain
            .iter()
            .rev()
            .filter_map(|index| self.frames.get(*index))
            .flat_map(|frame| frame.segments.clone())
            .collect()
    }

    /// The token under `offset` (a word touching the cursor on its right counts too).
    pub fn token_at(&self, offset: usize) -> Option<(usize, &Token)> {
        let index = self.tokens.partition_point(|token| token.end < offset);
        let token = self.tokens.get(index)?;
        (token.start <= offset).then_some((index, token))
    }

    /// Whether the next token is a `.` (so the word is a module name or alias, not the last
    /// segment of a dotted name).
    pub fn continues_after(&self, index: usize) -> bool {
        self.tokens
            .get(index + 1)
            .is_some_and(|t| t.kind == Kind::Dot)
    }

    pub fn in_comment(&self, offset: usize) -> bool {
        self.comments
            .iter()
            .any(|&(start, end)| start < offset && offset <= end)
    }
}

/// Reads the whole file.
pub fn scan(text: &str) -> Scan {
    let mut machine = Machine::new(text, lex(text));
    machine.run(usize::MAX);
    machine.scan
}

/// The completion slot at `offset`, the block path there, the frame, and the range of the
/// word being typed.
pub fn slot_at(text: &str, offset: usize) -> (Slot, Vec<String>, usize, (usize, usize)) {
    let mut machine = Machine::new(text, lex(text));
    let prefix_start = machine.run(offset);
    let (frame, state) = machine.stack.last().cloned().unwrap_or((0, State::Start));
    let sequence = machine.scan.frames.get(frame).is_some_and(|f| f.sequence);
    let inside_token = machine
        .scan
        .tokens
        .iter()
        .any(|t| t.kind == Kind::Str && t.start < offset && offset < t.end);
    let slot = if inside_token || machine.scan.in_comment(offset) {
        Slot::None
    } else {
        state.slot(sequence)
    };
    (
        slot,
        machine.scan.path(frame),
        frame,
        (prefix_start.unwrap_or(offset), offset),
    )
}

/// The per-frame reading state.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Start,
    AfterKeyword(String),
    AfterName(String),
    From(String),
    TopValue(String),
    TopValueWord(String, usize),
    Key,
    AfterKey(String),
    AfterLabel(String),
    Value(String),
    ValueWord(String, usize),
    AfterValue(String),
}

impl State {
    fn slot(&self, sequence: bool) -> Slot {
        match self {
            State::Start | State::AfterName(_) | State::TopValueWord(..) => Slot::Declaration,
            State::TopValue(keyword) => Slot::Value {
                key: keyword.clone(),
            },
            State::Key => Slot::Key,
            State::AfterKey(key) => Slot::Label { key: key.clone() },
            State::Value(key) => Slot::Value { key: key.clone() },
            State::ValueWord(key, _) | State::AfterValue(key) if sequence => {
                Slot::Value { key: key.clone() }
            }
            State::ValueWord(..) | State::AfterValue(_) | State::AfterLabel(_) => Slot::Key,
            State::AfterKeyword(_) | State::From(_) => Slot::None,
        }
    }
}

struct Machine<'a> {
    text: &'a str,
    scan: Scan,
    /// Open frames with their state, innermost last.
    stack: Vec<(usize, State)>,
}

impl<'a> Machine<'a> {
    fn new(text: &'a str, (tokens, comments): (Vec<Token>, Vec<(usize, usize)>)) -> Machine<'a> {
        let root = Frame {
            parent: None,
            segments: Vec::new(),
            sequence: false,
        };
        Machine {
            text,
            scan: Scan {
                tokens,
                frames: vec![root],
                comments,
            },
            stack: vec![(0, State::Start)],
        }
    }

    /// Reads tokens up to `stop` (a word touching `stop` is not read); returns the start of
    /// that word, if any.
    fn run(&mut self, stop: usize) -> Option<usize> {
        let chunk_starts: Vec<usize> = split::split(FileId(0), self.text)
            .chunks
            .iter()
            .map(|c| c.start)
            .collect();
        let mut next_chunk = 0;
        for index in 0..self.scan.tokens.len() {
            let Some(token) = self.scan.tokens.get(index) else {
                break;
            };
            let is_word = matches!(token.kind, Kind::Word | Kind::Number);
            if token.start >= stop || (is_word && stop <= token.end) {
                return (token.start < stop).then_some(token.start);
            }
            let start = token.start;
            while chunk_starts
                .get(next_chunk)
                .is_some_and(|&chunk| chunk <= start)
            {
                next_chunk += 1;
                self.stack.truncate(1);
                self.set(State::Start);
            }
            self.step(index);
        }
        None
    }

    fn word(&self, index: usize) -> String {
        let Some(token) = self.scan.tokens.get(index) else {
            return String::new();
        };
        let text = self.text.get(token.start..token.end).unwrap_or("");
        match token.kind {
            Kind::Str => text.trim_matches('"').to_string(),
            _ => text.to_string(),
        }
    }

    fn set(&mut self, state: State) {
        if let Some(top) = self.stack.last_mut() {
            top.1 = state;
        }
    }

    fn mark(&mut self, index: usize, role: Role) {
        if let Some(token) = self.scan.tokens.get_mut(index) {
            token.role = role;
        }
    }

    /// Opens a frame; the current frame resumes in `resume` once it closes.
    fn push(&mut self, segments: Vec<String>, sequence: bool, resume: State, inner: State) {
        self.set(resume);
        let parent = self.stack.last().map(|(frame, _)| *frame);
        self.scan.frames.push(Frame {
            parent,
            segments,
            sequence,
        });
        self.stack.push((self.scan.frames.len() - 1, inner));
    }

    /// Closes the innermost list or parentheses (`]`, `)`), or the innermost body and any
    /// brackets left open inside it (`}`). The file's root frame is never closed.
    fn close(&mut self, bracket: u8) {
        let top_is_sequence = |stack: &[(usize, State)], frames: &[Frame]| {
            stack
                .last()
                .and_then(|(frame, _)| frames.get(*frame))
                .is_some_and(|f| f.sequence)
        };
        if bracket != b'}' {
            if self.stack.len() > 1 && top_is_sequence(&self.stack, &self.scan.frames) {
                self.stack.pop();
            }
            return;
        }
        while self.stack.len() > 1 {
            let sequence = top_is_sequence(&self.stack, &self.scan.frames);
            self.stack.pop();
            if !sequence {
                break;
            }
        }
    }

    fn step(&mut self, index: usize) {
        let Some((frame, state)) = self.stack.last().cloned() else {
            return;
        };
        let Some(token) = self.scan.tokens.get_mut(index) else {
            return;
        };
        token.frame = frame;
        let kind = token.kind;
        if let Kind::Close(bracket) = kind {
            self.close(bracket);
            return;
        }
        let sequence = self.scan.frames.get(frame).is_some_and(|f| f.sequence);
        if frame == 0 {
            self.top_level(index, kind, state);
        } else {
            self.body(index, kind, state, sequence);
        }
    }

    fn top_level(&mut self, index: usize, kind: Kind, state: State) {
        match (state, kind) {
            (State::AfterKeyword(keyword), Kind::Word) => {
                self.mark(
                    index,
                    Role::Name {
                        keyword: keyword.clone(),
                    },
                );
                self.set(State::AfterName(keyword));
            }
            (State::AfterKeyword(keyword), Kind::Str) => self.set(State::AfterName(keyword)),
            (State::AfterName(keyword), Kind::Assign) => self.set(State::TopValue(keyword)),
            (State::AfterName(keyword), Kind::Word) if self.word(index) == "from" => {
                self.set(State::From(keyword))
            }
            (State::Start | State::AfterName(_) | State::TopValueWord(..), Kind::Word) => {
                self.mark(index, Role::Keyword);
                self.set(State::AfterKeyword(self.word(index)));
            }
            (State::TopValue(keyword), Kind::Word) => {
                self.mark(
                    index,
                    Role::Value {
                        key: keyword.clone(),
                    },
                );
                self.set(State::TopValueWord(keyword, index));
            }
            (State::TopValueWord(keyword, _), Kind::Dot) => self.set(State::TopValue(keyword)),
            (State::TopValueWord(keyword, tag), Kind::Open(b'{')) => {
                self.mark(
                    tag,
                    Role::Tag {
                        key: keyword.clone(),
                    },
                );
                let segments = vec![keyword, self.word(tag)];
                self.push(segments, false, State::Start, State::Key);
            }
            (
                State::AfterKeyword(keyword)
                | State::AfterName(keyword)
                | State::From(keyword)
                | State::TopValue(keyword),
                Kind::Open(b'{'),
            ) => self.push(vec![keyword], false, State::Start, State::Key),
            (State::From(_), _) => {}
            _ => self.set(State::Start),
        }
    }

    fn body(&mut self, index: usize, kind: Kind, state: State, sequence: bool) {
        match state {
            State::Key
            | State::AfterKeyword(_)
            | State::AfterName(_)
            | State::From(_)
            | State::Start => self.key_position(index, kind),
            State::AfterKey(key) => match kind {
                Kind::Assign => self.set(State::Value(key)),
                Kind::Word | Kind::Str => {
                    self.mark(index, Role::Label { key: key.clone() });
                    self.set(State::AfterLabel(key));
                }
                Kind::Open(b'{') => self.push(vec![key], false, State::Key, State::Key),
                _ => self.key_position(index, kind),
            },
            State::AfterLabel(key) => match kind {
                Kind::Open(b'{') => self.push(vec![key], false, State::Key, State::Key),
                _ => self.key_position(index, kind),
            },
            State::Value(key) | State::TopValue(key) => self.value_position(index, kind, key),
            State::ValueWord(key, word) | State::TopValueWord(key, word) => {
                self.after_value(index, kind, key, Some(word), sequence)
            }
            State::AfterValue(key) => self.after_value(index, kind, key, None, sequence),
        }
    }

    fn key_position(&mut self, index: usize, kind: Kind) {
        match kind {
            Kind::Word | Kind::Str => {
                self.mark(index, Role::Key);
                self.set(State::AfterKey(self.word(index)));
            }
            Kind::Open(bracket) => {
                let sequence = bracket != b'{';
                self.push(
                    Vec::new(),
                    sequence,
                    State::Key,
                    if sequence {
                        State::Value(String::new())
                    } else {
                        State::Key
                    },
                );
            }
            _ => self.set(State::Key),
        }
    }

    fn value_position(&mut self, index: usize, kind: Kind, key: String) {
        match kind {
            Kind::Word => {
                self.mark(index, Role::Value { key: key.clone() });
                self.set(State::ValueWord(key, index));
            }
            Kind::Str | Kind::Number => {
                self.mark(index, Role::Value { key: key.clone() });
                self.set(State::AfterValue(key));
            }
            Kind::Open(b'{') => {
                self.push(vec![key.clone()], false, State::AfterValue(key), State::Key)
            }
            Kind::Open(_) => self.push(
                Vec::new(),
                true,
                State::AfterValue(key.clone()),
                State::Value(key),
            ),
            _ => {}
        }
    }

    fn after_value(
        &mut self,
        index: usize,
        kind: Kind,
        key: String,
        word: Option<usize>,
        sequence: bool,
    ) {
        match (kind, word) {
            (Kind::Open(b'{'), Some(tag)) => {
                self.mark(tag, Role::Tag { key: key.clone() });
                let segments = vec![key.clone(), self.word(tag)];
                self.push(segments, false, State::AfterValue(key), State::Key);
            }
            (Kind::Open(b'('), Some(function)) => {
                self.mark(function, Role::Other);
                self.push(
                    Vec::new(),
                    true,
                    State::AfterValue(key.clone()),
                    State::Value(key),
                );
            }
            (Kind::Dot | Kind::Operator, _) => self.set(State::Value(key)),
            (Kind::Comma, _) if sequence => self.set(State::Value(key)),
            (Kind::Comma, _) => self.set(State::Key),
            (_, _) if sequence => self.value_position(index, kind, key),
            _ => self.key_position(index, kind),
        }
    }
}

/// Splits `text` into tokens (all with role `Other`) and comment ranges, with the rules of
/// [`lexer`].
fn lex(text: &str) -> (Vec<Token>, Vec<(usize, usize)>) {
    let mut tokens = Vec::new();
    let mut comments = Vec::new();
    for token in lexer::tokens(text) {
        let kind = match token.kind {
            LexKind::Space | LexKind::Newline => continue,
            LexKind::LineComment | LexKind::BlockComment { .. } => {
                comments.push((token.start, token.end));
                continue;
            }
            LexKind::String { .. } => Kind::Str,
            LexKind::Number => Kind::Number,
            LexKind::Word => match token.text(text) {
                "and" | "or" | "not" => Kind::Operator,
                _ => Kind::Word,
            },
            LexKind::Open(bracket) => Kind::Open(bracket),
            LexKind::Close(bracket) => Kind::Close(bracket),
            LexKind::Assign => Kind::Assign,
            LexKind::Compare => Kind::Operator,
            LexKind::Comma => Kind::Comma,
            LexKind::Dot => Kind::Dot,
            LexKind::Slash | LexKind::Unknown => Kind::Other,
        };
        tokens.push(Token {
            kind,
            start: token.start,
            end: token.end,
            role: Role::Other,
            frame: 0,
        });
    }
    (tokens, comments)
}
