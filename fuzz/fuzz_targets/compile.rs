//! Fuzz target `compile`: any bytes (split at NUL into files) through the checker and, when
//! the spec has no errors, every emitter (the opt-in targets too). Emitting must not panic,
//! must be deterministic, must only produce plain relative paths (nothing can escape
//! `--out`) and valid YAML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slipway::emit::{emit, Options, Target};

fuzz_target!(|data: &[u8]| {
    let files = slipway_fuzz::files_from_bytes(data);
    let checked = slipway::check(&files);
    if checked.has_errors() {
        return;
    }
    let mut options = Options::all("fuzz");
    options.targets = Target::ALL.iter().copied().collect();
    let output = emit(&checked.model, &options);
    slipway_fuzz::assert_output_safe(&output);
    assert_eq!(
        output,
        emit(&checked.model, &options),
        "emitting twice gave different files"
    );
});
