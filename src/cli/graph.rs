//! `slipway graph`: print the promotion and service dependency graphs.

use super::{files, report, status, Colour};
use clap::{Args, ValueEnum};
use slipway::graph::render::{self, Format};

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// `dot` renders with Graphviz, `mermaid` pastes into a pull request, `text` prints here.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Text,
}

pub fn run(args: &GraphArgs, colour: Colour) -> u8 {
    let loaded = match files::load(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let checked = loaded.check();
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(checked.diagnostics);
    if diagnostics.iter().any(|d| d.is_error()) {
        slipway::diagnostics::sort(&mut diagnostics);
        report::print_human(&checked.files, &diagnostics, colour, true);
        return status::ERRORS;
    }
    let format = match args.format {
        GraphFormat::Dot => Format::Dot,
        GraphFormat::Mermaid => Format::Mermaid,
        GraphFormat::Text => Format::Text,
    };
    print!("{}", render::render(&checked.model, format));
    status::OK
}
