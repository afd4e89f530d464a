//! The command line: argument parsing (clap), reading files, printing, exit codes.
//!
//! This is the only layer that touches the file system or the terminal. Exit codes: 0 when
//! the spec is clean (warnings allowed), 1 when it has errors, 2 for usage and IO errors.

mod check;
mod compile;
mod explain;
mod files;
mod report;
mod write;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "slipway", version, about = "Compile typed delivery specs into Kubernetes, Istio, Kustomize and GitHub Actions")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check specs and report every problem found.
    Check(check::CheckArgs),
    /// Check specs and generate Kubernetes, Istio, Kustomize and GitHub Actions files.
    Compile(compile::CompileArgs),
    /// Explain a diagnostic code, with an example and the fix.
    Explain {
        /// A code such as SW0301; without one, list every code.
        code: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Colour {
    #[default]
    Auto,
    Always,
    Never,
}

/// Exit statuses shared by all commands.
pub mod status {
    pub const OK: u8 = 0;
    pub const ERRORS: u8 = 1;
    pub const USAGE: u8 = 2;
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Explain { code } => explain::run(code.as_deref()),
    };
    ExitCode::from(code)
}
