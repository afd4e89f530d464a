//! The driver: runs the phases in order over a set of files. It is the only module that knows
//! the whole pipeline, so each phase depends only on the ones before it:
//! syntax and modules (imports followed) -> check (program: templates, packs, waivers; lower)
//! -> graph -> check (finish: per-environment settings, policies; unused waivers).

use crate::check::modules::{self, Loader, NoFiles, Project, RootFile, Sources, Unit};
use crate::check::resolutions::Resolutions;
use crate::check::{self, model::Model, program, provenance, Checker, Memo};
use crate::diagnostics::{self, Diagnostic};
use crate::span::{FileId, SourceFile};
use crate::syntax::{self, ast};
use std::path::Path;

/// The result of checking a spec: the model (as complete as the errors allow), every file
/// that took part (the spec's own, then the imported ones; file ids index this list), their
/// syntax trees (for the formatter and the language server), how each file was reached and
/// what its imports resolved to (for the language server's names), and every diagnostic,
/// sorted.
#[derive(Debug)]
pub struct Checked {
    pub model: Model,
    pub modules: Vec<ast::Module>,
    pub files: Vec<SourceFile>,
    /// One per file: its path, whether it is one of the spec's own files or a module, and its
    /// resolved imports. Empty when nothing was checked.
    pub units: Vec<Unit>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Every declaration of the parsed files and what each name that refers to one resolves
    /// to, as the checker resolves it (for the language server's navigation). Made from the
    /// trees on each call; the check itself does not need it.
    pub fn resolutions(&self) -> Resolutions {
        check::resolutions::resolve(modules::Parsed {
            modules: &self.modules,
            units: &self.units,
        })
    }
}

/// Parses and checks `files` as one spec, each file's name taken as its path in the project.
/// Only the standard library and the given files can be imported; file ids are indexes into
/// `files` (imported standard modules follow them in [`Checked::files`]).
pub fn check(files: &[SourceFile]) -> Checked {
    let roots = files.iter().cloned().map(RootFile::named).collect();
    check_project(roots, Path::new(""), &NoFiles)
}

/// Checks a spec whose project root is `root` (the directory its root files' paths are
/// relative to), its imports read through `loader` (the CLI reads the disk; the language
/// server its open documents, then the disk).
pub fn check_project(roots: Vec<RootFile>, root: &Path, loader: &dyn Loader) -> Checked {
    check_project_with(roots, root, loader, &mut Memo::off())
}

/// [`check_project`], taking from `memo` the work of the last check that this one would do
/// again and leaving this one's there for the next (the language server keeps one per spec).
/// The result is exactly that of [`check_project`].
pub fn check_project_with(
    roots: Vec<RootFile>,
    root: &Path,
    loader: &dyn Loader,
    memo: &mut Memo,
) -> Checked {
    let project = Project { root, loader };
    let (sources, mut diagnostics) = modules::load(roots, project);
    let model = check_loaded(&sources, &mut diagnostics, memo);
    diagnostics.extend(check::dockerfiles::check(&model, project));
    diagnostics::sort(&mut diagnostics);
    let Sources {
        files,
        modules,
        units,
    } = sources;
    Checked {
        model,
        modules,
        files,
        units,
        diagnostics,
    }
}

/// Parses every file; file ids are indexes into `files`.
pub fn parse_all(files: &[SourceFile], diagnostics: &mut Vec<Diagnostic>) -> Vec<ast::Module> {
    files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let file_id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            let (module, found) = syntax::parse(file_id, &file.text);
            diagnostics.extend(found);
            module
        })
        .collect()
}

/// Checks loaded sources. Diagnostics are appended unsorted.
pub fn check_sources(sources: &Sources, diagnostics: &mut Vec<Diagnostic>) -> Model {
    check_loaded(sources, diagnostics, &mut Memo::off())
}

/// Checks loaded sources, taking what it can from `memo`. Diagnostics are appended unsorted.
fn check_loaded(sources: &Sources, diagnostics: &mut Vec<Diagnostic>, memo: &mut Memo) -> Model {
    // "Did you mean" compares names pairwise; bound that work for the whole check.
    let _budget = diagnostics::SuggestionBudget::for_one_check();
    let mut checker = Checker::default();
    report_empty_spec(&mut checker, sources);
    memo.begin(
        sources
            .files
            .iter()
            .map(|file| (file.name.as_str(), file.text.as_str())),
    );
    let program = program::prepare(&mut checker, sources, memo);
    let (mut model, names) = check::lower(&mut checker, &program.declarations, memo);
    program::attach(&mut checker, &mut model, &program, &names);
    checker.report_all(crate::graph::analyse_with(&mut model, &names, memo));
    check::finish(&mut checker, &mut model, memo);
    program::conclude(&mut checker, &model, &names);
    memo.end(&model);
    let mut found = checker.into_diagnostics();
    provenance::annotate(&mut found, &program.shadows, sources);
    diagnostics.extend(found);
    model
}

/// A spec whose files declare nothing at all (only blank lines and comments) is an error:
/// there is nothing to deliver, and compiling it would write a workflow without jobs.
fn report_empty_spec(checker: &mut Checker, sources: &Sources) {
    let Some(first) = sources.modules.first() else {
        return;
    };
    if sources
        .modules
        .iter()
        .all(|module| module.declarations.is_empty())
    {
        checker.report(
            Diagnostic::error(
                crate::Code::SW0111,
                "the spec declares nothing",
                crate::Span::new(first.file, 0, 0),
                "no declarations in any file of the spec",
            )
            .with_help("declare the app and its services, e.g. `app shop {}` and `service web { image = \"...\" }`"),
        );
    }
}
