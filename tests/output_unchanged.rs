//! A compile that changes nothing does little, and still misses no hand edit: the manifest
//! records each file's size and XXH3-128 hash, the stamp cache (`.slipway-cache/stamps`)
//! records the stamps (size, times, inode) of the files a compile found unchanged, and a
//! later compile or `compile --check` reads back only what those two cannot vouch for.
//!
//! Stamps are recorded only for files whose modification time is at least two seconds old,
//! so the tests set the times of a fresh output back instead of waiting.
//!
//! A compile whose inputs (spec, options, compiler) are those of the compile that wrote
//! `--out`, untouched since, emits nothing at all (`.slipway-cache/inputs`, see
//! `src/cli/unchanged.rs`): the `--timings` line shows which phases ran, and the snapshots
//! show that any change to the inputs or the tree takes the full path again.

mod cli_support;

use cli_support::{command_of, finish, run, scratch, write_tiny_spec, Run, TINY_SPEC};
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
    // Without the record of its inputs the compile emits, and the stamps vouch for every file.
    let _ = std::fs::remove_file(out.join(".slipway-cache/inputs"));
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

/// Waits until the compiler's executable is two seconds old: a compile records its inputs only
/// then (a compiler replaced within the same clock tick could keep its stamp).
fn settled_compiler() {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(env!("CARGO_BIN_EXE_slipway")).unwrap();
    let newest = metadata.mtime().max(metadata.ctime()) + 3;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if let Some(wait) = u64::try_from(newest).unwrap().checked_sub(now) {
        std::thread::sleep(Duration::from_secs(wait));
    }
}

/// A spec of two environments: `staging` and `prod`.
fn two_environments() -> String {
    let staging =
        "\nenvironment staging {\n  cluster = \"staging\"\n  namespace = \"shop\"\n  trigger = manual\n}\n";
    format!("{TINY_SPEC}{staging}")
}

/// `spec` compiled, with its stamps and inputs recorded: the next identical compile emits
/// nothing.
fn recorded_spec(name: &str, spec: &str) -> PathBuf {
    let dir = scratch("output_unchanged", name);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    std::fs::write(dir.join("spec/shop.slip"), spec).unwrap();
    settled_compiler();
    compile(&dir);
    settle(&dir.join("out"));
    compile(&dir);
    dir
}

fn recorded_inputs(name: &str) -> PathBuf {
    recorded_spec(name, &two_environments())
}

/// `slipway ARGS --timings` in `dir`, its transcript with the milliseconds left out: which
/// phases ran.
fn phases(dir: &Path, args: &[&str]) -> String {
    phases_of(&run(dir, &[args, &["--timings"]].concat()))
}

fn phases_of(ran: &Run) -> String {
    let milliseconds = regex::Regex::new(r" [0-9]+\.[0-9] ms").unwrap();
    milliseconds.replace_all(&ran.transcript(), "").into_owned()
}

const COMPILE: &[&str] = &["compile", "spec", "--out", "out"];
const CHECK: &[&str] = &["compile", "spec", "--out", "out", "--check"];

/// The drift check, then the compile, after `change`.
fn after_change(
    name: &str,
    change: impl FnOnce(&Path),
    check: &[&str],
    compile: &[&str],
) -> String {
    let dir = recorded_inputs(name);
    change(&dir);
    format!("{}\n{}", phases(&dir, check), phases(&dir, compile))
}

#[test]
fn the_same_inputs_again_emit_read_and_write_nothing() {
    let dir = recorded_inputs("same_inputs");
    let before = identities(&dir.join("out"));
    let compiled = phases(&dir, COMPILE);
    let checked = phases(&dir, CHECK);
    assert_eq!(
        identities(&dir.join("out")),
        before,
        "nothing was rewritten"
    );
    insta::assert_snapshot!(format!("{compiled}\n{checked}"));
}

#[test]
fn an_edited_spec_is_compiled_in_full() {
    let edit = |dir: &Path| {
        let spec = dir.join("spec/shop.slip");
        let text = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(&spec, text.replace("cpu = 500m", "cpu = 600m")).unwrap();
    };
    insta::assert_snapshot!(after_change("spec_edit", edit, CHECK, COMPILE));
}

#[test]
fn another_environment_option_is_compiled_in_full() {
    let check = [CHECK, &["--env", "prod"]].concat();
    let compile = [COMPILE, &["--env", "prod"]].concat();
    insta::assert_snapshot!(after_change("env_option", |_| {}, &check, &compile));
}

#[test]
fn another_target_option_is_compiled_in_full() {
    let check = [CHECK, &["--target", "k8s"]].concat();
    let compile = [COMPILE, &["--target", "k8s"]].concat();
    insta::assert_snapshot!(after_change("target_option", |_| {}, &check, &compile));
}

#[test]
fn a_hand_edit_keeping_size_and_modification_time_is_compiled_in_full() {
    let edit = |dir: &Path| edit_in_place(&dir.join("out/k8s/prod/web.yaml"));
    insta::assert_snapshot!(after_change("hand_edit", edit, CHECK, COMPILE));
}

#[test]
fn a_deleted_generated_file_is_compiled_in_full() {
    let delete = |dir: &Path| std::fs::remove_file(dir.join("out/k8s/prod/web.yaml")).unwrap();
    insta::assert_snapshot!(after_change("deleted", delete, CHECK, COMPILE));
}

#[test]
fn a_file_put_in_a_generated_files_place_is_compiled_in_full() {
    // Another file with other contents where a generated one was: a new inode.
    let replace = |dir: &Path| {
        let file = dir.join("out/k8s/staging/web.yaml");
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, "kind: ConfigMap\n").unwrap();
    };
    insta::assert_snapshot!(after_change("replaced", replace, CHECK, COMPILE));
}

#[test]
fn another_compiler_binary_is_compiled_in_full() {
    let dir = recorded_inputs("other_binary");
    // A copy is another file: a rebuilt compiler whose version did not change.
    let copy = dir.join("slipway-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_slipway"), &copy).unwrap();
    let with_copy = |args: &[&str]| {
        let args = [args, &["--timings"]].concat();
        phases_of(&finish(&dir, &args, command_of(&copy, &dir, &args), None))
    };
    let checked = with_copy(CHECK);
    let compiled = with_copy(COMPILE);
    insta::assert_snapshot!(format!("{checked}\n{compiled}"));
}

#[test]
fn the_spec_is_still_checked_and_its_warnings_shown() {
    // Without its `app` block the spec compiles with a warning (SW0104).
    let without_app = &TINY_SPEC[TINY_SPEC.find("service").unwrap()..];
    let dir = recorded_spec("warnings", without_app);
    insta::assert_snapshot!(phases(&dir, COMPILE));
}
