//! String escapes: `\"`, `\\`, `\n`, `\t`, `\r` and `\u{XXXX}`.
//!
//! The grammar accepts a backslash before any character so that a bad escape is reported here,
//! by name and at the escape itself ("unknown escape `\d`"), rather than as a bare syntax
//! error somewhere in the string.

/// An escape that could not be read: what is wrong, and its byte range in the raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadEscape {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// The value of a string's raw text (between the quotes), escapes resolved.
pub(crate) fn unescape(raw: &str) -> Result<String, BadEscape> {
    let mut out = String::with_capacity(raw.len());
    let mut position = 0;
    while let Some(found) = raw[position..].find('\\') {
        let start = position + found;
        out.push_str(&raw[position..start]);
        let (value, length) =
            read_escape(&raw[start..]).map_err(|(message, length)| BadEscape {
                message,
                start,
                end: start + length,
            })?;
        out.push(value);
        position = start + length;
    }
    out.push_str(&raw[position..]);
    Ok(out)
}

/// Reads the escape at the start of `text` (which starts with `\`): the character it stands
/// for and its length in bytes, or a message and the length to underline.
fn read_escape(text: &str) -> Result<(char, usize), (String, usize)> {
    let Some(escaped) = text[1..].chars().next() else {
        return Err(("a string cannot end with `\\`".to_string(), 1));
    };
    let length = 1 + escaped.len_utf8();
    match escaped {
        '"' => Ok(('"', length)),
        '\\' => Ok(('\\', length)),
        'n' => Ok(('\n', length)),
        't' => Ok(('\t', length)),
        'r' => Ok(('\r', length)),
        'u' => read_unicode(text),
        other => Err((format!("unknown escape `\\{other}`"), length)),
    }
}

/// `\u{1F680}`: one to six hex digits naming a Unicode scalar value.
fn read_unicode(text: &str) -> Result<(char, usize), (String, usize)> {
    let Some(body) = text[2..].strip_prefix('{') else {
        return Err(("write a unicode escape as `\\u{XXXX}`".to_string(), 2));
    };
    let Some(close) = body.find('}').filter(|close| *close <= 8) else {
        return Err(("this `\\u{` escape is not closed with `}`".to_string(), 3));
    };
    let digits = &body[..close];
    let length = 3 + close + 1;
    let valid_digits =
        (1..=6).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_hexdigit());
    u32::from_str_radix(digits, 16)
        .ok()
        .filter(|_| valid_digits)
        .and_then(char::from_u32)
        .map(|value| (value, length))
        .ok_or_else(|| {
            (
                format!("`\\u{{{digits}}}` is not a valid character"),
                length,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_escapes() {
        assert_eq!(
            unescape(r#"a\"b\\c\nd\te\r\u{41}\u{1F680}"#).unwrap(),
            "a\"b\\c\nd\te\rA\u{1F680}"
        );
        assert_eq!(unescape("café").unwrap(), "café");
    }

    #[test]
    fn reports_bad_escapes_at_the_escape() {
        let bad = unescape(r"C:\data").unwrap_err();
        assert_eq!(
            (bad.message.as_str(), bad.start, bad.end),
            ("unknown escape `\\d`", 2, 4)
        );
        let bad = unescape(r"x\u{D800}y").unwrap_err();
        assert_eq!((bad.start, bad.end), (1, 9));
        assert!(unescape(r"\u0041").is_err());
        assert!(unescape(r"\u{41").is_err());
        assert!(unescape(r"\u{1234567}").is_err());
        assert!(unescape("\\é").unwrap_err().message.contains('é'));
    }
}
