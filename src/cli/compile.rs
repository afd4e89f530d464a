//! `slipway compile`: check the spec, generate every target, write the tree atomically.

use super::{drift, files, progress, report, status, write, Colour};
use clap::Args;
use slipway::emit::{self, Options, Target};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The output directory.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Targets to generate (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_target)]
    pub target: Vec<Target>,
    /// Only these environments (repeatable; default: all).
    #[arg(long = "env")]
    pub environments: Vec<String>,
    /// Write nothing: compare what would be written with `--out` and exit 1 on any
    /// difference (drift check for pre-commit and CI).
    #[arg(long)]
    pub check: bool,
    /// With `--check`, show a short unified diff of each file that differs.
    #[arg(long, requires = "check")]
    pub diff: bool,
    /// Print how long each phase took.
    #[arg(long)]
    pub timings: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
}

fn parse_target(text: &str) -> Result<Target, String> {
    Target::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        format!("unknown target `{text}`; targets are {}", names.join(", "))
    })
}

pub fn run(args: &CompileArgs) -> u8 {
    let mut progress = progress::Progress::new(args.quiet);
    let code = compile(args, &mut progress);
    let timings = progress.finish();
    if args.timings {
        eprintln!("{}", progress::timings_line(&timings));
    }
    code
}

fn compile(args: &CompileArgs, progress: &mut progress::Progress) -> u8 {
    progress.phase("read");
    let loaded = match files::load(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    progress.phase("check");
    let checked = loaded.check();
    let model = checked.model;
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(checked.diagnostics);
    slipway::diagnostics::sort(&mut diagnostics);
    let has_errors = diagnostics.iter().any(|d| d.is_error());
    if has_errors || !args.quiet {
        report::print_human(&checked.files, &diagnostics, args.color, true);
    }
    if has_errors {
        eprintln!("nothing written: fix the errors above");
        return status::ERRORS;
    }
    let options = match options(args, &model) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    progress.phase("emit");
    let output = emit::emit(&model, &options);
    if args.check {
        progress.phase("compare");
        return check_drift(args, &output);
    }
    progress.phase("write");
    match write::write_tree(&args.out, &output) {
        Ok(written) => {
            if !args.quiet {
                eprintln!("{}", summary(&output, &written, &args.out));
            }
            status::OK
        }
        Err(message) => {
            eprintln!("error: {message}; the previous output was left as it was");
            status::USAGE
        }
    }
}

fn check_drift(args: &CompileArgs, output: &emit::Output) -> u8 {
    let found = drift::compare(&args.out, output);
    if found.is_empty() {
        if !args.quiet {
            eprintln!("{} is up to date ({} files)", args.out.display(), output.files.len());
        }
        return status::OK;
    }
    print!("{}", drift::report(&args.out, output, &found, args.diff));
    eprintln!(
        "{} file{} in {} out of date: run `slipway compile` and commit the result",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        args.out.display()
    );
    status::ERRORS
}

fn options(args: &CompileArgs, model: &slipway::Model) -> Result<Options, String> {
    let source: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    let mut options = Options::all(source.join(", "));
    if !args.target.is_empty() {
        options.targets = args.target.iter().copied().collect();
    }
    if !args.environments.is_empty() {
        let known: Vec<&str> = model.environments.iter().map(|e| e.name.value.as_str()).collect();
        for name in &args.environments {
            if !known.contains(&name.as_str()) {
                let hint = slipway::diagnostics::did_you_mean(name, known.iter().copied());
                let hint = if hint.is_empty() { format!("environments are {}", known.join(", ")) } else { hint };
                return Err(format!("unknown environment `{name}`; {hint}"));
            }
        }
        options.environments = Some(args.environments.iter().cloned().collect::<BTreeSet<_>>());
    }
    Ok(options)
}

fn summary(output: &emit::Output, written: &write::Written, out: &std::path::Path) -> String {
    let per_target: Vec<String> = output
        .count_by_target()
        .into_iter()
        .map(|(top, count)| format!("{} {count}", top.trim_start_matches('.')))
        .collect();
    format!(
        "compiled {} files into {} ({}); {} changed, {} unchanged, {} stale removed",
        output.files.len(),
        out.display(),
        per_target.join(", "),
        written.changed,
        written.unchanged,
        written.removed
    )
}
