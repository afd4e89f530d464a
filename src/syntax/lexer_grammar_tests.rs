//! The lexer against pest on every spec in the repository and on thousands of mutations of
//! them: wherever pest accepts a declaration, both cut it into the same tokens; and the
//! lexer's structural view agrees with its tokens everywhere.

use super::{disagreements, structure_disagreement};
use crate::syntax::corpus_tests::{corpus, mutations};

fn assert_agree(text: &str) {
    if let Some(at) = structure_disagreement(text) {
        panic!("the structural view and the tokens disagree at byte {at} of:\n{text}");
    }
    let found = disagreements(text);
    assert!(
        found.is_empty(),
        "the lexer and the grammar disagree: {found:#?}\non:\n{text}"
    );
}

#[test]
fn agrees_with_pest_on_every_spec_in_the_repository() {
    for text in corpus() {
        assert_agree(&text);
    }
}

#[test]
fn agrees_with_pest_on_mutations() {
    for text in mutations(6_000) {
        assert_agree(&text);
    }
}

#[test]
fn the_structural_view_agrees_with_the_tokens_on_edge_cases() {
    for text in [
        "",
        "a/b//c\n/*x*/\"s\\\"{\"}\u{FEFF} é# c\r\n[(1.5Gi)]",
        "\"open\n/* open",
        "  \t\r\u{FEFF}",
        "/",
        "x = -2 / 3",
    ] {
        assert_eq!(structure_disagreement(text), None, "on {text:?}");
    }
}
