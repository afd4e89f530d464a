//! A compile that changes nothing does little, and still misses no hand edit: the manifest
//! records each file's size and XXH3-128 hash, the stamp cache (`.slipway-cache/stamps`)
//! records the stamps (size, times, inode) of the files a compile found unchanged, and a
//! later compile or `compile --check` reads back only what those two cannot vouch for.
//!
//! Stamps are recorded only for files whose modification time is at least two seconds old,
//! so the tests set the times of a fresh output back instead of waiting.

mod cli_support;

use cli_support::{run, scratch, write_tiny_spec};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Every regular file under `dir` (the stamp cache aside), relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if entry.file_name() == ".slipway-cache" {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// Sets the modification time of every file under `out` ten seconds back.
fn settle(out: &Path) {
    let past = SystemTime::now() - Duration::from_secs(10);
    for file in files(out) {
        let handle = std::fs::File::options()
            .write(true)
            .open(out.join(file))
            .unwrap();
        handle.set_modified(past).unwrap();
    }
}

/// Compiles `dir/spec` into `dir/out`, returning stderr.
fn compile(dir: &Path) -> String {
    let compiled = run(dir, &["compile", "spec", "--out", "out"]);
    assert_eq!(compiled.status, 0, "{}", compiled.stderr);
    compiled.stderr
}

/// A compiled tiny spec whose stamps are recorded: compiled, settled, compiled again.
fn recorded(name: &str) -> PathBuf {
    let dir = scratch("output_unchanged", name);
    write_tiny_spec(&dir);
    compile(&dir);
    settle(&dir.join("out"));
    let second = compile(&dir);
    assert!(second.contains(" 0 changed"), "{second}");
    assert!(!second.contains("not read back"), "{second}");
    dir
}

/// (modification time, inode) of every file under `out`.
fn identities(out: &Path) -> Vec<(PathBuf, SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    files(out)
        .into_iter()
        .map(|file| {
            let metadata = std::fs::metadata(out.join(&file)).unwrap();
            (file, metadata.modified().unwrap(), metadata.ino())
        })
        .collect()
}

#[test]
fn an_unchanged_recompile_reads_and_writes_nothing() {
    let dir = recorded("unchanged");
    let out = dir.join("out");
    let before = identities(&out);
    let generated = before.len() - 1; // the manifest is not an output file
    let third = compile(&dir);
    assert!(
        third.contains(&format!(
            "0 changed, {generated} unchanged ({generated} not read back)"
        )),
        "{third}"
    );
    assert_eq!(identities(&out), before, "nothing was rewritten");
    let check = run(&dir, &["compile", "spec", "--out", "out", "--check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    let ignore = std::fs::read_to_string(out.join(".slipway-cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|line| line == "*"), "{ignore}");
}

/// The same size, and the modification time put back: the status-change time still differs.
fn edit_in_place(file: &Path) {
    let old = std::fs::metadata(file).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    let edited = text.replacen("cpu: 100m", "cpu: 900m", 1);
    assert_ne!(text, edited, "the file has the text to edit");
    assert_eq!(text.len(), edited.len());
    std::fs::write(file, edited).unwrap();
    let handle = std::fs::File::options().write(true).open(file).unwrap();
    handle.set_modified(old).unwrap();
}

#[test]
fn a_hand_edit_of_the_same_size_is_caught_by_the_check_and_rewritten() {
    let dir = recorded("edited");
    let file = dir.join("out/k8s/prod/web.yaml");
    edit_in_place(&file);
    let check = run(
        &dir,
        &["compile", "spec", "--out", "out", "--check", "--quiet"],
    );
    assert_eq!(check.status, 1, "{}", check.stderr);
    assert!(
        check.stdout.contains("differs: k8s/prod/web.yaml"),
        "{}",
        check.stdout
    );
    let again = compile(&dir);
    assert!(again.contains(" 1 changed"), "{again}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("cpu: 100m") && !text.contains("cpu: 900m"));
}

#[test]
fn a_manifest_from_an_older_version_is_read_and_rewritten() {
    let dir = recorded("older");
    let manifest = dir.join("out/.slipway-manifest");
    let text = std::fs::read_to_string(&manifest).unwrap();
    // The older format: a header line and one path per line.
    let older: String = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| format!("{}\n", line.split('\t').next().unwrap()))
        .collect();
    std::fs::write(
        &manifest,
        format!("# Files written by `slipway compile`.\n{older}"),
    )
    .unwrap();
    // Nothing is vouched for by a manifest without hashes, but the files are unchanged.
    let check = run(&dir, &["compile", "spec", "--out", "out", "--check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    let stderr = compile(&dir);
    assert!(stderr.contains(" 0 changed"), "{stderr}");
    assert!(!stderr.contains("not read back"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
}

#[test]
fn a_stamp_cache_for_another_manifest_or_torn_is_ignored() {
    let dir = recorded("torn");
    let cache = dir.join("out/.slipway-cache/stamps");
    let text = std::fs::read_to_string(&cache).unwrap();
    std::fs::write(&cache, &text[..text.len() / 2]).unwrap();
    edit_in_place(&dir.join("out/k8s/prod/web.yaml"));
    let check = run(
        &dir,
        &["compile", "spec", "--out", "out", "--check", "--quiet"],
    );
    assert_eq!(check.status, 1, "{}", check.stderr);
    let stderr = compile(&dir);
    assert!(stderr.contains(" 1 changed"), "{stderr}");
    assert!(!stderr.contains("not read back"), "{stderr}");
}
