//! What one check of a spec hands to the next: the syntax trees and line tables of its files.
//!
//! A check parses every file of a spec. After an edit, only the edited file's text differs,
//! so [`Reusing`] sits in front of the spec's [`Loader`] and answers [`Loader::parse`] with
//! the tree of the last check whenever a file has the same id and the same text (a tree
//! depends on nothing else), and parses the rest. The diagnostics are those of a fresh check:
//! the reused tree and its syntax problems are exactly what parsing the text again would
//! give. What the checker does with the trees is kept by the spec's [`crate::check::Memo`]
//! (per declaration, keyed by what it read), which also takes the last check's model back
//! ([`Previous::model`]) to move its unchanged services and deployments into the next.

use super::convert::{Encoding, Lines};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Module;
use crate::{FileId, LoadError, LoadedFile, Loader};
use lsp_types::Uri;
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

/// One file of the last check: its text, tree, syntax problems and line table.
#[derive(Debug)]
pub struct Parsed {
    pub text: String,
    pub module: Option<Module>,
    pub syntax: Vec<Diagnostic>,
    pub lines: Option<Lines>,
}

/// The files of the last check of a spec, by file id, and the files it published
/// diagnostics for (to clear them if they leave the spec before it is checked again).
#[derive(Debug, Default)]
pub struct Previous {
    pub files: Vec<Parsed>,
    pub shown: Vec<Uri>,
    /// The last check's model and the memo generation that made it, for the memo to take
    /// its deployments back (see [`crate::check::Memo::recycle`]).
    pub model: Option<(crate::Model, u64)>,
}

impl Previous {
    /// The line table of file `index` if its text is `text` and its columns are counted in
    /// `encoding`; otherwise a new one.
    pub fn lines(&mut self, index: usize, text: &str, encoding: Encoding) -> Lines {
        let kept = self
            .files
            .get_mut(index)
            .filter(|parsed| parsed.text == text)
            .and_then(|parsed| parsed.lines.take())
            .filter(|lines| lines.encoding() == encoding);
        kept.unwrap_or_else(|| Lines::new(text, encoding))
    }
}

/// A [`Loader`] that serves everything from `loader` but parses through the last check.
pub struct Reusing<'a> {
    loader: &'a dyn Loader,
    previous: RefCell<Previous>,
    /// The syntax problems of each file this check parsed or reused, by file id.
    syntax: RefCell<Vec<Vec<Diagnostic>>>,
    /// How many files this check parsed afresh.
    pub parsed: Cell<u64>,
}

impl<'a> Reusing<'a> {
    pub fn new(loader: &'a dyn Loader, previous: Previous) -> Reusing<'a> {
        Reusing {
            loader,
            previous: RefCell::new(previous),
            syntax: RefCell::new(Vec::new()),
            parsed: Cell::new(0),
        }
    }

    /// What is left of the last check (the line tables), and the syntax problems of each
    /// file of this one, by file id.
    pub fn finish(self) -> (Previous, Vec<Vec<Diagnostic>>) {
        (self.previous.into_inner(), self.syntax.into_inner())
    }

    /// The tree of the last check for `file`, if its text was `text`.
    fn reused(&self, file: FileId, text: &str) -> Option<(Module, Vec<Diagnostic>)> {
        let mut previous = self.previous.borrow_mut();
        let parsed = previous.files.get_mut(file.0 as usize)?;
        if parsed.text != text {
            return None;
        }
        let module = parsed.module.take()?;
        Some((module, parsed.syntax.clone()))
    }
}

impl Loader for Reusing<'_> {
    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        self.loader.load(root, path)
    }

    fn repository_file(&self, path: &str) -> Option<String> {
        self.loader.repository_file(path)
    }

    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        self.loader.spec_files(dir)
    }

    fn standard_module(&self, module: &crate::stdlib::StdModule) -> Option<PathBuf> {
        self.loader.standard_module(module)
    }

    fn parse(&self, file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
        let (module, syntax) = self.reused(file, text).unwrap_or_else(|| {
            self.parsed.set(self.parsed.get() + 1);
            crate::syntax::parse(file, text)
        });
        let mut recorded = self.syntax.borrow_mut();
        let index = file.0 as usize;
        if recorded.len() <= index {
            recorded.resize_with(index + 1, Vec::new);
        }
        if let Some(slot) = recorded.get_mut(index) {
            slot.clone_from(&syntax);
        }
        (module, syntax)
    }
}
