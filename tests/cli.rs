//! The `slipway` binary as users and CI run it: `check` exit codes (0 clean, 1 errors, 2 usage
//! or IO problems), the JSON output shape, `explain`, and that no input makes it panic (exit
//! code 101).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn slipway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn status(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("slipway was killed by a signal")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch directory for this test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn clean_example_exits_0() {
    let output = slipway(&["check", "examples/delivery-matrix"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no problems"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn invalid_case_exits_1_and_names_the_code() {
    let output = slipway(&[
        "check",
        "tests/cases/invalid/memory-in-millibytes.slip",
        "--color",
        "never",
    ]);
    assert_eq!(status(&output), 1);
    let text = stderr(&output);
    assert!(text.contains("SW0205"), "{text}");
    assert!(text.contains("did you mean `512Mi`?"), "{text}");
    assert!(text.contains("1 error, 0 warnings"), "{text}");
}

#[test]
fn every_invalid_case_exits_1() {
    for entry in std::fs::read_dir("tests/cases/invalid").unwrap() {
        let path = entry.unwrap().path();
        let output = slipway(&["check", path.to_str().unwrap()]);
        assert_eq!(
            status(&output),
            1,
            "{}:\n{}",
            path.display(),
            stderr(&output)
        );
    }
}

#[test]
fn missing_file_exits_2() {
    let output = slipway(&["check", "tests/cases/invalid/no-such-file.slip"]);
    assert_eq!(status(&output), 2);
    assert!(
        stderr(&output).contains("no-such-file.slip"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn directory_without_specs_exits_2() {
    let dir = scratch("empty");
    let output = slipway(&["check", dir.to_str().unwrap()]);
    assert_eq!(status(&output), 2, "{}", stderr(&output));
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["check", "examples/delivery-matrix", "--no-such-flag"][..],
        &["check", "examples/delivery-matrix", "--format", "xml"],
        &["check"],
        &["no-such-command"],
        &[],
    ] {
        let output = slipway(args);
        assert_eq!(status(&output), 2, "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn json_output_has_every_field() {
    let output = slipway(&[
        "check",
        "tests/cases/invalid/multi-service-mistakes.slip",
        "--format",
        "json",
    ]);
    assert_eq!(status(&output), 1);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 4);
    assert_eq!(document["errors"], 4);
    assert_eq!(document["warnings"], 0);
    for diagnostic in diagnostics {
        for field in [
            "file", "code", "severity", "message", "start", "end", "labels", "help", "fixes",
        ] {
            assert!(
                diagnostic.get(field).is_some(),
                "no `{field}` in {diagnostic}"
            );
        }
        assert!(diagnostic["file"]
            .as_str()
            .unwrap()
            .ends_with("multi-service-mistakes.slip"));
        assert_eq!(diagnostic["severity"], "error");
        assert!(!diagnostic["labels"].as_array().unwrap().is_empty());
    }
    let typo = &diagnostics[0];
    assert_eq!(typo["code"], "SW0201");
    assert_eq!(typo["message"], "unknown field `replica` in a service");
    assert_eq!(typo["start"], serde_json::json!({ "line": 9, "column": 3 }));
    assert_eq!(typo["end"], serde_json::json!({ "line": 9, "column": 10 }));
    assert_eq!(typo["help"], "did you mean `replicas`?");
    assert_eq!(typo["fixes"][0]["replacement"], "replicas");
    assert_eq!(typo["fixes"][0]["applicability"], "safe");
}

#[test]
fn json_output_of_a_clean_spec_is_empty() {
    let output = slipway(&["check", "examples/delivery-matrix", "--format", "json"]);
    assert_eq!(status(&output), 0);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["diagnostics"], serde_json::json!([]));
    assert_eq!(document["errors"], 0);
}

#[test]
fn explain_prints_the_explanation() {
    let output = slipway(&["explain", "SW0301"]);
    assert_eq!(status(&output), 0);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("# SW0301"), "{text}");
    let lowercase = slipway(&["explain", "sw0301"]);
    assert_eq!(lowercase.stdout, text.as_bytes());
}

#[test]
fn explain_without_a_code_lists_every_code() {
    let output = slipway(&["explain"]);
    assert_eq!(status(&output), 0);
    let text = String::from_utf8(output.stdout).unwrap();
    for code in slipway::Code::ALL {
        assert!(text.contains(code.as_str()), "{code} is not listed");
    }
}

#[test]
fn explain_unknown_code_exits_2() {
    for code in ["SW9999", "E0001", ""] {
        let output = slipway(&["explain", code]);
        assert_eq!(status(&output), 2, "{code:?}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn hostile_files_never_panic() {
    let dir = scratch("hostile");
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty.slip", Vec::new()),
        ("nul.slip", b"service web {\0\0\0}".to_vec()),
        ("binary.slip", (0..=255u8).cycle().take(4096).collect()),
        ("brackets.slip", "[".repeat(200_000).into_bytes()),
        (
            "braces.slip",
            format!("service a {}", "{".repeat(200_000)).into_bytes(),
        ),
        ("quotes.slip", "\"\\".repeat(50_000).into_bytes()),
        (
            "bom.slip",
            b"\xEF\xBB\xBFservice web { image = \"web:1\" }".to_vec(),
        ),
        (
            "crlf.slip",
            b"service web {\r\n  image = \"web:1\r\n}\r\n".to_vec(),
        ),
        (
            "huge-number.slip",
            format!(
                "service a {{ image = \"a:1\" replicas = {} }}",
                "9".repeat(5000)
            )
            .into_bytes(),
        ),
        (
            "escape.slip",
            br#"service a { image = "\u{FFFFFFFF}\u{D800}\" }"#.to_vec(),
        ),
        ("utf8-cut.slip", b"service caf\xC3".to_vec()),
        ("comment.slip", b"/* never closed\nservice a {".to_vec()),
        ("too-large.slip", vec![b'#'; slipway::MAX_SOURCE_BYTES + 1]),
        (
            "long-line.slip",
            format!("service web {{ {}}}", "a = 1 ".repeat(20_000)).into_bytes(),
        ),
        (
            "nots.slip",
            format!("policy p {{ require = {}true }}", "not ".repeat(200_000)).into_bytes(),
        ),
        (
            "ands.slip",
            format!(
                "policy p {{ each = service require = a{} }}",
                " and a".repeat(100_000)
            )
            .into_bytes(),
        ),
    ];
    for (name, bytes) in &inputs {
        std::fs::write(dir.join(name), bytes).unwrap();
        for format in ["human", "json"] {
            let output = slipway(&[
                "check",
                dir.join(name).to_str().unwrap(),
                "--format",
                format,
            ]);
            let code = status(&output);
            assert!(
                code == 0 || code == 1,
                "{name} ({format}) exited {code}:\n{}",
                stderr(&output)
            );
        }
    }
    let output = slipway(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status(&output), 1, "{}", stderr(&output));
    serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap();
}
