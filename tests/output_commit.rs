//! The output tree is either the old one or the new one, through the real binary.
//!
//! * A compile killed with SIGKILL at random points of its write phase (while it reads
//!   `--out`, while it stages, while it commits), 20 times over a spec of 1,000 services,
//!   leaves a tree that the next `compile --check` turns into exactly the old tree or exactly
//!   the new one, with no staging directory left and nothing outside `--out` touched.
//! * A failure after the first rename (a read-only subfolder) puts every replaced file back
//!   and says so.
//! * A staging directory left by a killed compile is removed by the next compile and by
//!   `compile --check`, which says so.
//! * Two compiles into one `--out` run one after the other: the second says it waits.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_slipway");
const TARGETS: &str = "k8s,istio";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("output-commit")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn compile(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("compile")
        .arg(spec)
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

/// A spec of `benches/gen-spec` with 1,000 services, the services of file `drop` removed
/// and every image moved to `registry`: two such specs differ in nearly every file, in
/// directories only one has, and in files only one has.
fn big_spec(base: &Path, name: &str, drop: &str, registry: &str) -> PathBuf {
    let dir = base.join(name);
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen-spec");
    let status = Command::new("python3")
        .arg(generator)
        .arg("1000")
        .arg(&dir)
        .status()
        .expect("python3 runs benches/gen-spec");
    assert!(status.success());
    std::fs::remove_file(dir.join("services").join(drop)).unwrap();
    for entry in std::fs::read_dir(dir.join("services")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("ghcr.io/acme/", registry)).unwrap();
    }
    dir
}

/// A small deterministic generator (xorshift), so a failing run can be repeated with
/// `SLIPWAY_KILL_SEED`.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
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
    let mut child = Command::new(BIN)
        .arg("compile")
        .arg(spec)
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
        std::thread::sleep(Duration::from_micros(200));
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
    let old_spec = big_spec(&base, "old", "services-010.slip", "ghcr.io/acme/");
    let new_spec = big_spec(&base, "new", "services-001.slip", "registry.example/acme/");
    let (out, outside) = (base.join("out"), base.join("outside"));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.yaml"), "# Generated by slipway\nkeep: me\n").unwrap();
    compile_ok(&new_spec, &out);
    let new_tree = tree(&out);
    std::fs::remove_dir_all(&out).unwrap();
    compile_ok(&old_spec, &out);
    let old_tree = tree(&out);
    let outside_before = tree(&outside);
    let seed = std::env::var("SLIPWAY_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe_u64);
    let mut random = Random(seed);
    let (mut is_new, mut finished, mut interrupted_commits) = (false, 0, 0);
    for round in 0..20 {
        let (spec, check_spec) = if is_new {
            (&old_spec, &new_spec)
        } else {
            (&new_spec, &old_spec)
        };
        // Even rounds kill while staging (up to 150 ms after it starts), odd ones while
        // committing (up to 40 ms after the journal is written).
        let (wait_for, delay) = if round % 2 == 0 {
            (".slipway-staging-", random.below(150))
        } else {
            (".slipway-journal", random.below(40))
        };
        let ended = compile_and_kill(spec, &out, wait_for, Duration::from_millis(delay));
        finished += usize::from(ended);
        interrupted_commits += usize::from(!ended && has_entry(&out, ".slipway-journal"));
        // The next run finishes (or undoes) whatever the killed one left.
        let checked = compile(check_spec, &out, &[]);
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
        assert_eq!(tree(&outside), outside_before, "round {round}: outside changed");
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
    let old_spec = big_spec(&base, "old", "services-010.slip", "ghcr.io/acme/");
    let new_spec = big_spec(&base, "new", "services-010.slip", "registry.example/acme/");
    let out = base.join("out");
    compile_ok(&old_spec, &out);
    let before = tree(&out);
    let read_only = "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" \"$1\" || exit 125; \
                     shift; exec \"$@\"";
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", read_only, "sh"])
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
    assert!(report.contains("error: cannot write k8s/staging/"), "{report}");
    assert!(
        report.contains("the files already replaced were put back"),
        "{report}"
    );
    let after = tree(&out);
    assert!(after == before, "not put back: {:?}", differences(&before, &after));
}

#[test]
fn staging_left_by_a_killed_compile_is_removed() {
    let base = scratch("leftovers");
    let spec = big_spec(&base, "spec", "services-010.slip", "ghcr.io/acme/");
    let out = base.join("out");
    compile_ok(&spec, &out);
    let before = tree(&out);
    for (command, extra) in [("compile --check", &["--check"][..]), ("compile", &[][..])] {
        let leftover = out.join(".slipway-staging-4194304/new/k8s/prod");
        std::fs::create_dir_all(&leftover).unwrap();
        std::fs::write(leftover.join("svc-0001.yaml"), "half written").unwrap();
        let output = compile(&spec, &out, extra);
        assert_eq!(output.status.code(), Some(0), "{command}: {}", stderr(&output));
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
    let old_spec = big_spec(&base, "old", "services-010.slip", "ghcr.io/acme/");
    let out = base.join("out");
    compile_ok(&old_spec, &out);
    // Hold the lock the way a running compile does.
    let holder = std::fs::File::open(&out).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&holder);
    // SAFETY: `flock` on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(fd, libc::LOCK_EX) }, 0);
    let mut second = Command::new(BIN)
        .arg("compile")
        .arg(&old_spec)
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
    let a = big_spec(&base, "a", "services-010.slip", "ghcr.io/acme/");
    let b = big_spec(&base, "b", "services-001.slip", "registry.example/acme/");
    let (out_a, out_b, out) = (base.join("out-a"), base.join("out-b"), base.join("out"));
    compile_ok(&a, &out_a);
    compile_ok(&b, &out_b);
    let spawn = |spec: &Path| {
        Command::new(BIN)
            .arg("compile")
            .arg(spec)
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
