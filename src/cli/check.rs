//! `slipway check`: parse and check specs, print diagnostics as text or JSON.

use super::{files, status, Colour};
use clap::{Args, ValueEnum};
use slipway::diagnostics::render::{self, RenderOptions};
use slipway::diagnostics::{self, Diagnostic};
use std::io::IsTerminal;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
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
    let loaded = match files::load(&args.paths) {
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
        Format::Human => print_human(&loaded.files, &all, args.color),
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

fn print_human(files: &[slipway::SourceFile], all: &[Diagnostic], colour: Colour) {
    let colour = match colour {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = if colour { 100 } else { 80 };
    let text = render::render_human(files, all, RenderOptions { colour, width });
    eprint!("{text}");
    if all.is_empty() {
        eprintln!("checked {} file{}: no problems", files.len(), if files.len() == 1 { "" } else { "s" });
    } else {
        eprintln!("{}", render::summary(all));
    }
}
