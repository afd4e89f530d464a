//! The output tree is either the old one or the new one, through the real binary.
//!
//! * A compile killed with SIGKILL at random points of its write phase (while it reads
//!   `--out`, while it stages, while it commits), 20 times over a spec of 1,000 services,
//!   leaves a tree that the next run (a `compile --check`) turns into exactly the old tree or
//!   exactly the new one, with no staging directory left and nothing outside `--out` touched.
//! * A failure after the first rename (a read-only subfolder) puts every replaced file back
//!   and says so.
//! * A staging directory left by a killed compile is removed by the next compile and by
//!   `compile --check`, which says so.
//! * Two compiles into one `--out` run one after the other: the second says it waits.

mod random_support;

use random_support::Random;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_slipway");
const TARGETS: &str = "k8s,istio";

const TINY_SPEC: &str =
    "app shop {\n  registry = \"ghcr.io/acme\"\n}\n\nservice web {\n  image = \"web:1.0.0\"\n  \
    ports { http = 8080 }\n  resources {\n    requests { cpu = 100m  memory = 128Mi }\n    \
    limits { cpu = 500m  memory = 256Mi }\n  }\n}\n\nenvironment prod {\n  cluster = \"prod\"\n  \
    namespace = \"shop\"\n  trigger = manual\n}\n";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("output-commit")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `slipway compile` of the spec folder `spec`, run from its parent (see [`gen_spec`]).
fn slipway_compile(spec: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(spec.parent().unwrap())
        .arg("compile")
        .arg(spec.file_name().unwrap());
    command
}

fn compile(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    slipway_compile(spec)
        .arg("--out")
        .arg(out)
        .args(["--target", TARGETS])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn compile_ok(spec: &Path, out: &Path) {
    let output = compile(spec, out, &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// Every file and link under `root` (relative path -> contents or link target).
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            // The stamp cache is advisory, outside the old-or-new guarantee (src/cli/stamps.rs).
            if relative == ".slipway-cache" {
                continue;
            }
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                files.insert(relative, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                files.insert(format!("{relative}/"), Vec::new());
                pending.push(path);
            } else {
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Names the paths where two trees differ (at most ten).
fn differences(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let paths: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    paths
        .into_iter()
        .filter(|path| a.get(*path) != b.get(*path))
        .take(10)
        .cloned()
        .collect()
}

/// A spec of `benches/gen-spec` with `count` services, the services of file `drop` (100 of
/// them) removed and the images of the services in the files named in `moved` moved to
/// another registry: two such specs differ in files both have, in files and directories only
/// one has.
/// Every spec lives in a folder `spec` of its own and is compiled from its parent, so that
/// the header of every file (which names the spec's path) is the same for all of them.
fn gen_spec(base: &Path, name: &str, count: u32, drop: &str, moved: &[&str]) -> PathBuf {
    let dir = base.join(name).join("spec");
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen-spec");
    let status = Command::new("python3")
        .arg(generator)
        .arg(count.to_string())
        .arg(&dir)
        .status()
        .expect("python3 runs benches/gen-spec");
    assert!(status.success());
    std::fs::remove_file(dir.join("services").join(drop)).unwrap();
    for file in moved {
        let path = dir.join("services").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace("ghcr.io/acme/", "registry.example/acme/"),
        )
        .unwrap();
    }
    dir
}

/// Whether `out` holds an entry whose name starts with `prefix`.
fn has_entry(out: &Path, prefix: &str) -> bool {
    std::fs::read_dir(out).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
    })
}

/// Starts a compile and kills it: after the staging directory appears (`stage`) or the
/// journal does (`commit`), plus `delay`. Returns whether the compile ended by itself first.
fn compile_and_kill(spec: &Path, out: &Path, wait_for: &str, delay: Duration) -> bool {
    let mut child = slipway_compile(spec)
        .arg("--out")
        .arg(out)
        .args(["--target", TARGETS, "--quiet"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        if has_entry(out, wait_for) {
            break;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    false
}

#[test]
fn a_compile_killed_while_writing_leaves_the_old_tree_or_the_new_one() {
    let base = scratch("kill");
    // 300 files replaced, 100 directories and 300 files added, 700 files removed (and the
    // other way round), among about 7,000.
    let old_spec = gen_spec(&base, "old", 1000, "services-010.slip", &[]);
    let new_spec = gen_spec(
        &base,
        "new",
        1000,
        "services-001.slip",
        &["services-005.slip"],
    );
    let (out, outside) = (base.join("out"), base.join("outside"));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("keep.yaml"),
        "# Generated by slipway\nkeep: me\n",
    )
    .unwrap();
    compile_ok(&new_spec, &out);
    let new_tree = tree(&out);
    std::fs::remove_dir_all(&out).unwrap();
    compile_ok(&old_spec, &out);
    let old_tree = tree(&out);
    let outside_before = tree(&outside);
    let tiny_spec = base.join("tiny").join("spec");
    std::fs::create_dir_all(&tiny_spec).unwrap();
    std::fs::write(tiny_spec.join("spec.slip"), TINY_SPEC).unwrap();
    let seed = std::env::var("SLIPWAY_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe_u64);
    let mut random = Random(seed);
    let (mut is_new, mut finished, mut interrupted_commits) = (false, 0, 0);
    for round in 0..20 {
        let spec = if is_new { &old_spec } else { &new_spec };
        // Even rounds kill while staging (up to 150 ms after it starts), odd ones while
        // committing (up to 40 ms after the journal is written).
        let (wait_for, delay) = if round % 2 == 0 {
            (".slipway-staging-", random.below(150))
        } else {
            (".slipway-journal", random.below(40))
        };
        let ended = compile_and_kill(spec, &out, wait_for, Duration::from_millis(delay as u64));
        finished += usize::from(ended);
        interrupted_commits += usize::from(!ended && has_entry(&out, ".slipway-journal"));
        // The next run finishes (or undoes) whatever the killed one left, before it compares
        // anything: a `--check` of a one-service spec does it as well as any other run, and
        // spends a tenth of the time emitting (it reports drift, exit 1).
        let checked = compile(&tiny_spec, &out, &["--check"]);
        assert!(
            matches!(checked.status.code(), Some(0 | 1)),
            "round {round} (seed {seed}): {}",
            stderr(&checked)
        );
        let now = tree(&out);
        if now == new_tree {
            is_new = true;
        } else if now == old_tree {
            is_new = false;
        } else {
            panic!(
                "round {round} (seed {seed}, killed {delay} ms after {wait_for}): the tree is neither old nor new: {:?} (old) / {:?} (new)",
                differences(&old_tree, &now),
                differences(&new_tree, &now)
            );
        }
        assert_eq!(
            tree(&outside),
            outside_before,
            "round {round}: outside changed"
        );
    }
    eprintln!(
        "20 kills: {finished} compiles ended before the kill, {interrupted_commits} were killed during their commit"
    );
}

#[test]
fn a_failure_after_the_first_rename_puts_every_file_back() {
    // `k8s/staging/` is a read-only bind mount (in a user and mount namespace of the
    // compile's own, so no privileges are needed): the new images replace the files in
    // `k8s/preprod/` and `k8s/prod/` before the first rename into `k8s/staging/` fails.
    let base = scratch("rollback");
    let old_spec = gen_spec(&base, "old", 200, "services-002.slip", &[]);
    let new_spec = gen_spec(
        &base,
        "new",
        200,
        "services-002.slip",
        &["services-001.slip"],
    );
    let out = base.join("out");
    compile_ok(&old_spec, &out);
    let before = tree(&out);
    let read_only =
        "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" \"$1\" || exit 125; \
                     shift; exec \"$@\"";
    let output = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            read_only,
            "sh",
        ])
        .arg(out.join("k8s/staging"))
        .arg(BIN)
        .arg("compile")
        .arg(&new_spec)
        .arg("--out")
        .arg(&out)
        .args(["--target", TARGETS])
        .output()
        .unwrap();
    let report = stderr(&output);
    assert_ne!(output.status.code(), Some(125), "no namespace: {report}");
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(
        report.contains("error: cannot write k8s/staging/"),
        "{report}"
    );
    assert!(
        report.contains("the files already replaced were put back"),
        "{report}"
    );
    let after = tree(&out);
    assert!(
        after == before,
        "not put back: {:?}",
        differences(&before, &after)
    );
}

#[test]
fn staging_left_by_a_killed_compile_is_removed() {
    let base = scratch("leftovers");
    let spec = gen_spec(&base, "spec", 200, "services-002.slip", &[]);
    let out = base.join("out");
    compile_ok(&spec, &out);
    let before = tree(&out);
    for (command, extra) in [("compile --check", &["--check"][..]), ("compile", &[][..])] {
        let leftover = out.join(".slipway-staging-4194304/new/k8s/prod");
        std::fs::create_dir_all(&leftover).unwrap();
        std::fs::write(leftover.join("svc-0001.yaml"), "half written").unwrap();
        let output = compile(&spec, &out, extra);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("removed 1 staging directory left in"),
            "{command}: {}",
            stderr(&output)
        );
        assert_eq!(tree(&out), before, "{command}");
    }
}

#[test]
fn a_second_compile_into_the_same_out_waits_for_the_first() {
    let base = scratch("concurrent");
    let old_spec = gen_spec(&base, "old", 200, "services-002.slip", &[]);
    let out = base.join("out");
    compile_ok(&old_spec, &out);
    // Hold the lock the way a running compile does.
    let holder = std::fs::File::open(&out).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&holder);
    // SAFETY: `flock` on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(fd, libc::LOCK_EX) }, 0);
    let mut second = slipway_compile(&old_spec)
        .arg("--out")
        .arg(&out)
        .args(["--target", TARGETS])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(second.stderr.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    assert!(
        first_line.starts_with("waiting for another slipway compile into"),
        "{first_line}"
    );
    assert!(second.try_wait().unwrap().is_none(), "it did not wait");
    drop(holder);
    let status = second.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "{rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("compiled ")), "{rest:?}");
}

#[test]
fn two_compiles_at_once_leave_one_whole_tree() {
    let base = scratch("two-at-once");
    let a = gen_spec(&base, "a", 200, "services-002.slip", &[]);
    let b = gen_spec(&base, "b", 200, "services-001.slip", &["services-002.slip"]);
    let (out_a, out_b, out) = (base.join("out-a"), base.join("out-b"), base.join("out"));
    compile_ok(&a, &out_a);
    compile_ok(&b, &out_b);
    let spawn = |spec: &Path| {
        slipway_compile(spec)
            .arg("--out")
            .arg(&out)
            .args(["--target", TARGETS, "--quiet"])
            .spawn()
            .unwrap()
    };
    let (mut first, mut second) = (spawn(&a), spawn(&b));
    assert!(first.wait().unwrap().success());
    assert!(second.wait().unwrap().success());
    let now = tree(&out);
    assert!(
        now == tree(&out_a) || now == tree(&out_b),
        "a mixed tree: {:?}",
        differences(&tree(&out_a), &now)
    );
}
