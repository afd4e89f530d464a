//! Directory handles that never follow a symbolic link inside `--out`.
//!
//! Everything the writer, the drift check and the journal do inside `--out` goes through a
//! [`Dir`]: an open directory, from which a child is opened with `O_NOFOLLOW | O_DIRECTORY`,
//! a file is created with `O_EXCL | O_NOFOLLOW`, read only when `fstat` says it is a regular
//! file (opened with `O_NONBLOCK`, so a FIFO cannot hang the read) and only up to a size
//! bound, and renamed or linked relative to the handles. A directory swapped for a link after
//! it was checked is therefore never entered: the open fails with `ELOOP` (or `ENOTDIR`).
//! Only `--out` itself is opened by path, following links: it is the user's choice.

use rustix::fs::{self as rfs, AtFlags, FileType, FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::path::Path;

/// An open directory.
pub struct Dir {
    fd: OwnedFd,
}

/// What an entry of a directory is, without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    File,
    Dir,
    Link,
    /// A FIFO, socket or device.
    Special,
}

/// The result of reading a file that must be a regular file of bounded size.
#[derive(Debug, PartialEq, Eq)]
pub enum Contents {
    Missing,
    /// A link, a directory, a FIFO, a socket or a device: never read.
    NotAFile(Kind),
    /// A regular file larger than the bound, with its size.
    TooLarge(u64),
    Bytes(Vec<u8>),
}

/// What a regular file's metadata says about its contents without reading them: if any edit
/// happened since a stamp was taken, the stamp differs (see `super::stamps` for when that
/// holds). Times are nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub modified: i128,
    pub changed: i128,
    pub device: u64,
    pub inode: u64,
}

impl Stamp {
    fn of(stat: &rfs::Stat) -> Stamp {
        let nanos = |seconds: i128, nanos: i128| seconds * 1_000_000_000 + nanos;
        Stamp {
            size: u64::try_from(stat.st_size).unwrap_or(0),
            modified: nanos(i128::from(stat.st_mtime), i128::from(stat.st_mtime_nsec)),
            changed: nanos(i128::from(stat.st_ctime), i128::from(stat.st_ctime_nsec)),
            device: stat.st_dev,
            inode: stat.st_ino,
        }
    }

    /// `size modified changed device inode`, as [`Stamp::parse`] reads it.
    pub fn to_text(self) -> String {
        format!(
            "{} {} {} {} {}",
            self.size, self.modified, self.changed, self.device, self.inode
        )
    }

    pub fn parse(text: &str) -> Option<Stamp> {
        let mut fields = text.split(' ');
        let stamp = Stamp {
            size: fields.next()?.parse().ok()?,
            modified: fields.next()?.parse().ok()?,
            changed: fields.next()?.parse().ok()?,
            device: fields.next()?.parse().ok()?,
            inode: fields.next()?.parse().ok()?,
        };
        fields.next().is_none().then_some(stamp)
    }
}

/// A plain description of an entry that is not a regular file, for messages.
pub fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Missing => "missing",
        Kind::File => "a regular file",
        Kind::Dir => "a directory",
        Kind::Link => "a symbolic link",
        Kind::Special => "a FIFO, socket or device",
    }
}

/// Whether an error from opening a component means "a link or a non-directory was there".
pub fn is_blocked(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error().map(Errno::from_raw_os_error),
        Some(Errno::LOOP | Errno::NOTDIR | Errno::MLINK)
    )
}

pub fn is_missing(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::NotFound
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

impl Dir {
    /// Opens a directory by path (following links: used for `--out` itself only).
    pub fn open(path: &Path) -> io::Result<Dir> {
        let fd = rfs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Dir { fd })
    }

    /// Opens the child directory `name` (one component), refusing a link.
    pub fn open_dir(&self, name: &str) -> io::Result<Dir> {
        let fd = rfs::openat(&self.fd, name, DIR_FLAGS, Mode::empty())?;
        Ok(Dir { fd })
    }

    /// Opens the directory at `relative` (`/`-separated, possibly empty for `self`), one
    /// component at a time.
    pub fn open_path(&self, relative: &str) -> io::Result<Dir> {
        let mut current = self.open_dir(".")?;
        for name in relative.split('/').filter(|n| !n.is_empty()) {
            current = current.open_dir(name)?;
        }
        Ok(current)
    }

    /// Creates the child directory `name` if it is missing, then opens it.
    pub fn create_dir(&self, name: &str) -> io::Result<Dir> {
        match rfs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
            Ok(()) | Err(Errno::EXIST) => self.open_dir(name),
            Err(error) => Err(error.into()),
        }
    }

    /// What `name` is, without following a link.
    pub fn kind(&self, name: &str) -> io::Result<Kind> {
        match rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(kind_of(FileType::from_raw_mode(stat.st_mode))),
            Err(Errno::NOENT) => Ok(Kind::Missing),
            Err(error) => Err(error.into()),
        }
    }

    /// The stamp of `name` if it is a regular file (a link is not followed).
    pub fn stamp(&self, name: &str) -> Option<Stamp> {
        let stat = rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        (FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile).then(|| Stamp::of(&stat))
    }

    /// Reads `name` if it is a regular file of at most `limit` bytes.
    pub fn read_file(&self, name: &str, limit: u64) -> io::Result<Contents> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rfs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Contents::Missing),
            // ELOOP: the entry is a link. Ask what it is for the message.
            Err(Errno::LOOP | Errno::MLINK | Errno::NXIO) => {
                return Ok(Contents::NotAFile(self.kind(name)?))
            }
            Err(error) => return Err(error.into()),
        };
        let stat = rfs::fstat(&fd)?;
        let kind = kind_of(FileType::from_raw_mode(stat.st_mode));
        if kind != Kind::File {
            return Ok(Contents::NotAFile(kind));
        }
        let size = u64::try_from(stat.st_size).unwrap_or(0);
        if size > limit {
            return Ok(Contents::TooLarge(size));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        std::fs::File::from(fd)
            .take(limit + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Ok(Contents::TooLarge(bytes.len() as u64));
        }
        Ok(Contents::Bytes(bytes))
    }

    /// The first `len` bytes of `name` (fewer when it is shorter), if it is a regular file
    /// reached without a link; only those bytes are read.
    pub fn file_head(&self, name: &str, len: usize) -> Option<Vec<u8>> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rfs::openat(&self.fd, name, flags, Mode::empty()).ok()?;
        let regular = rfs::fstat(&fd)
            .is_ok_and(|stat| FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile);
        if !regular {
            return None;
        }
        let mut head = Vec::with_capacity(len);
        std::fs::File::from(fd)
            .take(len as u64)
            .read_to_end(&mut head)
            .ok()?;
        Some(head)
    }

    /// Creates the file `name`, which must not exist yet (nothing planted under its name is
    /// followed or reused), and writes `bytes` into it; with `sync`, flushes it to the disk.
    pub fn create_file(&self, name: &str, bytes: &[u8], sync: bool) -> io::Result<()> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o666))?;
        let mut file = std::fs::File::from(fd);
        io::Write::write_all(&mut file, bytes)?;
        if sync {
            file.sync_all()?;
        }
        Ok(())
    }

    /// Renames `name` here to `to_name` in `to`, replacing a file there.
    pub fn rename(&self, name: &str, to: &Dir, to_name: &str) -> io::Result<()> {
        Ok(rfs::renameat(&self.fd, name, &to.fd, to_name)?)
    }

    /// Renames `name` here to `to_name` in `to`, failing if anything is there already.
    pub fn rename_no_replace(&self, name: &str, to: &Dir, to_name: &str) -> io::Result<()> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let flags = rfs::RenameFlags::NOREPLACE;
            match rfs::renameat_with(&self.fd, name, &to.fd, to_name, flags) {
                // Some file systems do not support the flag: check, then rename.
                Err(Errno::INVAL | Errno::NOSYS) => {}
                other => return Ok(other?),
            }
        }
        if to.kind(to_name)? != Kind::Missing {
            return Err(Errno::EXIST.into());
        }
        self.rename(name, to, to_name)
    }

    /// Makes `to_name` in `to` a second name of `name` here (a link to a link is the link).
    pub fn hard_link(&self, name: &str, to: &Dir, to_name: &str) -> io::Result<()> {
        Ok(rfs::linkat(
            &self.fd,
            name,
            &to.fd,
            to_name,
            AtFlags::empty(),
        )?)
    }

    /// Removes the file (or link) `name`.
    pub fn remove_file(&self, name: &str) -> io::Result<()> {
        Ok(rfs::unlinkat(&self.fd, name, AtFlags::empty())?)
    }

    /// Removes the empty directory `name`.
    pub fn remove_empty_dir(&self, name: &str) -> io::Result<()> {
        Ok(rfs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR)?)
    }

    /// Removes `name` and everything under it, without following links.
    pub fn remove_tree(&self, name: &str) -> io::Result<()> {
        match self.kind(name)? {
            Kind::Missing => return Ok(()),
            Kind::Dir => {}
            _ => return self.remove_file(name),
        }
        let child = self.open_dir(name)?;
        for entry in child.names()? {
            child.remove_tree(&entry)?;
        }
        self.remove_empty_dir(name)
    }

    /// The names in this directory, `.` and `..` aside.
    pub fn names(&self) -> io::Result<Vec<String>> {
        let mut dir = rfs::Dir::read_from(&self.fd)?;
        let mut names = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Flushes this directory's entries (a rename or a new file in it) to the disk.
    pub fn sync(&self) -> io::Result<()> {
        Ok(rfs::fsync(&self.fd)?)
    }

    /// Takes the exclusive lock on this directory, if no other process holds it.
    pub fn try_lock(&self) -> io::Result<bool> {
        match rfs::flock(&self.fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(Errno::WOULDBLOCK) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Waits for the exclusive lock on this directory. It is released when the handle is
    /// closed (at the latest when the process ends, however it ends).
    pub fn lock(&self) -> io::Result<()> {
        Ok(rfs::flock(&self.fd, FlockOperation::LockExclusive)?)
    }
}

fn kind_of(file_type: FileType) -> Kind {
    match file_type {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Link,
        _ => Kind::Special,
    }
}

/// `a/b` and `c.yaml` for `a/b/c.yaml`; the empty string and `c.yaml` for `c.yaml`.
pub fn split_parent(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => ("", path),
    }
}

/// Opens directories below a root along paths given in any order, keeping the chain of
/// handles of the last directory open: consecutive paths in sorted order share most of it,
/// so a tree of thousands of directories costs about one `openat` per directory, and never
/// more open handles than the depth of the tree.
pub struct Walker<'r> {
    root: &'r Dir,
    chain: Vec<(String, Dir)>,
    create: bool,
    /// Whether nothing changes the tree while this walker reads it, so a directory found
    /// missing stays missing (see [`Walker::reading`]).
    still: bool,
    /// The directory the last failed probe found missing, below the open `chain`: its name
    /// and the error number (kept only when `still`).
    missing: Option<(String, i32)>,
}

impl<'r> Walker<'r> {
    /// Opens existing directories only.
    pub fn new(root: &'r Dir) -> Self {
        Walker {
            root,
            chain: Vec::new(),
            create: false,
            still: false,
            missing: None,
        }
    }

    /// Opens existing directories only, in a tree that nothing changes while it is read
    /// (comparing an output with `--out`): a probe of a path below a directory the last probe
    /// found missing fails the same way without asking the system again. In a fresh `--out`
    /// every file's directory is missing, and this saves a failed `openat` per file.
    pub fn reading(root: &'r Dir) -> Self {
        Walker {
            still: true,
            ..Walker::new(root)
        }
    }

    /// Creates missing directories on the way.
    pub fn creating(root: &'r Dir) -> Self {
        Walker {
            root,
            chain: Vec::new(),
            create: true,
            still: false,
            missing: None,
        }
    }

    /// The directory at `relative` (`/`-separated; empty for the root).
    pub fn dir(&mut self, relative: &str) -> io::Result<&Dir> {
        match self.probe(relative) {
            Probe::Open => Ok(self.last()),
            Probe::Failed { error, .. } => Err(error),
        }
    }

    /// Opens the directory at `relative`; when that fails, says how many of its components
    /// opened before the one that failed.
    pub fn probe(&mut self, relative: &str) -> Probe {
        let names: Vec<&str> = relative.split('/').filter(|n| !n.is_empty()).collect();
        let shared = self
            .chain
            .iter()
            .zip(&names)
            .take_while(|((open, _), wanted)| open == *wanted)
            .count();
        if let Some((missing, code)) = &self.missing {
            if shared == self.chain.len() && names.get(shared) == Some(&missing.as_str()) {
                return Probe::Failed {
                    depth: shared,
                    error: io::Error::from_raw_os_error(*code),
                };
            }
        }
        self.missing = None;
        self.chain.truncate(shared);
        for (depth, name) in names.iter().enumerate().skip(shared) {
            let parent = self.last();
            let child = if self.create {
                parent.create_dir(name)
            } else {
                parent.open_dir(name)
            };
            match child {
                Ok(child) => self.chain.push(((*name).to_string(), child)),
                Err(error) => {
                    self.chain.truncate(depth);
                    if let (true, true, Some(code)) =
                        (self.still, is_missing(&error), error.raw_os_error())
                    {
                        self.missing = Some(((*name).to_string(), code));
                    }
                    return Probe::Failed { depth, error };
                }
            }
        }
        Probe::Open
    }

    /// The directory the last successful call opened.
    pub fn last(&self) -> &Dir {
        self.chain.last().map_or(self.root, |(_, dir)| dir)
    }
}

/// What [`Walker::probe`] found.
pub enum Probe {
    /// The directory is open: [`Walker::last`].
    Open,
    /// The component at `depth` (0 for the first) could not be opened.
    Failed { depth: usize, error: io::Error },
}

#[cfg(test)]
mod tests {
    use super::{is_missing, Dir, Probe, Walker};
    use std::fs;

    /// The depth and message of a probe that failed, or `None` for one that opened.
    fn probe(walker: &mut Walker, path: &str) -> Option<(usize, String)> {
        match walker.probe(path) {
            Probe::Open => None,
            Probe::Failed { depth, error } => {
                assert!(is_missing(&error), "{error}");
                Some((depth, error.to_string()))
            }
        }
    }

    #[test]
    fn a_reading_walker_answers_below_a_missing_directory_as_the_system_does() {
        let root_path = std::env::temp_dir().join(format!("slipway-walker-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root_path);
        fs::create_dir_all(root_path.join("a/c")).unwrap();
        let root = Dir::open(&root_path).unwrap();
        let paths = [
            "a/b/x", "a/b/y/z", "a/c", "a/b", "q/r", "q", "a/c/d", "a/c/d/e", "a",
        ];
        let asked: Vec<_> = {
            let mut walker = Walker::new(&root);
            paths.iter().map(|path| probe(&mut walker, path)).collect()
        };
        let mut reading = Walker::reading(&root);
        let remembered: Vec<_> = paths.iter().map(|path| probe(&mut reading, path)).collect();
        assert_eq!(remembered, asked);
        assert_eq!(asked[1].as_ref().map(|(depth, _)| *depth), Some(1));
        assert_eq!(asked[7].as_ref().map(|(depth, _)| *depth), Some(2));
        fs::remove_dir_all(&root_path).unwrap();
    }
}
