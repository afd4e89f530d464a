//! The fast reader against pest: whenever it accepts a declaration, pest must accept it too and
//! build the same tree. Checked on every spec in the repository (examples, test cases, the
//! standard library, the fuzz corpus, the `slip` blocks of the docs, the benchmark's services)
//! and on thousands of small mutations of them, which mostly break the syntax in ways the
//! reader must refuse.

use super::parse_declaration as fast;
use crate::span::FileId;
use crate::syntax::corpus_tests::{corpus, mutations, BENCH_SERVICE};
use crate::syntax::{parser, split};

const FILE: FileId = FileId(0);

/// Compares both readers on every declaration of `text`; returns (accepted, declarations).
fn compare(text: &str) -> (usize, usize) {
    let split = split::split(FILE, text);
    let mut accepted = 0;
    for chunk in split.chunks.iter().filter(|c| c.too_deep_at.is_none()) {
        let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
            continue;
        };
        if let Some(declaration) = fast(FILE, chunk_text, chunk.start) {
            accepted += 1;
            match parser::parse_declaration(FILE, chunk_text, chunk.start) {
                Ok(expected) => assert_eq!(
                    declaration, expected,
                    "the fast reader differs from pest on:\n{chunk_text}"
                ),
                Err(diagnostic) => panic!(
                    "the fast reader accepted what pest rejects ({}):\n{chunk_text}",
                    diagnostic.message
                ),
            }
        }
    }
    (accepted, split.chunks.len())
}

#[test]
fn agrees_with_pest_on_every_spec_in_the_repository() {
    let (mut accepted, mut total) = (0, 0);
    for text in corpus() {
        let (a, t) = compare(&text);
        accepted += a;
        total += t;
    }
    assert!(total > 100, "the corpus has only {total} declarations");
    assert!(
        accepted * 2 > total,
        "the fast reader took only {accepted} of {total} declarations"
    );
}

#[test]
fn takes_the_benchmark_services() {
    assert_eq!(compare(BENCH_SERVICE), (1, 1));
}

#[test]
fn agrees_with_pest_on_mutations() {
    let accepted: usize = mutations(6_000).map(|text| compare(&text).0).sum();
    assert!(
        accepted > 1_000,
        "the mutations exercised the fast reader only {accepted} times"
    );
}
