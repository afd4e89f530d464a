//! The command line: argument parsing (clap), reading files, printing, exit codes.
//!
//! This is the only layer that touches the file system or the terminal. Exit codes: 0 when
//! the spec is clean (warnings allowed), 1 when it has errors, 2 for usage and IO errors.

mod check;
mod compile;
mod drift;
mod explain;
mod files;
mod fix;
mod fmt;
mod graph;
mod init;
mod journal;
mod lsp;
mod nofollow;
mod outdir;
mod progress;
mod report;
mod write;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "slipway",
    version,
    about = "Compile typed delivery specs into Kubernetes, Istio, Kustomize and GitHub Actions"
)]
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
    /// Print the promotion graph and the service dependency graph.
    Graph(graph::GraphArgs),
    /// Write a commented starter spec into DIR (default: the current directory).
    Init {
        #[arg(default_value = ".")]
        dir: std::path::PathBuf,
    },
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    Man,
    /// Format spec files in place, or check that they are formatted.
    Fmt(fmt::FmtArgs),
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
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
        Command::Graph(args) => graph::run(&args),
        Command::Init { dir } => init::run(&dir),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "slipway", &mut std::io::stdout());
            status::OK
        }
        Command::Man => man_page(),
        Command::Explain { code } => explain::run(code.as_deref()),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lsp => lsp::run(),
    };
    ExitCode::from(code)
}

fn man_page() -> u8 {
    let command = <Cli as clap::CommandFactory>::command();
    match clap_mangen::Man::new(command).render(&mut std::io::stdout()) {
        Ok(()) => status::OK,
        Err(error) => {
            eprintln!("error: cannot write the man page: {error}");
            status::USAGE
        }
    }
}

/// Hands large values to the end of the process instead of freeing them: the process exits
/// right after, and freeing a big spec's syntax trees, model and output one allocation at a
/// time cost several milliseconds (compilers commonly skip it the same way).
fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}
