//! `slipway check`: parse and check specs, print diagnostics as text or JSON.

use super::{files, report, status, Colour};
use clap::{Args, ValueEnum};
use slipway::diagnostics::render;
use slipway::diagnostics::{self, Diagnostic};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// Check the whole directory of each given file as one spec (for pre-commit, which
    /// passes only the changed files).
    #[arg(long)]
    pub dirs: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: &CheckArgs) -> u8 {
    let paths = if args.dirs { files::spec_directories(&args.paths) } else { args.paths.clone() };
    let loaded = match files::load(&paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let checked = slipway::check(&loaded.files);
    let mut all: Vec<Diagnostic> = loaded.diagnostics;
    all.extend(checked.diagnostics);
    diagnostics::sort(&mut all);
    match args.format {
        Format::Json => print_json(&loaded.files, &all),
        Format::Human => report::print_human(&loaded.files, &all, args.color, false),
    }
    if all.iter().any(Diagnostic::is_error) {
        status::ERRORS
    } else {
        status::OK
    }
}

fn print_json(files: &[slipway::SourceFile], all: &[Diagnostic]) {
    let errors = all.iter().filter(|d| d.is_error()).count();
    let document = serde_json::json!({
        "diagnostics": render::to_json(files, all),
        "errors": errors,
        "warnings": all.len() - errors,
    });
    println!("{}", serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string()));
}
