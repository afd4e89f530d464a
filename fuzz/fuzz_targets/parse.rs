//! Fuzz target `parse`: any bytes, decoded like the CLI decodes a file, through
//! `syntax::parse`. It must not panic, and every diagnostic must point inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slipway::{FileId, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = slipway_fuzz::text_from_bytes(data);
    let (_module, diagnostics) = slipway::syntax::parse(FileId(0), &text);
    let files = [SourceFile {
        name: "input.slip".into(),
        text,
    }];
    slipway_fuzz::assert_spans_valid(&files, &diagnostics);
});
