//! Fuzz target `lexer`: any bytes, decoded like the CLI decodes a file, through
//! `syntax::lexer`. The tokens must cover the text exactly, one after another, each ending on
//! a character boundary; and wherever pest accepts a declaration, pest and the lexer must
//! agree on every token (`syntax::lexer_grammar::disagreements` finds none); and the lexer's
//! structural view must cut the text as its tokens do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slipway::syntax::{lexer, lexer_grammar};

fuzz_target!(|data: &[u8]| {
    let text = slipway_fuzz::text_from_bytes(data);
    let mut end = 0;
    for token in lexer::tokens(&text) {
        assert_eq!(token.start, end, "a gap or overlap before {token:?}");
        assert!(token.end > token.start, "an empty token {token:?}");
        assert!(text.is_char_boundary(token.end), "{token:?} splits a character");
        end = token.end;
    }
    assert_eq!(end, text.len(), "the tokens stop before the end of the text");
    let structure = lexer_grammar::structure_disagreement(&text);
    assert_eq!(structure, None, "the structural view and the tokens disagree");
    let found = lexer_grammar::disagreements(&text);
    assert!(found.is_empty(), "the lexer and pest disagree: {found:#?}");
});
