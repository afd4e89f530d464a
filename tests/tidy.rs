//! House rules that a machine keeps, not memory (in the manner of rust-analyzer's tidy tests):
//! every Rust file opens with its `//!` paragraph, no source file grows past 800 lines, and
//! the library touches no file system (only the command line in `src/cli` and test code do).
//! Clippy keeps the rest, and this file checks that its rules stay switched on: the library
//! denies `unwrap_used`, `expect_used` and `indexing_slicing` outside tests, and the file
//! system, environment and clock calls that `clippy.toml` lists; every place that allows one
//! of them again says why. (`tests/docs_paths.rs` checks that every path the architecture
//! document names exists.)

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

/// The lints that keep panics and IO out of the library, as `src/lib.rs` must declare them.
const LIBRARY_LINTS: &[&str] = &[
    "clippy::unwrap_used",
    "clippy::expect_used",
    "clippy::indexing_slicing",
    "deny(clippy::disallowed_methods, clippy::disallowed_types)",
];

/// Calls that `clippy.toml` must keep refusing in the library (a sample of its list).
const REFUSED_CALLS: &[&str] = &[
    "std::fs::read",
    "std::fs::read_dir",
    "std::fs::write",
    "std::fs::canonicalize",
    "std::fs::File::open",
    "std::path::Path::exists",
    "std::path::Path::is_dir",
    "std::env::var",
];

#[test]
fn the_library_denies_panics_and_io() {
    let library = read(Path::new("src/lib.rs"));
    let lost: Vec<&&str> = LIBRARY_LINTS
        .iter()
        .filter(|lint| !library.contains(**lint))
        .collect();
    assert!(lost.is_empty(), "src/lib.rs no longer denies {lost:?}");
    let config = read(Path::new("clippy.toml"));
    let unlisted: Vec<&&str> = REFUSED_CALLS
        .iter()
        .filter(|call| !config.contains(&format!("path = \"{call}\"")))
        .collect();
    assert!(
        unlisted.is_empty(),
        "clippy.toml no longer refuses {unlisted:?} in the library"
    );
}

/// Lints whose every `allow` needs a reason beside it.
const GUARDED_LINTS: &[&str] = &[
    "clippy::indexing_slicing",
    "clippy::disallowed_methods",
    "clippy::unwrap_used",
    "clippy::expect_used",
];

/// Whether an `allow` on `line` is explained: a comment on the same line, or a comment line
/// directly above it.
fn says_why(lines: &[&str], index: usize) -> bool {
    let same_line = lines.get(index).is_some_and(|line| line.contains("//"));
    let above = index
        .checked_sub(1)
        .and_then(|above| lines.get(above))
        .is_some_and(|line| line.trim_start().starts_with("//"));
    same_line || above
}

#[test]
fn every_allowed_lint_says_why() {
    let silent: Vec<String> = ["src", "tests", "benches"]
        .iter()
        .flat_map(|dir| rust_files(dir))
        .flat_map(|path| {
            let text = read(&path);
            let lines: Vec<&str> = text.lines().collect();
            (0..lines.len())
                .filter(|&index| {
                    let line = lines[index];
                    line.contains("allow(")
                        && GUARDED_LINTS.iter().any(|lint| line.contains(lint))
                        && !line.contains("GUARDED_LINTS")
                        && !says_why(&lines, index)
                })
                .map(|index| format!("{}:{}", path.display(), index + 1))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        silent.is_empty(),
        "say why next to each of these `allow`s (a comment on the line or just above): {silent:#?}"
    );
}
