//! Where the server's files come from: the crate's one [`crate::Loader`], supplied by the
//! caller (the CLI's reads the disk as `slipway check` does, tests serve fixed texts).
//! [`Imports`] puts the open documents in front of it, so an import sees the editor's text,
//! and remembers which file each imported module came from so diagnostics and navigation can
//! point into it.

use super::convert;
use super::workspace::Document;
use crate::{LoadError, LoadedFile, Loader};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Serves the imports of a spec: open documents first, then the caller's [`Loader`].
pub struct Imports<'a> {
    loader: &'a dyn Loader,
    documents: &'a BTreeMap<String, Document>,
    /// The display name of every file served, and its path.
    served: RefCell<Vec<(String, PathBuf)>>,
}

impl<'a> Imports<'a> {
    pub fn new(loader: &'a dyn Loader, documents: &'a BTreeMap<String, Document>) -> Imports<'a> {
        Imports {
            loader,
            documents,
            served: RefCell::new(Vec::new()),
        }
    }

    /// The path of the file served under `name`.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        self.served
            .borrow()
            .iter()
            .find(|(served, _)| served == name)
            .map(|(_, path)| path.clone())
    }
}

impl Loader for Imports<'_> {
    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        let wanted = root.join(path);
        let open = self
            .documents
            .values()
            .find(|d| convert::uri_to_path(&d.uri).as_deref() == Some(wanted.as_path()));
        let loaded = match open {
            Some(document) => LoadedFile {
                path: path.to_string(),
                name: wanted.display().to_string(),
                bytes: document.text.clone().into_bytes(),
            },
            None => self.loader.load(root, path)?,
        };
        self.served.borrow_mut().push((loaded.name.clone(), wanted));
        Ok(loaded)
    }

    fn repository_file(&self, path: &str) -> Option<String> {
        self.loader.repository_file(path)
    }
}
