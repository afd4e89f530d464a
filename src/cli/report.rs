//! Printing diagnostics to the terminal, shared by every command that checks a spec.

use super::{status, Colour};
use slipway::diagnostics::render::{self, RenderOptions};
use slipway::{Diagnostic, SourceFile};
use std::io::IsTerminal;

/// Whether to colour stderr. `auto` follows the usual conventions, in this order: `NO_COLOR`
/// (set and not empty) turns colour off, `CLICOLOR_FORCE` (set, not empty and not `0`) turns
/// it on, `CLICOLOR=0` turns it off, and otherwise a terminal gets colour.
pub fn use_colour(colour: Colour) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    match colour {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto if set("NO_COLOR") => false,
        Colour::Auto
            if set("CLICOLOR_FORCE") && std::env::var_os("CLICOLOR_FORCE") != Some("0".into()) =>
        {
            true
        }
        Colour::Auto if std::env::var_os("CLICOLOR") == Some("0".into()) => false,
        Colour::Auto => std::io::stderr().is_terminal(),
    }
}

/// Renders diagnostics to stderr, then a one-line summary (unless `quiet_when_clean` and
/// there is nothing to say).
pub fn print_human(
    files: &[SourceFile],
    all: &[Diagnostic],
    colour: Colour,
    quiet_when_clean: bool,
) {
    let colour = use_colour(colour);
    let width = if colour { 100 } else { 80 };
    let text = render::render_human(files, all, RenderOptions { colour, width });
    eprint!("{text}");
    print_summary(files, all, quiet_when_clean);
}

/// One line per diagnostic on stdout (`--format short`), then the summary on stderr.
pub fn print_short(files: &[SourceFile], all: &[Diagnostic]) {
    print!("{}", render::render_short(files, all));
    print_summary(files, all, false);
}

/// `checked 3 files: no problems`, or how many errors and warnings there are.
fn print_summary(files: &[SourceFile], all: &[Diagnostic], quiet_when_clean: bool) {
    if all.is_empty() {
        if !quiet_when_clean {
            eprintln!(
                "checked {} file{}: no problems",
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
        }
    } else {
        eprintln!("{}", render::summary(all));
    }
}

/// The exit status of `check`: errors, or with `deny_warnings` any warning, make it 1. With
/// `explain`, says on stderr when only the denied warnings did.
pub fn check_status(all: &[Diagnostic], deny_warnings: bool, explain: bool) -> u8 {
    if all.iter().any(Diagnostic::is_error) {
        return status::ERRORS;
    }
    if deny_warnings && !all.is_empty() {
        if explain {
            eprintln!("error: warnings are denied (--deny-warnings)");
        }
        return status::ERRORS;
    }
    status::OK
}

/// Loads and checks `paths` for a command that works only on a spec without errors (`graph`,
/// `report`): the checked spec, or, after printing why not (the usage error, or every
/// diagnostic), the exit status.
pub fn checked_without_errors(
    paths: &[std::path::PathBuf],
    colour: Colour,
) -> Result<slipway::Checked, u8> {
    let loaded = super::files::load(paths).map_err(|message| {
        eprintln!("error: {message}");
        status::USAGE
    })?;
    let checked = loaded.check();
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(checked.diagnostics.iter().cloned());
    if diagnostics.iter().any(Diagnostic::is_error) {
        slipway::diagnostics::sort(&mut diagnostics);
        print_human(&checked.files, &diagnostics, colour, true);
        return Err(status::ERRORS);
    }
    Ok(checked)
}
