//! Hostile inputs too big to commit, described by a few lines of text (a recipe), for
//! `tests/hostile.rs`.
//!
//! A recipe is a list of lines; each appends bytes to the generated input:
//!
//! * `text "..."` appends the string once;
//! * `repeat N "..."` appends it N times;
//! * `fill SIZE "..."` appends it until the input is at least SIZE bytes long (`10MB` is
//!   10,000,000 bytes, `1MiB` 1,048,576; `KB`, `KiB` and plain numbers work too);
//! * `repeat N {` and `fill SIZE {`, followed by lines and a closing `}` on its own line,
//!   repeat a block of lines.
//!
//! Strings take the escapes `\n`, `\r`, `\t`, `\\`, `\"`, `\xNN` (one raw byte, so inputs that
//! are not UTF-8 can be written) and `\u{N}`. Inside a repeated string or block, `{i}` is the
//! number of the repetition (from 0) and `{next}` that number plus one. Blank lines and lines
//! starting with `#` are ignored.

enum Step {
    Text(Vec<u8>),
    Repeat(Count, Vec<Step>),
}

enum Count {
    Times(usize),
    UntilSize(usize),
}

pub fn generate(text: &str) -> Result<Vec<u8>, String> {
    let mut lines = text.lines().enumerate().filter(|(_, line)| {
        let line = line.trim();
        !line.is_empty() && !line.starts_with('#')
    });
    let steps = parse_block(&mut lines, false)?;
    let mut out = Vec::new();
    run(&steps, None, &mut out);
    Ok(out)
}

fn parse_block<'a>(
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
    nested: bool,
) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    while let Some((number, line)) = lines.next() {
        let line = line.trim();
        let at = |message: &str| format!("line {}: {message}: `{line}`", number + 1);
        if line == "}" {
            return if nested {
                Ok(steps)
            } else {
                Err(at("`}` without a block"))
            };
        }
        let (word, rest) = line
            .split_once(' ')
            .ok_or_else(|| at("expected a word and an argument"))?;
        let step = match word {
            "text" => Step::Text(string(rest).map_err(|e| at(&e))?),
            "repeat" | "fill" => {
                let (count, body) = rest
                    .split_once(' ')
                    .ok_or_else(|| at("expected a count and a string or `{`"))?;
                let count = if word == "repeat" {
                    Count::Times(count.parse().map_err(|_| at("not a count"))?)
                } else {
                    Count::UntilSize(size(count).ok_or_else(|| at("not a size"))?)
                };
                let body = match body.trim() {
                    "{" => parse_block(lines, true)?,
                    quoted => vec![Step::Text(string(quoted).map_err(|e| at(&e))?)],
                };
                Step::Repeat(count, body)
            }
            _ => return Err(at("unknown instruction")),
        };
        steps.push(step);
    }
    if nested {
        Err("a block is never closed with `}`".to_string())
    } else {
        Ok(steps)
    }
}

fn run(steps: &[Step], index: Option<usize>, out: &mut Vec<u8>) {
    for step in steps {
        match step {
            Step::Text(bytes) => out.extend_from_slice(&substitute(bytes, index)),
            Step::Repeat(Count::Times(times), body) => {
                for repetition in 0..*times {
                    run(body, Some(repetition), out);
                }
            }
            Step::Repeat(Count::UntilSize(size), body) => {
                let mut repetition = 0;
                while out.len() < *size {
                    let before = out.len();
                    run(body, Some(repetition), out);
                    if out.len() == before {
                        break;
                    }
                    repetition += 1;
                }
            }
        }
    }
}

/// Replaces `{i}` and `{next}` when inside a repetition.
fn substitute(bytes: &[u8], index: Option<usize>) -> Vec<u8> {
    let Some(index) = index else {
        return bytes.to_vec();
    };
    if !bytes.contains(&b'{') {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(b"{i}") {
            out.extend_from_slice(index.to_string().as_bytes());
            rest = &rest[3..];
        } else if rest.starts_with(b"{next}") {
            out.extend_from_slice((index + 1).to_string().as_bytes());
            rest = &rest[6..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

fn size(text: &str) -> Option<usize> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: usize = text[..digits_end].parse().ok()?;
    let unit = match &text[digits_end..] {
        "" => 1,
        "KB" => 1000,
        "MB" => 1000 * 1000,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(unit)
}

/// A double-quoted string with escapes, as raw bytes.
fn string(text: &str) -> Result<Vec<u8>, String> {
    let inner = text
        .trim()
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or("expected a string in double quotes")?;
    let mut out = Vec::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('"') => out.push(b'"'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).map_err(|_| format!("bad byte `\\x{hex}`"))?);
            }
            Some('u') => {
                let rest = chars.as_str();
                let close = rest.find('}').ok_or("unclosed `\\u{`")?;
                let hex = rest.get(1..close).ok_or("bad `\\u{...}`")?;
                let c = u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or("bad `\\u{...}`")?;
                let mut buffer = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                chars = rest[close + 1..].chars();
            }
            other => return Err(format!("unknown escape `\\{}`", other.unwrap_or(' '))),
        }
    }
    Ok(out)
}
