//! Determinism, through the real binary: the same spec compiles to byte-identical trees
//! (every file, the manifest included) whatever the order in which its files are named on the
//! command line, whatever the environment (locale, time zone, home, terminal, colour, CI and
//! thread-count variables), however many CPUs the process may use (the writer stages files on
//! up to four threads; `taskset` pins it to one), and however often it runs.

mod random_support;

use random_support::Random;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_slipway");

/// Every example directory, sorted.
fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no examples found");
    dirs
}

/// The `.slip` files of a directory, recursively, sorted.
fn spec_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            // The machine-local cache (stamps, the record of the inputs) is not output.
            if path
                .file_name()
                .is_some_and(|name| name == ".slipway-cache")
            {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "slip") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every file under `root`, relative path -> bytes (the machine-local `.slipway-cache` aside).
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            // The machine-local cache (stamps, the record of the inputs) is not output.
            if path
                .file_name()
                .is_some_and(|name| name == ".slipway-cache")
            {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The output directory of one run.
fn out_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("determinism")
        .join(name)
}

/// Runs `slipway compile INPUTS --out OUT` (optionally under `taskset -c 0`) with only the
/// given environment variables (plus PATH), and returns the tree it wrote.
fn compile(
    name: &str,
    inputs: &[PathBuf],
    env: &[(&str, &str)],
    one_cpu: bool,
) -> BTreeMap<String, Vec<u8>> {
    let out = out_dir(name);
    let _ = std::fs::remove_dir_all(&out);
    let mut command = if one_cpu {
        let mut taskset = Command::new("taskset");
        taskset.args(["-c", "0", BIN]);
        taskset
    } else {
        Command::new(BIN)
    };
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command.envs(env.iter().copied());
    let output = command
        .arg("compile")
        .args(inputs)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    tree(&out)
}

/// Asserts two trees are byte-identical, naming the files that differ.
fn assert_same(
    what: &str,
    expected: &BTreeMap<String, Vec<u8>>,
    actual: &BTreeMap<String, Vec<u8>>,
) {
    let paths: std::collections::BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    let differ: Vec<&String> = paths
        .into_iter()
        .filter(|p| expected.get(*p) != actual.get(*p))
        .collect();
    assert!(differ.is_empty(), "{what}: these files differ: {differ:?}");
}

#[test]
fn the_order_of_the_files_does_not_change_the_output() {
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let files = spec_files(&example);
        let expected = compile(&format!("{name}-sorted"), &files, &[], false);
        let mut reversed = files.clone();
        reversed.reverse();
        assert_same(
            &format!("{name}, files reversed"),
            &expected,
            &compile(&format!("{name}-reversed"), &reversed, &[], false),
        );
        for seed in [1, 7, 42] {
            let order = Random(seed).shuffled(&files);
            let actual = compile(&format!("{name}-shuffled-{seed}"), &order, &[], false);
            assert_same(
                &format!("{name}, files in the order {order:?}"),
                &expected,
                &actual,
            );
        }
    }
}

#[test]
fn the_environment_does_not_change_the_output() {
    let variations: &[&[(&str, &str)]] = &[
        &[("LANG", "C"), ("LC_ALL", "C")],
        &[("LANG", "tr_TR.UTF-8"), ("LC_ALL", "tr_TR.UTF-8")],
        &[
            ("LANG", "de_DE.UTF-8"),
            ("LC_ALL", "de_DE.UTF-8"),
            ("LC_COLLATE", "de_DE.UTF-8"),
        ],
        &[("LANG", "ja_JP.UTF-8"), ("LC_CTYPE", "ja_JP.UTF-8")],
        &[("TZ", "Pacific/Kiritimati")],
        &[("TZ", "America/St_Johns"), ("SOURCE_DATE_EPOCH", "0")],
        &[("HOME", "/nonexistent"), ("USER", "nobody"), ("PWD", "/")],
        &[("TERM", "dumb"), ("NO_COLOR", "1")],
        &[
            ("TERM", "xterm-256color"),
            ("CLICOLOR_FORCE", "1"),
            ("COLUMNS", "20"),
        ],
        &[
            ("CI", "true"),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", "0123456789abcdef"),
        ],
        &[
            ("RAYON_NUM_THREADS", "1"),
            ("RUST_MIN_STACK", "65536"),
            ("RUST_BACKTRACE", "full"),
        ],
        &[
            ("RAYON_NUM_THREADS", "64"),
            ("TOKIO_WORKER_THREADS", "64"),
            ("RUST_LOG", "trace"),
        ],
    ];
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let inputs = [example.clone()];
        let expected = compile(&format!("{name}-bare"), &inputs, &[], false);
        for (index, variables) in variations.iter().enumerate() {
            let actual = compile(&format!("{name}-env-{index}"), &inputs, variables, false);
            assert_same(&format!("{name} with {variables:?}"), &expected, &actual);
        }
    }
}

/// A spec large enough (over 256 files) that the writer stages on several threads.
fn large_spec(dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let mut text = String::from("app shop {\n  registry = \"ghcr.io/acme\"\n}\n\n");
    for index in 0..120 {
        text.push_str(&format!(
            "service svc-{index:03} {{\n  image = \"svc:1.{index}\"\n  ports {{ http = 8080 }}\n  \
             resources {{ limits {{ cpu = 500m  memory = 256Mi }} }}\n}}\n\n"
        ));
    }
    for (name, after) in [("staging", ""), ("prod", "  after     = staging\n")] {
        let trigger = if after.is_empty() {
            "  trigger   = manual\n"
        } else {
            after
        };
        text.push_str(&format!("environment {name} {{\n  cluster   = \"{name}\"\n  namespace = \"shop-{name}\"\n{trigger}}}\n\n"));
    }
    std::fs::write(dir.join("spec.slip"), text).unwrap();
    dir.to_path_buf()
}

#[test]
fn the_number_of_cpus_does_not_change_the_output() {
    let spec = large_spec(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("determinism-large-spec"));
    let many = compile("large-all-cpus", std::slice::from_ref(&spec), &[], false);
    assert!(
        many.len() > 256,
        "only {} files: the writer would not use threads",
        many.len()
    );
    let one = compile("large-one-cpu", std::slice::from_ref(&spec), &[], true);
    assert_same("one CPU against all of them", &many, &one);
}

#[test]
fn compiling_again_changes_nothing() {
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let inputs = [example.clone()];
        let first = compile(&format!("{name}-first"), &inputs, &[], false);
        let second = compile(&format!("{name}-second"), &inputs, &[], false);
        assert_same(&format!("{name} compiled twice"), &first, &second);
        let out = out_dir(&format!("{name}-second"));
        let status = Command::new(BIN)
            .arg("compile")
            .arg(&example)
            .arg("--out")
            .arg(&out)
            .arg("--check")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{name}: --check after compile: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}
