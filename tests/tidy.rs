//! House rules that a machine keeps, not memory (in the manner of rust-analyzer's tidy tests):
//! every Rust file opens with its `//!` paragraph, no source file grows past 800 lines, and
//! the library touches no file system (only the command line in `src/cli` and test code do).
//! Panics in library and command-line code are kept out by clippy (`unwrap_used`,
//! `expect_used` denied in `src/lib.rs` and `src/main.rs`).

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `dir`, as paths relative to the repository, sorted.
fn rust_files(dir: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![repository().join(dir)];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path.strip_prefix(repository()).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(repository().join(path)).unwrap()
}

#[test]
fn every_rust_file_opens_with_its_paragraph() {
    let missing: Vec<String> = ["src", "tests", "benches", "fuzz/src", "fuzz/fuzz_targets"]
        .iter()
        .flat_map(|dir| rust_files(dir))
        .filter(|path| !read(path).starts_with("//!"))
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` paragraph saying what they are for: {missing:#?}"
    );
}

#[test]
fn no_source_file_passes_the_line_limit() {
    let long: Vec<String> = rust_files("src")
        .into_iter()
        .filter_map(|path| {
            let lines = read(&path).lines().count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these files by what they do (at most {MAX_LINES} lines): {long:#?}"
    );
}

/// Calls that reach the file system.
const FILE_SYSTEM: &[&str] = &[
    "std::fs",
    "fs::read",
    "fs::write",
    "fs::create",
    "fs::remove",
    "fs::rename",
    "File::open",
    "File::create",
    "OpenOptions",
];

#[test]
fn only_the_command_line_touches_the_file_system() {
    let allowed = |path: &Path| {
        path.starts_with("src/cli")
            || path == Path::new("src/main.rs")
            || path.to_string_lossy().ends_with("_tests.rs")
    };
    let offenders: Vec<String> = rust_files("src")
        .into_iter()
        .filter(|path| !allowed(path))
        .flat_map(|path| {
            let text = read(&path);
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            code.lines()
                .enumerate()
                .filter(|(_, line)| !line.trim_start().starts_with("//"))
                .filter(|(_, line)| FILE_SYSTEM.iter().any(|call| line.contains(call)))
                .map(|(index, line)| format!("{}:{}: {}", path.display(), index + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "the library gets its files from a `Loader` (the CLI's reads the disk): {offenders:#?}"
    );
}
