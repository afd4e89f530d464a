//! YAML serialisation: one function, so every target formats the same way.

use serde::Serialize;

/// Serialises documents as one multi-document YAML text (`---` between documents).
pub fn documents<T: Serialize>(documents: &[T]) -> String {
    let mut out = String::new();
    for (index, document) in documents.iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        out.push_str(&document_text(document));
    }
    out
}

/// Serialises one document. Serialising our own types cannot fail; if it ever did, the
/// error text is written instead, so the validators and the snapshots catch it.
pub fn document_text<T: Serialize>(document: &T) -> String {
    serde_yaml::to_string(document).unwrap_or_else(|error| format!("# serialisation failed: {error}\n"))
}
