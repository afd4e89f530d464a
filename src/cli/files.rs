//! Finding and reading spec files: the arguments may be files or directories (searched
//! recursively for `*.slip`, skipping hidden files and directories), always read in sorted
//! order so results do not depend on the file system. Imported files are read through
//! [`DiskLoader`], which keeps every import inside the project root: the directory of the
//! spec (the common directory of all arguments), with symbolic links followed before the
//! check. The language server finds and reads a directory's spec with the same functions.

use super::disk::DiskLoader;
use super::preparse::PreParsed;
use slipway::check::modules::slash_path;
use slipway::{decode_source, Code, Diagnostic, FileId, RootFile, SourceFile, MAX_SOURCE_BYTES};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest spec file read from disk: the library's limit (the language server uses it).
pub const MAX_FILE_BYTES: u64 = MAX_SOURCE_BYTES as u64;

/// Reads a spec file, but never more than one byte past the size limit: a larger file is
/// reported (SW0005) by `decode_source` without being read whole. Only a regular file is
/// read: it is opened without blocking (a FIFO has no writer to wait for) and refused unless
/// `fstat` says it is a regular file, so a FIFO or a device named `*.slip` cannot hang or
/// flood the compiler.
pub fn read_spec(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a FIFO, socket or device)",
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Each file's path relative to the project root.
    pub paths: Vec<String>,
    /// The project root, canonical, and as the user wrote it (for names in messages).
    pub root: PathBuf,
    pub shown_root: PathBuf,
}

impl Loaded {
    /// Checks the files as one spec, reading imports from the disk. When a file was too large
    /// to read (SW0005) nothing is checked: the spec is incomplete.
    pub fn check(&self) -> slipway::Checked {
        self.check_files(self.files.clone())
    }

    /// [`Loaded::check`], handing the files to the check rather than copying them, for a
    /// command that needs nothing more of the load than its diagnostics (returned beside).
    pub fn into_checked(mut self) -> (slipway::Checked, Vec<Diagnostic>) {
        let files = std::mem::take(&mut self.files);
        (self.check_files(files), self.diagnostics)
    }

    fn check_files(&self, files: Vec<SourceFile>) -> slipway::Checked {
        if self.diagnostics.iter().any(|d| d.code == Code::SW0005) {
            return slipway::Checked {
                model: slipway::Model::default(),
                modules: Vec::new(),
                files,
                units: Vec::new(),
                diagnostics: Vec::new(),
            };
        }
        let roots: Vec<RootFile> = files
            .into_iter()
            .zip(&self.paths)
            .map(|(file, path)| RootFile {
                file,
                path: path.clone(),
            })
            .collect();
        let disk = DiskLoader::default();
        let loader = PreParsed::new(&disk, &roots, super::threads());
        slipway::check_project(roots, &self.shown_root, &loader)
    }
}

/// The repository `slipway` runs in: the nearest folder at or above the current one that
/// holds `.git`.
pub fn repository_root() -> Option<PathBuf> {
    let current = std::env::current_dir().ok()?;
    current
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The project root: the directory of the spec, or the deepest directory holding every input.
fn project_root(inputs: &[PathBuf]) -> (PathBuf, PathBuf) {
    let directories: Vec<PathBuf> = inputs
        .iter()
        .map(|input| {
            if input.is_dir() {
                input.clone()
            } else {
                input.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        })
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            }
        })
        .collect();
    let canonical: Vec<PathBuf> = directories
        .iter()
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))
        .collect();
    let mut root = canonical.first().cloned().unwrap_or_default();
    for dir in &canonical {
        while !dir.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    let shown = match directories.as_slice() {
        [one] => one.clone(),
        _ => root.clone(),
    };
    (root, shown)
}

/// `file`'s path relative to `root`, following symbolic links; its name when that fails.
fn relative_path(root: &Path, file: &Path) -> String {
    let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    match real.strip_prefix(root) {
        Ok(inside)
            if !inside
                .components()
                .any(|c| matches!(c, Component::ParentDir)) =>
        {
            slash_path(inside)
        }
        _ => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// The spec files of the directory `dir`, as `slipway check DIR` reads them: every `.slip`
/// file below it (hidden files and directories left out), sorted, without those that a
/// symbolic link leads out of the directory.
pub fn spec_paths(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    let root =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    paths.retain(|path| std::fs::canonicalize(path).is_ok_and(|real| real.starts_with(&root)));
    Ok(paths)
}

/// Reads every spec named by `inputs`. IO errors are returned as messages (exit status 2).
pub fn load(inputs: &[PathBuf]) -> Result<Loaded, String> {
    let mut paths = Vec::new();
    for input in inputs {
        collect(input, &mut paths)?;
    }
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return Err("no `.slip` files found in the given paths".to_string());
    }
    let (root, shown_root) = project_root(inputs);
    // A file found in a directory through a symbolic link that leads out of the project is
    // not part of it (a file named on the command line always is).
    paths.retain(|path| {
        inputs.contains(path)
            || std::fs::canonicalize(path).is_ok_and(|real| real.starts_with(&root))
    });
    let mut loaded = Loaded {
        files: Vec::new(),
        diagnostics: Vec::new(),
        paths: Vec::new(),
        root,
        shown_root,
    };
    for (index, path) in paths.iter().enumerate() {
        let bytes = read_spec(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let (file, problem) = decode_source(id, path.display().to_string(), &bytes);
        loaded.files.push(file);
        loaded.paths.push(relative_path(&loaded.root, path));
        loaded.diagnostics.extend(problem);
    }
    Ok(loaded)
}

/// The directory of each file (directories stay as they are), without repeats.
pub fn spec_directories(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = paths
        .iter()
        .map(|path| {
            if path.is_dir() {
                return path.clone();
            }
            match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            }
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if metadata.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let child = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry
            .file_type()
            .map_err(|e| format!("cannot read {}: {e}", child.display()))?;
        if file_type.is_dir() {
            collect(&child, out)?;
        } else if child.extension().is_some_and(|ext| ext == "slip") {
            out.push(child);
        }
    }
    Ok(())
}
