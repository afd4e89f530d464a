//! `slipway compile`: check the spec, generate every target, write the tree atomically.

use super::{files, report, status, write, Colour};
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
    let loaded = match files::load(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let checked = slipway::check(&loaded.files);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(checked.diagnostics);
    slipway::diagnostics::sort(&mut diagnostics);
    let has_errors = diagnostics.iter().any(|d| d.is_error());
    if has_errors || !args.quiet {
        report::print_human(&loaded.files, &diagnostics, args.color, true);
    }
    if has_errors {
        eprintln!("nothing written: fix the errors above");
        return status::ERRORS;
    }
    let options = match options(args, &checked.model) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let output = emit::emit(&checked.model, &options);
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
