//! Opening `--out` for a compile or a drift check: one process at a time, and never on top of
//! an interrupted commit.
//!
//! The directory itself is locked with `flock` (no lock file to leave behind; the lock goes
//! with the process, however it ends): a second compile into the same `--out` says it is
//! waiting and waits. Under the lock, a journal left by a killed compile is finished first
//! (completed, or undone if it cannot be completed), and staging directories of compiles
//! that were killed before their commit point are removed: while the lock is held no other
//! compile is running there, so every staging directory not named by a journal is a
//! leftover.

use super::journal::{self, Finished};
use super::nofollow::Dir;
use std::path::Path;

/// `--out`, open and locked.
pub struct OutDir {
    pub root: Dir,
    /// What was done to leave the tree whole, for the user (one line each).
    pub notes: Vec<String>,
}

/// Opens and locks `out` (created first when `create`); `None` when it does not exist and
/// `create` is false.
pub fn open(out: &Path, create: bool, quiet: bool) -> Result<Option<OutDir>, String> {
    let shown = out.display();
    if create {
        std::fs::create_dir_all(out).map_err(|e| format!("cannot create {shown}: {e}"))?;
    } else if std::fs::symlink_metadata(out).is_err() {
        return Ok(None);
    }
    let root = Dir::open(out).map_err(|e| format!("cannot open {shown}: {e}"))?;
    let locked = root
        .try_lock()
        .map_err(|e| format!("cannot lock {shown}: {e}"))?;
    if !locked {
        if !quiet {
            eprintln!("waiting for another slipway compile into {shown} to finish");
        }
        root.lock()
            .map_err(|e| format!("cannot lock {shown}: {e}"))?;
    }
    let mut notes = Vec::new();
    if let Some(journal) = journal::read(&root)? {
        notes.push(finish_interrupted(&root, &journal, out)?);
    }
    let leftovers = remove_leftovers(&root);
    if leftovers > 0 {
        notes.push(format!(
            "removed {leftovers} staging director{} left in {shown} by a compile that was killed before it changed anything",
            if leftovers == 1 { "y" } else { "ies" }
        ));
    }
    Ok(Some(OutDir { root, notes }))
}

fn finish_interrupted(
    root: &Dir,
    journal: &journal::Journal,
    out: &Path,
) -> Result<String, String> {
    let shown = out.display();
    match journal::finish(root, journal) {
        Finished::Committed => Ok(format!(
            "completed an interrupted compile into {shown}: it now holds that compile's output"
        )),
        Finished::RolledBack(failure) => Ok(format!(
            "undid an interrupted compile into {shown}, which could not be completed ({failure}): it holds the output from before it"
        )),
        Finished::Stuck { failure, undo } => Err(format!(
            "a compile into {shown} was interrupted, and it can be neither completed ({failure}) nor undone ({undo}); {shown} holds part of the old output and part of the new, and {shown}/{} records the change",
            journal::JOURNAL
        )),
    }
}

/// Removes staging directories and journal drafts of killed compiles (best effort; a
/// read-only `--out` keeps them). Returns how many staging directories went.
fn remove_leftovers(root: &Dir) -> usize {
    let Ok(names) = root.names() else {
        return 0;
    };
    let mut removed = 0;
    for name in names {
        if journal::is_staging_name(&name) {
            if root.remove_tree(&name).is_ok() {
                removed += 1;
            }
        } else if name == journal::JOURNAL_DRAFT {
            drop(root.remove_file(&name));
        }
    }
    removed
}
