//! The stamp cache, `--out/.slipway-cache/stamps`: for files a compile found unchanged, the
//! metadata they had then, so the next compile or drift check need not read them again.
//!
//! **What is trusted.** A file is not read back, and counts as holding what the spec
//! produces, only when all of these hold:
//!
//! * the manifest records the size and XXH3-128 hash of exactly the contents this compile
//!   would write there;
//! * the cache, written for that very manifest (it names the manifest's hash), has a stamp
//!   for the path: size, modification time and status-change time to the nanosecond,
//!   device and inode number, taken when the file was last read and found equal;
//! * the file, reached without following links, is a regular file with that same stamp now.
//!
//! Any edit changes the modification time, and even an edit that keeps the size and puts the
//! modification time back (`touch -d`) changes the status-change time, which no user tool can
//! set; an editor that writes a new file changes the inode. So a hand edit is always read and
//! found. Stamps are only recorded for files whose modification time is at least
//! [`SETTLE_NANOS`] old when the cache is written: a file's times have the granularity of the
//! kernel's clock tick (or of the file system), and an edit within the same tick as the write
//! before it would not change them ("racy" entries, as git calls them). A file this compile
//! writes is therefore read once more by the next compile, which records it.
//!
//! The cache is machine-local and advisory. It lives in its own directory with a
//! `.gitignore` of `*`, so git ignores it; it is written after the commit, in one rename, and
//! ignored whole when its first line names another manifest or its last line does not hash
//! its body (a torn or hand-edited cache). Losing it costs one full read, never a wrong
//! result; `rm -r .slipway-cache` forces one. The record of a compile's inputs
//! (`.slipway-cache/inputs`, see [`super::unchanged`]) is kept beside it, sealed the same way
//! ([`seal`]) and for a manifest too.

use super::manifest::Recorded;
use super::nofollow::{Contents, Dir, Stamp};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};
use xxhash_rust::xxh3::xxh3_128;

/// The cache's directory in `--out`.
pub const DIR: &str = ".slipway-cache";
const FILE: &str = "stamps";
const GITIGNORE: &str = ".gitignore";
const GITIGNORE_TEXT: &str =
    "# Written by slipway: a machine-local cache of file stamps, not for version control.\n*\n";
const FIRST_LINE: &str = "# slipway stamps, version 1, for the manifest with XXH3-128 ";
const LAST_LINE: &str = "# end ";
/// The largest cache read back (10,000 services: about 20 MB).
const MAX_BYTES: u64 = 256 << 20;

/// How old a file's modification time must be for its stamp to be recorded: longer than any
/// file system's timestamp granularity (2 s on FAT, 1 s on ext3, a clock tick on ext4).
pub const SETTLE_NANOS: i128 = 2_000_000_000;

/// The stamps of an earlier compile, for the manifest they were written with.
#[derive(Debug, Default)]
pub struct Stamps {
    by_path: HashMap<String, Stamp>,
    /// The cache as read (empty when there is none or it was not for this manifest).
    text: String,
}

impl Stamps {
    /// The cache in `root`, if it was written for `manifest` (the manifest's bytes) and is
    /// whole; else an empty one.
    pub fn read(root: &Dir, manifest: &[u8]) -> Stamps {
        let Some(text) = read_file(root, FILE) else {
            return Stamps::default();
        };
        match parse(&text, manifest) {
            Some(by_path) => Stamps { by_path, text },
            None => Stamps::default(),
        }
    }

    pub fn get(&self, path: &str) -> Option<&Stamp> {
        self.by_path.get(path)
    }
}

fn parse(text: &str, manifest: &[u8]) -> Option<HashMap<String, Stamp>> {
    let (first, body) = unseal(text)?;
    if first != first_line(FIRST_LINE, xxh3_128(manifest)) {
        return None;
    }
    body.lines()
        .map(|line| {
            let (path, stamp) = line.split_once('\t')?;
            Some((path.to_string(), Stamp::parse(stamp)?))
        })
        .collect()
}

/// The first line of a cache file of the kind `kind` (the words before the hash) written for
/// the manifest whose bytes hash to `manifest_hash`.
pub fn first_line(kind: &str, manifest_hash: u128) -> String {
    format!("{kind}{manifest_hash:032x}")
}

fn last_line(above: &str) -> String {
    format!("{LAST_LINE}{:032x}", xxh3_128(above.as_bytes()))
}

/// A cache file's text: `first` on a line of its own, `body` (whole lines), and a last line
/// that hashes both, so a torn or hand-edited file is told from a whole one.
pub fn seal(first: &str, body: &str) -> String {
    let mut text = String::with_capacity(first.len() + body.len() + 64);
    text.push_str(first);
    text.push('\n');
    text.push_str(body);
    let last = last_line(&text);
    text.push_str(&last);
    text.push('\n');
    text
}

/// The first line and the body of a text [`seal`] wrote; `None` when it is not whole.
pub fn unseal(text: &str) -> Option<(&str, &str)> {
    let (above_last, last) = text.strip_suffix('\n')?.rsplit_once('\n')?;
    let above = text.get(..=above_last.len())?;
    if last != last_line(above) {
        return None;
    }
    above.split_once('\n')
}

/// The text of the cache file `name`, if there is one that can be read.
pub fn read_file(root: &Dir, name: &str) -> Option<String> {
    let Ok(Contents::Bytes(bytes)) = root
        .open_dir(DIR)
        .and_then(|dir| dir.read_file(name, MAX_BYTES))
    else {
        return None;
    };
    String::from_utf8(bytes).ok()
}

/// Whether the earlier compile vouches, without a read, that a file whose stamp is now
/// `current` holds exactly `wanted`: the manifest recorded `wanted` for it, and the stamp
/// recorded with that manifest is the file's stamp now.
pub fn vouches(
    recorded: Option<Recorded>,
    stamp: Option<&Stamp>,
    current: Option<&Stamp>,
    wanted: Recorded,
) -> bool {
    recorded == Some(wanted)
        && current.is_some_and(|current| current.size == wanted.size && Some(current) == stamp)
}

/// Now, in nanoseconds since the epoch, as file times are kept.
pub fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| i128::try_from(since.as_nanos()).unwrap_or(0))
}

/// Whether `stamp` may be recorded at `now`: its modification time is old enough that an
/// edit from now on changes it.
pub fn settled(stamp: &Stamp, now: i128) -> bool {
    stamp.modified + SETTLE_NANOS <= now
}

/// The cache's text for `manifest` (the manifest's bytes as written) and these stamps.
pub fn text<'p>(manifest: &[u8], stamps: impl Iterator<Item = (&'p str, Stamp)>) -> String {
    let mut body = String::new();
    for (path, stamp) in stamps {
        body.push_str(path);
        body.push('\t');
        body.push_str(&stamp.to_text());
        body.push('\n');
    }
    seal(&first_line(FIRST_LINE, xxh3_128(manifest)), &body)
}

/// Writes the cache `text` into `root` unless `old` already holds it (see [`write_file`]).
pub fn write(root: &Dir, old: &Stamps, text: &str) {
    if old.text != text {
        write_file(root, FILE, text);
    }
}

/// Writes the cache file `name` in `root`: the directory and its `.gitignore` when missing,
/// then the file, replaced in one rename. Best effort: a cache that cannot be written is only
/// a slower next compile.
pub fn write_file(root: &Dir, name: &str, text: &str) {
    let Ok(dir) = root.create_dir(DIR) else {
        return;
    };
    if !matches!(dir.read_file(GITIGNORE, 1024), Ok(Contents::Bytes(_))) {
        drop(dir.remove_file(GITIGNORE));
        drop(dir.create_file(GITIGNORE, GITIGNORE_TEXT.as_bytes(), false));
    }
    let draft = format!("{name}.draft");
    drop(dir.remove_file(&draft));
    if dir.create_file(&draft, text.as_bytes(), false).is_ok() {
        drop(dir.rename(&draft, &dir, name));
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, settled, text, Stamp, SETTLE_NANOS};

    fn stamp(modified: i128) -> Stamp {
        Stamp {
            size: 12,
            modified,
            changed: modified + 5,
            device: 2049,
            inode: 77,
        }
    }

    #[test]
    fn a_cache_is_read_only_for_its_manifest_and_only_whole() {
        let written = text(b"manifest one", [("k8s/a.yaml", stamp(10))].into_iter());
        let read = parse(&written, b"manifest one").expect("its own manifest");
        assert_eq!(read.get("k8s/a.yaml"), Some(&stamp(10)));
        assert!(parse(&written, b"manifest two").is_none());
        let torn = &written[..written.len() - 10];
        assert!(parse(torn, b"manifest one").is_none());
        let edited = written.replace("\t12 ", "\t13 ");
        assert!(parse(&edited, b"manifest one").is_none());
        let empty = text(b"m", std::iter::empty());
        assert_eq!(parse(&empty, b"m").map(|stamps| stamps.len()), Some(0));
    }

    #[test]
    fn only_old_enough_files_are_recorded() {
        let now = 100 * SETTLE_NANOS;
        assert!(settled(&stamp(now - SETTLE_NANOS), now));
        assert!(!settled(&stamp(now - SETTLE_NANOS + 1), now));
        assert!(!settled(&stamp(now), now));
    }
}
