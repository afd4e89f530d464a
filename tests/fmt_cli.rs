//! `slipway fmt` as a user runs it: rewriting files in place, `--check` naming the files that
//! would change, syntax errors reported with exit status 1 and the file left alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MESSY: &str = "service web {\nimage=\"ghcr.io/acme/web:1\"\n    replicas   =  2\n}\n";
const TIDY: &str = "service web {\n  image    = \"ghcr.io/acme/web:1\"\n  replicas = 2\n}\n";
const BROKEN: &str = "service api {\n  image \"ghcr.io/acme/api:1\"\n}\n";

/// A fresh directory under the system temp dir, unique to this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slipway-fmt-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn slipway(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn check_names_the_files_that_would_change_and_changes_nothing() {
    let dir = scratch("check");
    std::fs::write(dir.join("messy.slip"), MESSY).unwrap();
    std::fs::write(dir.join("tidy.slip"), TIDY).unwrap();
    let output = slipway(&["fmt", "--check", "."], &dir);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("messy.slip"), "{stdout}");
    assert!(!stdout.contains("tidy.slip"), "{stdout}");
    assert_eq!(read(dir.join("messy.slip")), MESSY, "--check never writes");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn formatting_rewrites_in_place_and_then_check_passes() {
    let dir = scratch("write");
    std::fs::write(dir.join("messy.slip"), MESSY).unwrap();
    let output = slipway(&["fmt"], &dir);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(read(dir.join("messy.slip")), TIDY);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
    assert_eq!(
        slipway(&["fmt", "--check", "messy.slip"], &dir)
            .status
            .code(),
        Some(0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_left_alone() {
    let dir = scratch("broken");
    std::fs::write(dir.join("broken.slip"), BROKEN).unwrap();
    std::fs::write(dir.join("messy.slip"), MESSY).unwrap();
    let output = slipway(&["fmt", "--color", "never", "."], &dir);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SW0001") && stderr.contains("broken.slip"),
        "{stderr}"
    );
    assert_eq!(read(dir.join("broken.slip")), BROKEN);
    assert_eq!(
        read(dir.join("messy.slip")),
        TIDY,
        "the other files are still formatted"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_examples_are_formatted() {
    let output = slipway(
        &["fmt", "--check", "examples"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
