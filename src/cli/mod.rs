//! The command line: argument parsing (clap), reading files, printing, exit codes.
//!
//! This is the only layer that touches the file system or the terminal. Exit codes: 0 when
//! the spec is clean (warnings allowed, unless `check --deny-warnings`), 1 when it has errors,
//! 2 for usage and IO errors. `--color` is global: it may come before or after the subcommand.

mod check;
mod compile;
mod compliance;
mod disk;
mod drift;
mod explain;
mod files;
mod fix;
mod fmt;
mod graph;
mod init;
mod journal;
mod lsp;
mod man;
mod manifest;
mod nofollow;
mod outdir;
mod preparse;
mod progress;
mod report;
mod stamps;
mod tree_writer;
mod unchanged;
mod usage;
mod values;
mod write;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "slipway",
    version,
    propagate_version = true,
    about = "Compile typed delivery specs into Kubernetes, Istio, Kustomize and GitHub Actions"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour diagnostics: `auto` colours a terminal unless `NO_COLOR` is set, or
    /// anything when `CLICOLOR_FORCE` is.
    #[arg(long, global = true, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check specs and report every problem found.
    Check(check::CheckArgs),
    /// Check specs and generate Kubernetes, Istio, Kustomize and GitHub Actions files.
    Compile(compile::CompileArgs),
    /// Print the promotion graph and the service dependency graph.
    Graph(graph::GraphArgs),
    /// Print what a spec guarantees per environment (approvals, rollouts, policies and
    /// waivers, supply chain, secrets): a compliance summary in Markdown or JSON.
    Report(compliance::ReportArgs),
    /// Write a commented starter spec into DIR (default: the current directory).
    Init {
        #[arg(default_value = ".")]
        dir: std::path::PathBuf,
    },
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), or with DIR write one page per subcommand into DIR.
    Man(man::ManArgs),
    /// Format spec files in place, or check that they are formatted.
    Fmt(fmt::FmtArgs),
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
    /// Explain a diagnostic code, with an example and the fix.
    Explain {
        /// A code such as SW0301; without one, list every code.
        #[arg(value_parser = values::CodeParser, hide_possible_values = true)]
        code: Option<slipway::Code>,
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(usage::parse_failed(error)),
    };
    let colour = cli.color;
    let code = match cli.command {
        Command::Check(args) => check::run(&args, colour),
        Command::Compile(args) => compile::run(&args, colour),
        Command::Graph(args) => graph::run(&args, colour),
        Command::Report(args) => compliance::run(&args, colour),
        Command::Init { dir } => init::run(&dir),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "slipway", &mut std::io::stdout());
            status::OK
        }
        Command::Man(args) => man::run(&args, <Cli as clap::CommandFactory>::command()),
        Command::Explain { code } => explain::run(code),
        Command::Fmt(args) => fmt::run(&args, colour),
        Command::Lsp => lsp::run(),
    };
    ExitCode::from(code)
}

/// How many threads the work that can be shared out (parsing the root files, emitting)
/// uses: one per core, up to eight.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// Hands large values to the end of the process instead of freeing them: the process exits
/// right after, and freeing a big spec's syntax trees, model and output one allocation at a
/// time cost several milliseconds (compilers commonly skip it the same way).
fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Frees `value` on a thread of its own while the process goes on: for what a compile no
/// longer needs (the syntax trees, once checked), so the allocator can reuse that memory for
/// the output instead of adding the output to it, without waiting for the frees.
fn free_beside<T: Send + 'static>(value: T) {
    // If no thread can be started, the value is freed here (the closure is dropped).
    let _ = std::thread::Builder::new()
        .name("free".to_string())
        .spawn(move || drop(value));
}
