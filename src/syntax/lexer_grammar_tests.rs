//! The lexer against pest on every spec in the repository and on thousands of mutations of
//! them: wherever pest accepts a declaration, both cut it into the same tokens.

use super::disagreements;
use crate::syntax::corpus_tests::{corpus, mutations};

fn assert_agree(text: &str) {
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
