//! `slipway graph`: print the promotion and service dependency graphs.

use super::{report, status, Colour};
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
    let checked = match report::checked_without_errors(&args.paths, colour) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let format = match args.format {
        GraphFormat::Dot => Format::Dot,
        GraphFormat::Mermaid => Format::Mermaid,
        GraphFormat::Text => Format::Text,
    };
    print!("{}", render::render(&checked.model, format));
    status::OK
}
