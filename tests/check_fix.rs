//! `slipway check --fix` as users run it: it applies the safe fixes to the files it was given
//! and to no other (not an imported module, not a file beside them), prints what it changed,
//! reports what is left, and a second run changes nothing. The fixes themselves are tested on
//! the corpus in `tests/cases/fix/` by `tests/fixes.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn slipway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch directory for this test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("check-fix")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    dir
}

const APP: &str = r#"import "lib/web.slip"

app shop { registry = "ghcr.io/acme" }

service storefront from web.defaults {
  image   = "storefront:3.1.0"
  replica = 3
  resources {
    limits { memory = 2GB }
  }
}
"#;

const APP_FIXED: &str = r#"import "lib/web.slip"

app shop { registry = "ghcr.io/acme" }

service storefront from web.defaults {
  image   = "storefront:3.1.0"
  replicas = 3
  resources {
    limits { memory = 2G }
  }
}
"#;

/// A module with a fixable mistake of its own: `--fix` on the app must not touch it.
const MODULE: &str = r#"template defaults = service {
  ports { http = 8080 }
  readiness = http { path = "/ready"  port = http  period = 10sec }
}
"#;

/// A spec beside the app that was not named on the command line.
const BESIDE: &str = r#"service web {
  image   = "web:1"
  replica = 2
}
"#;

fn project(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("app.slip"), APP).unwrap();
    std::fs::write(dir.join("lib/web.slip"), MODULE).unwrap();
    std::fs::write(dir.join("beside.slip"), BESIDE).unwrap();
    dir
}

#[test]
fn fixes_only_the_files_it_was_given_and_says_what_changed() {
    let dir = project("given-files-only");
    let app = dir.join("app.slip");
    let output = slipway(&["check", "--fix", app.to_str().unwrap()]);
    let text = stderr(&output);
    assert_eq!(std::fs::read_to_string(&app).unwrap(), APP_FIXED, "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.join("lib/web.slip")).unwrap(),
        MODULE
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("beside.slip")).unwrap(),
        BESIDE
    );
    assert!(text.contains("fixed 2 problems in 1 file:"), "{text}");
    assert!(
        text.contains("app.slip:7:3: SW0201 `replica` -> `replicas`"),
        "{text}"
    );
    assert!(
        text.contains("app.slip:9:23: SW0205 `2GB` -> `2G`"),
        "{text}"
    );
    // The module's own mistake is still reported, with its fix, and fails the check.
    assert!(
        text.contains("fix: `slipway check --fix` changes it to `10s`"),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(1), "{text}");
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_second_fix_changes_nothing() {
    let dir = project("idempotent");
    let app = dir.join("app.slip");
    slipway(&["check", "--fix", app.to_str().unwrap()]);
    let output = slipway(&["check", "--fix", app.to_str().unwrap()]);
    assert!(
        stderr(&output).contains("--fix: nothing to fix"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&app).unwrap(), APP_FIXED);
}

#[test]
fn fixing_a_directory_fixes_every_spec_in_it_and_then_checks_clean() {
    let dir = project("directory");
    let output = slipway(&["check", "--fix", dir.to_str().unwrap()]);
    let text = stderr(&output);
    assert!(text.contains("fixed 4 problems in 3 files:"), "{text}");
    assert!(text.contains("no problems"), "{text}");
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(std::fs::read_to_string(dir.join("lib/web.slip"))
        .unwrap()
        .contains("period = 10s "));
}

#[test]
fn json_output_carries_the_fixes() {
    let dir = project("json");
    let output = slipway(&[
        "check",
        dir.join("app.slip").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let typo = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SW0201")
        .expect("the typo is reported");
    assert_eq!(
        typo["fixes"],
        serde_json::json!([{
            "file": dir.join("app.slip").display().to_string(),
            "start": { "line": 7, "column": 3 },
            "end": { "line": 7, "column": 10 },
            "replacement": "replicas",
            "applicability": "safe",
        }])
    );
}
