//! The base protocol's framing (`Content-Length` headers, then a JSON body), read with
//! bounded memory and resynchronised after any mistake, over any [`BufRead`] (the CLI passes
//! stdin; this module does no IO of its own).
//!
//! `lsp_server::Message::read` reserves the declared length before reading a byte of the
//! body and loses its place for good after one bad frame. This reader instead:
//!
//! * stores at most [`MAX_MESSAGE_BYTES`] of a body, growing as bytes arrive; a frame that
//!   declares more is read through without being stored and refused;
//! * ends a body where its JSON value ends (it tracks brackets and strings), so a
//!   `Content-Length` that is too large costs no message after it: the next header is read
//!   from the first byte after the value;
//! * reads header lines ending in `\r\n` or a bare `\n`, skips bytes in front of a header
//!   (the rest of a body whose length was too small), and refuses a frame whose length is
//!   missing, not a number or negative, answering the request inside it when it has an id.

use lsp_server::{ErrorCode, Message, RequestId, Response, ResponseError};
use std::io::{self, BufRead};

/// The largest message body that is read into memory: 64 MiB.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The longest header line; a longer one is skipped.
pub const MAX_HEADER_LINE_BYTES: usize = 8 * 1024;

/// What one frame of the input held.
#[derive(Debug)]
pub struct Frame {
    /// The message, or why the frame was refused.
    pub message: Result<Message, Refused>,
    /// What was wrong with the frame, for the log (empty for a good frame).
    pub problems: Vec<String>,
}

/// A frame that is not served.
#[derive(Debug)]
pub struct Refused {
    /// The id of the request inside the frame, when its body could still be read.
    pub request: Option<RequestId>,
    pub reason: String,
}

impl Refused {
    /// The error reply to the request inside the frame, if it had an id.
    pub fn reply(&self) -> Option<Message> {
        let id = self.request.clone()?;
        Some(Message::Response(Response {
            id,
            response_result: Err(ResponseError {
                code: ErrorCode::InvalidRequest as i32,
                message: self.reason.clone(),
                data: None,
            }),
        }))
    }
}

/// Reads frames from `input` one at a time.
pub struct FrameReader<R> {
    input: R,
}

/// How a body ended.
enum BodyEnd {
    /// Its JSON value was complete.
    Value,
    /// The declared length was read before the value was complete.
    Declared,
    /// It did not start with `{` or `[`, or held a byte that no JSON text holds there (a
    /// raw control character in a string, a letter outside one); that byte was left unread.
    NotJson,
    /// The input ended.
    Eof,
}

struct Body {
    bytes: Vec<u8>,
    read: u64,
    /// More bytes than [`MAX_MESSAGE_BYTES`] were read, and not stored.
    overflowed: bool,
    end: BodyEnd,
}

/// How far a body's JSON value has been read.
#[derive(Default)]
struct Extent {
    started: bool,
    depth: u64,
    in_string: bool,
    escaped: bool,
}

enum Step {
    More,
    Complete,
    NotJson,
}

impl Extent {
    fn step(&mut self, byte: u8) -> Step {
        if !self.started {
            return match byte {
                b' ' | b'\t' | b'\r' | b'\n' => Step::More,
                b'{' | b'[' => {
                    self.started = true;
                    self.depth = 1;
                    Step::More
                }
                _ => Step::NotJson,
            };
        }
        if self.in_string {
            match byte {
                0..0x20 => return Step::NotJson,
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
            return Step::More;
        }
        match byte {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth -= 1;
                if self.depth == 0 {
                    return Step::Complete;
                }
            }
            // Numbers, `true`, `false`, `null`, separators and whitespace.
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' | b'0'..=b'9' | b'-' | b'+' | b'.' => {}
            b'a' | b'e' | b'E' | b'f' | b'l' | b'n' | b'r' | b's' | b't' | b'u' => {}
            // Anything else, such as the `C` of a `Content-Length` header that a body whose
            // brackets never close has run into.
            _ => return Step::NotJson,
        }
        Step::More
    }
}

/// One header line, or why there is none.
enum Line {
    Text(Vec<u8>),
    TooLong,
    Eof,
}

/// The header block of a frame: the declared length, or why it is unusable.
struct Header {
    length: Result<u64, String>,
    problems: Vec<String>,
}

impl<R: BufRead> FrameReader<R> {
    pub fn new(input: R) -> FrameReader<R> {
        FrameReader { input }
    }

    /// The next frame, or `None` when the input ends (inside a frame too).
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        let header = match self.read_header()? {
            HeaderRead::Header(header) => header,
            HeaderRead::Broken(problem) => {
                return Ok(Some(Frame {
                    message: Err(Refused {
                        request: None,
                        reason: problem.clone(),
                    }),
                    problems: vec![problem],
                }))
            }
            HeaderRead::Eof => return Ok(None),
        };
        let declared = header.length.as_ref().ok().copied();
        let body = self.read_body(declared)?;
        if matches!(body.end, BodyEnd::Eof) {
            return Ok(None);
        }
        Ok(Some(frame(header, body)))
    }

    /// Reads header lines up to the empty line that ends them.
    fn read_header(&mut self) -> io::Result<HeaderRead> {
        if !self.skip_whitespace()? {
            return Ok(HeaderRead::Eof);
        }
        let mut length = Err("it has no Content-Length header".to_string());
        let mut problems = Vec::new();
        loop {
            let line = match self.read_line()? {
                Line::Text(line) => line,
                Line::TooLong => {
                    return Ok(HeaderRead::Broken(format!(
                        "skipped a header line longer than {MAX_HEADER_LINE_BYTES} bytes"
                    )))
                }
                Line::Eof => return Ok(HeaderRead::Eof),
            };
            if line.is_empty() {
                return Ok(HeaderRead::Header(Header { length, problems }));
            }
            let text = String::from_utf8_lossy(&line);
            let Some((name, value)) = header_field(&text, &mut problems) else {
                return Ok(HeaderRead::Broken(format!(
                    "skipped a line that is not a header: {:?}",
                    shorten(&text)
                )));
            };
            if name.eq_ignore_ascii_case("Content-Length") {
                length = value.trim().parse::<u64>().map_err(|_| {
                    format!(
                        "its Content-Length {:?} is not a number of bytes",
                        shorten(value.trim())
                    )
                });
            }
        }
    }

    /// Skips whitespace between frames; false when the input ends first.
    fn skip_whitespace(&mut self) -> io::Result<bool> {
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                return Ok(false);
            }
            let blank = buffer
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            let found = blank < buffer.len();
            self.input.consume(blank);
            if found {
                return Ok(true);
            }
        }
    }

    /// One line without its `\n` or `\r\n`, stored up to [`MAX_HEADER_LINE_BYTES`].
    fn read_line(&mut self) -> io::Result<Line> {
        let mut line = Vec::new();
        let mut too_long = false;
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                return Ok(Line::Eof);
            }
            let newline = buffer.iter().position(|&b| b == b'\n');
            let taken = newline.unwrap_or(buffer.len());
            if line.len() + taken > MAX_HEADER_LINE_BYTES {
                too_long = true;
                line.clear();
            } else if !too_long {
                line.extend_from_slice(buffer.get(..taken).unwrap_or_default());
            }
            self.input.consume(newline.map_or(taken, |at| at + 1));
            if newline.is_some() {
                if too_long {
                    return Ok(Line::TooLong);
                }
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Line::Text(line));
            }
        }
    }

    /// Reads a body up to the end of its JSON value, or `declared` bytes if that comes first.
    /// At most [`MAX_MESSAGE_BYTES`] are stored, none when more were declared.
    fn read_body(&mut self, declared: Option<u64>) -> io::Result<Body> {
        let limit = declared.unwrap_or(u64::MAX);
        let store = declared.is_none_or(|n| n <= MAX_MESSAGE_BYTES as u64);
        let mut body = Body {
            bytes: Vec::new(),
            read: 0,
            overflowed: !store,
            end: BodyEnd::Declared,
        };
        let mut extent = Extent::default();
        while body.read < limit {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                body.end = BodyEnd::Eof;
                return Ok(body);
            }
            let room = usize::try_from(limit - body.read).unwrap_or(usize::MAX);
            let mut used = 0;
            let mut ended = None;
            for &byte in buffer.iter().take(room) {
                match extent.step(byte) {
                    Step::More => used += 1,
                    Step::Complete => {
                        used += 1;
                        ended = Some(BodyEnd::Value);
                        break;
                    }
                    Step::NotJson => {
                        ended = Some(BodyEnd::NotJson);
                        break;
                    }
                }
            }
            let chunk = buffer.get(..used).unwrap_or_default();
            if !body.overflowed && body.bytes.len() + chunk.len() <= MAX_MESSAGE_BYTES {
                body.bytes.extend_from_slice(chunk);
            } else {
                body.overflowed = true;
                body.bytes = Vec::new();
            }
            body.read += used as u64;
            self.input.consume(used);
            if let Some(end) = ended {
                body.end = end;
                return Ok(body);
            }
        }
        Ok(body)
    }
}

enum HeaderRead {
    Header(Header),
    Broken(String),
    Eof,
}

/// A header line's name and value. Bytes in front of a `Content-Length` header (the tail of
/// a body whose length was too small) are skipped, and said so in `problems`.
fn header_field<'t>(text: &'t str, problems: &mut Vec<String>) -> Option<(&'t str, &'t str)> {
    let is_token = |name: &str| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if let Some((name, value)) = text.split_once(':') {
        if is_token(name) {
            return Some((name, value));
        }
    }
    let at = text.to_ascii_lowercase().find("content-length:")?;
    problems.push(format!(
        "skipped {at} bytes in front of a header: {:?}",
        shorten(&text[..at])
    ));
    text[at..].split_once(':')
}

/// The frame for a header and the body that followed it.
fn frame(header: Header, body: Body) -> Frame {
    let mut problems = header.problems;
    let refused = |problems: Vec<String>, request| Frame {
        message: Err(Refused {
            request,
            reason: problems.last().cloned().unwrap_or_default(),
        }),
        problems,
    };
    let declared = match header.length {
        Ok(declared) => declared,
        Err(reason) => {
            problems.push(format!("refused a message: {reason}"));
            let request = (!body.overflowed)
                .then(|| request_id(&body.bytes))
                .flatten();
            return refused(problems, request);
        }
    };
    if body.overflowed {
        problems.push(format!(
            "refused a message of {declared} bytes (Content-Length): the limit is {} MiB; it was skipped unread",
            MAX_MESSAGE_BYTES >> 20
        ));
        return refused(problems, None);
    }
    match body.end {
        BodyEnd::NotJson => {
            problems.push(format!(
                "refused a message whose body (Content-Length {declared}) is not JSON after {} bytes; reading on from there",
                body.read
            ));
            return refused(problems, None);
        }
        BodyEnd::Value if body.read < declared => problems.push(format!(
            "a message ended after {} bytes, before its Content-Length of {declared}; reading on from there",
            body.read
        )),
        _ => {}
    }
    match serde_json::from_slice::<Message>(&body.bytes) {
        Ok(message) => Frame {
            message: Ok(message),
            problems,
        },
        Err(error) => {
            problems.push(format!("refused a message that is not JSON-RPC: {error}"));
            let request = request_id(&body.bytes);
            refused(problems, request)
        }
    }
}

/// The id of the request in `body`, if it is a JSON object with a method and an id.
fn request_id(body: &[u8]) -> Option<RequestId> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("method")?.as_str()?;
    serde_json::from_value(value.get("id")?.clone()).ok()
}

/// At most 80 characters of `text`, for a log line.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
