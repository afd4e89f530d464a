//! How one string scalar is written: plain, single-quoted, or not by the fast writer at all.
//!
//! The rules are those serde_yaml 0.9 applies (through libyaml) with an unlimited line width,
//! restricted to printable ASCII on one line; anything else is left to serde_yaml itself
//! (see [`super::writer`]). serde_yaml quotes a string that a YAML 1.2 reader would take for
//! something else (null, a boolean, an integer, a float, or digits with a leading zero), and
//! libyaml quotes one that cannot be written plain in block context (leading or trailing
//! space, an indicator character at the start, `: ` or ` #` inside, `---` or `...` first).

use std::cell::Cell;

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
}

/// The style serde_yaml gives `text`, or `None` when the fast writer does not handle it
/// (characters outside printable ASCII, which include tabs and line breaks).
pub fn of(text: &str) -> Option<Style> {
    if is_word(text.as_bytes()) {
        // Most keys and values: plain, unless they are `null`, `true` or `false` (four or
        // five letters, starting with one of theirs).
        let reserved = matches!(text.len(), 4 | 5)
            && text.starts_with(['n', 'N', 't', 'T', 'f', 'F'])
            && reads_as_non_string(text);
        return Some(if reserved {
            Style::SingleQuoted
        } else {
            Style::Plain
        });
    }
    if !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return None;
    }
    if reads_as_non_string(text) || !plain_allowed(text.as_bytes()) {
        Some(Style::SingleQuoted)
    } else {
        Some(Style::Plain)
    }
}

/// [`of`] for static text, such as the name of a struct's field: the few dozen names of a
/// document's types come up thousands of times, so each thread keeps their styles, by address
/// and length (the bytes of static text never change), in a small table where a name that
/// lands on the slot of another replaces it.
pub fn of_static(text: &'static str) -> Option<Style> {
    let key = (text.as_ptr().addr(), text.len());
    let slot = ((key.0 >> 3) ^ key.1) % STATIC_SLOTS;
    STATIC_STYLES.with(|slots| {
        let cell = slots.get(slot)?;
        if let Some((known, style)) = cell.get() {
            if known == key {
                return style;
            }
        }
        let style = of(text);
        cell.set(Some((key, style)));
        style
    })
}

/// The number of slots of [`STATIC_STYLES`].
const STATIC_SLOTS: usize = 256;

/// An address and a length.
type StaticText = (usize, usize);

/// A slot of [`STATIC_STYLES`]: a text and its style, once one has landed there.
type StaticSlot = Option<(StaticText, Option<Style>)>;

thread_local! {
    /// The styles [`of_static`] has found, by the address and length of their text.
    static STATIC_STYLES: [Cell<StaticSlot>; STATIC_SLOTS] =
        const { [const { Cell::new(None) }; STATIC_SLOTS] };
}

/// Writes `text` in `style`.
pub fn write(out: &mut String, text: &str, style: Style) {
    match style {
        Style::Plain => out.push_str(text),
        Style::SingleQuoted => {
            out.push('\'');
            if text.contains('\'') {
                out.push_str(&text.replace('\'', "''"));
            } else {
                out.push_str(text);
            }
            out.push('\'');
        }
    }
}

/// A letter, then letters, digits, `.`, `_`, `/` and `-`: text that libyaml always writes
/// plain (no indicator can occur) and that is a string unless it is a null or boolean word.
///
/// Eight bytes are tested at a time: text of four to seven bytes as its first four and its
/// last four, longer text in chunks and then its last eight (the overlaps test bytes twice,
/// which cannot change the answer).
#[allow(clippy::indexing_slicing)] // a `u8` always indexes a table of 256 entries
pub fn is_word(bytes: &[u8]) -> bool {
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        return bytes.chunks_exact(8).all(|chunk| {
            <[u8; 8]>::try_from(chunk).is_ok_and(|chunk| all_word_bytes(u64::from_le_bytes(chunk)))
        }) && all_word_bytes(u64::from_le_bytes(*last));
    }
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(head), Some(tail)) => all_word_bytes(
            u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32,
        ),
        _ => bytes.iter().all(|&b| WORD[usize::from(b)]),
    }
}

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether all eight bytes of `chunk` are [`is_word`] bytes: ASCII, and a letter (a byte with
/// `0x20` set between `a` and `z`), between `-` and `9` (`-`, `.`, `/` and the digits), or
/// `_`. Each test sets the high bit of the bytes it accepts; every byte must get one. The
/// sums cannot carry from one byte into the next, as every byte is below `0x80` when they
/// are taken.
fn all_word_bytes(chunk: u64) -> bool {
    if chunk & HIGH != 0 {
        return false;
    }
    let lower = chunk | (ONES * 0x20);
    let letter = at_least(lower, b'a') & !above(lower, b'z');
    let digit_or_mark = at_least(chunk, b'-') & !above(chunk, b'9');
    let underscore = !((chunk ^ (ONES * u64::from(b'_'))) + ONES * 0x7f) & HIGH;
    (letter | digit_or_mark | underscore) == HIGH
}

/// The high bit of each byte (below `0x80`) of `chunk` that is `low` or more.
fn at_least(chunk: u64, low: u8) -> u64 {
    (chunk + ONES * u64::from(0x80 - low)) & HIGH
}

/// The high bit of each byte (below `0x80`) of `chunk` above `high`.
fn above(chunk: u64, high: u8) -> u64 {
    (chunk + ONES * u64::from(0x7f - high)) & HIGH
}

/// The bytes of [`is_word`] text, as a table: one load per byte on the writer's hottest path.
#[allow(clippy::indexing_slicing)] // `byte` counts from 0 to 255
static WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'/' || b == b'-';
        byte += 1;
    }
    table
};

/// libyaml's test for a plain scalar in block context, for printable ASCII on one line.
fn plain_allowed(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || bytes.starts_with(b"---") || bytes.starts_with(b"...") {
        return false;
    }
    // Whether the byte after `index` is a space or the end of the text.
    let blank_after = |index: usize| bytes.get(index + 1).is_none_or(|&b| b == b' ');
    if b"#,[]{}&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if matches!(first, b'?' | b':' | b'-') && blank_after(0) {
        return false;
    }
    for (previous, (index, &byte)) in bytes.iter().zip(bytes.iter().enumerate().skip(1)) {
        let colon_before_blank = byte == b':' && blank_after(index);
        let comment_after_space = byte == b'#' && *previous == b' ';
        if colon_before_blank || comment_after_space {
            return false;
        }
    }
    true
}

/// True when serde_yaml would read `text`, written plain, as anything but a string: the
/// empty string, `null` and `~`, booleans, integers (decimal, `0x`, `0o`, `0b`, signed),
/// finite floats and `.inf`/`.nan`, and digits with a leading zero (`0123`, which YAML 1.1
/// reads as octal).
pub(crate) fn reads_as_non_string(text: &str) -> bool {
    let Some(&first) = text.as_bytes().first() else {
        return true;
    };
    if first.is_ascii_alphabetic() || first == b'~' {
        // No number starts with a letter (`inf` and `nan` parse, but are not finite).
        return matches!(
            text,
            "null" | "Null" | "NULL" | "~" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        );
    }
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    // Every number ends with a digit, a hex digit (`0xff`, `.inf`), `.` (`1.`) or `n` (`.nan`):
    // a quantity like `100m` or `128Mi` is left at once.
    if !text
        .as_bytes()
        .last()
        .is_some_and(|&last| last.is_ascii_hexdigit() || matches!(last, b'.' | b'n' | b'N'))
    {
        return false;
    }
    leading_zero_digits(text) || unsigned_integer(text) || negative_integer(text) || float(text)
}

/// `0123`, `-007`: digits after a leading zero, which serde_yaml keeps as a string but quotes.
fn leading_zero_digits(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

const RADIX_PREFIXES: [(&str, u32); 3] = [("0x", 16), ("0o", 8), ("0b", 2)];

fn unsigned_integer(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    for (prefix, radix) in RADIX_PREFIXES {
        if let Some(digits) = body.strip_prefix(prefix) {
            if digits.starts_with(['+', '-']) {
                return false;
            }
            if u128::from_str_radix(digits, radix).is_ok() {
                return true;
            }
        }
    }
    !body.starts_with(['+', '-']) && !leading_zero_digits(text) && body.parse::<u128>().is_ok()
}

fn negative_integer(text: &str) -> bool {
    for (prefix, radix) in RADIX_PREFIXES {
        if let Some(digits) = text
            .strip_prefix('-')
            .and_then(|rest| rest.strip_prefix(prefix))
        {
            if i128::from_str_radix(&format!("-{digits}"), radix).is_ok() {
                return true;
            }
        }
    }
    !leading_zero_digits(text) && text.parse::<i128>().is_ok()
}

fn float(text: &str) -> bool {
    let body = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return false,
        Some(rest) => rest,
        None => text,
    };
    matches!(body, ".inf" | ".Inf" | ".INF")
        || matches!(text, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
        || body.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The header of a literal block (`|`, `|-`, `|2`, `|2-`) for multi-line `text`, or `None`
/// when serde_yaml would not write it as one the fast writer can reproduce: characters outside
/// printable ASCII and line breaks, a trailing space or a space before a line break (libyaml
/// then double-quotes), or more than one line break at the end (`|+`, which libyaml may follow
/// with `...`).
pub(crate) fn literal_header(text: &str) -> Option<&'static str> {
    let bytes = text.as_bytes();
    let printable = bytes
        .iter()
        .all(|&b| b == b'\n' || (0x20..=0x7e).contains(&b));
    if !printable || bytes.last() == Some(&b' ') || text.contains(" \n") {
        return None;
    }
    let indented = matches!(bytes.first(), Some(b' ' | b'\n'));
    let ends_with_break = bytes.last() == Some(&b'\n');
    if ends_with_break && (bytes.len() == 1 || bytes.get(bytes.len() - 2) == Some(&b'\n')) {
        return None;
    }
    Some(match (indented, ends_with_break) {
        (false, true) => "|",
        (false, false) => "|-",
        (true, true) => "|2",
        (true, false) => "|2-",
    })
}

/// The line break after a literal block's header, then its lines, each non-empty one at
/// `column` (empty lines get no spaces).
pub(crate) fn write_literal(out: &mut String, text: &str, column: usize) {
    out.push('\n');
    for line in text.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        if !content.is_empty() {
            super::writer::pad(out, column);
            out.push_str(content);
        }
        if line.len() > content.len() {
            out.push('\n');
        }
    }
}
