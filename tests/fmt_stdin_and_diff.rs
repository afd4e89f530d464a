//! `slipway fmt -` formats stdin to stdout (for editors and pipes), and `fmt --check --diff`
//! shows the change it would make as a unified diff.

mod cli_support;

use cli_support::{run, run_with_stdin, scratch};

const MESSY: &str = "service web {\nimage=\"ghcr.io/acme/web:1\"\n    replicas   =  2\n}\n";
const TIDY: &str = "service web {\n  image    = \"ghcr.io/acme/web:1\"\n  replicas = 2\n}\n";
const BROKEN: &str = "service api {\n  image \"ghcr.io/acme/api:1\"\n}\n";

#[test]
fn dash_formats_stdin_to_stdout() {
    let dir = scratch("fmt_stdin_and_diff", "stdin");
    let formatted = run_with_stdin(&dir, &["fmt", "-"], MESSY);
    assert_eq!(formatted.status, 0, "{}", formatted.stderr);
    assert_eq!(formatted.stdout, TIDY);
    assert_eq!(formatted.stderr, "");
    let again = run_with_stdin(&dir, &["fmt", "-"], TIDY);
    assert_eq!(again.stdout, TIDY);
}

#[test]
fn dash_with_check_and_diff_prints_the_diff() {
    let dir = scratch("fmt_stdin_and_diff", "stdin-diff");
    let checked = run_with_stdin(&dir, &["fmt", "--check", "--diff", "-"], MESSY);
    insta::assert_snapshot!(checked.transcript());
    assert_eq!(checked.status, 1);
    let clean = run_with_stdin(&dir, &["fmt", "--check", "-"], TIDY);
    assert_eq!((clean.status, clean.stdout.as_str()), (0, ""));
}

#[test]
fn dash_with_a_syntax_error_prints_nothing_on_stdout() {
    let dir = scratch("fmt_stdin_and_diff", "stdin-broken");
    let refused = run_with_stdin(&dir, &["--color", "never", "fmt", "-"], BROKEN);
    insta::assert_snapshot!(refused.transcript());
    assert_eq!(refused.status, 1);
}

#[test]
fn dash_goes_alone() {
    let dir = scratch("fmt_stdin_and_diff", "stdin-alone");
    let mixed = run_with_stdin(&dir, &["fmt", "-", "other.slip"], MESSY);
    assert_eq!(mixed.status, 2);
    assert!(mixed.stdout.is_empty());
}

#[test]
fn check_with_diff_shows_each_file_that_would_change() {
    let dir = scratch("fmt_stdin_and_diff", "diff");
    std::fs::write(dir.join("messy.slip"), MESSY).unwrap();
    std::fs::write(dir.join("tidy.slip"), TIDY).unwrap();
    let checked = run(&dir, &["fmt", "--check", "--diff", "."]);
    insta::assert_snapshot!(checked.transcript());
    assert_eq!(checked.status, 1);
    assert_eq!(
        std::fs::read_to_string(dir.join("messy.slip")).unwrap(),
        MESSY
    );
}
