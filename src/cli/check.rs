//! `slipway check`: parse and check specs, print diagnostics as text, one line each, or JSON.

use super::{files, report, usage, Colour};
use clap::{Args, ValueEnum};
use slipway::check::model::Waiver;
use slipway::diagnostics::render;
use slipway::diagnostics::{self, Diagnostic};
use slipway::span::LineIndex;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files, or directories searched for `*.slip` files.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// Check the whole directory of each given file as one spec (for pre-commit, which
    /// passes only the changed files).
    #[arg(long)]
    pub dirs: bool,
    /// Output format: `human` on stderr; `short` (`file:line:col: severity[CODE]: message`)
    /// and `json` on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when there are warnings, as when there are errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also list every policy waiver: what it waives, where, why, and how many violations it
    /// covered.
    #[arg(long)]
    pub waivers: bool,
    /// Apply the fixes Slipway is certain of to the given spec files (never to imported
    /// modules), print what changed, then check again.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Short,
    Json,
}

pub fn run(args: &CheckArgs, colour: Colour) -> u8 {
    let paths = if args.dirs {
        files::spec_directories(&args.paths)
    } else {
        args.paths.clone()
    };
    if args.fix {
        if let Err(code) = super::fix::run(&paths) {
            return code;
        }
    }
    let loaded = match files::load(&paths) {
        Ok(loaded) => loaded,
        Err(message) => return usage::file_error(&message, args.format == Format::Json),
    };
    let (checked, mut all) = loaded.into_checked();
    all.extend(checked.diagnostics);
    diagnostics::sort(&mut all);
    let waivers = args.waivers.then_some(checked.model.waivers.as_slice());
    match args.format {
        Format::Json => print_json(&checked.files, &all, waivers),
        Format::Short => report::print_short(&checked.files, &all),
        Format::Human => {
            report::print_human(&checked.files, &all, colour, false);
            if let Some(waivers) = waivers {
                print!("{}", list_waivers(&checked.files, waivers));
            }
        }
    }
    let code = report::check_status(&all, args.deny_warnings, args.format != Format::Json);
    super::leave_to_exit((checked.model, checked.modules, checked.files));
    code
}

fn print_json(files: &[slipway::SourceFile], all: &[Diagnostic], waivers: Option<&[Waiver]>) {
    let errors = all.iter().filter(|d| d.is_error()).count();
    let mut document = serde_json::json!({
        "diagnostics": render::to_json(files, all),
        "errors": errors,
        "warnings": all.len() - errors,
    });
    if let (Some(waivers), Some(object)) = (waivers, document.as_object_mut()) {
        let listed: Vec<serde_json::Value> = waivers
            .iter()
            .map(|w| {
                let mut value = serde_json::to_value(w).unwrap_or_default();
                if let Some(fields) = value.as_object_mut() {
                    fields.insert(
                        "location".to_string(),
                        serde_json::Value::String(location(files, w)),
                    );
                }
                value
            })
            .collect();
        object.insert("waivers".to_string(), serde_json::Value::Array(listed));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string())
    );
}

/// `file:line` of a waiver.
fn location(files: &[slipway::SourceFile], waiver: &Waiver) -> String {
    let Some(file) = files.get(waiver.span.file.0 as usize) else {
        return String::new();
    };
    let position = LineIndex::new(&file.text).line_column(&file.text, waiver.span.start as usize);
    format!("{}:{}", file.name, position.line + 1)
}

/// The `--waivers` listing: one paragraph per waiver.
fn list_waivers(files: &[slipway::SourceFile], waivers: &[Waiver]) -> String {
    if waivers.is_empty() {
        return "no waivers\n".to_string();
    }
    let mut out = format!(
        "{} waiver{}:\n",
        waivers.len(),
        if waivers.len() == 1 { "" } else { "s" }
    );
    for waiver in waivers {
        let names = |list: &[slipway::span::Spanned<String>], all: &str| {
            if list.is_empty() {
                return all.to_string();
            }
            list.iter()
                .map(|n| format!("`{}`", n.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "  {}  waive `{}` for {} in {}: {} violation{} waived\n    reason: {}\n",
            location(files, waiver),
            waiver.policy.value,
            names(&waiver.services, "every service"),
            names(&waiver.environments, "every environment"),
            waiver.waived,
            if waiver.waived == 1 { "" } else { "s" },
            waiver.reason
        ));
    }
    out
}
