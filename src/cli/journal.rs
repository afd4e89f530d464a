//! The commit journal: how a new output tree replaces the old one so that the tree is always
//! either the old one or the new one, even when the compile is killed half way.
//!
//! A compile stages every new file under `.slipway-staging-<pid>/new/`, then writes the list
//! of steps (this journal) to `.slipway-journal` in `--out` and flushes it: that is the
//! commit point. Then it carries out the steps, and removes the journal. The steps are
//! written so that the state of each is visible on disk, so the same code finishes the job
//! in the compile that wrote the journal and in the next one after a kill or a power cut:
//!
//! * `dir D`: a directory that `--out` did not have moves whole from `new/D` to `D`.
//!   Done when `new/D` is gone.
//! * `file P`, the journal's `i`-th step: the old `P` (if any) gets a second name `old/i` (a
//!   hard link; a rename where links are refused), then `files/i` replaces `P` in one rename,
//!   so a reader never sees `P` missing. Done when `files/i` is gone.
//! * `stale S`, the `i`-th step: a file the last compile wrote and this one does not moves
//!   to `old/i`.
//!
//! Rolling back reverses each step from what is on disk (`old/i` back over `P`, a new file
//! or directory back into the staging directory), in reverse order. A failed step rolls the whole commit back;
//! a failed roll-back leaves the journal for the next run, which tries again.

use super::nofollow::{self, Contents, Dir, Kind, Walker};
use super::write::check_relative;
use std::io;

/// The journal's name in `--out`.
pub const JOURNAL: &str = ".slipway-journal";
/// The journal while it is written; a leftover is removed.
pub const JOURNAL_DRAFT: &str = ".slipway-journal.draft";
/// How staging directories start; the process id follows.
pub const STAGING_PREFIX: &str = ".slipway-staging-";
/// The largest journal read back (a step per file: 10,000 services need about 5 MB).
const MAX_JOURNAL_BYTES: u64 = 256 << 20;
const FIRST_LINE: &str = "# slipway commit journal, version 1";
const LAST_LINE: &str = "# end";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Dir(String),
    File(String),
    Stale(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    /// The staging directory's name in `--out`.
    pub staging: String,
    pub steps: Vec<Step>,
}

/// How finishing a journal ended.
#[derive(Debug)]
pub enum Finished {
    /// Every step is done: the tree is the new one.
    Committed,
    /// A step failed and every step was undone: the tree is the old one.
    RolledBack(String),
    /// A step failed and undoing failed too; the journal is still there.
    Stuck { failure: String, undo: String },
}

impl Journal {
    fn text(&self) -> String {
        let mut text = format!("{FIRST_LINE}\nstaging {}\n", self.staging);
        for step in &self.steps {
            let (word, path) = match step {
                Step::Dir(path) => ("dir", path),
                Step::File(path) => ("file", path),
                Step::Stale(path) => ("stale", path),
            };
            text.push_str(&format!("{word} {path}\n"));
        }
        text.push_str(LAST_LINE);
        text.push('\n');
        text
    }

    fn parse(text: &str) -> Result<Journal, String> {
        let mut lines = text.lines();
        if lines.next() != Some(FIRST_LINE) || text.lines().last() != Some(LAST_LINE) {
            return Err("it is not a complete slipway journal".to_string());
        }
        let staging = match lines.next().and_then(|l| l.strip_prefix("staging ")) {
            Some(name) if is_staging_name(name) => name.to_string(),
            _ => return Err("it names no staging directory".to_string()),
        };
        let mut steps = Vec::new();
        for line in lines.filter(|line| *line != LAST_LINE) {
            let (word, path) = line.split_once(' ').unwrap_or((line, ""));
            check_relative(path)?;
            steps.push(match word {
                "dir" => Step::Dir(path.to_string()),
                "file" => Step::File(path.to_string()),
                "stale" => Step::Stale(path.to_string()),
                _ => return Err(format!("unknown step `{line}`")),
            });
        }
        Ok(Journal { staging, steps })
    }
}

/// Whether `name` is a staging directory's name: the prefix and a process id.
pub fn is_staging_name(name: &str) -> bool {
    name.strip_prefix(STAGING_PREFIX)
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes the journal under a draft name, flushes it, renames it into place and flushes the
/// directory entry. The staged files are not flushed (see docs/reliability.md: one `syncfs`
/// took 2 s to 2 minutes on a shared disk, an `fsync` per file 4 ms each): a killed
/// compile loses nothing, but after a power cut a staged file may be empty.
pub fn write(root: &Dir, journal: &Journal) -> io::Result<()> {
    match root.remove_file(JOURNAL_DRAFT) {
        Err(error) if !nofollow::is_missing(&error) => return Err(error),
        _ => {}
    }
    root.create_file(JOURNAL_DRAFT, journal.text().as_bytes(), true)?;
    root.rename(JOURNAL_DRAFT, root, JOURNAL)?;
    root.sync()
}

/// The journal in `--out`, if there is one.
pub fn read(root: &Dir) -> Result<Option<Journal>, String> {
    let problem =
        |why: String| format!("cannot read the journal {JOURNAL} of an interrupted compile: {why}");
    match root.read_file(JOURNAL, MAX_JOURNAL_BYTES) {
        Ok(Contents::Missing) => Ok(None),
        Ok(Contents::Bytes(bytes)) => {
            let text = String::from_utf8(bytes).map_err(|_| problem("it is not UTF-8".into()))?;
            Journal::parse(&text).map(Some).map_err(problem)
        }
        Ok(Contents::TooLarge(size)) => Err(problem(format!("it is {size} bytes"))),
        Ok(Contents::NotAFile(kind)) => Err(problem(format!(
            "it is {}, not a regular file",
            nofollow::describe(kind)
        ))),
        Err(error) => Err(problem(error.to_string())),
    }
}

/// Carries out the journal's steps, or undoes them if one fails, then removes the journal
/// and the staging directory (unless undoing failed too).
pub fn finish(root: &Dir, journal: &Journal) -> Finished {
    let staging = match root.open_dir(&journal.staging) {
        Ok(staging) => staging,
        // No staging directory: the journal's work was done and cleaned up, but the journal's
        // removal was lost (a power cut). Nothing is left to do.
        Err(error) if nofollow::is_missing(&error) => {
            drop(root.remove_file(JOURNAL));
            return Finished::Committed;
        }
        Err(error) => {
            return Finished::Stuck {
                failure: format!("cannot open {}: {error}", journal.staging),
                undo: "nothing was tried".to_string(),
            }
        }
    };
    let outcome = match roll_forward(root, &staging, &journal.steps) {
        Ok(()) => Finished::Committed,
        Err(failure) => match roll_back(root, &staging, &journal.steps) {
            Ok(()) => Finished::RolledBack(failure),
            Err(undo) => return Finished::Stuck { failure, undo },
        },
    };
    // Directories emptied by stale files go before the journal does, so a kill here leaves
    // the journal to finish the job. Then the tree is whole (old or new): the journal goes
    // first, then the staging directory. Failing to clean up is harmless: the next run
    // removes leftovers.
    if matches!(outcome, Finished::Committed) {
        remove_empty_parents(root, &journal.steps);
    }
    if root.remove_file(JOURNAL).is_ok() && root.sync().is_ok() {
        drop(root.remove_tree(&journal.staging));
    }
    outcome
}

/// What a step touches: `--out`, and in the staging directory `new/` (the trees of `dir`
/// steps), `files/` (the new file of step `i` is `files/i`) and `old/` (the old file of
/// step `i` is `old/i`). Flat names keep the staging directory free of a mirror of the
/// output's directories: at 1,000 services creating those cost more than the renames.
struct Trees<'r> {
    out: Walker<'r>,
    new: Walker<'r>,
    files: &'r Dir,
    old: &'r Dir,
}

/// The staging directory's parts, created if missing.
pub struct Staging {
    pub new: Dir,
    pub files: Dir,
    pub old: Dir,
}

impl Staging {
    pub fn open(staging: &Dir) -> io::Result<Staging> {
        Ok(Staging {
            new: staging.create_dir("new")?,
            files: staging.create_dir("files")?,
            old: staging.create_dir("old")?,
        })
    }
}

/// The name of step `index`'s file in `files/` and `old/`.
pub fn flat_name(index: usize) -> String {
    index.to_string()
}

fn roll_forward(root: &Dir, staging: &Dir, steps: &[Step]) -> Result<(), String> {
    let parts =
        Staging::open(staging).map_err(|e| format!("cannot open the staging directory: {e}"))?;
    let mut trees = Trees {
        out: Walker::new(root),
        new: Walker::new(&parts.new),
        files: &parts.files,
        old: &parts.old,
    };
    for (index, step) in steps.iter().enumerate() {
        forward(&mut trees, index, step).map_err(|error| describe_failure(step, &error))?;
    }
    Ok(())
}

fn roll_back(root: &Dir, staging: &Dir, steps: &[Step]) -> Result<(), String> {
    let parts =
        Staging::open(staging).map_err(|e| format!("cannot open the staging directory: {e}"))?;
    let mut trees = Trees {
        out: Walker::new(root),
        new: Walker::creating(&parts.new),
        files: &parts.files,
        old: &parts.old,
    };
    let mut first_error = None;
    for (index, step) in steps.iter().enumerate().rev() {
        if let Err(error) = back(&mut trees, index, step) {
            first_error.get_or_insert_with(|| describe_failure(step, &error));
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn describe_failure(step: &Step, error: &io::Error) -> String {
    let path = step_path(step);
    if nofollow::is_blocked(error) {
        return format!(
            "cannot write {path}: a directory on its way was replaced by a symbolic link or a file"
        );
    }
    match step {
        Step::Stale(_) => format!("cannot remove stale {path}: {error}"),
        _ => format!("cannot write {path}: {error}"),
    }
}

fn step_path(step: &Step) -> &str {
    match step {
        Step::Dir(path) | Step::File(path) | Step::Stale(path) => path,
    }
}

/// Does one step, unless it is done already.
fn forward(trees: &mut Trees, index: usize, step: &Step) -> io::Result<()> {
    let (parent, name) = nofollow::split_parent(step_path(step));
    let flat = flat_name(index);
    match step {
        Step::Dir(_) => {
            let new = match trees.new.dir(parent) {
                Ok(new) if new.kind(name)? != Kind::Missing => new,
                Ok(_) => return Ok(()),
                Err(error) if nofollow::is_missing(&error) => return Ok(()),
                Err(error) => return Err(error),
            };
            new.rename_no_replace(name, trees.out.dir(parent)?, name)
        }
        Step::File(_) => {
            if trees.files.kind(&flat)? == Kind::Missing {
                return Ok(());
            }
            let out = trees.out.dir(parent)?;
            match out.kind(name)? {
                Kind::Missing => {}
                Kind::Dir => return Err(io::Error::other("a directory is in the way")),
                _ if trees.old.kind(&flat)? != Kind::Missing => {}
                _ => {
                    if out.hard_link(name, trees.old, &flat).is_err() {
                        out.rename(name, trees.old, &flat)?;
                    }
                }
            }
            trees.files.rename(&flat, out, name)
        }
        Step::Stale(_) => {
            let out = match trees.out.dir(parent) {
                Ok(out) => out,
                Err(error) if nofollow::is_missing(&error) => return Ok(()),
                Err(error) => return Err(error),
            };
            if out.kind(name)? != Kind::File || trees.old.kind(&flat)? != Kind::Missing {
                return Ok(());
            }
            out.rename(name, trees.old, &flat)
        }
    }
}

/// Undoes one step, if it was done (wholly or in part).
fn back(trees: &mut Trees, index: usize, step: &Step) -> io::Result<()> {
    let (parent, name) = nofollow::split_parent(step_path(step));
    let flat = flat_name(index);
    let result = match step {
        Step::Dir(_) => {
            let new = trees.new.dir(parent)?;
            if new.kind(name)? != Kind::Missing {
                return Ok(());
            }
            trees.out.dir(parent)?.rename(name, new, name)
        }
        Step::File(_) => {
            let new_present = trees.files.kind(&flat)? != Kind::Missing;
            let old_present = trees.old.kind(&flat)? != Kind::Missing;
            let out = trees.out.dir(parent)?;
            match (new_present, old_present) {
                // The new file went in: put back the old one, or take the new one out.
                (false, true) => trees.old.rename(&flat, out, name),
                (false, false) => out.rename(name, trees.files, &flat),
                // Moved aside (where links are refused), the new one not in yet.
                (true, true) if out.kind(name)? == Kind::Missing => {
                    trees.old.rename(&flat, out, name)
                }
                _ => Ok(()),
            }
        }
        Step::Stale(_) => {
            if trees.old.kind(&flat)? == Kind::Missing {
                return Ok(());
            }
            trees
                .old
                .rename_no_replace(&flat, trees.out.dir(parent)?, name)
        }
    };
    match result {
        Err(error) if nofollow::is_missing(&error) => Ok(()),
        other => other,
    }
}

/// Removes directories left empty by stale files, deepest first (best effort).
fn remove_empty_parents(root: &Dir, steps: &[Step]) {
    let mut dirs: Vec<&str> = Vec::new();
    for step in steps {
        if let Step::Stale(path) = step {
            let mut dir = nofollow::split_parent(path).0;
            while !dir.is_empty() {
                dirs.push(dir);
                dir = nofollow::split_parent(dir).0;
            }
        }
    }
    dirs.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    dirs.dedup();
    let mut walker = Walker::new(root);
    for dir in dirs {
        let (parent, name) = nofollow::split_parent(dir);
        if let Ok(parent) = walker.dir(parent) {
            drop(parent.remove_empty_dir(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Journal, Step};

    #[test]
    fn a_journal_reads_back_as_written() {
        let journal = Journal {
            staging: ".slipway-staging-42".to_string(),
            steps: vec![
                Step::Dir("istio/prod".to_string()),
                Step::File("k8s/prod/web.yaml".to_string()),
                Step::Stale("k8s/prod/old.yaml".to_string()),
            ],
        };
        assert_eq!(Journal::parse(&journal.text()), Ok(journal));
    }

    #[test]
    fn a_cut_or_forged_journal_is_refused() {
        let text = "# slipway commit journal, version 1\nstaging .slipway-staging-1\nfile a\n";
        assert!(Journal::parse(text).is_err());
        for bad in ["staging ../x", "staging .slipway-staging-", "staging /tmp"] {
            let text = format!("# slipway commit journal, version 1\n{bad}\n# end\n");
            assert!(Journal::parse(&text).is_err(), "{bad}");
        }
        let text =
            "# slipway commit journal, version 1\nstaging .slipway-staging-1\nfile ../x\n# end\n";
        assert!(Journal::parse(text).is_err());
    }
}
