//! Phase 1: text to syntax tree.
//!
//! [`parse`] never fails: it returns a [`Module`] with every declaration it could read and a
//! diagnostic for each one it could not. The file is first split into top-level declarations
//! (see [`split`]), each parsed on its own by the pest grammar in `grammar/slipway.pest`, so
//! a typo in one declaration leaves the others intact for the checker and the editor.

pub mod ast;
#[cfg(test)]
mod corpus_tests;
mod escape;
mod expected;
mod fast;
pub mod lexer;
// The lexer-against-pest check is a test utility: built for the unit tests and, with the
// `differential` feature, for the fuzz target `lexer`; not part of the shipped library.
#[cfg(any(test, feature = "differential"))]
pub mod lexer_grammar;
mod parser;
pub mod split;
mod syntax_error;
mod too_deep;

use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};
use ast::{BrokenDeclaration, Comment, Declaration, Ident, Module};
pub use syntax_error::SyntaxError;
pub use too_deep::TooDeep;

/// Parses one file. Diagnostics are returned in source order.
pub fn parse(file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
    let split = split::split(file, text);
    let mut declarations = Vec::with_capacity(split.chunks.len());
    let mut diagnostics = Vec::new();
    for chunk in &split.chunks {
        let chunk_span = Span::new(file, chunk.start, chunk.end);
        if let Some(at) = chunk.too_deep_at {
            diagnostics.push(too_deep(file, at));
            declarations.push(broken(file, &text[chunk.start..chunk.end], chunk_span));
            continue;
        }
        let chunk_text = &text[chunk.start..chunk.end];
        // The fast reader takes the common declarations; pest reads the rest and reports errors.
        let parsed = fast::parse_declaration(file, chunk_text, chunk.start).map_or_else(
            || parser::parse_declaration(file, chunk_text, chunk.start),
            Ok,
        );
        match parsed {
            Ok(declaration) => declarations.push(declaration),
            Err(diagnostic) => {
                diagnostics.push(*diagnostic);
                declarations.push(broken(file, chunk_text, chunk_span));
            }
        }
    }
    if let Some(at) = split.unclosed_comment {
        // Without this, everything after an unclosed `/*` would vanish without a word.
        diagnostics.push(
            SyntaxError::UnclosedComment {
                span: Span::new(file, at, at + 2),
            }
            .diagnostic(),
        );
    }
    attach_doc_comments(text, &mut declarations, &split.comments);
    let module = Module {
        file,
        declarations,
        comments: split.comments,
    };
    (module, diagnostics)
}

/// Reads the leading `kind name` words of a declaration that failed to parse.
fn broken(file: FileId, chunk: &str, span: Span) -> Declaration {
    let offset = span.start as usize;
    let mut words = lexer::tokens(chunk)
        .filter(|token| !matches!(token.kind, lexer::Kind::Space | lexer::Kind::Newline))
        .take(2)
        .map_while(|token| {
            (token.kind == lexer::Kind::Word).then(|| Ident {
                text: token.text(chunk).to_string(),
                span: Span::new(file, offset + token.start, offset + token.end),
            })
        });
    Declaration::Error(Box::new(BrokenDeclaration {
        keyword: words.next(),
        name: words.next(),
        span,
    }))
}

fn too_deep(file: FileId, at: usize) -> Diagnostic {
    TooDeep::Brackets {
        span: Span::new(file, at, at + 1),
    }
    .diagnostic()
}

/// Gives each item the `///` comment lines that end directly above it.
fn attach_doc_comments(text: &str, declarations: &mut [Declaration], comments: &[Comment]) {
    for declaration in declarations {
        let Declaration::Item(item) = declaration else {
            continue;
        };
        let mut lines: Vec<&str> = Vec::new();
        let mut boundary = item.span.start as usize;
        let before = comments.partition_point(|c| (c.span.end as usize) <= boundary);
        for comment in comments.iter().take(before).rev() {
            let gap = text.get(comment.span.end as usize..boundary).unwrap_or("x");
            let only_one_newline = gap.trim().is_empty() && gap.matches('\n').count() <= 1;
            if !only_one_newline || !comment.text.starts_with("///") {
                break;
            }
            lines.push(
                comment
                    .text
                    .trim_start_matches("///")
                    .strip_prefix(' ')
                    .unwrap_or(comment.text.trim_start_matches("///")),
            );
            boundary = comment.span.start as usize;
        }
        if !lines.is_empty() {
            lines.reverse();
            item.doc = Some(lines.join("\n"));
        }
    }
}
