//! Fuzz target `check`: any bytes, split at NUL into up to eight files, through
//! `slipway::check` and both renderers. It must not panic, diagnostics must point inside
//! their files, and checking the files in reverse order must report the same codes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slipway::diagnostics::render::{render_human, to_json, RenderOptions};

fuzz_target!(|data: &[u8]| {
    let files = slipway_fuzz::files_from_bytes(data);
    let checked = slipway::check(&files);
    // Diagnostics may point into imported standard modules too: `checked.files` lists every
    // file that took part, the inputs first.
    slipway_fuzz::assert_spans_valid(&checked.files, &checked.diagnostics);
    let _ = render_human(
        &checked.files,
        &checked.diagnostics,
        RenderOptions::default(),
    );
    let _ = to_json(&checked.files, &checked.diagnostics);

    let mut reversed = files.clone();
    reversed.reverse();
    let again = slipway::check(&reversed);
    let codes = |all: &[slipway::Diagnostic]| {
        let mut codes: Vec<_> = all.iter().map(|d| (d.code, d.severity)).collect();
        codes.sort();
        codes
    };
    assert_eq!(
        codes(&checked.diagnostics),
        codes(&again.diagnostics),
        "file order changed the diagnostics"
    );
});
