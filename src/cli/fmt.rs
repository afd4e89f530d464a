//! `slipway fmt [--check [--diff]] [PATHS | -]`: formats spec files in place, or with
//! `--check` lists the files that would change (with `--diff`, shows how). `-` formats stdin
//! to stdout, as editors and `rustfmt`-style pipelines expect. Files with syntax errors are
//! reported and left alone.
//!
//! Exit status: 0 when every file is (now) formatted; 1 when a file has syntax errors or,
//! with `--check`, would change; 2 for IO errors.

use super::{files, report, status, Colour};
use clap::Args;
use similar::TextDiff;
use slipway::fmt::{format_source, FormatError};
use slipway::{Code, Diagnostic, FileId, SourceFile};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name stdin goes by in messages.
const STDIN_NAME: &str = "<stdin>";

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Spec files, or directories searched for `*.slip` files (default: the current
    /// directory); `-` alone reads a spec from stdin and writes it formatted to stdout.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the files that would be reformatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// With `--check`, print a unified diff of each file that would change instead of its
    /// name.
    #[arg(long, requires = "check")]
    pub diff: bool,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed(String),
    Refused,
}

pub fn run(args: &FmtArgs, colour: Colour) -> u8 {
    if args.paths.iter().any(|path| path.as_os_str() == "-") {
        if args.paths.len() > 1 {
            eprintln!("error: `-` (stdin) cannot be combined with other paths");
            return status::USAGE;
        }
        return format_stdin(args, colour);
    }
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
        match format_one(file, index, &loaded.diagnostics, colour) {
            Outcome::Unchanged => {}
            Outcome::Changed(text) => changed.push((PathBuf::from(&file.name), text)),
            Outcome::Refused => refused += 1,
        }
    }
    let written = if args.check {
        for ((path, text), file) in changed.iter().zip(changed_sources(&loaded.files, &changed)) {
            print!(
                "{}",
                would_reformat(&path.display().to_string(), file, text, args.diff)
            );
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

/// The original text of each changed file, in the order of `changed`.
fn changed_sources<'f>(files: &'f [SourceFile], changed: &[(PathBuf, String)]) -> Vec<&'f str> {
    changed
        .iter()
        .map(|(path, _)| {
            files
                .iter()
                .find(|file| Path::new(&file.name) == path)
                .map_or("", |file| file.text.as_str())
        })
        .collect()
}

/// `would reformat NAME`, or with `diff` a unified diff from `original` to `formatted`.
fn would_reformat(name: &str, original: &str, formatted: &str, diff: bool) -> String {
    if !diff {
        return format!("would reformat {name}\n");
    }
    TextDiff::from_lines(original, formatted)
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string()
}

/// `fmt -`: stdin formatted to stdout; with `--check`, nothing but the verdict (and the diff).
fn format_stdin(args: &FmtArgs, colour: Colour) -> u8 {
    let mut bytes = Vec::new();
    let read = std::io::stdin()
        .lock()
        .take(files::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes);
    if let Err(error) = read {
        eprintln!("error: cannot read stdin: {error}");
        return status::USAGE;
    }
    let (file, problem) = slipway::decode_source(FileId(0), STDIN_NAME.to_string(), &bytes);
    let problems: Vec<Diagnostic> = problem.into_iter().collect();
    if !problems.is_empty() {
        report::print_human(std::slice::from_ref(&file), &problems, colour, true);
        eprintln!("error: {STDIN_NAME} not formatted");
        return status::ERRORS;
    }
    match format_one(&file, 0, &[], colour) {
        Outcome::Refused => status::ERRORS,
        Outcome::Unchanged if !args.check => {
            print!("{}", file.text);
            status::OK
        }
        Outcome::Unchanged => status::OK,
        Outcome::Changed(text) if !args.check => {
            print!("{text}");
            status::OK
        }
        Outcome::Changed(text) => {
            print!(
                "{}",
                would_reformat(STDIN_NAME, &file.text, &text, args.diff)
            );
            status::ERRORS
        }
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
