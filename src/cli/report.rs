//! Printing diagnostics to the terminal, shared by every command that checks a spec.

use super::Colour;
use slipway::diagnostics::render::{self, RenderOptions};
use slipway::{Diagnostic, SourceFile};
use std::io::IsTerminal;

pub fn use_colour(colour: Colour) -> bool {
    match colour {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
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
