//! Waivers: a violation is accepted only with a written reason, a waiver that covers nothing
//! is a warning, and `slipway check --waivers` lists them all.
//!
//! Each file in `tests/cases/waivers/` is a whole spec whose first line says which codes it
//! must produce; cases with diagnostics are snapshotted with their source.

mod spec_support;

use spec_support::{check_file, expected_codes, render, reported};
use std::path::Path;
use std::process::Command;

#[test]
fn waiver_cases() {
    insta::glob!("cases/waivers/*.slip", |path| {
        let (text, checked) = check_file(path);
        let expected = expected_codes(&text, &path.display().to_string());
        let rendered = render(&checked, 1);
        assert_eq!(
            reported(&checked),
            expected,
            "{}:\n{rendered}",
            path.display()
        );
        if !expected.is_empty() {
            insta::assert_snapshot!(rendered);
        }
    });
}

#[test]
fn a_waiver_counts_what_it_covers() {
    let (_, checked) = check_file(Path::new("tests/cases/waivers/covers-violations.slip"));
    let [waiver] = checked.model.waivers.as_slice() else {
        panic!("one waiver expected")
    };
    assert_eq!(waiver.policy.value, "pinned-images");
    assert_eq!(waiver.waived, 2, "web in staging and in prod");
    assert!(waiver.reason.contains("OPS-142"));
    let (_, pack) = check_file(Path::new("tests/cases/waivers/whole-pack.slip"));
    assert!(
        pack.model.waivers[0].waived >= 5,
        "{:?}",
        pack.model.waivers
    );
}

fn slipway(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn check_lists_waivers() {
    let output = slipway(&[
        "check",
        "--waivers",
        "tests/cases/waivers/covers-violations.slip",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    insta::assert_snapshot!(stdout.replace('\\', "/"), @r#"
    1 waiver:
      tests/cases/waivers/covers-violations.slip:31  waive `pinned-images` for `web` in every environment: 2 violations waived
        reason: the vendor publishes only `latest`; pinned once OPS-142 ships
    "#);
    let json = slipway(&[
        "check",
        "--waivers",
        "--format",
        "json",
        "tests/cases/waivers/covers-violations.slip",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["waivers"][0]["policy"], "pinned-images");
    assert_eq!(document["waivers"][0]["waived"], 2);
    assert_eq!(document["waivers"][0]["services"][0], "web");
    let plain = slipway(&["check", "tests/cases/waivers/covers-violations.slip"]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).is_empty(),
        "no listing without --waivers"
    );
}

#[test]
fn a_waiver_without_reason_fails_the_check() {
    let output = slipway(&["check", "tests/cases/waivers/without-reason.slip"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SW0503"));
}
