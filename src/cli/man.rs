//! `slipway man [DIR]`: the manual pages, rendered from the command-line definition.
//!
//! Without DIR the page of `slipway` itself goes to stdout; with DIR one page per command
//! (`slipway.1`, `slipway-check.1`, ...) is written there, so every `slipway-check(1)` that
//! the main page refers to exists.

use super::status;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `slipway.1` and one page per subcommand into this directory (created if needed).
    pub dir: Option<PathBuf>,
}

pub fn run(args: &ManArgs, command: clap::Command) -> u8 {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let pages = match render_all(&command) {
        Ok(pages) => pages,
        Err(error) => {
            eprintln!("error: cannot render the man pages: {error}");
            return status::USAGE;
        }
    };
    let Some(dir) = &args.dir else {
        let main = pages.into_iter().next().map(|(_, page)| page);
        print!("{}", String::from_utf8_lossy(&main.unwrap_or_default()));
        return status::OK;
    };
    match write_pages(dir, &pages) {
        Ok(()) => {
            for (name, _) in &pages {
                println!("{}", dir.join(name).display());
            }
            status::OK
        }
        Err(message) => {
            eprintln!("error: {message}");
            status::USAGE
        }
    }
}

/// `(file name, roff)` of the command's page and then of every visible subcommand's, depth
/// first.
fn render_all(command: &clap::Command) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render(&mut page)?;
    let mut pages = vec![(man.get_filename(), page)];
    for subcommand in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.extend(render_all(subcommand)?);
    }
    Ok(pages)
}

fn write_pages(dir: &std::path::Path, pages: &[(String, Vec<u8>)]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, page) in pages {
        let path = dir.join(name);
        std::fs::write(&path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
