//! Writing an output tree into `--out` safely.
//!
//! All files are first written into a staging directory inside `--out` (same file system),
//! then renamed into place, so a failure while writing (read-only or full disk) leaves the
//! previous output as it was. Files that an earlier compile wrote (listed in the manifest)
//! and that this compile no longer produces are removed; nothing else is ever deleted.
//! Unchanged files are left untouched, so their modification times stay put.
//!
//! Cost matters here: a large spec writes thousands of files, so directories are created once,
//! existing files are only read when their directory exists, a directory that does not exist
//! yet in `--out` is moved into place by one rename instead of one per file, and staging is
//! spread over a few threads (the result does not depend on their number or timing). Files are
//! not fsynced one by one (that cost 4 ms per file, 30 s for a large spec): the rename keeps
//! a failed compile from touching the previous output, and ext4 and most file systems flush a
//! file's data before a rename that replaces it; after a power cut, `compile --check` tells.

use slipway::emit::Output;
use std::collections::{BTreeSet, HashMap};
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
        && candidate
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(())
    } else {
        Err(format!(
            "refusing to write `{path}`: it is not a plain relative path"
        ))
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
    let mut text = String::from(
        "# Files written by `slipway compile`; stale ones are removed on the next compile.\n",
    );
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

fn stage_and_swap(
    out: &Path,
    staging: &Path,
    output: &Output,
    previous: &BTreeSet<String>,
) -> Result<Written, String> {
    let mut written = Written::default();
    let mut existing = Existing::default();
    let mut to_move: Vec<(&str, &str)> = Vec::new();
    for (path, text) in &output.files {
        if existing.parent_exists(out, path) && unchanged(&out.join(path), text.as_bytes()) {
            written.unchanged += 1;
            continue;
        }
        to_move.push((path, text));
    }
    stage(staging, &to_move)?;
    let manifest = manifest_text(output);
    write_file(&staging.join(MANIFEST), manifest.as_bytes())?;
    written.changed = move_into_place(out, staging, &to_move, &mut existing)?;
    for stale in previous.iter().filter(|p| !output.files.contains_key(*p)) {
        let target = out.join(stale);
        if target.is_file() {
            fs::remove_file(&target)
                .map_err(|e| format!("cannot remove stale {}: {e}", target.display()))?;
            remove_empty_parents(out, &target);
            written.removed += 1;
        }
    }
    let manifest_path = out.join(MANIFEST);
    fs::rename(staging.join(MANIFEST), &manifest_path)
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    Ok(written)
}

/// Whether the file at `target` already holds exactly `bytes`.
fn unchanged(target: &Path, bytes: &[u8]) -> bool {
    let same_length =
        fs::metadata(target).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_length && fs::read(target).is_ok_and(|existing| existing == bytes)
}

/// Which directories (relative to `--out`, `/`-separated) exist there, asked once each.
#[derive(Default)]
struct Existing {
    known: HashMap<String, bool>,
}

impl Existing {
    fn dir_exists(&mut self, out: &Path, dir: &str) -> bool {
        if dir.is_empty() {
            return true;
        }
        if let Some(&exists) = self.known.get(dir) {
            return exists;
        }
        let exists = out.join(dir).is_dir();
        self.known.insert(dir.to_string(), exists);
        exists
    }

    fn parent_exists(&mut self, out: &Path, path: &str) -> bool {
        self.dir_exists(out, parent_of(path))
    }

    /// The outermost directory of `path` that does not exist in `--out` yet, if any.
    fn outermost_missing<'p>(&mut self, out: &Path, path: &'p str) -> Option<&'p str> {
        path.match_indices('/')
            .map(|(at, _)| &path[..at])
            .find(|dir| !self.dir_exists(out, dir))
    }
}

/// `a/b` for `a/b/c.yaml`, the empty string for `c.yaml`.
fn parent_of(path: &str) -> &str {
    path.rfind('/').map_or("", |at| &path[..at])
}

/// Writes every file into the staging directory: directories first, then the files, spread
/// over a few threads.
fn stage(staging: &Path, files: &[(&str, &str)]) -> Result<(), String> {
    let mut dirs: BTreeSet<&str> = files.iter().map(|(path, _)| parent_of(path)).collect();
    dirs.insert("");
    for dir in dirs {
        let dir = staging.join(dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    if threads == 1 || files.len() < 256 {
        return files
            .iter()
            .try_for_each(|(path, text)| create_file(&staging.join(path), text.as_bytes()));
    }
    let chunk = files.len().div_ceil(threads);
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter().try_for_each(|(path, text)| {
                        create_file(&staging.join(path), text.as_bytes())
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("a writer thread failed".to_string()))
            })
            .collect()
    });
    // The first failure in path order, whatever the threads' timing.
    results.into_iter().collect()
}

/// Renames the staged files into `--out`: a directory that does not exist there yet moves
/// whole, in one rename. Returns the number of files moved.
fn move_into_place(
    out: &Path,
    staging: &Path,
    files: &[(&str, &str)],
    existing: &mut Existing,
) -> Result<usize, String> {
    let mut moved_dirs: Vec<&str> = Vec::new();
    for (path, _) in files {
        if moved_dirs
            .iter()
            .any(|dir| path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
        {
            continue;
        }
        let (from, to) = match existing.outermost_missing(out, path) {
            Some(dir) => {
                moved_dirs.push(dir);
                (staging.join(dir), out.join(dir))
            }
            None => (staging.join(path), out.join(path)),
        };
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::rename(&from, &to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    }
    Ok(files.len())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    create_file(path, bytes)
}

/// Creates (or truncates) one file in an existing directory.
fn create_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut file =
        fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(bytes)
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
    use super::{check_relative, write_tree, MANIFEST};
    use slipway::emit::Output;
    use std::fs;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("slipway-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn tree(files: &[(&str, &str)]) -> Output {
        let mut output = Output::default();
        for (path, text) in files {
            output.insert(*path, *text);
        }
        output
    }

    /// Every file under `dir` with its text, the manifest aside, in path order.
    fn read_back(dir: &std::path::Path) -> Vec<(String, String)> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, found: &mut Vec<(String, String)>) {
            for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, found);
                } else if let Ok(relative) = path.strip_prefix(root) {
                    let name = relative.display().to_string();
                    if name != MANIFEST {
                        found.push((name, fs::read_to_string(&path).unwrap_or_default()));
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(dir, dir, &mut found);
        found.sort();
        found
    }

    #[test]
    fn new_directories_move_whole_and_existing_ones_file_by_file() {
        let out = scratch("moves");
        let many: Vec<(String, String)> = (0..300)
            .map(|i| (format!("k8s/prod/s{i:03}.yaml"), format!("n: {i}\n")))
            .collect();
        let mut files: Vec<(&str, &str)> =
            many.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        files.push(("k8s/staging/web.yaml", "a\n"));
        let first = write_tree(&out, &tree(&files));
        assert!(
            first
                .as_ref()
                .is_ok_and(|w| w.changed == 301 && w.unchanged == 0),
            "{first:?}"
        );
        assert_eq!(read_back(&out).len(), 301);

        // One file changed, one removed, one added in an existing and one in a new directory.
        files.retain(|(path, _)| *path != "k8s/prod/s000.yaml");
        files.push(("k8s/staging/api.yaml", "b\n"));
        files.push(("istio/prod/web/virtualservice.yaml", "c\n"));
        for file in files
            .iter_mut()
            .filter(|(path, _)| *path == "k8s/staging/web.yaml")
        {
            file.1 = "changed\n";
        }
        let second = write_tree(&out, &tree(&files));
        assert!(
            second
                .as_ref()
                .is_ok_and(|w| w.changed == 3 && w.unchanged == 299 && w.removed == 1),
            "{second:?}"
        );
        let mut expected: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        expected.sort();
        assert_eq!(read_back(&out), expected);
        let leftovers: Vec<_> = fs::read_dir(&out)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".slipway-staging")
            })
            .collect();
        assert!(leftovers.is_empty());
        let _ = fs::remove_dir_all(&out);
    }

    #[test]
    fn rejects_escaping_paths() {
        assert!(check_relative("k8s/prod/web.yaml").is_ok());
        assert!(check_relative(".github/workflows/a.yml").is_ok());
        for bad in [
            "../x",
            "/etc/passwd",
            "a/../../b",
            "a\0b",
            "",
            "a\\b",
            "./a",
        ] {
            assert!(check_relative(bad).is_err(), "{bad:?}");
        }
    }
}
