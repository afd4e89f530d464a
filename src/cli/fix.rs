//! `slipway check --fix`: applies the fixes the checker is certain of, then checks again.
//!
//! Only safe fixes are applied (see `slipway::diagnostics::fix`), and only to the spec files
//! the command was asked to check: imported modules, the standard library and any other file
//! are never written. Fixing runs in memory in rounds (check, apply what does not overlap,
//! check again) until nothing changes, so one run leaves nothing fixable behind and a second
//! run changes nothing. Each changed file is then replaced whole, atomically: the new text is
//! written to a temporary file in the same directory and renamed over the old one, and a file
//! that changed on disk while Slipway worked is left alone. A summary of every edit goes to
//! stderr; the normal check that follows reports what is left.

use super::files::{self, Loaded};
use super::status;
use slipway::diagnostics::fix::{apply_safe, Applied};
use slipway::span::LineIndex;
use slipway::{Code, FileId};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Rounds of check-and-fix before giving up on converging (each round fixes at least one
/// problem, and a fix never brings back the text it replaced).
const MAX_ROUNDS: usize = 10;

/// One edit, located for the summary.
struct Edit {
    file: usize,
    line: u32,
    column: u32,
    applied: Applied,
}

/// Applies the safe fixes to the files under `paths`. Returns the exit status when it could
/// not (an unreadable or unwritable file), so the caller stops there.
pub fn run(paths: &[PathBuf]) -> Result<(), u8> {
    let mut loaded = files::load(paths).map_err(|message| {
        eprintln!("error: {message}");
        status::USAGE
    })?;
    let originals: Vec<String> = loaded.files.iter().map(|f| f.text.clone()).collect();
    let edits = fix_in_memory(&mut loaded);
    if edits.is_empty() {
        eprintln!("--fix: nothing to fix");
        return Ok(());
    }
    let mut written = 0;
    for (file, original) in loaded.files.iter().zip(&originals) {
        if file.text == *original {
            continue;
        }
        let path = Path::new(&file.name);
        if let Err(message) = replace_file(path, original, &file.text) {
            eprintln!("error: cannot fix {}: {message}", file.name);
            return Err(status::USAGE);
        }
        written += 1;
    }
    eprint!("{}", summary(&loaded, &edits, written));
    Ok(())
}

/// Checks and fixes `loaded` in memory until no safe fix is left.
fn fix_in_memory(loaded: &mut Loaded) -> Vec<Edit> {
    let mut edits = Vec::new();
    // A file that is not valid UTF-8 was decoded with replacement characters: writing it
    // back would destroy the bytes Slipway could not read.
    let unreadable: Vec<FileId> = loaded
        .diagnostics
        .iter()
        .filter(|d| matches!(d.code, Code::SW0004 | Code::SW0005))
        .map(|d| d.primary.span.file)
        .collect();
    for _ in 0..MAX_ROUNDS {
        let checked = loaded.check();
        let before = edits.len();
        for (index, source) in loaded.files.iter_mut().enumerate() {
            let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            if unreadable.contains(&file) {
                continue;
            }
            let text = &source.text;
            let (fixed, applied) = apply_safe(text, file, &checked.diagnostics);
            let lines = LineIndex::new(text);
            edits.extend(applied.into_iter().map(|applied| {
                let position = lines.line_column(text, applied.span.start as usize);
                Edit {
                    file: index,
                    line: position.line + 1,
                    column: position.column + 1,
                    applied,
                }
            }));
            source.text = fixed;
        }
        if edits.len() == before {
            break;
        }
    }
    edits
}

/// Replaces `path`'s contents by `text` in one rename, unless it no longer holds `expected`.
fn replace_file(path: &Path, expected: &str, text: &str) -> Result<(), String> {
    let current = std::fs::read(path).map_err(|e| e.to_string())?;
    if current != expected.as_bytes() {
        return Err("it changed while it was being checked; run again".to_string());
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temporary = directory.join(format!(".{}.slipway-fix", name.unwrap_or_default()));
    let permissions = std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .permissions();
    let result =
        write_new(&temporary, text, permissions).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|e| e.to_string())
}

fn write_new(path: &Path, text: &str, permissions: std::fs::Permissions) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.set_permissions(permissions)?;
    file.sync_all()
}

/// `fixed 2 problems in 1 file:` and one line per edit.
fn summary(loaded: &Loaded, edits: &[Edit], written: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "fixed {} in {}:\n",
        plural(edits.len(), "problem"),
        plural(written, "file")
    );
    for edit in edits {
        let name = loaded
            .files
            .get(edit.file)
            .map_or("", |file| file.name.as_str());
        let Applied {
            code,
            before,
            after,
            ..
        } = &edit.applied;
        let change = if after.is_empty() {
            format!("removed `{}`", one_line(before))
        } else {
            format!("`{}` -> `{}`", one_line(before), one_line(after))
        };
        out.push_str(&format!(
            "  {name}:{}:{}: {code} {change}\n",
            edit.line, edit.column
        ));
    }
    out
}

/// Text for a one-line summary: line breaks shown as spaces, long text cut.
fn one_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    slipway::diagnostics::shorten(&flat)
}
