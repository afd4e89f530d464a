//! Formatter tests: input/output snapshot pairs (`tests/fmt/<case>.slip` and its snapshot),
//! idempotence over every `.slip` file in the repository, and "same meaning": formatting a
//! spec never changes its checked model or the codes of its diagnostics.

use slipway::fmt::{format_source, FormatError};
use slipway::SourceFile;
use std::path::{Path, PathBuf};

/// The formatted text, or the codes and positions of the syntax errors that stop it.
fn describe(text: &str) -> String {
    match format_source(text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax(diagnostics)) => {
            let index = slipway::span::LineIndex::new(text);
            let lines: Vec<String> = diagnostics
                .iter()
                .map(|d| {
                    let at = index.line_column(text, d.primary.span.start as usize);
                    format!(
                        "{} at {}:{}: {}",
                        d.code,
                        at.line + 1,
                        at.column + 1,
                        d.message
                    )
                })
                .collect();
            format!("not formatted, syntax errors:\n{}\n", lines.join("\n"))
        }
        Err(error) => panic!("formatter bug: {error}"),
    }
}

#[test]
fn snapshots() {
    insta::glob!("fmt/*.slip", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let output = describe(&text);
        if let Ok(formatted) = format_source(&text) {
            assert_eq!(
                format_source(&formatted).unwrap(),
                formatted,
                "{}: not idempotent",
                path.display()
            );
            assert!(
                !formatted.lines().any(|line| line.ends_with(' ')),
                "trailing whitespace"
            );
        }
        insta::assert_snapshot!(output);
    });
}

/// Every `.slip` file under `dir`, skipping hidden directories, `target` and links to
/// directories (test cases link outside their spec on purpose).
fn slip_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        if path.is_dir() && !is_link {
            slip_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "slip") {
            out.push(path);
        }
    }
}

fn repository_slip_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    slip_files(Path::new("."), &mut files);
    files.sort();
    assert!(
        files.len() > 10,
        "expected the examples and test cases, found {files:?}"
    );
    files
}

#[test]
fn formatting_is_idempotent_for_every_slip_file() {
    for path in repository_slip_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match format_source(&text) {
            Ok(once) => {
                let twice =
                    format_source(&once).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(
                    twice,
                    once,
                    "{}: formatting twice changes the text",
                    path.display()
                );
            }
            Err(FormatError::Syntax(_)) => {}
            Err(error) => panic!("{}: {error}", path.display()),
        }
    }
}

/// What checking says about a spec: the model as YAML (when it checks) and the codes.
fn meaning(files: &[SourceFile]) -> (String, Vec<String>) {
    let checked = slipway::check(files);
    let codes = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    // serde_yaml cannot write nested enums (policy conditions) directly; going through a
    // JSON value keeps every field and still compares as YAML text.
    let model = if checked.diagnostics.is_empty() {
        let value = serde_json::to_value(&checked.model).unwrap();
        serde_yaml::to_string(&value).unwrap()
    } else {
        String::new()
    };
    (model, codes)
}

fn load(paths: &[PathBuf]) -> Vec<SourceFile> {
    paths
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            Some(SourceFile {
                name: path.display().to_string(),
                text,
            })
        })
        .collect()
}

/// Formats every file that parses; files with syntax errors stay as they are.
fn formatted(files: &[SourceFile]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|file| SourceFile {
            name: file.name.clone(),
            text: format_source(&file.text).unwrap_or_else(|_| file.text.clone()),
        })
        .collect()
}

fn assert_same_meaning(label: &str, files: &[SourceFile]) -> bool {
    let before = meaning(files);
    let after = meaning(&formatted(files));
    assert_eq!(
        before.1, after.1,
        "{label}: formatting changed the diagnostic codes"
    );
    assert_eq!(
        before.0, after.0,
        "{label}: formatting changed the checked model"
    );
    !before.0.is_empty()
}

#[test]
fn formatting_keeps_the_meaning_of_every_example() {
    let mut clean = 0;
    for entry in std::fs::read_dir("examples").unwrap().flatten() {
        let mut paths = Vec::new();
        slip_files(&entry.path(), &mut paths);
        paths.sort();
        if paths.is_empty() {
            continue;
        }
        if assert_same_meaning(&entry.path().display().to_string(), &load(&paths)) {
            clean += 1;
        }
    }
    assert!(
        clean > 0,
        "no example checked cleanly, so the model comparison tested nothing"
    );
}

#[test]
fn formatting_keeps_the_meaning_of_every_test_case() {
    let mut paths = Vec::new();
    slip_files(Path::new("tests"), &mut paths);
    paths.sort();
    let mut clean = 0;
    for path in paths {
        let files = load(std::slice::from_ref(&path));
        if assert_same_meaning(&path.display().to_string(), &files) {
            clean += 1;
        }
    }
    assert!(
        clean > 0,
        "no test case checked cleanly, so the model comparison tested nothing"
    );
}

#[test]
fn windows_line_endings_become_unix_ones() {
    let text = "service web {\r\n  image = \"ghcr.io/acme/web:1\"  // note\r\n}\r\n";
    let formatted = format_source(text).unwrap();
    assert_eq!(
        formatted,
        "service web {\n  image = \"ghcr.io/acme/web:1\" // note\n}\n"
    );
}

#[test]
fn an_empty_file_stays_empty() {
    assert_eq!(format_source("").unwrap(), "");
    assert_eq!(format_source("\n\n  \n").unwrap(), "");
    assert_eq!(
        format_source("// only a comment\n\n").unwrap(),
        "// only a comment\n"
    );
}
