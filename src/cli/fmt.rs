//! `slipway fmt [--check] [PATHS]`: formats spec files in place, or with `--check` lists the
//! files that would change. Files with syntax errors are reported and left alone.
//!
//! Exit status: 0 when every file is (now) formatted; 1 when a file has syntax errors or,
//! with `--check`, would change; 2 for IO errors.

use super::{files, report, status, Colour};
use clap::Args;
use slipway::fmt::{format_source, FormatError};
use slipway::{Code, Diagnostic, SourceFile};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Spec files, or directories searched for `*.slip` files (default: the current directory).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the files that would be reformatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// When to colour syntax errors.
    #[arg(long, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed(String),
    Refused,
}

pub fn run(args: &FmtArgs) -> u8 {
    let loaded = match files::load(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let mut changed = Vec::new();
    let mut refused = 0;
    for (index, file) in loaded.files.iter().enumerate() {
        match format_one(file, index, &loaded.diagnostics, args.color) {
            Outcome::Unchanged => {}
            Outcome::Changed(text) => changed.push((PathBuf::from(&file.name), text)),
            Outcome::Refused => refused += 1,
        }
    }
    let written = if args.check {
        for (path, _) in &changed {
            println!("would reformat {}", path.display());
        }
        Ok(())
    } else {
        write_all(&changed)
    };
    if let Err(message) = written {
        eprintln!("error: {message}");
        return status::USAGE;
    }
    summarise(args.check, loaded.files.len(), changed.len(), refused);
    if refused > 0 || (args.check && !changed.is_empty()) {
        status::ERRORS
    } else {
        status::OK
    }
}

fn format_one(
    file: &SourceFile,
    index: usize,
    decode_problems: &[Diagnostic],
    colour: Colour,
) -> Outcome {
    let not_utf8 = decode_problems
        .iter()
        .any(|d| d.code == Code::SW0004 && d.primary.span.file.0 as usize == index);
    if not_utf8 {
        eprintln!("error: {} is not valid UTF-8; not formatted", file.name);
        return Outcome::Refused;
    }
    match format_source(&file.text) {
        Ok(text) if text == file.text => Outcome::Unchanged,
        Ok(text) => Outcome::Changed(text),
        Err(FormatError::Syntax(diagnostics)) => {
            let single = [SourceFile {
                name: file.name.clone(),
                text: file.text.clone(),
            }];
            report::print_human(&single, &diagnostics, colour, true);
            eprintln!("error: {} has syntax errors; not formatted", file.name);
            Outcome::Refused
        }
        Err(error @ FormatError::Unstable(_)) => {
            eprintln!("error: {}: {error}", file.name);
            Outcome::Refused
        }
    }
}

/// Replaces each file through a temporary sibling and a rename, so a failed write never
/// leaves a half-written spec.
fn write_all(changed: &[(PathBuf, String)]) -> Result<(), String> {
    for (path, text) in changed {
        let temporary = temporary_sibling(path);
        std::fs::write(&temporary, text)
            .map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
        if let Ok(metadata) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&temporary, metadata.permissions());
        }
        if let Err(error) = std::fs::rename(&temporary, path) {
            let _ = std::fs::remove_file(&temporary);
            return Err(format!("cannot replace {}: {error}", path.display()));
        }
    }
    Ok(())
}

fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.slipway-fmt"))
}

fn summarise(check: bool, total: usize, changed: usize, refused: usize) {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let verb = if check {
        "would reformat"
    } else {
        "reformatted"
    };
    let unchanged = total - changed - refused;
    let mut line = format!(
        "{verb} {changed} file{}, {unchanged} already formatted",
        plural(changed)
    );
    if refused > 0 {
        line.push_str(&format!(", {refused} not formatted because of errors"));
    }
    eprintln!("{line}");
}
