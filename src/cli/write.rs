//! Writing an output tree into `--out` safely.
//!
//! All files are first written into a staging directory inside `--out` (same file system),
//! then renamed into place, so a failure while writing (read-only or full disk) leaves the
//! previous output as it was. Files that an earlier compile wrote (listed in the manifest)
//! and that this compile no longer produces are removed; nothing else is ever deleted.
//! Unchanged files are left untouched, so their modification times stay put.

use slipway::emit::Output;
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// The list of files the last compile wrote, relative to `--out`.
pub const MANIFEST: &str = ".slipway-manifest";

#[derive(Debug, Default)]
pub struct Written {
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Rejects any path that could leave the output directory.
pub fn check_relative(path: &str) -> Result<(), String> {
    let candidate = Path::new(path);
    let safe = !path.is_empty()
        && !path.contains('\0')
        && !path.contains('\\')
        && candidate.components().all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(())
    } else {
        Err(format!("refusing to write `{path}`: it is not a plain relative path"))
    }
}

/// The paths listed in the manifest of an earlier compile (empty when there is none).
pub fn read_manifest(out: &Path) -> BTreeSet<String> {
    let Ok(text) = fs::read_to_string(out.join(MANIFEST)) else {
        return BTreeSet::new();
    };
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter(|line| check_relative(line).is_ok())
        .map(str::to_string)
        .collect()
}

pub fn manifest_text(output: &Output) -> String {
    let mut text = String::from("# Files written by `slipway compile`; stale ones are removed on the next compile.\n");
    for path in output.files.keys() {
        text.push_str(path);
        text.push('\n');
    }
    text
}

pub fn write_tree(out: &Path, output: &Output) -> Result<Written, String> {
    for path in output.files.keys() {
        check_relative(path)?;
    }
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let previous = read_manifest(out);
    let staging = out.join(format!(".slipway-staging-{}", std::process::id()));
    let result = stage_and_swap(out, &staging, output, &previous);
    if staging.exists() {
        // Best effort: a leftover staging directory is harmless and named as ours.
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn stage_and_swap(out: &Path, staging: &Path, output: &Output, previous: &BTreeSet<String>) -> Result<Written, String> {
    let mut written = Written::default();
    let mut to_move: Vec<&str> = Vec::new();
    for (path, text) in &output.files {
        let target = out.join(path);
        if fs::read(&target).is_ok_and(|existing| existing == text.as_bytes()) {
            written.unchanged += 1;
            continue;
        }
        write_file(&staging.join(path), text.as_bytes())?;
        to_move.push(path);
    }
    let manifest = manifest_text(output);
    write_file(&staging.join(MANIFEST), manifest.as_bytes())?;
    for path in &to_move {
        let target = out.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::rename(staging.join(path), &target).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        written.changed += 1;
    }
    for stale in previous.iter().filter(|p| !output.files.contains_key(*p)) {
        let target = out.join(stale);
        if target.is_file() {
            fs::remove_file(&target).map_err(|e| format!("cannot remove stale {}: {e}", target.display()))?;
            remove_empty_parents(out, &target);
            written.removed += 1;
        }
    }
    let manifest_path = out.join(MANIFEST);
    fs::rename(staging.join(MANIFEST), &manifest_path).map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    Ok(written)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut file = fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Removes directories left empty by stale-file removal, up to (not including) `out`.
fn remove_empty_parents(out: &Path, file: &Path) {
    let mut current: Option<PathBuf> = file.parent().map(Path::to_path_buf);
    while let Some(dir) = current {
        if dir == out || !dir.starts_with(out) || fs::remove_dir(&dir).is_err() {
            break;
        }
        current = dir.parent().map(Path::to_path_buf);
    }
}

#[cfg(test)]
mod tests {
    use super::check_relative;

    #[test]
    fn rejects_escaping_paths() {
        assert!(check_relative("k8s/prod/web.yaml").is_ok());
        assert!(check_relative(".github/workflows/a.yml").is_ok());
        for bad in ["../x", "/etc/passwd", "a/../../b", "a\0b", "", "a\\b", "./a"] {
            assert!(check_relative(bad).is_err(), "{bad:?}");
        }
    }
}
