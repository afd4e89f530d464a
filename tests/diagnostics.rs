//! Snapshot tests of the front half of the compiler: every file in `tests/cases/invalid/` is
//! decoded, parsed and checked, and its source and rendered diagnostics are stored together in
//! one snapshot (no colour, width 80). Each case starts with `// expect: SW0xxx, ...`, the
//! exact set of codes it must produce, and the cases together must cover every registered
//! code.

use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::diagnostics::{self, Diagnostic};
use slipway::{Code, FileId, SourceFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CASES: &str = "tests/cases/invalid";

/// The codes named on the `// expect:` first line of a case.
fn expected_codes(bytes: &[u8], path: &Path) -> BTreeSet<Code> {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line = std::str::from_utf8(first_line).unwrap_or_default();
    let Some(list) = first_line.trim().strip_prefix("// expect:") else {
        panic!(
            "{}: the first line must be `// expect: SW0xxx, ...`",
            path.display()
        );
    };
    let codes: BTreeSet<Code> = list
        .split(',')
        .map(|text| {
            Code::parse(text)
                .unwrap_or_else(|| panic!("{}: `{}` is not a code", path.display(), text.trim()))
        })
        .collect();
    assert!(!codes.is_empty(), "{}: no expected codes", path.display());
    codes
}

/// Decodes and checks one case the way `slipway check FILE` does.
fn check_case(path: &Path, bytes: &[u8]) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (file, utf8_problem) = slipway::decode_source(FileId(0), name, bytes);
    let checked = slipway::check(&[file]);
    let mut all: Vec<Diagnostic> = utf8_problem.into_iter().collect();
    all.extend(checked.diagnostics);
    diagnostics::sort(&mut all);
    // Imported standard modules follow the case's own file, so labels in them render too.
    (checked.files, all)
}

fn case_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(CASES)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "slip"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn invalid_cases() {
    insta::glob!("cases/invalid/*.slip", |path| {
        let bytes = std::fs::read(path).unwrap();
        let expected = expected_codes(&bytes, path);
        let (files, all) = check_case(path, &bytes);
        let found: BTreeSet<Code> = all.iter().map(|d| d.code).collect();
        let rendered = render_human(&files, &all, RenderOptions::default());
        assert_eq!(
            found,
            expected,
            "{}: the codes produced differ from its `// expect:` line\n{rendered}",
            path.display()
        );
        assert!(
            all.iter().any(Diagnostic::is_error),
            "{}: an invalid case must fail the check",
            path.display()
        );
        let separator = "-".repeat(80);
        insta::assert_snapshot!(format!("{}\n{separator}\n{rendered}", files[0].text));
    });
}

#[test]
fn cases_cover_every_code() {
    let mut covered = BTreeSet::new();
    for path in case_paths() {
        covered.extend(expected_codes(&std::fs::read(&path).unwrap(), &path));
    }
    // A file over the size limit (SW0005) is too big to keep here; tests/hostile.rs
    // generates 10 MB files from recipes instead.
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| !covered.contains(*code) && **code != Code::SW0005)
        .map(|code| code.as_str())
        .collect();
    assert!(missing.is_empty(), "no case in {CASES} expects {missing:?}");
}

#[test]
fn corpus_is_large_enough() {
    let count = case_paths().len();
    assert!(count >= 50, "only {count} invalid cases; keep at least 50");
}
