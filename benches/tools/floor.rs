//! The direct-write floor: the least work any generator must do to put the same bytes on disk.
//!
//! `floor pack SRC PACK` walks the tree `SRC` (a `slipway compile` output) and stores every file
//! in one pack file; `floor write PACK OUT` reads the pack and writes every file under `OUT`
//! with plain `create` + `write` calls: no checks, no staging, no fsync. Timing `floor write`
//! as a whole process gives the floor that `slipway compile` is compared with in
//! `docs/performance.md`. It is built by `benches/run.sh` with `rustc -O` and has no
//! dependencies.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("pack") if args.len() == 4 => pack(Path::new(&args[2]), Path::new(&args[3])),
        Some("write") if args.len() == 4 => write(Path::new(&args[2]), Path::new(&args[3])),
        _ => Err(io::Error::other(
            "usage: floor pack SRC PACK | floor write PACK OUT",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("floor: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Every regular file under `root`, as a path relative to it, in sorted order.
fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.path());
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, found)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            found.push(relative.to_path_buf());
        }
    }
    Ok(())
}

/// The pack: per file a header line `<length> <path>\n`, then the bytes.
fn pack(source: &Path, pack: &Path) -> io::Result<()> {
    let mut files = Vec::new();
    walk(source, source, &mut files)?;
    let mut out = io::BufWriter::new(fs::File::create(pack)?);
    let (mut count, mut bytes) = (0usize, 0usize);
    for relative in files {
        if relative.to_string_lossy().starts_with(".slipway") {
            continue;
        }
        let content = fs::read(source.join(&relative))?;
        writeln!(out, "{} {}", content.len(), relative.display())?;
        out.write_all(&content)?;
        count += 1;
        bytes += content.len();
    }
    out.flush()?;
    println!("{count} files, {bytes} bytes");
    Ok(())
}

fn write(pack: &Path, out: &Path) -> io::Result<()> {
    let data = fs::read(pack)?;
    let mut created: BTreeSet<PathBuf> = BTreeSet::new();
    let mut at = 0;
    while at < data.len() {
        let line_end = data[at..].iter().position(|&b| b == b'\n').map(|i| at + i);
        let line_end = line_end.ok_or_else(|| io::Error::other("truncated pack"))?;
        let line = std::str::from_utf8(&data[at..line_end]).map_err(io::Error::other)?;
        let (length, path) = line
            .split_once(' ')
            .ok_or_else(|| io::Error::other("bad header"))?;
        let length: usize = length.parse().map_err(io::Error::other)?;
        let start = line_end + 1;
        let content = data
            .get(start..start + length)
            .ok_or_else(|| io::Error::other("truncated pack"))?;
        let target = out.join(path);
        if let Some(parent) = target.parent() {
            if !created.contains(parent) {
                fs::create_dir_all(parent)?;
                created.insert(parent.to_path_buf());
            }
        }
        fs::File::create(&target)?.write_all(content)?;
        at = start + length;
    }
    Ok(())
}
