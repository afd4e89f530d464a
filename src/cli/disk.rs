//! The one disk loader: how `slipway check`, `slipway compile` and the language server read a
//! spec's files, so they cannot disagree about which files make a spec or what an import
//! reaches. Spec files are found as [`super::files`] finds them (every `.slip` file below a
//! directory, hidden ones left out, sorted, none that a symbolic link leads out of it);
//! imports stay inside the project root, links followed first; a build context's Dockerfile
//! is read from the repository; standard modules get a read-only copy in the user's cache,
//! for the editor to open.

use super::files::{read_spec, repository_root, spec_paths};
use slipway::check::modules::slash_path;
use slipway::stdlib::StdModule;
use slipway::{LoadError, LoadedFile, Loader};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Reads spec files and imports from the disk, and remembers where it wrote each standard
/// module's copy.
#[derive(Default)]
pub struct DiskLoader {
    standard: RefCell<BTreeMap<&'static str, Option<PathBuf>>>,
}

impl Loader for DiskLoader {
    /// An imported file, kept inside the project root: links are followed first, then the
    /// target must still be inside. Named in messages by the root as given, then its path
    /// inside.
    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        let unreadable = |error: std::io::Error| match error.kind() {
            ErrorKind::NotFound => LoadError::NotFound,
            _ => LoadError::Unreadable(error.to_string()),
        };
        let real_root = std::fs::canonicalize(root).map_err(unreadable)?;
        let real = std::fs::canonicalize(real_root.join(path)).map_err(unreadable)?;
        let Ok(inside) = real.strip_prefix(&real_root) else {
            return Err(LoadError::OutsideRoot {
                target: real.display().to_string(),
            });
        };
        let metadata =
            std::fs::metadata(&real).map_err(|e| LoadError::Unreadable(e.to_string()))?;
        if !metadata.is_file() {
            return Err(LoadError::Unreadable("it is not a file".to_string()));
        }
        let bytes = read_spec(&real).map_err(|e| LoadError::Unreadable(e.to_string()))?;
        Ok(LoadedFile {
            path: slash_path(inside),
            name: root.join(inside).display().to_string(),
            bytes,
        })
    }

    fn repository_file(&self, path: &str) -> Option<String> {
        read_repository_file(path)
    }

    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        spec_paths(dir)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|path| {
                let bytes = read_spec(&path).ok()?;
                Some((path, bytes))
            })
            .collect()
    }

    /// The module's read-only copy in the cache, written once per process.
    fn standard_module(&self, module: &StdModule) -> Option<PathBuf> {
        self.standard
            .borrow_mut()
            .entry(module.path)
            .or_insert_with(|| write_standard_copy(module))
            .clone()
    }
}

/// A text file of the repository (a build context's Dockerfile) by its `/`-separated path
/// from the repository root: only a regular file inside the repository, of at most 1 MiB, in
/// UTF-8; anything else is `None` (not judged).
fn read_repository_file(path: &str) -> Option<String> {
    const LIMIT: u64 = 1024 * 1024;
    let root = std::fs::canonicalize(repository_root()?).ok()?;
    let real = std::fs::canonicalize(root.join(path)).ok()?;
    let metadata = std::fs::metadata(&real).ok()?;
    if !real.starts_with(&root) || !metadata.is_file() || metadata.len() > LIMIT {
        return None;
    }
    String::from_utf8(std::fs::read(&real).ok()?).ok()
}

/// Where the copies of the standard modules live: `slipway/stdlib-<version>` in the user's
/// cache directory (`$XDG_CACHE_HOME`, else `~/.cache`, else `%LOCALAPPDATA%`).
fn standard_dir() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let cache = set("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .or_else(|| set("LOCALAPPDATA").map(PathBuf::from))?;
    let version = env!("CARGO_PKG_VERSION");
    Some(cache.join("slipway").join(format!("stdlib-{version}")))
}

/// Writes `module`'s text to its copy (`.../std/strategies.slip`), unless the copy already
/// holds exactly that text, and leaves it read-only: it shows the library the compiler embeds,
/// and an edit there would change nothing. The text is written beside the copy and renamed
/// over it, so an editor never sees half a file. `None` when the cache cannot be written.
fn write_standard_copy(module: &StdModule) -> Option<PathBuf> {
    let path = standard_dir()?.join(module.file);
    if std::fs::read(&path).is_ok_and(|bytes| bytes == module.text.as_bytes()) {
        return Some(path);
    }
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let name = path.file_name()?.to_string_lossy();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&temporary, module.text).and_then(|()| {
        let mut permissions = std::fs::metadata(&temporary)?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&temporary, permissions)?;
        std::fs::rename(&temporary, &path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
        return None;
    }
    Some(path)
}
