//! Slipway: a compiler for typed, declarative software-delivery specs.
//!
//! The library is the whole compiler without any file or terminal IO: sources go in as
//! [`SourceFile`]s, a [`Checked`] model and [`Diagnostic`]s come out. Phases depend one way:
//! [`syntax`] (text to AST) -> [`check`] (AST to typed model) -> [`graph`] (promotion and
//! dependency graphs) -> [`emit`] (files); `pipeline` drives them in that order. The CLI
//! (`src/cli`) is the only place that touches the file system.

// A panic in the library is a crash of the editor's language server and of every compile: the
// library code handles every failure and indexes nothing that can be out of range (tests may
// unwrap and index).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
// The library never touches the file system, the environment or the clock (clippy.toml lists
// the calls); the command line in `src/cli` does that for it.
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod check;
pub mod diagnostics;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod lsp;
mod pipeline;
pub mod span;
pub mod stdlib;
pub mod syntax;

pub use check::model::Model;
pub use check::modules::{LoadError, LoadedFile, Loader, RootFile};
pub use diagnostics::{Code, Diagnostic, Severity};
pub use pipeline::{check, check_project, check_project_with, check_sources, parse_all, Checked};
pub use span::{FileId, SourceFile, Span};

/// The largest spec file the compiler reads: 1 MiB. No hand-written spec comes close, and the
/// limit keeps a generated or hostile file from costing more than about a second and tens of
/// megabytes (a 10 MB spec took 13 s and 380 MB to check in a debug build). A spec may still
/// be split over any number of files.
pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;

/// SW0005 for a file over [`MAX_SOURCE_BYTES`], which is not read (the CLI's files and the
/// language server's documents alike).
pub fn oversized_source(file: FileId) -> Diagnostic {
    Diagnostic::error(
        Code::SW0005,
        format!(
            "this file is larger than {} MiB, the limit for a spec file",
            MAX_SOURCE_BYTES >> 20
        ),
        Span::new(file, 0, 0),
        "the file is not read",
    )
    .with_help("split the spec into several files in one directory; they are checked together")
}

/// Turns raw bytes into a source file. Invalid UTF-8 is replaced (so the rest of the file can
/// still be checked) and reported at the first bad byte. A file over [`MAX_SOURCE_BYTES`] is
/// not decoded at all: its text is left empty and SW0005 is reported (callers may read only
/// `MAX_SOURCE_BYTES + 1` bytes of a file to find out).
pub fn decode_source(file: FileId, name: String, bytes: &[u8]) -> (SourceFile, Option<Diagnostic>) {
    if bytes.len() > MAX_SOURCE_BYTES {
        return (
            SourceFile {
                name,
                text: String::new(),
            },
            Some(oversized_source(file)),
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (
            SourceFile {
                name,
                text: text.to_string(),
            },
            None,
        ),
        Err(error) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let at = error.valid_up_to();
            let end = span::floor_char_boundary(&text, at + 3)
                .max(at + 1)
                .min(text.len());
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
