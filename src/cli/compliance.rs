//! `slipway report`: the compliance summary of a spec (what it guarantees per environment:
//! approvals, rollouts and what stops them, policies and waivers, the supply chain, secrets),
//! as Markdown for people or JSON for tools, on stdout.

use super::{compile, report, status, Colour};
use clap::{Args, ValueEnum};
use slipway::emit::report as compliance;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// `markdown` for a review or an audit file, `json` for tools.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
}

pub fn run(args: &ReportArgs, colour: Colour) -> u8 {
    let checked = match report::checked_without_errors(&args.paths, colour) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let built = compliance::build(&checked.model, &compile::spec_names(&args.paths));
    match args.format {
        ReportFormat::Markdown => print!("{}", compliance::markdown(&built)),
        ReportFormat::Json => match serde_json::to_string_pretty(&built) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("error: the report could not be serialised: {error}");
                return status::ERRORS;
            }
        },
    }
    status::OK
}
