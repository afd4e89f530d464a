//! Open documents and the specs they belong to.
//!
//! An open file belongs to the spec of its directory: every `.slip` file below that directory,
//! as `slipway check DIR` reads it (subdirectories included, hidden ones left out). The files
//! on disk come from the crate's [`Loader`] (the CLI passes the one `slipway check` uses;
//! tests pass one that serves fixed texts), so this module does no IO itself. Open documents
//! override their file's disk text. Each spec is checked with [`crate::check_project_with`],
//! exactly as `slipway check DIR` would, and the result is kept as an [`Analysis`] until one
//! of its files changes. A file in a subdirectory also belongs to the spec of each directory
//! above it that the editor checks, so a change to it retires all of those. A retired
//! analysis hands its syntax trees and line tables to the next check of its spec
//! ([`super::reuse`]), so an edit re-parses only the edited file, and each spec keeps a
//! [`Memo`] of the per-declaration work of its last check. Once no open document
//! belongs to a spec, its analysis (current or retired) and its disk contents are dropped.

use super::convert::{self, Encoding, FileLookup, Lines};
use super::loader::Imports;
use super::reuse::{Parsed, Previous, Reusing};
use super::scan::{self, Scan};
use crate::check::Memo;
use crate::span::{SourceFile, Span};
use crate::{FileId, Loader, RootFile, MAX_SOURCE_BYTES};
use lsp_types::Uri;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A text the editor has open.
#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
}

/// Which files are checked together: a directory, or a lone document that is not a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SpecKey {
    Directory(PathBuf),
    Document(String),
}

impl SpecKey {
    pub fn of(uri: &Uri) -> SpecKey {
        match convert::uri_to_path(uri).and_then(|path| path.parent().map(Path::to_path_buf)) {
            Some(dir) => SpecKey::Directory(dir),
            None => SpecKey::Document(uri.as_str().to_string()),
        }
    }

    /// Whether the spec `self` holds the file of `uri`: a directory holds every file below
    /// it, as `slipway check DIR` reads it.
    pub fn holds(&self, uri: &Uri) -> bool {
        match (self, SpecKey::of(uri)) {
            (SpecKey::Directory(dir), SpecKey::Directory(own)) => own.starts_with(dir),
            (key, own) => *key == own,
        }
    }

    /// Whether the spec `self` holds the files of the spec `other` (a directory holds those of
    /// the directories below it).
    fn covers(&self, other: &SpecKey) -> bool {
        match (self, other) {
            (SpecKey::Directory(dir), SpecKey::Directory(below)) => below.starts_with(dir),
            (key, other) => key == other,
        }
    }
}

/// One file of a checked spec: one of its own files, a file it imports, or a standard
/// module (whose URI is the read-only copy the [`Loader`] provides, if any).
#[derive(Debug)]
pub struct SpecFile {
    pub uri: Option<Uri>,
    pub text: String,
    pub lines: Lines,
    /// The editor's version, when the file is open.
    pub version: Option<i32>,
    /// A standard module: navigated into, never given diagnostics.
    pub standard: bool,
}

/// A checked spec, with everything the requests need. The texts are in [`Analysis::files`]
/// (moved out of `checked.files`, which keeps only the names).
#[derive(Debug)]
pub struct Analysis {
    pub files: Vec<SpecFile>,
    pub checked: crate::Checked,
    scans: OnceCell<Vec<Scan>>,
    resolutions: OnceCell<crate::check::resolutions::Resolutions>,
    /// The syntax problems of each file, by file id, for the next check to reuse.
    syntax: Vec<Vec<crate::Diagnostic>>,
    /// The generation of the spec's memo that made `checked`, if its memo did.
    generation: Option<u64>,
}

impl Analysis {
    /// The files of the spec that get diagnostics (all but standard modules), by URI.
    pub fn shown_uris(&self) -> Vec<Uri> {
        self.files
            .iter()
            .filter(|file| !file.standard)
            .filter_map(|file| file.uri.clone())
            .collect()
    }

    pub fn file_index(&self, uri: &Uri) -> Option<usize> {
        self.files
            .iter()
            .position(|file| file.uri.as_ref() == Some(uri))
    }

    /// The lexical reading of every file, standard modules included (computed on first
    /// use). Which of their names a file sees is [`super::scope`]'s business.
    pub fn scans(&self) -> &[Scan] {
        self.scans.get_or_init(|| {
            self.files
                .iter()
                .map(|file| scan::scan(&file.text))
                .collect()
        })
    }

    /// What each name of the spec refers to, as the checker resolves it (computed on first
    /// use: an edit that no navigation request follows does not pay for it).
    pub fn resolutions(&self) -> &crate::check::resolutions::Resolutions {
        self.resolutions.get_or_init(|| self.checked.resolutions())
    }

    /// The byte offset of an LSP position in file `file`.
    pub fn offset(&self, file: usize, position: lsp_types::Position) -> usize {
        self.files
            .get(file)
            .map_or(0, |f| f.lines.offset(&f.text, position))
    }

    /// The range of `start..end` in file `file`.
    pub fn range(&self, file: usize, start: usize, end: usize) -> lsp_types::Range {
        self.files
            .get(file)
            .map_or_else(lsp_types::Range::default, |f| {
                f.lines.range(&f.text, start, end)
            })
    }
}

/// What a retired analysis hands to the next check of its spec: each file's text, tree,
/// syntax problems and line table (none when a request still holds it), and the files it
/// published diagnostics for. The model and the diagnostics are dropped.
fn previous_of(analysis: Rc<Analysis>) -> Previous {
    let shown = analysis.shown_uris();
    let Ok(analysis) = Rc::try_unwrap(analysis) else {
        return Previous {
            files: Vec::new(),
            shown,
            model: None,
        };
    };
    let mut modules = analysis.checked.modules.into_iter();
    let mut syntax = analysis.syntax.into_iter();
    let files = analysis
        .files
        .into_iter()
        .map(|file| Parsed {
            text: file.text,
            module: modules.next(),
            syntax: syntax.next().unwrap_or_default(),
            lines: Some(file.lines),
        })
        .collect();
    let model = analysis
        .generation
        .map(|generation| (analysis.checked.model, generation));
    Previous {
        files,
        shown,
        model,
    }
}

impl FileLookup for Analysis {
    fn uri(&self, file: usize) -> Option<&Uri> {
        self.files.get(file)?.uri.as_ref()
    }

    fn text(&self, file: usize) -> &str {
        self.files.get(file).map_or("", |f| f.text.as_str())
    }

    fn lines(&self, file: usize) -> Option<&Lines> {
        self.files.get(file).map(|f| &f.lines)
    }

    fn span_end(&self, span: Span) -> usize {
        let file = span.file.0 as usize;
        match self.checked.modules.get(file) {
            Some(module) => crate::fmt::significant_end(self.text(file), &module.comments, span),
            None => span.end as usize,
        }
    }
}

/// Open documents, cached disk contents, and cached analyses.
pub struct Workspace<'a> {
    loader: &'a dyn Loader,
    pub encoding: Encoding,
    documents: BTreeMap<String, Document>,
    /// The spec files of each directory as the loader read them, decoded once: `None` for a
    /// file over the size limit.
    disk: HashMap<PathBuf, Vec<(PathBuf, Option<String>)>>,
    analyses: HashMap<SpecKey, Rc<Analysis>>,
    /// What the analyses whose files changed hand to the next check of their spec (texts,
    /// trees, line tables: not the model), kept until that check.
    retired: HashMap<SpecKey, Previous>,
    /// What each spec's last check kept for the next (see [`crate::check::Memo`]).
    memos: HashMap<SpecKey, Memo>,
    /// How many times a spec has been checked (the tests count the work done).
    pub analyses_run: u64,
    /// How many files those checks parsed rather than reused.
    pub files_parsed: u64,
    /// How many pieces of work those checks took from their memo.
    pub memo_hits: u64,
    /// What the editor was last sent for each file.
    pub published: super::diagnostics::Published,
}

impl<'a> Workspace<'a> {
    pub fn new(loader: &'a dyn Loader) -> Workspace<'a> {
        Workspace {
            loader,
            encoding: Encoding::default(),
            documents: BTreeMap::new(),
            disk: HashMap::new(),
            analyses: HashMap::new(),
            retired: HashMap::new(),
            memos: HashMap::new(),
            analyses_run: 0,
            files_parsed: 0,
            memo_hits: 0,
            published: super::diagnostics::Published::default(),
        }
    }

    pub fn document(&self, uri: &Uri) -> Option<&Document> {
        self.documents.get(uri.as_str())
    }

    /// Opens or replaces a document and retires the analyses of the specs that hold it.
    pub fn set_document(&mut self, document: Document) {
        let key = SpecKey::of(&document.uri);
        self.retire(&key);
        self.documents
            .insert(document.uri.as_str().to_string(), document);
    }

    pub fn close_document(&mut self, uri: &Uri) {
        self.documents.remove(uri.as_str());
        self.reload(&SpecKey::of(uri));
    }

    /// Forgets what is known about a spec's files on disk (after a save or a file event), and
    /// about every spec that holds its files.
    pub fn reload(&mut self, key: &SpecKey) {
        if let SpecKey::Directory(dir) = key {
            self.disk.retain(|holder, _| !dir.starts_with(holder));
        }
        self.retire(key);
    }

    /// Moves the analyses of every spec that holds the files of `key` aside, for their next
    /// check to reuse.
    fn retire(&mut self, key: &SpecKey) {
        let holders: Vec<SpecKey> = self
            .analyses
            .keys()
            .filter(|spec| spec.covers(key))
            .cloned()
            .collect();
        for spec in holders {
            if let Some(analysis) = self.analyses.remove(&spec) {
                self.retired.insert(spec, previous_of(analysis));
            }
        }
    }

    /// Forgets the analyses, current and retired, the disk contents and what was published
    /// for the files of the specs that hold no open document: a server that outlives many projects keeps only what the open
    /// editors need (a spec is checked again when one of its files is opened).
    pub fn forget_closed_specs(&mut self) {
        let documents = &self.documents;
        let open = |key: &SpecKey| documents.values().any(|d| key.holds(&d.uri));
        self.analyses.retain(|key, _| open(key));
        self.retired.retain(|key, _| open(key));
        self.memos.retain(|key, _| open(key));
        self.disk
            .retain(|dir, _| open(&SpecKey::Directory(dir.clone())));
        // What was published for the files of the specs forgotten: if one is opened again,
        // its diagnostics are simply sent again.
        let held: HashSet<&str> = self
            .analyses
            .values()
            .flat_map(|analysis| analysis.files.iter().filter_map(|file| file.uri.as_ref()))
            .chain(self.retired.values().flat_map(|previous| &previous.shown))
            .map(|uri| uri.as_str())
            .collect();
        self.published.keep_only(&held);
    }

    /// How many specs the workspace holds an analysis of, current or retired, and for how
    /// many files it remembers what was published.
    pub fn held(&self) -> (usize, usize) {
        (
            self.analyses.len() + self.retired.len(),
            self.published.files_held(),
        )
    }

    /// Forgets every analysis (after an internal error, to start again from the texts).
    pub fn forget_analyses(&mut self) {
        self.analyses.clear();
        self.retired.clear();
        self.memos.clear();
    }

    /// An open document of the spec `key`, if any.
    pub fn open_document_in(&self, key: &SpecKey) -> Option<Uri> {
        self.documents
            .values()
            .find(|d| key.holds(&d.uri))
            .map(|d| d.uri.clone())
    }

    /// The analysis of the spec of `uri`, if one is cached.
    pub fn cached_analysis(&self, uri: &Uri) -> Option<Rc<Analysis>> {
        self.analyses.get(&SpecKey::of(uri)).cloned()
    }

    /// The files the spec of `uri` published diagnostics for when it was last checked, if
    /// its analysis was retired since.
    pub fn retired_uris(&self, uri: &Uri) -> Option<&[Uri]> {
        self.retired
            .get(&SpecKey::of(uri))
            .map(|previous| previous.shown.as_slice())
    }

    /// The checked spec that `uri` belongs to.
    pub fn analysis(&mut self, uri: &Uri) -> Rc<Analysis> {
        let key = SpecKey::of(uri);
        if let Some(found) = self.analyses.get(&key) {
            return Rc::clone(found);
        }
        let analysis = Rc::new(self.analyse(&key, uri));
        self.analyses.insert(key, Rc::clone(&analysis));
        analysis
    }

    fn analyse(&mut self, key: &SpecKey, uri: &Uri) -> Analysis {
        self.analyses_run += 1;
        let mut oversized = BTreeSet::new();
        let mut files: BTreeMap<String, (Uri, String, Option<i32>)> = BTreeMap::new();
        if let SpecKey::Directory(dir) = key {
            let loader = self.loader;
            let on_disk = self
                .disk
                .entry(dir.clone())
                .or_insert_with(|| decoded(loader.spec_files(dir)));
            for (path, decoded) in on_disk.iter() {
                if let Some(file_uri) = convert::path_to_uri(path) {
                    let sort_key = path.display().to_string();
                    let text = match decoded {
                        Some(text) => text.clone(),
                        None => {
                            oversized.insert(sort_key.clone());
                            String::new()
                        }
                    };
                    files.insert(sort_key, (file_uri, text, None));
                }
            }
        }
        for document in self.documents.values().filter(|d| key.holds(&d.uri)) {
            let sort_key = match convert::uri_to_path(&document.uri) {
                Some(path) => path.display().to_string(),
                None => document.uri.as_str().to_string(),
            };
            let text = if document.text.len() > MAX_SOURCE_BYTES {
                oversized.insert(sort_key.clone());
                String::new()
            } else {
                oversized.remove(&sort_key);
                document.text.clone()
            };
            files.insert(
                sort_key,
                (document.uri.clone(), text, Some(document.version)),
            );
        }
        if files.is_empty() {
            files.insert(uri.as_str().to_string(), (uri.clone(), String::new(), None));
        }
        let mut previous = self.retired.remove(key).unwrap_or_default();
        let mut memo = self.memos.remove(key).unwrap_or_default();
        if let Some((model, generation)) = previous.model.take() {
            memo.recycle(model, generation);
        }
        let (analysis, parsed) = self.check(key, files, &oversized, previous, &mut memo);
        self.files_parsed += parsed;
        self.memo_hits += memo.hits;
        self.memos.insert(key.clone(), memo);
        analysis
    }

    /// Checks the files as one spec, as `slipway check DIR` does: each file named by its
    /// path relative to the directory, imports read through the loader (open documents
    /// first). The analysis lists the files as the check does: the spec's own, then imports.
    /// A spec with an open document over the size limit is not checked, as `slipway check`
    /// checks no spec with a file over it: that document is empty in the analysis, and SW0005
    /// is its only diagnostic. The trees of `previous` are reused where a file is unchanged,
    /// and the work `memo` kept; also returns how many files were parsed.
    fn check(
        &self,
        key: &SpecKey,
        files: BTreeMap<String, (Uri, String, Option<i32>)>,
        oversized: &BTreeSet<String>,
        previous: Previous,
        memo: &mut Memo,
    ) -> (Analysis, u64) {
        let mut roots = Vec::with_capacity(files.len());
        let mut own: Vec<(Option<Uri>, Option<i32>)> = Vec::with_capacity(files.len());
        for (name, (uri, text, version)) in files {
            roots.push(root_file(key, &name, text));
            own.push((Some(uri), version));
        }
        let (mut checked, previous, syntax, parsed) = match key {
            _ if !oversized.is_empty() => (refused(roots, oversized), previous, Vec::new(), 0),
            SpecKey::Directory(dir) => {
                let imports = Imports::new(self.loader, &self.documents);
                let reusing = Reusing::new(&imports, previous);
                let checked = crate::check_project_with(roots, dir, &reusing, memo);
                let parsed = reusing.parsed.get();
                let (previous, syntax) = reusing.finish();
                own.extend(
                    checked
                        .files
                        .iter()
                        .zip(&checked.units)
                        .skip(own.len())
                        .map(|(f, unit)| self.imported(&imports, &f.name, &unit.path)),
                );
                (checked, previous, syntax, parsed)
            }
            SpecKey::Document(_) => {
                let reusing = Reusing::new(&crate::check::modules::NoFiles, previous);
                let checked = crate::check_project_with(roots, Path::new(""), &reusing, memo);
                let parsed = reusing.parsed.get();
                let (previous, syntax) = reusing.finish();
                (checked, previous, syntax, parsed)
            }
        };
        own.extend(
            checked
                .units
                .iter()
                .skip(own.len())
                .map(|unit| self.standard(&unit.path)),
        );
        let files = self.spec_files(&mut checked, own, previous);
        let analysis = Analysis {
            files,
            checked,
            scans: OnceCell::new(),
            resolutions: OnceCell::new(),
            syntax,
            generation: oversized.is_empty().then(|| memo.generation()),
        };
        (analysis, parsed)
    }

    /// The files of a check, their texts moved out of `checked`, with the URIs and versions
    /// of `own` and the line tables of `previous` where a text is unchanged.
    fn spec_files(
        &self,
        checked: &mut crate::Checked,
        own: Vec<(Option<Uri>, Option<i32>)>,
        mut previous: Previous,
    ) -> Vec<SpecFile> {
        let standard: Vec<bool> = (0..checked.files.len())
            .map(|index| is_standard(checked, index))
            .collect();
        checked
            .files
            .iter_mut()
            .zip(standard)
            .enumerate()
            .zip(own.into_iter().chain(std::iter::repeat((None, None))))
            .map(|((index, (source, standard)), (uri, version))| {
                let text = std::mem::take(&mut source.text);
                SpecFile {
                    lines: previous.lines(index, &text, self.encoding),
                    text,
                    uri,
                    version,
                    standard,
                }
            })
            .collect()
    }

    /// The URI and open version of an imported file, by the name the loader gave it, or of
    /// the standard module imported as `module_path`.
    fn imported(
        &self,
        imports: &Imports,
        name: &str,
        module_path: &str,
    ) -> (Option<Uri>, Option<i32>) {
        match imports.path_of(name) {
            Some(path) => self.opened(convert::path_to_uri(&path)),
            None => self.standard(module_path),
        }
    }

    /// Where the editor can open the standard module `module_path`, if the loader says.
    fn standard(&self, module_path: &str) -> (Option<Uri>, Option<i32>) {
        let path = crate::stdlib::module(module_path)
            .and_then(|module| self.loader.standard_module(module));
        self.opened(path.as_deref().and_then(convert::path_to_uri))
    }

    /// `uri` with the version of its open document, if it is open.
    fn opened(&self, uri: Option<Uri>) -> (Option<Uri>, Option<i32>) {
        let version = uri
            .as_ref()
            .and_then(|uri| self.document(uri))
            .map(|d| d.version);
        (uri, version)
    }
}

/// A file of the spec `key` named `name` (its path): its path in the project is relative to the
/// spec's directory, as `slipway check DIR` names it, so imports from a subdirectory resolve
/// the same way.
/// The texts of spec files read from disk, decoded as UTF-8 (invalid bytes replaced, as
/// `slipway check` reports them); `None` for a file over the size limit. Done once per read
/// of a directory, not once per check.
fn decoded(files: Vec<(PathBuf, Vec<u8>)>) -> Vec<(PathBuf, Option<String>)> {
    files
        .into_iter()
        .map(|(path, bytes)| {
            let text = (bytes.len() <= MAX_SOURCE_BYTES)
                .then(|| String::from_utf8_lossy(&bytes).into_owned());
            (path, text)
        })
        .collect()
}

fn root_file(key: &SpecKey, name: &str, text: String) -> RootFile {
    let file = SourceFile {
        name: name.to_string(),
        text,
    };
    let inside = match key {
        SpecKey::Directory(dir) => Path::new(name).strip_prefix(dir).ok(),
        SpecKey::Document(_) => None,
    };
    match inside {
        Some(inside) => RootFile {
            file,
            path: crate::check::modules::slash_path(inside),
        },
        None => RootFile::named(file),
    }
}

/// Whether file `index` of `checked` is a standard module (reached by `import std/...`).
fn is_standard(checked: &crate::Checked, index: usize) -> bool {
    checked.units.get(index).is_some_and(|unit| {
        unit.role == crate::check::modules::Role::Module
            && crate::stdlib::module(&unit.path).is_some()
    })
}

/// The outcome of a spec that is not checked because the files named in `oversized` are over
/// the size limit: the files as they are (those empty), and SW0005 on each of those.
fn refused(roots: Vec<RootFile>, oversized: &BTreeSet<String>) -> crate::Checked {
    let diagnostics = roots
        .iter()
        .enumerate()
        .filter(|(_, root)| oversized.contains(&root.file.name))
        .map(|(index, _)| crate::oversized_source(FileId(u32::try_from(index).unwrap_or(0))))
        .collect();
    crate::Checked {
        model: crate::Model::default(),
        modules: Vec::new(),
        files: roots.into_iter().map(|root| root.file).collect(),
        units: Vec::new(),
        diagnostics,
    }
}
