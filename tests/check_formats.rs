//! `slipway check` for programs and CI: `--format short` (one line per problem, as rustc and
//! ruff print them), `--deny-warnings`, and `--format json` that stays JSON when the files
//! cannot be read or the arguments are wrong.

mod cli_support;

use cli_support::{run, scratch};
use std::path::{Path, PathBuf};

/// A spec that checks with one warning (SW0104: no `app`).
const WARNS: &str =
    "service web {\n  image = \"ghcr.io/acme/web:1.0.0\"\n}\n\nenvironment prod {\n  \
    cluster   = \"prod\"\n  namespace = \"shop\"\n  trigger   = manual\n}\n";

/// A scratch directory holding `tests/cases/invalid/multi-service-mistakes.slip` as
/// `mistakes.slip`, and `WARNS` as `warns.slip`.
fn specs(name: &str) -> PathBuf {
    let dir = scratch("check_formats", name);
    let mistakes = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/invalid/multi-service-mistakes.slip");
    std::fs::copy(mistakes, dir.join("mistakes.slip")).unwrap();
    std::fs::write(dir.join("warns.slip"), WARNS).unwrap();
    dir
}

#[test]
fn short_format_prints_one_line_per_problem() {
    let dir = specs("short");
    let short = run(&dir, &["check", "mistakes.slip", "--format", "short"]);
    insta::assert_snapshot!(short.transcript());
    assert_eq!(short.status, 1);
    assert_eq!(short.stdout.lines().count(), 4);
}

#[test]
fn deny_warnings_turns_a_warning_into_exit_status_1() {
    let dir = specs("deny-warnings");
    let allowed = run(&dir, &["check", "warns.slip", "--format", "short"]);
    assert_eq!(allowed.status, 0, "{}", allowed.stderr);
    let denied = run(
        &dir,
        &[
            "check",
            "warns.slip",
            "--format",
            "short",
            "--deny-warnings",
        ],
    );
    insta::assert_snapshot!(denied.transcript());
    assert_eq!(denied.status, 1);
    let json = run(
        &dir,
        &["check", "warns.slip", "--format", "json", "--deny-warnings"],
    );
    assert_eq!(json.status, 1);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(document["warnings"], 1);
    assert_eq!(json.stderr, "", "JSON output says it all");
}

#[test]
fn json_reports_a_missing_file_as_json() {
    let dir = specs("json-missing");
    let missing = run(&dir, &["check", "no-such-spec.slip", "--format", "json"]);
    insta::assert_snapshot!(missing.transcript());
    assert_eq!(missing.status, 2);
    let document: serde_json::Value = serde_json::from_str(&missing.stdout).unwrap();
    assert_eq!(document["error"]["kind"], "io");
}

#[test]
fn json_reports_a_usage_error_as_json() {
    let dir = specs("json-usage");
    let wrong = run(
        &dir,
        &["check", "--format", "json", "--no-such-flag", "warns.slip"],
    );
    insta::assert_snapshot!(wrong.transcript());
    assert_eq!(wrong.status, 2);
    let document: serde_json::Value = serde_json::from_str(&wrong.stdout).unwrap();
    assert_eq!(document["error"]["kind"], "usage");
    assert_eq!(document["diagnostics"], serde_json::json!([]));
}

#[test]
fn an_unreadable_file_is_reported_in_the_format_asked_for() {
    let dir = specs("unreadable");
    std::fs::create_dir(dir.join("fifo-dir")).unwrap();
    let fifo = dir.join("fifo-dir/spec.slip");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let json = run(&dir, &["check", "fifo-dir", "--format", "json"]);
    assert_eq!(json.status, 2);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let message = document["error"]["message"].as_str().unwrap();
    assert!(message.contains("not a regular file"), "{message}");
    let human = run(&dir, &["check", "fifo-dir"]);
    assert_eq!(human.status, 2);
    assert!(human.stdout.is_empty());
    assert!(human
        .stderr
        .starts_with("error: cannot read fifo-dir/spec.slip"));
}
