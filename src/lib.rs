//! Slipway: a compiler for typed, declarative software-delivery specs.
//!
//! The library is the whole compiler without any file or terminal IO: sources go in as
//! [`SourceFile`]s, a [`Checked`] model and [`Diagnostic`]s come out. Phases depend one way:
//! [`syntax`] (text to AST) -> [`check`] (AST to typed model) -> [`graph`] (promotion and
//! dependency graphs) -> [`emit`] (files); `pipeline` drives them in that order. The CLI
//! (`src/cli`) is the only place that touches the file system.

pub mod check;
pub mod emit;
pub mod fmt;
pub mod diagnostics;
pub mod graph;
pub mod lsp;
mod pipeline;
pub mod span;
pub mod stdlib;
pub mod syntax;

pub use check::model::Model;
pub use check::modules::{LoadError, LoadedFile, Loader, RootFile};
pub use pipeline::{check, check_project, check_sources, parse_all, Checked};
pub use diagnostics::{Code, Diagnostic, Severity};
pub use span::{FileId, SourceFile, Span};

/// Turns raw bytes into a source file. Invalid UTF-8 is replaced (so the rest of the file can
/// still be checked) and reported at the first bad byte.
pub fn decode_source(file: FileId, name: String, bytes: &[u8]) -> (SourceFile, Option<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (SourceFile { name, text: text.to_string() }, None),
        Err(error) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let at = error.valid_up_to();
            let end = span::floor_char_boundary(&text, at + 3).max(at + 1).min(text.len());
            let diagnostic = Diagnostic::error(
                Code::SW0004,
                "this file is not valid UTF-8",
                Span::new(file, at, end),
                "invalid byte here",
            )
            .with_help("Slipway specs are UTF-8 text; re-save the file as UTF-8");
            (SourceFile { name, text }, Some(diagnostic))
        }
    }
}
