//! Where the server's files come from. The [`Loader`] is supplied by the caller (the CLI
//! reads the disk, tests serve fixed texts); [`Imports`] adapts it to the checker's module
//! loader, serving open documents before the disk, and remembers which file each imported
//! module came from so diagnostics and navigation can point into it. The loader also says
//! where the editor can open a standard module, which is embedded in the compiler.

use super::convert;
use super::workspace::Document;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads the spec files of a directory for the server.
pub trait Loader {
    /// The `.slip` files directly inside `dir`, with their text. Unreadable files are left out.
    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, String)>;

    /// A file that the spec in `dir` imports: `path` is relative to `dir` (the project root),
    /// `/`-separated and normalised by the checker. By default no file can be imported
    /// (standard modules and the spec's own files still can).
    fn import(&self, dir: &Path, path: &str) -> Result<crate::LoadedFile, crate::LoadError> {
        let _ = (dir, path);
        Err(crate::LoadError::NotFound)
    }

    /// A file holding the text of standard module `module` that the editor can open (the CLI
    /// writes a read-only copy into its cache), so that go to definition on an imported
    /// standard name leads somewhere. By default there is none, and standard modules are not
    /// navigated into.
    fn standard_module(&self, module: &crate::stdlib::StdModule) -> Option<PathBuf> {
        let _ = module;
        None
    }
}

/// Serves the imports of the spec in `dir`: open documents first, then the [`Loader`].
pub struct Imports<'a> {
    loader: &'a dyn Loader,
    dir: &'a Path,
    documents: &'a BTreeMap<String, Document>,
    /// The display name of every file served, and its path.
    served: Vec<(String, PathBuf)>,
}

impl<'a> Imports<'a> {
    pub fn new(
        loader: &'a dyn Loader,
        dir: &'a Path,
        documents: &'a BTreeMap<String, Document>,
    ) -> Imports<'a> {
        Imports {
            loader,
            dir,
            documents,
            served: Vec::new(),
        }
    }

    /// The path of the file served under `name`.
    pub fn path_of(&self, name: &str) -> Option<&Path> {
        self.served
            .iter()
            .find(|(served, _)| served == name)
            .map(|(_, path)| path.as_path())
    }
}

impl crate::Loader for Imports<'_> {
    fn load(&mut self, path: &str) -> Result<crate::LoadedFile, crate::LoadError> {
        let wanted = self.dir.join(path);
        let open = self
            .documents
            .values()
            .find(|d| convert::uri_to_path(&d.uri).as_deref() == Some(wanted.as_path()));
        let loaded = match open {
            Some(document) => crate::LoadedFile {
                path: path.to_string(),
                name: wanted.display().to_string(),
                bytes: document.text.clone().into_bytes(),
            },
            None => self.loader.import(self.dir, path)?,
        };
        self.served.push((loaded.name.clone(), wanted));
        Ok(loaded)
    }
}
