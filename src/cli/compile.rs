//! `slipway compile`: check the spec, generate every target, write the tree atomically
//! (see `write.rs`), or with `--check` compare it with `--out` (see `drift.rs`).

use super::progress::Progress;
use super::tree_writer::TreeWriter;
use super::{drift, files, outdir, progress, report, status, unchanged, values, write, Colour};
use clap::Args;
use slipway::emit::{self, Options, Target};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The output directory. Run `slipway compile` from the repository root: the GitHub
    /// workflow names the generated files by their repository path, which it takes from a
    /// relative `--out` (`deploy` gives `deploy/kustomize/...`). `--out -` prints the
    /// objects as one YAML stream instead, for `kubectl apply -f -` (targets k8s, istio,
    /// prometheus; default k8s,istio).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Targets to generate: k8s, istio, kustomize, github (the default), argocd, prometheus.
    #[arg(long, value_delimiter = ',', value_parser = values::TargetParser)]
    pub target: Vec<Target>,
    /// Only these environments (repeatable; default: all).
    #[arg(long = "env")]
    pub environments: Vec<String>,
    /// Write nothing: compare what would be written with `--out` and exit 1 on any
    /// difference (drift check for pre-commit and CI). The spec's diagnostics are not shown
    /// (`slipway check` shows them): a spec with errors fails with one line.
    #[arg(long)]
    pub check: bool,
    /// With `--check`, show a short unified diff of each file that differs.
    #[arg(long, requires = "check")]
    pub diff: bool,
    /// Also replace files at generated paths that slipway did not write (files neither in
    /// `--out/.slipway-manifest` nor starting with the generated header); without it, such
    /// files stop the compile before anything is written.
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
    /// Print how long each phase took.
    #[arg(long)]
    pub timings: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: &CompileArgs, colour: Colour) -> u8 {
    let mut progress = Progress::new(args.quiet);
    let code = compile(args, colour, &mut progress);
    let timings = progress.finish();
    if args.timings {
        eprintln!("{}", progress::timings_line(&timings));
    }
    code
}

/// Every message below is printed after `progress.clear()`, so that it starts on a line of
/// its own rather than after the progress line.
fn compile(args: &CompileArgs, colour: Colour, progress: &mut Progress) -> u8 {
    progress.phase("read");
    let mut loaded = match files::load(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            progress.clear();
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    progress.phase("check");
    let checked = loaded.check();
    let model = checked.model;
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    diagnostics.extend(checked.diagnostics);
    slipway::diagnostics::sort(&mut diagnostics);
    let has_errors = diagnostics.iter().any(|d| d.is_error());
    if args.check {
        // The drift check runs beside `slipway check` (the pre-commit hooks, CI), which shows
        // the diagnostics; repeating them here would print each one twice.
        if has_errors {
            progress.clear();
            eprintln!(
                "error: the spec has errors ({}): fix them first (`slipway check`); drift was not checked",
                slipway::diagnostics::render::summary(&diagnostics)
            );
            return status::ERRORS;
        }
    } else if has_errors || !args.quiet {
        progress.clear();
        report::print_human(&checked.files, &diagnostics, colour, true);
    }
    if has_errors {
        eprintln!("nothing written: fix the errors above");
        return status::ERRORS;
    }
    super::free_beside(checked.modules);
    let options = match options(args, &model) {
        Ok(options) => options,
        Err(message) => {
            progress.clear();
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    if is_stream(args) {
        return print_stream(&model, &options, progress);
    }
    let inputs = unchanged::Inputs {
        out: &args.out,
        loaded: &loaded,
        files: &checked.files,
        units: &checked.units,
        options: &options,
    };
    let fingerprint = unchanged::fingerprint(&inputs);
    let opened = match outdir::open(&args.out, !args.check, args.quiet) {
        Ok(opened) => opened,
        Err(message) => {
            progress.clear();
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    if let Some(code) = unchanged_out(args, opened.as_ref(), fingerprint, progress) {
        // As below: the process ends next, and freeing the model is most of what is left.
        super::leave_to_exit((model, checked.files));
        return code;
    }
    progress.phase("emit");
    let threads = super::threads();
    let code = if args.check {
        // The drift check compares the whole output, held in memory.
        let output = emit::emit_parallel(&model, &options, threads);
        progress.phase("compare");
        check_drift(args, opened.as_ref(), &output, progress)
    } else if let Some(opened) = &opened {
        progress.clear();
        write_out(
            args,
            opened,
            (&model, &options, threads),
            fingerprint,
            progress,
        )
    } else {
        status::USAGE
    };
    super::leave_to_exit((model, checked.files));
    code
}

/// The fast path: when `--out` holds the output of a compile with these very inputs,
/// untouched since (see `unchanged.rs`), says so and returns the exit status; `None` when the
/// compile must emit.
fn unchanged_out(
    args: &CompileArgs,
    opened: Option<&outdir::OutDir>,
    fingerprint: Option<unchanged::Fingerprint>,
    progress: &mut Progress,
) -> Option<u8> {
    let opened = opened.filter(|opened| opened.notes.is_empty())?;
    progress.phase("unchanged");
    let manifest = unchanged::untouched(&opened.root, fingerprint?)?;
    progress.clear();
    if args.quiet {
        return Some(status::OK);
    }
    let paths: Vec<&str> = manifest.files.keys().map(String::as_str).collect();
    if args.check {
        eprintln!("{}", up_to_date(&args.out, paths.len()));
        return Some(status::OK);
    }
    eprintln!("{}", unchanged_summary(&paths, &args.out));
    let workflow = paths.iter().copied().find(|path| write::is_workflow(path));
    if let Some(hint) = workflow_hint(&args.out, workflow) {
        eprintln!("{hint}");
    }
    Some(status::OK)
}

/// Emits into `--out`: each file is compared and staged as it is rendered (the `emit` phase),
/// then the tree is committed (the `write` phase) and, for the next compile, the inputs that
/// produced it are recorded (see `unchanged.rs`).
fn write_out(
    args: &CompileArgs,
    opened: &outdir::OutDir,
    (model, options, threads): (&slipway::Model, &Options, usize),
    fingerprint: Option<unchanged::Fingerprint>,
    progress: &mut Progress,
) -> u8 {
    print_notes(args, &opened.notes);
    let overwrite = if args.force {
        write::Overwrite::Force
    } else {
        write::Overwrite::GeneratedOnly
    };
    let written = TreeWriter::new(&opened.root, overwrite).map_err(write::WriteError::from);
    let written = written.and_then(|mut writer| {
        emit::emit_into(model, options, threads, &mut writer);
        progress.phase("write");
        writer.finish(progress.counter())
    });
    progress.clear();
    match written {
        Ok(written) => {
            if let Some(fingerprint) = fingerprint {
                unchanged::record(&opened.root, written.manifest_hash, fingerprint);
            }
            if !args.quiet {
                print_forced(&args.out, &written.forced);
                eprintln!("{}", summary(&written, &args.out));
                if let Some(hint) = workflow_hint(&args.out, written.workflow.as_deref()) {
                    eprintln!("{hint}");
                }
            }
            status::OK
        }
        Err(write::WriteError::NotGenerated(paths)) => {
            eprint!("{}", not_generated_message(&args.out, &paths));
            status::ERRORS
        }
        Err(write::WriteError::Failed(failure)) => {
            eprintln!(
                "error: {}; {}",
                failure.message,
                failure.state_text(&args.out)
            );
            status::USAGE
        }
    }
}

/// The refusal to replace files that slipway did not write, one path per line.
fn not_generated_message(out: &Path, paths: &[String]) -> String {
    let shown = out.display();
    let mut text = format!(
        "error: {} in {shown} {} not written by slipway (not in {shown}/{}, no generated header); refusing to replace {}:\n",
        plural(paths.len(), "file", "files"),
        if paths.len() == 1 { "was" } else { "were" },
        super::manifest::MANIFEST,
        if paths.len() == 1 { "it" } else { "them" },
    );
    for path in paths {
        text.push_str(&format!("  {shown}/{path}\n"));
    }
    text.push_str("nothing was written: move them away, or pass --force to replace them\n");
    text
}

fn print_forced(out: &Path, paths: &[String]) {
    for path in paths {
        eprintln!(
            "note: replaced {}/{path}, which slipway had not written (--force)",
            out.display()
        );
    }
}

/// `1 file`, `2 files`.
fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// What was done to `--out` before this compile's own work (an interrupted compile finished,
/// leftovers removed).
fn print_notes(args: &CompileArgs, notes: &[String]) {
    if !args.quiet {
        for note in notes {
            eprintln!("note: {note}");
        }
    }
}

fn check_drift(
    args: &CompileArgs,
    opened: Option<&outdir::OutDir>,
    output: &emit::Output,
    progress: &Progress,
) -> u8 {
    progress.clear();
    let root = opened.map(|opened| &opened.root);
    if let Some(opened) = opened {
        print_notes(args, &opened.notes);
    }
    let found = drift::compare(root, output, progress.counter());
    progress.clear();
    let found = match found {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    if found.is_empty() {
        if !args.quiet {
            eprintln!("{}", up_to_date(&args.out, output.files.len()));
        }
        return status::OK;
    }
    print!("{}", drift::report(root, output, &found, args.diff));
    eprintln!(
        "{} file{} in {} out of date: run `slipway compile` and commit the result",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        args.out.display()
    );
    status::ERRORS
}

/// What `--check` says when `--out` holds every one of the `count` files it should.
fn up_to_date(out: &Path, count: usize) -> String {
    format!("{} is up to date ({count} files)", out.display())
}

/// How the generated headers name a spec path: relative to the repository root (the nearest
/// folder at or above the current one that holds `.git`, else the current folder), without `.`
/// segments or a trailing `/`, so `specs`, `specs/`, `./specs` and `../repo/specs` give the
/// same output and a drift check does not depend on how the path was typed.
/// Every spec path named as [`spec_name`] does, sorted and joined with `, ` (so the header of
/// every file does not depend on the order of the arguments).
pub(super) fn spec_names(paths: &[std::path::PathBuf]) -> String {
    let mut names: Vec<String> = paths.iter().map(|p| spec_name(p)).collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

fn spec_name(path: &std::path::Path) -> String {
    use std::path::Component;
    let Ok(current) = std::env::current_dir() else {
        return path.display().to_string();
    };
    let mut absolute = std::path::PathBuf::new();
    for component in current.join(path).components() {
        match component {
            Component::ParentDir => {
                absolute.pop();
            }
            Component::CurDir => {}
            other => absolute.push(other),
        }
    }
    let root = super::files::repository_root().unwrap_or_else(|| current.clone());
    match absolute.strip_prefix(&root) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Ok(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => absolute.display().to_string(),
    }
}

/// `--out -`: the objects go to standard output as one stream.
fn is_stream(args: &CompileArgs) -> bool {
    args.out.as_os_str() == "-"
}

/// Emits the stream's targets and prints them as one YAML stream on standard output.
fn print_stream(model: &slipway::Model, options: &Options, progress: &mut Progress) -> u8 {
    use std::io::Write;
    progress.phase("emit");
    let output = emit::emit_parallel(model, options, super::threads());
    progress.clear();
    // Document by document: the stream is never held whole beside the files it is cut from.
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = emit::stream::pieces(&output, model, options)
        .try_for_each(|piece| stdout.write_all(piece.as_bytes()))
        .and_then(|()| stdout.flush());
    super::leave_to_exit(output);
    match written {
        Ok(()) => status::OK,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => status::OK,
        Err(error) => {
            eprintln!("error: cannot write to standard output: {error}");
            status::USAGE
        }
    }
}

/// The targets of a stream: those asked for, each of which must be able to go into one.
fn stream_targets(args: &CompileArgs) -> Result<BTreeSet<Target>, String> {
    if args.check {
        return Err("`--check` compares with a directory; it cannot be used with `--out -`".into());
    }
    if args.target.is_empty() {
        return Ok([Target::K8s, Target::Istio].into_iter().collect());
    }
    let refused: Vec<&str> = args
        .target
        .iter()
        .filter(|target| !emit::stream::STREAM_TARGETS.contains(target))
        .map(|target| target.name())
        .collect();
    if !refused.is_empty() {
        return Err(format!(
            "`--out -` prints Kubernetes objects for `kubectl apply -f -`; {} {} files for a repository: write {} with `--out DIR`, or stream only k8s, istio and prometheus",
            refused.join(", "),
            if refused.len() == 1 { "writes" } else { "write" },
            if refused.len() == 1 { "it" } else { "them" },
        ));
    }
    Ok(args.target.iter().copied().collect())
}

fn options(args: &CompileArgs, model: &slipway::Model) -> Result<Options, String> {
    let mut options = Options::all(spec_names(&args.paths));
    if is_stream(args) {
        options.targets = stream_targets(args)?;
        options.resting_state_only = true;
    } else if !args.target.is_empty() {
        options.targets = args.target.iter().copied().collect();
    }
    if !args.environments.is_empty() {
        let known: Vec<&str> = model
            .environments
            .iter()
            .map(|e| e.name.value.as_str())
            .collect();
        for name in &args.environments {
            if !known.contains(&name.as_str()) {
                let hint = slipway::diagnostics::did_you_mean(name, known.iter().copied());
                let hint = if hint.is_empty() {
                    format!("environments are {}", known.join(", "))
                } else {
                    hint
                };
                return Err(format!("unknown environment `{name}`; {hint}"));
            }
        }
        options.environments = Some(args.environments.iter().cloned().collect::<BTreeSet<_>>());
    }
    if options.targets.contains(&Target::Argocd) {
        if let Some(problem) = emit::argocd::unmet_requirement(model) {
            return Err(problem);
        }
    }
    // The workflow and the Argo CD Applications name generated files by repository path.
    if options.targets.contains(&Target::Github) || options.targets.contains(&Target::Argocd) {
        if let Some(path) = path_below_current_dir(&args.out) {
            emit::check_output_path_in_repo(&path).map_err(|message| format!("--out {message}"))?;
            options.output_path_in_repo = path;
        }
    }
    Ok(options)
}

/// `--out` as a `/`-separated path below the current directory, which `slipway compile`
/// takes for the repository root (it knows nothing more): `Some("")` for the directory
/// itself, `None` for an absolute path or one that climbs out with `..`.
fn path_below_current_dir(out: &Path) -> Option<String> {
    let mut segments = Vec::new();
    for component in out.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(segment) => segments.push(segment.to_str()?.to_string()),
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(segments.join("/"))
}

/// One line for a compile whose workflow GitHub would not find where it was written: GitHub
/// runs workflows only from `.github/workflows/` at the repository root (not through
/// symlinks), and the compiler writes nothing outside `--out`.
fn workflow_hint(out: &Path, workflow: Option<&str>) -> Option<String> {
    let workflow = workflow?;
    match path_below_current_dir(out) {
        Some(prefix) if prefix.is_empty() => None,
        Some(prefix) => Some(format!(
            "hint: GitHub runs workflows only from the repository's .github/workflows/ (symlinks are not followed): copy {prefix}/{workflow} there; its paths start with {prefix}/"
        )),
        None => Some(format!(
            "hint: {} is not a relative path below the current directory, so {workflow} takes it for the repository root; run `slipway compile` from the repository root with a relative --out",
            out.display()
        )),
    }
}

fn summary(written: &write::Written, out: &std::path::Path) -> String {
    // Said only when some files were not read back (the manifest and the stamps vouched).
    let vouched = if written.vouched > 0 {
        format!(" ({} not read back)", written.vouched)
    } else {
        String::new()
    };
    format!(
        "compiled {} files into {} ({}); {} changed, {} unchanged{vouched}, {} stale removed",
        written.files,
        out.display(),
        counts_text(
            written
                .per_target
                .iter()
                .map(|(top, count)| (top.as_str(), *count))
        ),
        written.changed,
        written.unchanged,
        written.removed
    )
}

/// The summary of a compile that took the fast path (see `unchanged.rs`): `paths` are the
/// files of the manifest.
fn unchanged_summary(paths: &[&str], out: &Path) -> String {
    format!(
        "{} is up to date: its {} files ({}) come from the same spec, options and compiler, and none has changed since; nothing to write",
        out.display(),
        paths.len(),
        per_target(paths.iter().copied()),
    )
}

/// How many of `paths` each target wrote: `k8s 3, kustomize 5`, by first directory.
fn per_target<'p>(paths: impl Iterator<Item = &'p str>) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for path in paths {
        *counts.entry(write::top_directory(path)).or_insert(0) += 1;
    }
    counts_text(counts.into_iter())
}

/// `k8s 3, kustomize 5` from the number of files under each top-level directory.
fn counts_text<'t>(counts: impl Iterator<Item = (&'t str, usize)>) -> String {
    let parts: Vec<String> = counts
        .map(|(top, count)| format!("{} {count}", top.trim_start_matches('.')))
        .collect();
    parts.join(", ")
}
