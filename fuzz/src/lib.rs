//! Shared helpers for Slipway's fuzz targets: turning one fuzzer input into source files,
//! and the properties every target asserts about what the compiler gives back.
//!
//! A fuzzer input may hold several files separated by NUL bytes (a NUL never appears in a
//! real spec), so cross-file checks (duplicates across files, references between files) are
//! reached as well. The seed script `fuzz/seed.sh` writes each example directory both as one
//! concatenated file and as its files joined with NUL.

use slipway::{FileId, SourceFile};

/// At most this many files are made from one input.
pub const MAX_FILES: usize = 8;

/// Splits `data` at NUL bytes into source files, decoded as the CLI decodes them.
pub fn files_from_bytes(data: &[u8]) -> Vec<SourceFile> {
    data.split(|byte| *byte == 0)
        .take(MAX_FILES)
        .enumerate()
        .map(|(index, bytes)| {
            let id = FileId(index as u32);
            let (file, _problem) = slipway::decode_source(id, format!("f{index}.slip"), bytes);
            file
        })
        .collect()
}

/// The text of a single-file input: lossy UTF-8, as the CLI would decode it.
pub fn text_from_bytes(data: &[u8]) -> String {
    let (file, _problem) = slipway::decode_source(FileId(0), "input.slip".into(), data);
    file.text
}

/// Every diagnostic must point inside its file, on character boundaries.
pub fn assert_spans_valid(files: &[SourceFile], diagnostics: &[slipway::Diagnostic]) {
    for diagnostic in diagnostics {
        let spans = std::iter::once(diagnostic.primary.span)
            .chain(diagnostic.secondary.iter().map(|label| label.span))
            .chain(diagnostic.fixes.iter().map(|fix| fix.span));
        for span in spans {
            let Some(file) = files.get(span.file.0 as usize) else {
                panic!(
                    "{:?} points into a file that does not exist: {span:?}",
                    diagnostic.code
                );
            };
            let (start, end) = (span.start as usize, span.end as usize);
            assert!(
                start <= end && end <= file.text.len(),
                "{:?}: span {span:?} is outside {} bytes",
                diagnostic.code,
                file.text.len()
            );
            assert!(
                file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
                "{:?}: span {span:?} splits a character",
                diagnostic.code
            );
        }
    }
}

/// Every generated path must stay inside the output directory, and every YAML file must
/// parse as YAML.
pub fn assert_output_safe(output: &slipway::emit::Output) {
    for (path, text) in &output.files {
        let plain = !path.is_empty()
            && !path.starts_with('/')
            && !path.contains('\\')
            && !path.contains('\0')
            && path
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        assert!(plain, "emitted a path that could leave --out: {path:?}");
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            for document in serde_yaml::Deserializer::from_str(text) {
                if let Err(error) = <serde_yaml::Value as serde::Deserialize>::deserialize(document)
                {
                    panic!("{path} is not valid YAML: {error}\n{text}");
                }
            }
        }
    }
}
