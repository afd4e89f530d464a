//! YAML serialisation: one function, so every target formats the same way.
//!
//! serde_yaml writes YAML 1.2, where `on`, `yes`, `n` or `1:30` are plain strings. Many
//! readers of Kubernetes manifests (kubectl, PyYAML-based tools) read YAML 1.1, where those
//! are booleans or numbers, so a ConfigMap value `on` would arrive as `true`. Every plain
//! scalar value that YAML 1.1 would not read as a string is therefore quoted here.
//!
//! The format is serde_yaml's. Most documents are written by [`writer`], which produces the
//! same bytes (YAML 1.1 quoting included) many times faster (see docs/performance.md); a
//! document with anything it does not handle is written by serde_yaml and quoted by
//! [`quote_yaml11_scalars`]. A test compares both paths on every shape and on a corpus of
//! awkward strings.

#[cfg(test)]
mod differential;
mod style;
mod writer;

use serde::Serialize;

/// Serialises documents as one multi-document YAML text (`---` between documents).
pub fn documents<T: Serialize>(documents: &[T]) -> String {
    let mut out = String::new();
    append_documents(&mut out, documents);
    out
}

/// Appends documents to `out`, `---` between them.
pub(crate) fn append_documents<T: Serialize>(out: &mut String, documents: &[T]) {
    for (index, document) in documents.iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        append_document(out, document);
    }
}

/// Serialises one document. Serialising our own types cannot fail; if it ever did, the
/// error text is written instead, so the validators and the snapshots catch it.
pub(crate) fn document_text<T: Serialize>(document: &T) -> String {
    let mut out = String::new();
    append_document(&mut out, document);
    out
}

/// Appends one document to `out`: by the fast writer, or by serde_yaml when the document has
/// something the fast writer leaves to it.
pub(crate) fn append_document<T: Serialize + ?Sized>(out: &mut String, document: &T) {
    let start = out.len();
    if writer::write_document(out, document).is_err() {
        out.truncate(start);
        out.push_str(&serde_yaml_text(document));
    }
}

/// The document as serde_yaml writes it, with the YAML 1.1 quoting.
fn serde_yaml_text<T: Serialize + ?Sized>(document: &T) -> String {
    match serde_yaml::to_string(document) {
        Ok(text) => quote_yaml11_scalars(&text),
        Err(error) => format!("# serialisation failed: {error}\n"),
    }
}

/// Quotes plain scalar values that YAML 1.1 would read as something other than a string.
/// Keys are left alone (GitHub's `on:` key must stay as it is), and so is the content of
/// block scalars (`run: |` scripts).
fn quote_yaml11_scalars(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut block_indent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let indent = content.len() - content.trim_start().len();
        if let Some(parent) = block_indent {
            if content.trim().is_empty() || indent > parent {
                out.push_str(line);
                continue;
            }
            block_indent = None;
        }
        let (prefix, value) = split_value(content);
        if starts_block_scalar(value) {
            block_indent = Some(indent);
        }
        if needs_quotes(value) {
            out.push_str(prefix);
            out.push('\'');
            out.push_str(value);
            out.push('\'');
            out.push_str(&line[content.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Splits a line into everything before its scalar value and the value itself (empty when
/// the line holds no plain value).
fn split_value(line: &str) -> (&str, &str) {
    let mut start = line.len() - line.trim_start().len();
    while line[start..].starts_with("- ") {
        start += 2;
    }
    let rest = &line[start..];
    if rest.starts_with(['\'', '"']) {
        return (line, "");
    }
    match rest.find(": ") {
        Some(colon) => line.split_at(start + colon + 2),
        None if rest.ends_with(':') => (line, ""),
        None => line.split_at(start),
    }
}

fn starts_block_scalar(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some('|' | '>')) && chars.all(|c| matches!(c, '-' | '+' | '0'..='9'))
}

/// True for plain values YAML 1.1 resolves to booleans, numbers or merge keys.
fn needs_quotes(value: &str) -> bool {
    const BOOLEANS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    if value.is_empty() || value.starts_with(['\'', '"', '{', '[', '|', '>']) {
        return false;
    }
    if BOOLEANS.contains(&value) || value == "=" || value == "<<" {
        return true;
    }
    let unsigned = value.trim_start_matches(['-', '+']);
    let numeric_like = unsigned.starts_with(|c: char| c.is_ascii_digit())
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '_' | ':' | '.'));
    // serde_yaml already quotes plain integers and floats; what is left are YAML 1.1's
    // sexagesimal (`1:30`) and underscored (`1_000`) numbers.
    numeric_like && (unsigned.contains(':') || unsigned.contains('_'))
}

#[cfg(test)]
mod tests {
    use super::quote_yaml11_scalars;

    #[test]
    fn quotes_yaml11_booleans_and_numbers_in_values_only() {
        let text = "on:\n  push: {}\ndata:\n  A: on\n  B: 1:30\n  C: 1_000\n  D: info\nlist:\n- no\n- yes please\nrun: |\n  echo on\n  x: off\nafter: off\n";
        let quoted = quote_yaml11_scalars(text);
        assert_eq!(
            quoted,
            "on:\n  push: {}\ndata:\n  A: 'on'\n  B: '1:30'\n  C: '1_000'\n  D: info\nlist:\n- 'no'\n- yes please\nrun: |\n  echo on\n  x: off\nafter: 'off'\n"
        );
    }
}
