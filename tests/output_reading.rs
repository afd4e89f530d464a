//! Reading `--out` and spec folders, through the real binary: only regular files, never
//! through a link, never more than a bound.
//!
//! * `compile --check --diff` with a generated file replaced by a link to a secret does not
//!   show the secret.
//! * A manifest that is a link to `/dev/zero`, or a FIFO, is refused at once (it used to
//!   grow the compile to 4.2 GB, or hang it).
//! * A FIFO named `*.slip` in a spec folder is refused by `check` and `compile`, not waited on.
//! * A directory of `--out` swapped for a link to elsewhere again and again while compiles
//!   run never makes a compile write outside `--out`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_slipway");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("output-reading")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small spec whose output changes with `replicas`.
fn write_spec(base: &Path, replicas: u32) -> PathBuf {
    let dir = base.join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    let text = format!(
        "app shop {{\n  registry = \"ghcr.io/acme\"\n}}\n\nservice web {{\n  image    = \"web:1.0.0\"\n  \
         ports    {{ http = 8080 }}\n  replicas = {replicas}\n  resources {{\n    requests {{ cpu = 100m  memory = 128Mi }}\n    \
         limits   {{ cpu = 500m  memory = 256Mi }}\n  }}\n}}\n\nenvironment prod {{\n  cluster   = \"prod\"\n  \
         namespace = \"shop\"\n  trigger   = manual\n}}\n"
    );
    std::fs::write(dir.join("spec.slip"), text).unwrap();
    dir
}

/// Runs `slipway ARGS`, killing it if it has not ended after two minutes (a hang is the
/// failure some of these tests look for; the bound is far above any normal run).
fn run(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("slipway {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn compile(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["compile".as_ref(), spec.as_os_str()];
    args.extend(["--out".as_ref(), out.as_os_str()]);
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `root` with its contents.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                files.insert(relative, std::fs::read(&path).unwrap());
            } else {
                files.insert(relative, b"(not a file)".to_vec());
            }
        }
    }
    files
}

fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn check_diff_does_not_show_a_file_behind_a_link() {
    let base = scratch("diff-link");
    let spec = write_spec(&base, 1);
    let out = base.join("out");
    assert_eq!(compile(&spec, &out, &[]).status.code(), Some(0));
    let secret = base.join("shadow");
    std::fs::write(&secret, "root:SECRET-HASH:19000:0:99999:7:::\n").unwrap();
    let deployment = out.join("k8s/prod/web.yaml");
    std::fs::remove_file(&deployment).unwrap();
    std::os::unix::fs::symlink(&secret, &deployment).unwrap();
    let checked = compile(&spec, &out, &["--check", "--diff"]);
    let shown = format!("{}{}", text(&checked.stdout), text(&checked.stderr));
    assert_eq!(checked.status.code(), Some(1), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(
        shown.contains("differs: k8s/prod/web.yaml (in --out it is a symbolic link"),
        "{shown}"
    );

    // The same with the directory above it swapped for a link to a copy holding the secret.
    std::fs::remove_file(&deployment).unwrap();
    let elsewhere = base.join("elsewhere");
    std::fs::rename(out.join("k8s/prod"), &elsewhere).unwrap();
    std::fs::write(elsewhere.join("web.yaml"), "SECRET\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("k8s/prod")).unwrap();
    let checked = compile(&spec, &out, &["--check", "--diff"]);
    let shown = format!("{}{}", text(&checked.stdout), text(&checked.stderr));
    assert_eq!(checked.status.code(), Some(1), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[test]
fn a_manifest_that_is_a_device_link_or_a_fifo_is_refused() {
    let base = scratch("manifest");
    let spec = write_spec(&base, 1);
    let out = base.join("out");
    assert_eq!(compile(&spec, &out, &[]).status.code(), Some(0));
    let manifest = out.join(".slipway-manifest");
    for (what, plant) in [
        (
            "a symbolic link",
            &(|m: &Path| std::os::unix::fs::symlink("/dev/zero", m).unwrap()) as &dyn Fn(&Path),
        ),
        ("a FIFO", &(|m: &Path| make_fifo(m)) as &dyn Fn(&Path)),
    ] {
        std::fs::remove_file(&manifest).unwrap();
        plant(&manifest);
        for extra in [&[][..], &["--check"][..]] {
            let output = compile(&spec, &out, extra);
            let report = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{what} {extra:?}: {report}");
            assert!(
                report.contains(&format!("cannot read .slipway-manifest: it is {what}")),
                "{what} {extra:?}: {report}"
            );
        }
    }
}

#[test]
fn a_fifo_named_like_a_spec_is_refused() {
    let base = scratch("fifo-spec");
    let spec = write_spec(&base, 1);
    make_fifo(&spec.join("pipe.slip"));
    let out = base.join("out");
    for output in [
        run(&["check".as_ref(), spec.as_os_str()]),
        compile(&spec, &out, &[]),
    ] {
        let report = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{report}");
        assert!(report.contains("pipe.slip"), "{report}");
        assert!(report.contains("not a regular file"), "{report}");
    }
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn a_generated_file_replaced_by_a_fifo_is_not_read() {
    let base = scratch("fifo-output");
    let spec = write_spec(&base, 1);
    let out = base.join("out");
    assert_eq!(compile(&spec, &out, &[]).status.code(), Some(0));
    let deployment = out.join("k8s/prod/web.yaml");
    std::fs::remove_file(&deployment).unwrap();
    make_fifo(&deployment);
    let checked = compile(&spec, &out, &["--check", "--diff"]);
    assert_eq!(checked.status.code(), Some(1));
    assert!(
        text(&checked.stdout).contains("differs: k8s/prod/web.yaml (in --out it is a FIFO"),
        "{}",
        text(&checked.stdout)
    );
    let written = compile(&spec, &out, &[]);
    let report = text(&written.stderr);
    assert_eq!(written.status.code(), Some(2), "{report}");
    assert!(report.contains("something else is in the way"), "{report}");
}

#[test]
fn a_directory_swapped_for_a_link_while_compiling_is_never_written_through() {
    // A thread swaps `out/k8s` for a link to `outside` and back as fast as it can while
    // compiles with a changing spec run; whatever each compile decides, `outside` stays
    // empty. Afterwards a compile finishes cleanly.
    let base = scratch("swap");
    let out = base.join("out");
    let spec = write_spec(&base, 1);
    assert_eq!(compile(&spec, &out, &[]).status.code(), Some(0));
    let outside = base.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let (real, aside) = (out.join("k8s"), out.join("k8s-aside"));
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            // A compile that finds no `k8s` at all moves a new one in; the swapping stops then.
            let swap = || -> std::io::Result<()> {
                std::fs::rename(&real, &aside)?;
                std::os::unix::fs::symlink(&outside, &real)?;
                std::thread::sleep(Duration::from_micros(300));
                std::fs::remove_file(&real)?;
                std::fs::rename(&aside, &real)?;
                std::thread::sleep(Duration::from_micros(300));
                Ok(())
            };
            while !stop.load(Ordering::Relaxed) {
                if swap().is_err() {
                    break;
                }
            }
        });
        for replicas in 2..12 {
            let spec = write_spec(&base, replicas);
            let output = compile(&spec, &out, &[]);
            assert!(
                matches!(output.status.code(), Some(0 | 2)),
                "{}",
                text(&output.stderr)
            );
            assert!(
                tree(&outside).is_empty(),
                "written outside --out: {:?}",
                tree(&outside)
            );
        }
        stop.store(true, Ordering::Relaxed);
    });
    let spec = write_spec(&base, 20);
    let output = compile(&spec, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let checked = compile(&spec, &out, &["--check"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    assert!(tree(&outside).is_empty());
}
