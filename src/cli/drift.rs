//! `slipway compile --check`: compare the output a compile would write with what is in
//! `--out`, without writing anything. Reports files that differ (including hand edits),
//! are missing, or are stale (listed in the manifest but no longer generated).

use super::write;
use similar::TextDiff;
use slipway::emit::{parallel, Output};
use std::fs;
use std::path::Path;

/// The most diff lines shown per file with `--diff`.
const MAX_DIFF_LINES: usize = 60;

#[derive(Debug, PartialEq, Eq)]
pub enum Drift {
    Differs(String),
    Missing(String),
    Stale(String),
}

pub fn compare(out: &Path, output: &Output) -> Vec<Drift> {
    let files: Vec<(&String, &String)> = output.files.iter().collect();
    // Read on a few threads; the report keeps the output's path order.
    let found = parallel::map(write::threads(), &files, |(path, text)| {
        let target = out.join(path);
        if write::unchanged(&target, text.as_bytes()) {
            None
        } else if fs::metadata(&target).is_ok_and(|m| m.is_file()) {
            Some(Drift::Differs((*path).clone()))
        } else {
            Some(Drift::Missing((*path).clone()))
        }
    });
    let mut drift: Vec<Drift> = found.into_iter().flatten().collect();
    for stale in write::read_manifest(out) {
        if !output.files.contains_key(&stale) && out.join(&stale).is_file() {
            drift.push(Drift::Stale(stale));
        }
    }
    drift
}

/// One line per drifted file, and with `diff` a short unified diff of each changed file.
pub fn report(out: &Path, output: &Output, drift: &[Drift], diff: bool) -> String {
    let mut text = String::new();
    for item in drift {
        match item {
            Drift::Differs(path) => {
                text.push_str(&format!("differs: {path}\n"));
                if diff {
                    let existing = fs::read(out.join(path))
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    let wanted = output.files.get(path).map(String::as_str).unwrap_or("");
                    text.push_str(&unified(path, &existing, wanted));
                }
            }
            Drift::Missing(path) => text.push_str(&format!("missing: {path}\n")),
            Drift::Stale(path) => {
                text.push_str(&format!("stale:   {path} (no longer generated)\n"))
            }
        }
    }
    text
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
