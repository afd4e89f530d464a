//! The compile's sink: each file the emitters render is compared with `--out` and, when it
//! must change, staged at once, so the whole output is never held in memory (see `write.rs`
//! for the guarantees, which this keeps). Of each file only what the commit needs stays: its
//! path, size and hash, what comparing found, and its stamp if it is unchanged.
//!
//! Staging touches only the staging directory, which any failure removes; everything that
//! can refuse the write (a file slipway did not write, something in the way, a path that is
//! not plain) is known once the last file is compared, before the commit. The commit (the
//! journal, the renames, stale files, the manifest) and the stamps happen in [`TreeWriter::finish`],
//! after every file was rendered and compared. A file whose directory `--out` already has is
//! staged flat under a provisional name and renamed to its journal step's number then, since
//! the step numbers depend on every path (see [`super::journal`]).
//!
//! The result does not depend on the order files arrive in, nor on the threads: the entries
//! are sorted by path before anything is decided, and a problem is reported for the first
//! path in path order.

use super::journal::{self, Finished, Journal, Staging, Step};
use super::manifest::{self, Manifest, Recorded, MANIFEST};
use super::nofollow::{self, Dir, Stamp, Walker};
use super::progress::Counter;
use super::stamps::{self, Stamps};
use super::write::{self, Failure, Found, Known, Overwrite, TreeState, WriteError, Written};
use std::collections::BTreeSet;

/// What the commit needs to know of one file.
struct Entry {
    path: String,
    recorded: Recorded,
    fate: Fate,
}

enum Fate {
    /// The same in `--out`; `stamp` is its stamp now, to record for the next compile.
    Unchanged { vouched: bool, stamp: Option<Stamp> },
    /// Staged flat as `files/<provisional_name(number)>`: its directory exists.
    Flat(usize),
    /// Staged as `new/<path>`: its directory is new, and moves into place whole.
    UnderNewDir,
    /// Not staged: the write is refused anyway.
    Skipped,
}

/// A problem found with a file, reported for the first path in path order.
type Problem = (String, String);

/// The sink a compile writes `--out` through: [`slipway::emit::Sink::take`] compares and
/// stages each batch, [`TreeWriter::finish`] commits.
pub struct TreeWriter<'r> {
    root: &'r Dir,
    overwrite: Overwrite,
    previous: Manifest,
    stamps: Stamps,
    staging_name: String,
    staging: Option<Staging>,
    entries: Vec<Entry>,
    /// The outermost directories `--out` lacks, which move into place whole.
    new_dirs: BTreeSet<String>,
    /// How many files were staged flat (their provisional names are `0..flat`).
    flat: usize,
    /// Paths that are not plain, or something in the way: the write cannot happen.
    blocked: Option<Problem>,
    /// Files slipway did not write, in `--out` at generated paths.
    not_generated: Vec<String>,
    /// A file that could not be staged.
    staging_failed: Option<Problem>,
}

impl<'r> TreeWriter<'r> {
    /// A writer into the locked `--out` opened as `root` (see [`super::outdir`]), which reads
    /// the manifest and stamps of the last compile. Files in the way that slipway did not
    /// write are refused unless `overwrite` is `Force`.
    pub fn new(root: &'r Dir, overwrite: Overwrite) -> Result<TreeWriter<'r>, Failure> {
        let previous = manifest::read(root).map_err(Failure::untouched)?;
        let stamps = Stamps::read(root, &previous.bytes);
        Ok(TreeWriter {
            root,
            overwrite,
            previous,
            stamps,
            staging_name: format!("{}{}", journal::STAGING_PREFIX, std::process::id()),
            staging: None,
            entries: Vec::new(),
            new_dirs: BTreeSet::new(),
            flat: 0,
            blocked: None,
            not_generated: Vec::new(),
            staging_failed: None,
        })
    }

    /// Whether files are still worth staging: nothing refuses the write yet.
    fn staging_on(&self) -> bool {
        let refused = self.overwrite == Overwrite::GeneratedOnly && !self.not_generated.is_empty();
        self.blocked.is_none() && self.staging_failed.is_none() && !refused
    }

    /// Compares a batch with `--out` on a few threads, notes what each file needs, and
    /// stages those that change.
    fn compare_and_stage(&mut self, files: Vec<(String, String)>) {
        let (previous, stamps, root) = (&self.previous, &self.stamps, self.root);
        let looked = write::in_chunks(&files, |part| {
            let mut walker = Walker::reading(root);
            part.iter()
                .map(|(path, text)| {
                    let known = Known {
                        recorded: previous.recorded(path),
                        stamp: stamps.get(path),
                    };
                    write::look(&mut walker, root, path, text.as_bytes(), known)
                })
                .collect()
        });
        let mut flat = Vec::new();
        let mut under_dirs = Vec::new();
        for ((path, text), looked) in files.into_iter().zip(looked) {
            let fate = match looked.found {
                Found::Same | Found::Vouched => Fate::Unchanged {
                    vouched: looked.found == Found::Vouched,
                    stamp: looked.stamp,
                },
                Found::New | Found::Changed => Fate::Flat(0),
                Found::NotGenerated => {
                    if !self.previous.contains(&path) {
                        self.not_generated.push(path.clone());
                    }
                    Fate::Flat(0)
                }
                Found::UnderMissing(dir) => {
                    self.new_dirs.insert(dir);
                    Fate::UnderNewDir
                }
                Found::Blocked(message) => {
                    note_first(&mut self.blocked, &path, message);
                    Fate::Skipped
                }
            };
            let index = self.entries.len();
            let fate = match fate {
                Fate::Flat(_) if self.staging_on() => {
                    flat.push((index, self.flat, text));
                    self.flat += 1;
                    Fate::Flat(self.flat - 1)
                }
                Fate::UnderNewDir if self.staging_on() => {
                    under_dirs.push((index, text));
                    Fate::UnderNewDir
                }
                Fate::Flat(_) | Fate::UnderNewDir => Fate::Skipped,
                other => other,
            };
            self.entries.push(Entry {
                path,
                recorded: looked.recorded,
                fate,
            });
        }
        if !flat.is_empty() || !under_dirs.is_empty() {
            self.stage(&flat, &under_dirs);
        }
    }

    /// Stages files: `flat` (entry, provisional number, text) in `files/`, `under_dirs`
    /// (entry, text) at their paths in `new/`.
    fn stage(&mut self, flat: &[(usize, usize, String)], under_dirs: &[(usize, String)]) {
        if let Err(message) = self.open_staging() {
            self.staging_failed = Some((String::new(), message));
            return;
        }
        let Some(parts) = &self.staging else {
            return;
        };
        let (entries, staging_name) = (&self.entries, &self.staging_name);
        let failed = |index: usize, error: std::io::Error| {
            let path = entries.get(index).map_or("", |entry| entry.path.as_str());
            let message = format!("cannot write {path} (staging it in {staging_name}): {error}");
            (path.to_string(), message)
        };
        let in_dirs = write::in_chunks(under_dirs, |part| {
            let mut walker = Walker::creating(&parts.new);
            let result = part.iter().try_for_each(|(index, text)| {
                let path = entries.get(*index).map_or("", |entry| entry.path.as_str());
                let (parent, name) = nofollow::split_parent(path);
                walker
                    .dir(parent)
                    .and_then(|dir| dir.create_file(name, text.as_bytes(), false))
                    .map_err(|error| failed(*index, error))
            });
            vec![result]
        });
        let flat_files = write::in_chunks(flat, |part| {
            let result = part.iter().try_for_each(|(index, number, text)| {
                parts
                    .files
                    .create_file(&provisional_name(*number), text.as_bytes(), false)
                    .map_err(|error| failed(*index, error))
            });
            vec![result]
        });
        for (path, message) in in_dirs
            .into_iter()
            .chain(flat_files)
            .filter_map(Result::err)
        {
            note_first(&mut self.staging_failed, &path, message);
        }
    }

    /// Decides, after the last file: refuses the write, or commits it (counting each file
    /// on `counter`), then records the stamps of the files found unchanged.
    pub fn finish(mut self, counter: &Counter) -> Result<Written, WriteError> {
        self.entries.sort_by(|a, b| a.path.cmp(&b.path));
        let twice = self
            .entries
            .iter()
            .zip(self.entries.iter().skip(1))
            .find(|(first, next)| first.path == next.path)
            .map(|(first, _)| first.path.clone());
        if let Some(path) = twice {
            let message = format!("the compiler produced {path} twice (a bug)");
            note_first(&mut self.blocked, &path, message);
        }
        if let Err(error) = self.refusal() {
            self.remove_staging();
            return Err(error);
        }
        let mut written = self.summary();
        let manifest_text = manifest::text(
            self.entries
                .iter()
                .map(|entry| (entry.path.as_str(), entry.recorded)),
        );
        let stale = self.stale();
        written.removed = stale.len();
        let manifest_changed = self.previous.bytes != manifest_text.as_bytes();
        if written.changed == 0 && stale.is_empty() && !manifest_changed {
            self.remove_staging();
        } else {
            let manifest = manifest_changed.then_some(manifest_text.as_str());
            self.commit(stale, manifest, counter)?;
        }
        written.manifest_hash = xxhash_rust::xxh3::xxh3_128(manifest_text.as_bytes());
        self.record_stamps(&manifest_text);
        Ok(written)
    }

    /// The first reason not to write, if there is one: something in the way, files slipway
    /// did not write (unless `--force`), a file that could not be staged.
    fn refusal(&mut self) -> Result<(), WriteError> {
        if let Some((_, message)) = self.blocked.take() {
            return Err(Failure::untouched(message).into());
        }
        if !self.not_generated.is_empty() && self.overwrite == Overwrite::GeneratedOnly {
            self.not_generated.sort();
            return Err(WriteError::NotGenerated(std::mem::take(
                &mut self.not_generated,
            )));
        }
        if let Some((_, message)) = self.staging_failed.take() {
            return Err(Failure::untouched(message).into());
        }
        Ok(())
    }

    /// The counts of the summary, before anything is committed.
    fn summary(&mut self) -> Written {
        let mut written = Written::default();
        self.not_generated.sort();
        written.forced = std::mem::take(&mut self.not_generated);
        for entry in &self.entries {
            let top = write::top_directory(&entry.path).to_string();
            *written.per_target.entry(top).or_insert(0) += 1;
            if written.workflow.is_none() && write::is_workflow(&entry.path) {
                written.workflow = Some(entry.path.clone());
            }
            match entry.fate {
                Fate::Unchanged { vouched, .. } => {
                    written.unchanged += 1;
                    written.vouched += usize::from(vouched);
                }
                Fate::Flat(_) | Fate::UnderNewDir | Fate::Skipped => written.changed += 1,
            }
        }
        written.files = self.entries.len();
        written
    }

    /// Files the last compile wrote, that this one does not, and that may be removed.
    fn stale(&self) -> Vec<String> {
        let mut walker = Walker::new(self.root);
        self.previous
            .files
            .keys()
            .filter(|path| {
                let produced = self
                    .entries
                    .binary_search_by(|entry| entry.path.as_str().cmp(path.as_str()))
                    .is_ok();
                !produced && write::removable(&mut walker, path)
            })
            .cloned()
            .collect()
    }

    /// Gives the flat files their steps' names, stages the manifest, writes the journal and
    /// carries it out.
    fn commit(
        &mut self,
        stale: Vec<String>,
        manifest: Option<&str>,
        counter: &Counter,
    ) -> Result<(), Failure> {
        let written = self.name_steps(manifest, counter).and_then(|files| {
            let journal = Journal {
                staging: self.staging_name.clone(),
                steps: self
                    .new_dirs
                    .iter()
                    .cloned()
                    .map(Step::Dir)
                    .chain(files.into_iter().map(Step::File))
                    .chain(stale.into_iter().map(Step::Stale))
                    .collect(),
            };
            journal::write(self.root, &journal)
                .map(|()| journal)
                .map_err(|e| format!("cannot write the journal {}: {e}", journal::JOURNAL))
        });
        let journal = match written {
            Ok(journal) => journal,
            Err(message) => {
                drop(self.root.remove_file(journal::JOURNAL_DRAFT));
                self.remove_staging();
                return Err(Failure::untouched(message));
            }
        };
        self.staging = None;
        match journal::finish(self.root, &journal) {
            Finished::Committed => Ok(()),
            Finished::RolledBack(message) => Err(Failure {
                message,
                state: TreeState::Restored,
            }),
            Finished::Stuck { failure, undo } => Err(Failure {
                message: format!("{failure} (undoing: {undo})"),
                state: TreeState::Mixed,
            }),
        }
    }

    /// The staging directory, created (empty) the first time it is needed.
    fn open_staging(&mut self) -> Result<(), String> {
        if self.staging.is_some() {
            return Ok(());
        }
        let created = self
            .root
            .remove_tree(&self.staging_name)
            .and_then(|()| self.root.create_dir(&self.staging_name))
            .and_then(|dir| Staging::open(&dir))
            .map_err(|error| {
                format!(
                    "cannot create the staging directory {}: {error}",
                    self.staging_name
                )
            })?;
        self.staging = Some(created);
        Ok(())
    }

    /// Renames each flat file to its step's number (the steps are the new directories, then
    /// the files in path order, then the manifest) and stages the manifest; returns the files'
    /// paths in step order.
    fn name_steps(
        &mut self,
        manifest: Option<&str>,
        counter: &Counter,
    ) -> Result<Vec<String>, String> {
        self.open_staging()?;
        let Some(parts) = &self.staging else {
            return Ok(Vec::new());
        };
        let first = self.new_dirs.len();
        let flat: Vec<(usize, &Entry)> = self
            .entries
            .iter()
            .filter_map(|entry| match entry.fate {
                Fate::Flat(number) => Some((number, entry)),
                _ => None,
            })
            .collect();
        // The write step counts every file the commit puts in place: those under new
        // directories were staged as they were rendered, the others get their names now.
        let under_new_dirs = self
            .entries
            .iter()
            .filter(|entry| matches!(entry.fate, Fate::UnderNewDir))
            .count();
        counter.start(
            "write",
            under_new_dirs + flat.len() + usize::from(manifest.is_some()),
        );
        for _ in 0..under_new_dirs {
            counter.add_one();
        }
        let mut paths = Vec::with_capacity(flat.len() + 1);
        for (step, (number, entry)) in flat.into_iter().enumerate() {
            let final_name = journal::flat_name(first + step);
            parts
                .files
                .rename(&provisional_name(number), &parts.files, &final_name)
                .map_err(|e| format!("cannot stage {}: {e}", entry.path))?;
            counter.add_one();
            paths.push(entry.path.clone());
        }
        if let Some(text) = manifest {
            let name = journal::flat_name(first + paths.len());
            parts
                .files
                .create_file(&name, text.as_bytes(), false)
                .map_err(|e| format!("cannot write {MANIFEST} (staging it): {e}"))?;
            paths.push(MANIFEST.to_string());
            counter.add_one();
        }
        Ok(paths)
    }

    fn remove_staging(&mut self) {
        if self.staging.take().is_some() {
            drop(self.root.remove_tree(&self.staging_name));
        }
    }

    /// Records, for the next compile, the stamps of the files found unchanged whose times
    /// are settled (see [`super::stamps`]), for the manifest now in `--out`.
    fn record_stamps(&self, manifest: &str) {
        let now = stamps::now_nanos();
        let settled = self.entries.iter().filter_map(|entry| match &entry.fate {
            Fate::Unchanged {
                stamp: Some(stamp), ..
            } if stamps::settled(stamp, now) => Some((entry.path.as_str(), *stamp)),
            _ => None,
        });
        let text = stamps::text(manifest.as_bytes(), settled);
        stamps::write(self.root, &self.stamps, &text);
    }
}

impl slipway::emit::Sink for TreeWriter<'_> {
    fn take(&mut self, files: Vec<(String, String)>) {
        let mut plain = Vec::with_capacity(files.len());
        for (path, text) in files {
            match write::check_relative(&path) {
                Ok(()) => plain.push((path, text)),
                Err(message) => note_first(&mut self.blocked, &path, message),
            }
        }
        self.compare_and_stage(plain);
    }
}

/// Keeps the problem of the first path in path order.
fn note_first(slot: &mut Option<Problem>, path: &str, message: String) {
    if slot.as_ref().is_none_or(|(first, _)| path < first.as_str()) {
        *slot = Some((path.to_string(), message));
    }
}

/// The name a flat file is staged under until its step's number is known; step numbers are
/// digits only, so the two never meet.
fn provisional_name(number: usize) -> String {
    format!("p{number}")
}
