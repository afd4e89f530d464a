//! Modules: following `import`s from the files of a spec to every file they reach.
//!
//! A spec is the set of root files given to the compiler (all `.slip` files of a directory).
//! `import "common.slip"` names a file by its path relative to the importing file, and
//! `import std/strategies` names a module of the embedded standard library. The library never
//! reads a file itself: a [`Loader`] supplied by the caller finds the spec files of a directory
//! and hands over the bytes of imported files (the CLI's reads the disk, for `slipway check`
//! and the language server alike; the server serves its open documents before it; tests serve
//! fixed texts), so all share this resolution. Paths are resolved inside the project root only: an absolute path, a `..` that
//! climbs out of the root, or (as the loader reports) a symbolic link leading outside it is
//! refused. A root file that another file imports becomes a module: its names are reached
//! through the import, not shared with the rest of the spec.
//!
//! Problems name the whole chain of imports that led to them, one label per import.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, SourceFile, Span};
use crate::syntax::ast::{Declaration, Import, ImportTarget, Module};
use crate::syntax::{self};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the compiler's files come from: the one interface between the library and a disk
/// (or whatever stands for one). The command line and the language server use the same one.
pub trait Loader {
    /// The file at `path` in the project whose root directory is `root`. `path` is
    /// `/`-separated, relative to the root and normalised (no `.`, no `..`, never absolute);
    /// a loader that follows symbolic links refuses a file whose real path leaves the root
    /// ([`LoadError::OutsideRoot`]).
    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError>;

    /// A file of the repository the spec delivers (a build context's Dockerfile), by its
    /// `/`-separated path from the repository root; `None` when there is none or no
    /// repository is known (the default), and the file is then not judged.
    fn repository_file(&self, _path: &str) -> Option<String> {
        None
    }

    /// The spec files of the directory `dir`, with their bytes, sorted by path: every `.slip`
    /// file below it, hidden files and directories left out, as `slipway check DIR` reads
    /// them. Files that cannot be read are left out. None by default.
    fn spec_files(&self, _dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        Vec::new()
    }

    /// A file holding the text of standard module `module` that an editor can open (the CLI
    /// writes a read-only copy into its cache), so that go to definition on an imported
    /// standard name leads somewhere. None by default: standard modules are then not
    /// navigated into.
    fn standard_module(&self, _module: &crate::stdlib::StdModule) -> Option<PathBuf> {
        None
    }

    /// The syntax tree of file `file`, whose text is `text`, and its syntax problems:
    /// [`syntax::parse`] by default. The language server hands back the tree of its last
    /// check when a file's text has not changed, so an edit re-parses only the edited file.
    fn parse(&self, file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
        syntax::parse(file, text)
    }
}

/// A loader and the root of the project it reads, as the checker uses them.
#[derive(Clone, Copy)]
pub struct Project<'a> {
    pub root: &'a Path,
    pub loader: &'a dyn Loader,
}

impl Project<'_> {
    fn load(&self, path: &str) -> Result<LoadedFile, LoadError> {
        self.loader.load(self.root, path)
    }

    pub fn repository_file(&self, path: &str) -> Option<String> {
        self.loader.repository_file(path)
    }
}

/// An imported file as the loader found it.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// The path relative to the root after following symbolic links, so two routes to one
    /// file make one module.
    pub path: String,
    /// The name shown in diagnostics.
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotFound,
    /// The path leads outside the project root (through a symbolic link) to `target`.
    OutsideRoot {
        target: String,
    },
    Unreadable(String),
}

/// A loader that knows no files: only the standard library and the root files can be
/// imported.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFiles;

impl Loader for NoFiles {
    fn load(&self, _root: &Path, _path: &str) -> Result<LoadedFile, LoadError> {
        Err(LoadError::NotFound)
    }
}

/// One file of the spec as given: its text and its path relative to the project root.
#[derive(Debug, Clone)]
pub struct RootFile {
    pub file: SourceFile,
    pub path: String,
}

impl RootFile {
    /// A root file whose display name is also its path (tests, documentation examples).
    pub fn named(file: SourceFile) -> RootFile {
        let path = logical_name(&file.name);
        RootFile { file, path }
    }
}

/// Whether a file's names are the spec's own or reached through an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Root,
    Module,
}

/// An import with its target, once resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub import: Import,
    /// The name the module is used by: `strategies` for `import std/strategies`.
    pub alias: Option<String>,
    pub target: Option<FileId>,
}

/// One file of a spec after loading.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The path relative to the root (`lib/common.slip`), or the module path (`std/probes`).
    pub path: String,
    pub role: Role,
    pub imports: Vec<Resolved>,
    /// The import that first reached this file, for chains in messages.
    parent: Option<(FileId, Span)>,
}

/// Every file of a spec, parsed, with its imports resolved. File ids index all three lists.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    pub modules: Vec<Module>,
    pub units: Vec<Unit>,
}

impl Sources {
    /// The trees and units, borrowed: what the scopes and the name table read.
    pub fn parsed(&self) -> Parsed<'_> {
        Parsed {
            modules: &self.modules,
            units: &self.units,
        }
    }

    pub fn unit(&self, file: FileId) -> Option<&Unit> {
        self.parsed().unit(file)
    }

    pub fn role(&self, file: FileId) -> Role {
        self.parsed().role(file)
    }

    /// Labels for the imports that led from a root file to `file`, nearest first.
    pub fn chain(&self, file: FileId) -> Vec<(Span, String)> {
        self.parsed().chain(file)
    }
}

/// The parsed files of a spec and how each was reached, borrowed from [`Sources`] during a
/// check, or from a [`crate::Checked`] after it (the language server's name table is made
/// from these on first use). File ids index both lists.
#[derive(Debug, Clone, Copy)]
pub struct Parsed<'a> {
    pub modules: &'a [Module],
    pub units: &'a [Unit],
}

impl<'a> Parsed<'a> {
    pub fn unit(self, file: FileId) -> Option<&'a Unit> {
        self.units.get(file.0 as usize)
    }

    pub fn role(self, file: FileId) -> Role {
        self.unit(file).map_or(Role::Root, |unit| unit.role)
    }

    /// Labels for the imports that led from a root file to `file`, nearest first.
    pub fn chain(self, file: FileId) -> Vec<(Span, String)> {
        let mut labels = Vec::new();
        let mut current = file;
        while let Some((importer, span)) = self.unit(current).and_then(|unit| unit.parent) {
            if labels.len() > self.units.len() {
                break;
            }
            let path = self.unit(current).map_or("", |unit| unit.path.as_str());
            labels.push((span, format!("`{path}` is imported here")));
            current = importer;
        }
        labels
    }
}

/// Parses the root files and follows their imports to every file they reach.
pub fn load(roots: Vec<RootFile>, project: Project) -> (Sources, Vec<Diagnostic>) {
    let mut state = State {
        loader: project.loader,
        sources: Sources::default(),
        diagnostics: Vec::new(),
        pending: Vec::new(),
        by_path: BTreeMap::new(),
    };
    for root in roots {
        let path = root.path.clone();
        state.add(root.file, path, None, None);
    }
    let mut next = 0;
    while next < state.sources.units.len() {
        state.resolve_imports(FileId(index_u32(next)), project);
        next += 1;
    }
    state.mark_modules();
    for (file, mut diagnostic) in std::mem::take(&mut state.pending) {
        for (span, label) in state.sources.chain(file) {
            diagnostic = diagnostic.with_label(span, label);
        }
        state.diagnostics.push(diagnostic);
    }
    let cycles = cycles(&state.sources);
    state.diagnostics.extend(cycles);
    (state.sources, state.diagnostics)
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

struct State<'a> {
    /// Parses each file (see [`Loader::parse`]).
    loader: &'a dyn Loader,
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    /// Problems with imports, by importing file; the chain is added once every import is
    /// known.
    pending: Vec<(FileId, Diagnostic)>,
    by_path: BTreeMap<String, FileId>,
}

impl State<'_> {
    fn add(
        &mut self,
        file: SourceFile,
        path: String,
        parent: Option<(FileId, Span)>,
        problem: Option<Diagnostic>,
    ) -> FileId {
        let id = FileId(index_u32(self.sources.files.len()));
        let (module, found) = self.loader.parse(id, &file.text);
        self.diagnostics.extend(problem);
        self.diagnostics.extend(found);
        let role = if parent.is_some() {
            Role::Module
        } else {
            Role::Root
        };
        self.by_path.entry(path.clone()).or_insert(id);
        self.sources.units.push(Unit {
            path,
            role,
            imports: Vec::new(),
            parent,
        });
        self.sources.files.push(file);
        self.sources.modules.push(module);
        id
    }

    fn resolve_imports(&mut self, file: FileId, project: Project) {
        let imports: Vec<Import> = self
            .sources
            .modules
            .get(file.0 as usize)
            .map(|module| {
                module
                    .declarations
                    .iter()
                    .filter_map(|d| match d {
                        Declaration::Import(import) => Some(Import::clone(import)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        for import in imports {
            let target = self.resolve(file, &import, project);
            if let Some(target) = target {
                self.adopt(target, file, import.span);
            }
            let alias = self.alias(&import);
            if let Some(unit) = self.sources.units.get_mut(file.0 as usize) {
                unit.imports.push(Resolved {
                    import,
                    alias,
                    target,
                });
            }
        }
    }

    /// The name an import is used by: its `as` name, or the last part of its path.
    fn alias(&mut self, import: &Import) -> Option<String> {
        if let Some(alias) = &import.alias {
            return Some(alias.text.clone());
        }
        let (path, span) = match &import.target {
            ImportTarget::File(file) => (file.value.as_str(), file.span),
            ImportTarget::Module(module) => (module.text.as_str(), module.span),
        };
        let last = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let stem = last.strip_suffix(".slip").unwrap_or(last);
        if is_name(stem) {
            return Some(stem.to_string());
        }
        self.diagnostics.push(
            Diagnostic::error(
                Code::SW0106,
                format!("`{last}` cannot be used as a name"),
                span,
                "no name for this import",
            )
            .with_help("name the import: `import \"...\" as common`"),
        );
        None
    }

    fn resolve(&mut self, file: FileId, import: &Import, project: Project) -> Option<FileId> {
        match &import.target {
            ImportTarget::Module(module) => self.resolve_std(file, &module.text, module.span),
            ImportTarget::File(literal) => {
                let base = self
                    .sources
                    .unit(file)
                    .map_or(String::new(), |unit| unit.path.clone());
                if base.starts_with("std/") {
                    self.report(
                        file,
                        not_found(
                            &format!("`{}`", literal.value),
                            literal.span,
                            "the standard library imports only standard modules",
                        ),
                    );
                    return None;
                }
                match join(&base, &literal.value) {
                    Ok(path) => {
                        self.resolve_file(file, &literal.value, path, literal.span, project)
                    }
                    Err(OutsideRoot) => {
                        self.report(file, escapes(&literal.value, literal.span, None));
                        None
                    }
                }
            }
        }
    }

    fn resolve_std(&mut self, file: FileId, path: &str, span: Span) -> Option<FileId> {
        if let Some(id) = self.by_path.get(path) {
            return Some(*id);
        }
        let Some(module) = crate::stdlib::module(path) else {
            let diagnostic = Diagnostic::error(
                Code::SW0106,
                format!("there is no module `{path}`"),
                span,
                "unknown module",
            )
            .with_suggestion(path, crate::stdlib::paths());
            let diagnostic = if diagnostic.help.is_some() {
                diagnostic
            } else if path.starts_with("std/") {
                let known: Vec<String> = crate::stdlib::paths().map(|p| format!("`{p}`")).collect();
                diagnostic.with_help(format!("the standard modules are {}", known.join(", ")))
            } else {
                diagnostic.with_help(format!(
                    "import a file of the spec by its path in quotes: `import \"{path}.slip\"`"
                ))
            };
            self.report(file, diagnostic);
            return None;
        };
        let source = SourceFile {
            name: module.file.to_string(),
            text: module.text.to_string(),
        };
        Some(self.add(source, path.to_string(), Some((file, span)), None))
    }

    fn resolve_file(
        &mut self,
        file: FileId,
        written: &str,
        path: String,
        span: Span,
        project: Project,
    ) -> Option<FileId> {
        if let Some(id) = self.by_path.get(&path) {
            return Some(*id);
        }
        match project.load(&path) {
            Ok(loaded) => {
                if let Some(id) = self.by_path.get(&loaded.path).copied() {
                    self.by_path.insert(path, id);
                    return Some(id);
                }
                let id = FileId(index_u32(self.sources.files.len()));
                let (source, problem) = crate::decode_source(id, loaded.name, &loaded.bytes);
                let added = self.add(source, loaded.path, Some((file, span)), problem);
                self.by_path.insert(path, added);
                Some(added)
            }
            Err(LoadError::NotFound) => {
                self.report(
                    file,
                    not_found(&shown(written, &path), span, "no such file in the project"),
                );
                None
            }
            Err(LoadError::OutsideRoot { target }) => {
                self.report(file, escapes(written, span, Some(&target)));
                None
            }
            Err(LoadError::Unreadable(why)) => {
                self.report(file, not_found(&shown(written, &path), span, &why));
                None
            }
        }
    }

    /// Reports a problem with an import in `file` (the chain of imports that reached `file`
    /// is added at the end).
    fn report(&mut self, file: FileId, diagnostic: Diagnostic) {
        self.pending.push((file, diagnostic));
    }

    /// Remembers the first import of a file given as a root file, for chains.
    fn adopt(&mut self, target: FileId, importer: FileId, span: Span) {
        if target == importer || self.led_from(importer, target) {
            return;
        }
        if let Some(unit) = self.sources.units.get_mut(target.0 as usize) {
            if unit.parent.is_none() && unit.role == Role::Root {
                unit.parent = Some((importer, span));
            }
        }
    }

    /// Whether the chain of imports that reached `file` passes through `through`.
    fn led_from(&self, file: FileId, through: FileId) -> bool {
        let mut current = file;
        for _ in 0..=self.sources.units.len() {
            match self.sources.unit(current).and_then(|unit| unit.parent) {
                Some((importer, _)) if importer == through => return true,
                Some((importer, _)) => current = importer,
                None => return false,
            }
        }
        true
    }

    /// Root files that another file imports are modules.
    fn mark_modules(&mut self) {
        let targets: Vec<FileId> = self
            .sources
            .units
            .iter()
            .flat_map(|unit| unit.imports.iter().filter_map(|import| import.target))
            .collect();
        for target in targets {
            if let Some(unit) = self.sources.units.get_mut(target.0 as usize) {
                unit.role = Role::Module;
            }
        }
    }
}

/// The path as written, and as resolved in the project when that differs: `common.slip`
/// (`lib/common.slip`).
fn shown(written: &str, path: &str) -> String {
    if written == path {
        format!("`{written}`")
    } else {
        format!("`{written}` (`{path}` in the project)")
    }
}

fn not_found(path: &str, span: Span, why: &str) -> Diagnostic {
    Diagnostic::error(Code::SW0106, format!("cannot import {path}: {why}"), span, "imported here")
        .with_help("the path is relative to the importing file; standard modules are written without quotes: `import std/strategies`")
}

fn escapes(path: &str, span: Span, target: Option<&str>) -> Diagnostic {
    let message = match target {
        Some(target) => format!("`{path}` leads outside the project root, to `{target}`"),
        None => format!("`{path}` is outside the project root"),
    };
    Diagnostic::error(Code::SW0107, message, span, "this import leaves the project")
        .with_help("imports stay inside the directory of the spec; copy the shared file into the project, or check the project from a directory that contains both")
}

/// Whether `text` can be used as a name (an import's default alias).
fn is_name(text: &str) -> bool {
    let reserved = ["true", "false", "and", "or", "not"];
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !reserved.contains(&text)
}

/// A display name as a root-relative path: `app.slip`, `lib/x.slip`; names that are absolute
/// or climb out are reduced to their last part.
pub(crate) fn logical_name(name: &str) -> String {
    let normalised = name.replace('\\', "/");
    match join("", &normalised) {
        Ok(path) if !normalised.starts_with('/') && !path.is_empty() => path,
        _ => normalised
            .rsplit('/')
            .next()
            .unwrap_or(&normalised)
            .to_string(),
    }
}

/// A relative path as the checker writes paths: its components joined with `/`.
pub fn slash_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A path that would leave the project root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideRoot;

/// Resolves `relative` against the directory of `base` (a root-relative file path). `Err`
/// when the result would be absolute or above the root.
pub(crate) fn join(base: &str, relative: &str) -> Result<String, OutsideRoot> {
    let absolute = relative.starts_with(['/', '\\']) || relative.get(1..2) == Some(":");
    if absolute {
        return Err(OutsideRoot);
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    parts.pop();
    for part in relative.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(OutsideRoot)?;
            }
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

/// One diagnostic per import cycle, each naming every import in it.
fn cycles(sources: &Sources) -> Vec<Diagnostic> {
    let mut found: Vec<Vec<(FileId, Span, FileId)>> = Vec::new();
    let mut state = vec![Visit::New; sources.units.len()];
    // How many cycles a search finds depends on where it starts: start in the order of the
    // paths, so the files may come in any order (found by the hostile corpus).
    let mut starts: Vec<usize> = (0..sources.units.len()).collect();
    starts.sort_by(|a, b| {
        let path = |index: &usize| sources.units.get(*index).map(|unit| unit.path.as_str());
        path(a).cmp(&path(b)).then(a.cmp(b))
    });
    for start in starts {
        walk(sources, FileId(index_u32(start)), &mut state, &mut found);
    }
    found
        .iter()
        .map(|cycle| cycle_diagnostic(sources, cycle))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Open,
    Done,
}

type Edge = (FileId, Span, FileId);

/// A depth-first search from `start` over the imports, recording each cycle it closes. It
/// keeps its own stack: an import chain can be thousands of files long, and a recursive
/// search overflowed the thread's stack on a chain of 20,000 files.
fn walk(sources: &Sources, start: FileId, state: &mut [Visit], found: &mut Vec<Vec<Edge>>) {
    let edges_of = |file: FileId| -> Vec<Edge> {
        sources
            .unit(file)
            .map(|unit| {
                unit.imports
                    .iter()
                    .filter_map(|i| i.target.map(|t| (file, i.import.span, t)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let set = |state: &mut [Visit], file: FileId, visit: Visit| {
        if let Some(slot) = state.get_mut(file.0 as usize) {
            *slot = visit;
        }
    };
    if state.get(start.0 as usize) != Some(&Visit::New) {
        return;
    }
    set(state, start, Visit::Open);
    // Each frame: a file, its imports, and the next one to follow. `path` holds the imports
    // followed from `start` to the file on top.
    let mut frames: Vec<(FileId, Vec<Edge>, usize)> = vec![(start, edges_of(start), 0)];
    let mut path: Vec<Edge> = Vec::new();
    while let Some(top) = frames.last_mut() {
        let file = top.0;
        let next = top.1.get(top.2).copied();
        top.2 += 1;
        let Some(edge) = next else {
            set(state, file, Visit::Done);
            frames.pop();
            path.pop();
            continue;
        };
        let target = edge.2;
        match state.get(target.0 as usize) {
            Some(Visit::Open) => {
                let mut cycle: Vec<Edge> =
                    path.iter().skip_while(|e| e.0 != target).cloned().collect();
                cycle.push(edge);
                found.push(cycle);
            }
            Some(Visit::New) => {
                set(state, target, Visit::Open);
                path.push(edge);
                frames.push((target, edges_of(target), 0));
            }
            _ => {}
        }
    }
}

fn cycle_diagnostic(sources: &Sources, cycle: &[Edge]) -> Diagnostic {
    let path = |file: FileId| {
        sources
            .unit(file)
            .map_or(String::new(), |unit| unit.path.clone())
    };
    // The primary label goes on the import most likely just written, the last in file order,
    // and the path in the message starts there.
    let last = cycle
        .iter()
        .enumerate()
        .max_by_key(|(_, edge)| edge.1)
        .map_or(0, |(index, _)| index);
    let mut turned = cycle.to_vec();
    turned.rotate_left(last);
    let cycle = turned.as_slice();
    let Some(first) = cycle.first() else {
        return Diagnostic::error(Code::SW0108, "import cycle", Span::default(), "");
    };
    let mut names: Vec<String> = cycle
        .iter()
        .map(|edge| format!("`{}`", path(edge.0)))
        .collect();
    names.push(format!("`{}`", path(first.0)));
    let message = if cycle.len() == 1 {
        format!("`{}` imports itself", path(first.0))
    } else {
        format!("import cycle: {}", names.join(" → "))
    };
    let mut diagnostic = Diagnostic::error(
        Code::SW0108,
        message,
        first.1,
        format!("`{}` imports `{}`", path(first.0), path(first.2)),
    );
    for edge in cycle.iter().skip(1) {
        diagnostic = diagnostic.with_label(
            edge.1,
            format!("`{}` imports `{}`", path(edge.0), path(edge.2)),
        );
    }
    diagnostic.with_help("modules cannot import each other in a circle; move what they share into a third file that both import")
}

#[cfg(test)]
mod tests {
    use super::{join, logical_name, OutsideRoot};

    #[test]
    fn joins_inside_the_root_only() {
        assert_eq!(
            join("app.slip", "common.slip"),
            Ok("common.slip".to_string())
        );
        assert_eq!(join("lib/a.slip", "../b.slip"), Ok("b.slip".to_string()));
        assert_eq!(
            join("lib/a.slip", "./x/../c.slip"),
            Ok("lib/c.slip".to_string())
        );
        assert_eq!(join("app.slip", "../x.slip"), Err(OutsideRoot));
        assert_eq!(join("app.slip", "/etc/x.slip"), Err(OutsideRoot));
        assert_eq!(join("app.slip", "C:/x.slip"), Err(OutsideRoot));
        assert_eq!(logical_name("dir/../../x.slip"), "x.slip");
        assert_eq!(logical_name("a/b.slip"), "a/b.slip");
    }
}
