//! Finding and reading spec files: the arguments may be files or directories (searched
//! recursively for `*.slip`, skipping hidden directories), always read in sorted order so
//! results do not depend on the file system.

use slipway::{decode_source, Diagnostic, FileId, SourceFile};
use std::path::{Path, PathBuf};

/// Spec files larger than this are rejected before reading: no real spec comes close.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
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
    let mut loaded = Loaded { files: Vec::new(), diagnostics: Vec::new() };
    for (index, path) in paths.iter().enumerate() {
        let size = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
        if size > MAX_FILE_BYTES {
            return Err(format!("{} is {size} bytes; specs are limited to {MAX_FILE_BYTES} bytes", path.display()));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let (file, problem) = decode_source(id, path.display().to_string(), &bytes);
        loaded.files.push(file);
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
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if metadata.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let child = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| format!("cannot read {}: {e}", child.display()))?;
        if file_type.is_dir() {
            collect(&child, out)?;
        } else if child.extension().is_some_and(|ext| ext == "slip") {
            out.push(child);
        }
    }
    Ok(())
}
