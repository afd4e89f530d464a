//! An unchanged compile: when a compile's inputs are exactly those of the compile that wrote
//! `--out`, and no file there has changed since, `slipway compile` (and `compile --check`)
//! checks the spec, prints its diagnostics as always, and stops: nothing is emitted, read
//! back or written.
//!
//! **The fingerprint.** Emitters read only the checked model and the [`Options`], and the
//! model is a function of the source files the checker read and of the compiler (the
//! architecture's invariants), so this XXH3-128 hash covers everything the output depends on:
//!
//! * every source file the check read (the spec's own files, the files they import, the
//!   standard modules), by name and contents, with each file's path in the project, each
//!   import unit's path, and the project root both canonical and as given;
//! * the options that shape the output, whole (targets, environments, the spec's name in the
//!   headers, where `--out` lies in the repository), and besides them `--out` as given, the
//!   current directory and the repository root those are derived from;
//! * the compiler: its version and the stamp (device, inode, size, modification and
//!   status-change times) of the running executable, `/proc/self/exe`, which names the file
//!   the process runs even when the path has since been replaced. A rebuilt compiler is a new
//!   file or a rewritten one, so its stamp differs even when the version does not.
//!
//! No environment variable reaches the output (the compiler reads `NO_COLOR`, `CLICOLOR`,
//! `CLICOLOR_FORCE` and `CI` for the terminal, `XDG_CACHE_HOME` and `HOME` for the language
//! server's copies of the standard modules), and the Dockerfiles read from the repository
//! only give diagnostics, which the check still computes. On systems without
//! `/proc/self/exe` there is no fingerprint and every compile takes the full path.
//!
//! **The record.** After a compile wrote `--out` (or found it already right), it records the
//! fingerprint in `.slipway-cache/inputs`, naming the manifest that compile left (its
//! XXH3-128) and sealed like the stamp cache (see [`super::stamps`]): "the compile with these
//! inputs produced this manifest". The record is only written when the executable's times
//! are two seconds old ([`stamps::SETTLE_NANOS`]), for the reason stamps are: a compiler
//! replaced within the same clock tick could otherwise keep its stamp.
//!
//! **The fast path** is taken only when all of these hold, and otherwise the compile runs as
//! it always did: `--out` opened and locked with no interrupted compile finished and no
//! leftovers removed (see [`super::outdir`]); the record names the manifest now in `--out`
//! (byte for byte) and this compile's fingerprint; the manifest lists every file with its
//! size and hash, and nothing else; and the stamp cache, written for that manifest, has a
//! stamp for every file in it that equals the file's stamp now (reached without following
//! links, a regular file, of the recorded size). The same inputs give the same output, so
//! the manifest lists exactly what this compile would write, and each stamp vouches for its
//! file as it does for the full path: no stale file is left (the manifest lists only the
//! output), and a hand edit, a deletion or a file put in a generated file's place changes
//! the stamp. Files that no manifest lists are not the compile's business on either path.

use super::files::Loaded;
use super::manifest::{self, Manifest, Recorded};
use super::nofollow::{self, Dir, Probe, Stamp, Walker};
use super::stamps::{self, Stamps};
use super::write;
use slipway::check::modules::Unit;
use slipway::emit::Options;
use slipway::SourceFile;
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// The record's name in `.slipway-cache/`.
const FILE: &str = "inputs";
const FIRST_LINE: &str = "# slipway inputs, version 1, for the manifest with XXH3-128 ";

/// The XXH3-128 hash of everything a compile's output depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    hash: u128,
    /// Whether the executable's times were old enough to be trusted (see the module doc).
    settled: bool,
}

/// What the output of a compile depends on, besides the compiler.
pub struct Inputs<'i> {
    pub out: &'i Path,
    pub loaded: &'i Loaded,
    /// Every file the check read ([`slipway::Checked::files`]) and its import units.
    pub files: &'i [SourceFile],
    pub units: &'i [Unit],
    pub options: &'i Options,
}

/// The fingerprint of a compile of `inputs` by this executable; `None` when the executable
/// cannot be identified.
pub fn fingerprint(inputs: &Inputs) -> Option<Fingerprint> {
    let compiler = compiler_stamp()?;
    let mut hasher = Xxh3::new();
    let mut put = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    put(FIRST_LINE.as_bytes());
    put(env!("CARGO_PKG_VERSION").as_bytes());
    put(compiler.to_text().as_bytes());
    put(format!("{:?}", inputs.options).as_bytes());
    put(inputs.out.as_os_str().as_encoded_bytes());
    let current = std::env::current_dir().ok()?;
    put(current.as_os_str().as_encoded_bytes());
    let repository = super::files::repository_root().unwrap_or_default();
    put(repository.as_os_str().as_encoded_bytes());
    put(inputs.loaded.root.as_os_str().as_encoded_bytes());
    put(inputs.loaded.shown_root.as_os_str().as_encoded_bytes());
    put(&inputs.loaded.paths.len().to_le_bytes());
    for path in &inputs.loaded.paths {
        put(path.as_bytes());
    }
    put(&inputs.units.len().to_le_bytes());
    for unit in inputs.units {
        put(unit.path.as_bytes());
    }
    put(&inputs.files.len().to_le_bytes());
    for file in inputs.files {
        put(file.name.as_bytes());
        put(file.text.as_bytes());
    }
    let now = stamps::now_nanos();
    Some(Fingerprint {
        hash: hasher.digest128(),
        settled: compiler.modified.max(compiler.changed) + stamps::SETTLE_NANOS <= now,
    })
}

/// The stamp of the running executable.
#[cfg(target_os = "linux")]
fn compiler_stamp() -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    // `metadata` follows the link to the file the process was started from.
    let metadata = std::fs::metadata("/proc/self/exe").ok()?;
    let nanos = |seconds: i64, nanos: i64| i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    Some(Stamp {
        size: metadata.size(),
        modified: nanos(metadata.mtime(), metadata.mtime_nsec()),
        changed: nanos(metadata.ctime(), metadata.ctime_nsec()),
        device: metadata.dev(),
        inode: metadata.ino(),
    })
}

#[cfg(not(target_os = "linux"))]
fn compiler_stamp() -> Option<Stamp> {
    None
}

/// Records, after a compile that left the manifest hashing to `manifest_hash` in the locked
/// `--out` opened as `root`, that a compile with `fingerprint` produced it. Best effort, and
/// only when the executable's stamp can be trusted; nothing is written when the record
/// already says so.
pub fn record(root: &Dir, manifest_hash: u128, fingerprint: Fingerprint) {
    if !fingerprint.settled {
        return;
    }
    let text = stamps::seal(
        &stamps::first_line(FIRST_LINE, manifest_hash),
        &format!("{:032x}\n", fingerprint.hash),
    );
    if stamps::read_file(root, FILE).as_deref() != Some(text.as_str()) {
        stamps::write_file(root, FILE, &text);
    }
}

/// The manifest of the locked `--out` opened as `root` when a compile with `fingerprint`
/// wrote every file it lists, and none has changed since (see the module doc); `None` when
/// that is not certain.
pub fn untouched(root: &Dir, fingerprint: Fingerprint) -> Option<Manifest> {
    // The record first: when the inputs changed, the manifest is not even read.
    let text = stamps::read_file(root, FILE)?;
    let (first, body) = stamps::unseal(&text)?;
    if body != format!("{:032x}\n", fingerprint.hash) {
        return None;
    }
    let manifest = manifest::read(root).ok()?;
    let manifest_hash = xxhash_rust::xxh3::xxh3_128(&manifest.bytes);
    if first != stamps::first_line(FIRST_LINE, manifest_hash) || !manifest.lists_only_files() {
        return None;
    }
    let stamps = Stamps::read(root, &manifest.bytes);
    let files: Vec<(&String, &Option<Recorded>)> = manifest.files.iter().collect();
    let vouched = write::in_chunks(&files, |part| {
        let mut walker = Walker::reading(root);
        let all = part
            .iter()
            .all(|(path, recorded)| vouched(&mut walker, path, **recorded, &stamps));
        vec![all]
    });
    vouched.into_iter().all(|all| all).then_some(manifest)
}

/// Whether `path` is a regular file, reached without links, whose stamp is the one recorded
/// for it, of the size the manifest records.
fn vouched(walker: &mut Walker, path: &str, recorded: Option<Recorded>, stamps: &Stamps) -> bool {
    let (Some(recorded), Some(stamp)) = (recorded, stamps.get(path)) else {
        return false;
    };
    let (parent, name) = nofollow::split_parent(path);
    if !matches!(walker.probe(parent), Probe::Open) {
        return false;
    }
    let current = walker.last().stamp(name);
    stamps::vouches(Some(recorded), Some(stamp), current.as_ref(), recorded)
}
