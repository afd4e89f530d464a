//! `slipway compile --check`: compare the output a compile would write with what is in
//! `--out`, without writing anything (other than finishing an interrupted compile, see
//! `outdir.rs`). Reports files that differ (including hand edits), are missing, or are
//! stale (listed in the manifest but no longer generated).
//!
//! A file the manifest and the stamp cache vouch for is not read (see `stamps.rs` for what
//! is trusted); a hand edit always changes the stamp, so it is read and found. Reading back
//! follows the writer's rules: directories are opened without following links
//! and only regular files are read, up to a size bound, so a link planted in `--out` cannot
//! make the check (or its `--diff`) show a file from elsewhere, and a FIFO cannot hang it.

use super::manifest::{self, Recorded};
use super::nofollow::{self, Contents, Dir, Kind, Probe, Walker};
use super::progress::Counter;
use super::stamps::{self, Stamps};
use super::write;
use similar::TextDiff;
use slipway::emit::Output;

/// The most diff lines shown per file with `--diff`.
const MAX_DIFF_LINES: usize = 60;

/// The largest file in `--out` read to show a diff.
const MAX_DIFF_BYTES: u64 = 4 << 20;

#[derive(Debug, PartialEq, Eq)]
pub enum Drift {
    Differs(String),
    /// Something that is not a regular file (a link, a directory, a FIFO) is where a
    /// generated file goes, or on the way to it; it is not read.
    NotAFile(String, Kind),
    Missing(String),
    Stale(String),
}

/// Compares `output` with the locked `--out` (`None` when it does not exist), counting each
/// file compared on `counter`.
pub fn compare(
    root: Option<&Dir>,
    output: &Output,
    counter: &Counter,
) -> Result<Vec<Drift>, String> {
    let Some(root) = root else {
        return Ok(output
            .files
            .keys()
            .map(|path| Drift::Missing(path.clone()))
            .collect());
    };
    let previous = manifest::read(root)?;
    let stamps = Stamps::read(root, &previous.bytes);
    let files: Vec<(&String, &String)> = output.files.iter().collect();
    counter.start("compare", files.len());
    // Read on a few threads; the report keeps the output's path order.
    let found = write::in_chunks(&files, |part| {
        let mut walker = Walker::reading(root);
        part.iter()
            .map(|(path, text)| {
                let known = (previous.recorded(path), stamps.get(path));
                let drift = compare_file(&mut walker, path, text.as_bytes(), known);
                counter.add_one();
                drift
            })
            .collect()
    });
    let mut drift: Vec<Drift> = found.into_iter().flatten().collect();
    let mut walker = Walker::new(root);
    for stale in previous.files.into_keys() {
        let (parent, name) = nofollow::split_parent(&stale);
        let present = walker
            .dir(parent)
            .is_ok_and(|dir| dir.kind(name).is_ok_and(|kind| kind == Kind::File));
        if !output.files.contains_key(&stale) && present {
            drift.push(Drift::Stale(stale));
        }
    }
    Ok(drift)
}

/// Compares one file; not read when the manifest and the stamps (`known`) vouch for it.
fn compare_file(
    walker: &mut Walker,
    path: &str,
    bytes: &[u8],
    (recorded, stamp): (Option<Recorded>, Option<&nofollow::Stamp>),
) -> Option<Drift> {
    let (parent, name) = nofollow::split_parent(path);
    if let Probe::Failed { error, .. } = walker.probe(parent) {
        return Some(if nofollow::is_blocked(&error) {
            Drift::NotAFile(path.to_string(), Kind::Link)
        } else {
            Drift::Missing(path.to_string())
        });
    }
    let folder = walker.last();
    if recorded.is_some() && stamp.is_some() {
        let current = folder.stamp(name);
        if stamps::vouches(recorded, stamp, current.as_ref(), Recorded::of(bytes)) {
            return None;
        }
    }
    match folder.read_file(name, bytes.len() as u64) {
        Ok(Contents::Bytes(existing)) if existing == bytes => None,
        Ok(Contents::Bytes(_) | Contents::TooLarge(_)) => Some(Drift::Differs(path.to_string())),
        Ok(Contents::NotAFile(kind)) => Some(Drift::NotAFile(path.to_string(), kind)),
        Ok(Contents::Missing) | Err(_) => Some(Drift::Missing(path.to_string())),
    }
}

/// One line per drifted file, and with `diff` a short unified diff of each changed file.
pub fn report(root: Option<&Dir>, output: &Output, drift: &[Drift], diff: bool) -> String {
    let mut text = String::new();
    for item in drift {
        match item {
            Drift::Differs(path) => {
                text.push_str(&format!("differs: {path}\n"));
                if let (true, Some(root)) = (diff, root) {
                    let wanted = output.files.get(path).map(String::as_str).unwrap_or("");
                    text.push_str(&diff_with_out(root, path, wanted));
                }
            }
            Drift::NotAFile(path, kind) => text.push_str(&format!(
                "differs: {path} (in --out it is {}, or lies behind one; not read)\n",
                nofollow::describe(*kind)
            )),
            Drift::Missing(path) => text.push_str(&format!("missing: {path}\n")),
            Drift::Stale(path) => {
                text.push_str(&format!("stale:   {path} (no longer generated)\n"))
            }
        }
    }
    text
}

/// The diff of `path` in `--out` against `wanted`, read under the same rules as the check.
fn diff_with_out(root: &Dir, path: &str, wanted: &str) -> String {
    let (parent, name) = nofollow::split_parent(path);
    let contents = root
        .open_path(parent)
        .and_then(|dir| dir.read_file(name, MAX_DIFF_BYTES));
    match contents {
        Ok(Contents::Bytes(bytes)) => unified(path, &String::from_utf8_lossy(&bytes), wanted),
        Ok(Contents::TooLarge(size)) => {
            format!("    ({size} bytes in --out: too large to show a diff)\n")
        }
        Ok(_) | Err(_) => "    (it changed while being compared: no diff)\n".to_string(),
    }
}

fn unified(path: &str, existing: &str, wanted: &str) -> String {
    let diff = TextDiff::from_lines(existing, wanted);
    let body = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{path} (in --out)"),
            &format!("{path} (from the spec)"),
        )
        .to_string();
    let lines: Vec<&str> = body.lines().collect();
    let mut shown = lines
        .iter()
        .take(MAX_DIFF_LINES)
        .map(|l| format!("    {l}\n"))
        .collect::<String>();
    if lines.len() > MAX_DIFF_LINES {
        shown.push_str(&format!(
            "    ... {} more lines\n",
            lines.len() - MAX_DIFF_LINES
        ));
    }
    shown
}
