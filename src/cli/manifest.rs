//! The output manifest, `--out/.slipway-manifest`: every file the last compile wrote, with its
//! size and a hash of its contents, one tab-separated line each (`path`, size in bytes,
//! XXH3-128 in hex). It is part of the output tree: written through the journal with the
//! files, byte-identical run to run and machine to machine, so it can be committed.
//!
//! The paths say which files a later compile may remove as stale. The sizes and hashes say
//! what each file held when it was written; with the stamps of [`super::stamps`] they let a
//! compile or a drift check skip reading a file it would only find unchanged. A manifest from
//! a version that listed only paths still works: its files are read back, and the next
//! compile rewrites it with sizes and hashes.
//!
//! XXH3-128 (the `xxhash-rust` crate) is a fixed, documented algorithm, so a hash means the
//! same in every run, version and machine (std's `DefaultHasher` promises none of that), and
//! it hashes the 30 MB of a large output in a few milliseconds. It is not a cryptographic
//! hash: it is only ever compared with the hash of what this compile is about to write, never
//! trusted to say what a file on disk holds (see [`super::stamps`] for that).

use super::nofollow::{self, Contents, Dir};
use super::write::check_relative;
use std::collections::BTreeMap;

/// The manifest's name in `--out`.
pub const MANIFEST: &str = ".slipway-manifest";

/// The largest manifest read back (10,000 services list about 10 MB).
const MAX_MANIFEST_BYTES: u64 = 256 << 20;

const HEADER: &str =
    "# Files written by `slipway compile`; stale ones are removed on the next compile.\n\
# Each line: the path, its size in bytes and the XXH3-128 hash of its contents, tab-separated.\n";

/// What a file held when a compile wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub size: u64,
    pub hash: u128,
}

impl Recorded {
    /// The size and hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Recorded {
        Recorded {
            size: bytes.len() as u64,
            hash: xxhash_rust::xxh3::xxh3_128(bytes),
        }
    }
}

/// The manifest of an earlier compile.
#[derive(Debug, Default)]
pub struct Manifest {
    /// Each listed path, with what it held (`None` when the line gave only the path).
    pub files: BTreeMap<String, Option<Recorded>>,
    /// The manifest as read, byte for byte (empty when there is none).
    pub bytes: Vec<u8>,
}

impl Manifest {
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Whether every line but the comments names a file once, with its size and hash: the
    /// manifest is one a compile wrote, and [`Manifest::files`] is all it lists.
    pub fn lists_only_files(&self) -> bool {
        let listed = String::from_utf8_lossy(&self.bytes)
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .count();
        listed == self.files.len() && self.files.values().all(Option::is_some)
    }

    /// What the manifest says `path` held, if it says.
    pub fn recorded(&self, path: &str) -> Option<Recorded> {
        self.files.get(path).copied().flatten()
    }
}

/// The manifest of an earlier compile (empty when there is none). A manifest that is not a
/// regular file (a link, a FIFO, a device) or is too large is refused; lines that are not
/// plain relative paths are ignored.
pub fn read(root: &Dir) -> Result<Manifest, String> {
    let bytes = match root.read_file(MANIFEST, MAX_MANIFEST_BYTES) {
        Ok(Contents::Bytes(bytes)) => bytes,
        Ok(Contents::Missing) => return Ok(Manifest::default()),
        Ok(Contents::NotAFile(kind)) => {
            return Err(format!(
                "cannot read {MANIFEST}: it is {}, not a regular file; remove it",
                nofollow::describe(kind)
            ))
        }
        Ok(Contents::TooLarge(size)) => {
            return Err(format!(
                "cannot read {MANIFEST}: it is {size} bytes, more than a manifest can be ({MAX_MANIFEST_BYTES}); remove it"
            ))
        }
        Err(error) => return Err(format!("cannot read {MANIFEST}: {error}")),
    };
    Ok(parse(bytes))
}

/// The manifest whose text is `bytes`; lines that are not plain relative paths are left out.
fn parse(bytes: Vec<u8>) -> Manifest {
    let files = String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(parse_line)
        .filter(|(path, _)| check_relative(path).is_ok())
        .map(|(path, recorded)| (path.to_string(), recorded))
        .collect();
    Manifest { files, bytes }
}

/// One line: `path<TAB>size<TAB>hash`, or a bare path (a manifest from an older version, or a
/// line whose size or hash does not parse).
fn parse_line(line: &str) -> (&str, Option<Recorded>) {
    let mut fields = line.rsplitn(3, '\t');
    let (Some(hash), Some(size), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
        return (line, None);
    };
    let parsed = size.parse::<u64>().ok().zip(
        u128::from_str_radix(hash, 16)
            .ok()
            .filter(|_| hash.len() == 32),
    );
    match parsed {
        Some((size, hash)) => (path, Some(Recorded { size, hash })),
        None => (line, None),
    }
}

/// The manifest of the output's files, given in path order with what each holds.
pub fn text<'p>(files: impl ExactSizeIterator<Item = (&'p str, Recorded)>) -> String {
    let mut text = String::with_capacity(HEADER.len() + files.len() * 80);
    text.push_str(HEADER);
    for (path, file) in files {
        text.push_str(&format!("{path}\t{}\t{:032x}\n", file.size, file.hash));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{parse, parse_line, Recorded};

    #[test]
    fn lines_with_and_without_size_and_hash() {
        let hash = format!("{:032x}", Recorded::of(b"kind: x\n").hash);
        let line = format!("k8s/prod/web.yaml\t8\t{hash}");
        assert_eq!(
            parse_line(&line),
            ("k8s/prod/web.yaml", Some(Recorded::of(b"kind: x\n")))
        );
        assert_eq!(parse_line("k8s/prod/web.yaml"), ("k8s/prod/web.yaml", None));
        for broken in ["a.yaml\tx\t00", "a.yaml\t8\tnothex", "a.yaml\t8"] {
            assert_eq!(parse_line(broken), (broken, None), "{broken:?}");
        }
    }

    #[test]
    fn only_a_manifest_of_whole_lines_lists_only_files() {
        let text = |lines: &[&str]| format!("# header\n{}", lines.concat());
        let hash = format!("{:032x}", Recorded::of(b"kind: x\n").hash);
        let whole = format!("k8s/a.yaml\t8\t{hash}\n");
        let manifest = |text: String| parse(text.into_bytes());
        assert!(manifest(text(&[&whole])).lists_only_files());
        assert!(!manifest(text(&[&whole, "k8s/b.yaml\n"])).lists_only_files());
        assert!(!manifest(text(&[&whole, "../escapes.yaml\t1\t0\n"])).lists_only_files());
    }

    #[test]
    fn the_hash_is_xxh3_128_whatever_the_run() {
        // A fixed algorithm: the same bytes give the same hash in every run and version.
        assert_eq!(Recorded::of(b"").hash, 0x99aa06d3014798d86001c324468d497f);
    }
}
