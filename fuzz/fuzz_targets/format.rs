//! Fuzz target `format`: any bytes through the formatter. Formatting must not panic; when
//! it succeeds, formatting its output again must change nothing, and checking the formatted
//! text must report the same diagnostic codes as checking the original.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slipway::SourceFile;

fuzz_target!(|data: &[u8]| {
    let text = slipway_fuzz::text_from_bytes(data);
    let Ok(formatted) = slipway::fmt::format_source(&text) else {
        return;
    };
    match slipway::fmt::format_source(&formatted) {
        Ok(again) => assert_eq!(formatted, again, "formatting formatted text changed it"),
        Err(error) => panic!("the formatter's own output does not format: {error}"),
    }
    let codes = |text: String| {
        let checked = slipway::check(&[SourceFile {
            name: "input.slip".into(),
            text,
        }]);
        let mut codes: Vec<_> = checked
            .diagnostics
            .iter()
            .map(|d| (d.code, d.severity))
            .collect();
        codes.sort();
        codes
    };
    assert_eq!(
        codes(text),
        codes(formatted),
        "formatting changed what the checker reports"
    );
});
