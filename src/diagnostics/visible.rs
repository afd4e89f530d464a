//! Text from a spec made safe to print on a terminal.
//!
//! Names, strings and comments come from files the user may not have written (a pull
//! request, a generated spec), and string escapes such as `\u{1b}` put any character into a
//! name. Printed raw, an escape sequence can clear the screen, retitle the window, write to
//! the clipboard or hide text, and bidirectional controls can reorder a line ("Trojan
//! Source"). The human renderer passes everything it prints through this module first; JSON
//! output is escaped by its serialiser and needs nothing.

use std::borrow::Cow;

/// Characters that control a terminal or hide or reorder text: C0 and C1 controls (but tab
/// and line feed), delete, zero-width characters, bidirectional controls, line and paragraph
/// separators, and the byte order mark.
fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// `text` with each hidden character replaced by `?`s of its UTF-8 length (`�` for the
/// three-byte ones), so byte offsets, and the spans that use them, still fit. A carriage
/// return directly before a line feed is kept.
pub(crate) fn same_length(text: &str) -> Cow<'_, str> {
    let hidden =
        |(at, c): (usize, char)| is_hidden(c) && !(c == '\r' && text[at + 1..].starts_with('\n'));
    if !text.char_indices().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        match c.len_utf8() {
            _ if !hidden((at, c)) => out.push(c),
            3 => out.push('\u{FFFD}'),
            length => out.extend(std::iter::repeat_n('?', length)),
        }
    }
    Cow::Owned(out)
}

/// The longest word (run of characters without whitespace) a message shows in full.
const MAX_WORD: usize = 80;

/// `text` with every word longer than [`MAX_WORD`] characters cut, ending in `...`: one
/// enormous name in a spec must not flood the terminal with a message of a megabyte.
pub(crate) fn short_words(text: &str) -> Cow<'_, str> {
    let too_long = text
        .split_whitespace()
        .any(|word| word.chars().count() > MAX_WORD);
    if !too_long {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(4096));
    let mut run = 0;
    for c in text.chars() {
        if c.is_whitespace() {
            run = 0;
            out.push(c);
            continue;
        }
        run += 1;
        if run < MAX_WORD {
            out.push(c);
        } else if run == MAX_WORD {
            out.push_str("...");
        }
    }
    Cow::Owned(out)
}

/// `text` with each hidden character written as an escape such as `\u{1b}`.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{escaped, same_length, short_words};

    #[test]
    fn terminal_controls_become_visible() {
        assert_eq!(escaped("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(escaped("line\nnext\ttab"), "line\nnext\ttab");
        assert_eq!(escaped("\u{202e}evil"), "\\u{202e}evil");
    }

    #[test]
    fn long_words_are_cut() {
        let long = format!("unknown field `{}` in a service", "x".repeat(500));
        let shown = short_words(&long);
        assert!(shown.len() < 120, "{shown}");
        assert!(
            shown.starts_with("unknown field `xxx") && shown.ends_with("... in a service"),
            "{shown}"
        );
        assert_eq!(short_words("short words\nstay"), "short words\nstay");
    }

    #[test]
    fn source_text_keeps_its_byte_offsets() {
        let text = "a\u{1b}[2J\u{85}\u{202e}b\r\nc\rd";
        let shown = same_length(text);
        assert_eq!(shown.len(), text.len());
        assert_eq!(shown, "a?[2J??\u{FFFD}b\r\nc?d");
        assert_eq!(same_length("plain\r\n"), "plain\r\n");
    }
}
