//! A [`Loader`] over files held in memory, as the command line's loader reads a disk: the
//! spec of a directory is every `.slip` file below it (hidden ones left out), and any file
//! can be imported. Shared by the language-server tests and `benches/lsp.rs`.

use slipway::{LoadError, LoadedFile, Loader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct MemoryLoader {
    /// Each file's full path and text.
    pub files: BTreeMap<PathBuf, String>,
    /// Where the standard modules' copies are said to be (nothing is written there); `None`
    /// for the loader's default.
    pub standard_dir: Option<PathBuf>,
}

impl Loader for MemoryLoader {
    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let hidden = |path: &Path| {
            path.strip_prefix(dir).is_ok_and(|inside| {
                inside
                    .components()
                    .any(|part| part.as_os_str().to_string_lossy().starts_with('.'))
            })
        };
        self.files
            .iter()
            .filter(|(path, _)| path.starts_with(dir) && !hidden(path))
            .filter(|(path, _)| path.extension().is_some_and(|ext| ext == "slip"))
            .map(|(path, text)| (path.clone(), text.clone().into_bytes()))
            .collect()
    }

    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        let full = root.join(path);
        let text = self.files.get(&full).ok_or(LoadError::NotFound)?;
        Ok(LoadedFile {
            path: path.to_string(),
            name: full.display().to_string(),
            bytes: text.clone().into_bytes(),
        })
    }

    fn standard_module(&self, module: &slipway::stdlib::StdModule) -> Option<PathBuf> {
        self.standard_dir.as_ref().map(|dir| dir.join(module.file))
    }
}
