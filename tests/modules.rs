//! Modules: imports of project files and of the standard library, resolved only inside the
//! project root, with escapes, cycles, clashes and missing files reported with the chain of
//! imports that led to them.
//!
//! Each directory in `tests/cases/modules/` is a project: the top-level files of its `spec/`
//! are the spec, and imports may reach any file of the project (so `../outside.slip` exists,
//! but outside the root). A file named `NAME.link` stands for a symbolic link to the path it
//! holds. `spec/app.slip` starts with the `// expect:` line. The CLI tests at the end use real
//! files and symbolic links.

mod spec_support;

use spec_support::{expected_codes, render, reported, Project};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("tests/cases/modules")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn module_cases() {
    let dirs = cases();
    assert!(
        dirs.len() >= 12,
        "expected the module cases, found {}",
        dirs.len()
    );
    for dir in dirs {
        let project = Project::read(&dir);
        let main = project
            .files
            .get("spec/app.slip")
            .unwrap_or_else(|| panic!("{}: no spec/app.slip", dir.display()));
        let expected = expected_codes(main, &dir.display().to_string());
        let checked = project.check();
        let rendered = render(&checked, project.root_file_count());
        assert_eq!(
            reported(&checked),
            expected,
            "{}:\n{rendered}",
            dir.display()
        );
        if !expected.is_empty() {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            insta::assert_snapshot!(format!("module_case@{name}"), rendered);
        }
    }
}

#[test]
fn imported_files_take_part_in_the_check() {
    let checked = Project::read(Path::new("tests/cases/modules/clean")).check();
    let names: Vec<&str> = checked.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "spec/app.slip",
            "spec/lib/web.slip",
            "std/strategies.slip",
            "std/probes.slip"
        ]
    );
    let storefront = checked.model.service("storefront").expect("storefront");
    assert_eq!(storefront.replicas.value, 2);
    assert!(
        storefront.probes.liveness.is_some(),
        "the module's own import resolved"
    );
}

fn slipway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A scratch project for one CLI test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("modules")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec/lib")).unwrap();
    dir
}

#[test]
fn the_cli_reads_imports_relative_to_the_importing_file() {
    let dir = scratch("relative");
    std::fs::write(dir.join("spec/app.slip"), "import \"lib/a.slip\"\napp shop { registry = \"ghcr.io/acme\" }\nservice api from a.web { image = \"api:1.0.0\" }\n").unwrap();
    std::fs::write(
        dir.join("spec/lib/a.slip"),
        "import \"b.slip\"\ntemplate web from b.base { replicas = 2 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spec/lib/b.slip"),
        "template base = service { ports { http = 8080 } }\n",
    )
    .unwrap();
    let spec = dir.join("spec");
    let output = slipway(&["check", spec.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let file = spec.join("app.slip");
    let output = slipway(&["check", file.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a single file's directory is the root too"
    );
}

#[test]
fn the_cli_refuses_imports_that_leave_the_root() {
    let dir = scratch("escape");
    std::fs::write(
        dir.join("outside.slip"),
        "template stolen = service { replicas = 1 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spec/app.slip"),
        "import \"lib/a.slip\"\napp shop {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spec/lib/a.slip"),
        "import \"../../outside.slip\"\n",
    )
    .unwrap();
    let spec = dir.join("spec");
    let output = slipway(&["check", "--color", "never", spec.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("SW0107"), "{stderr}");
    assert!(
        stderr.contains("`../../outside.slip` is outside the project root"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn the_cli_refuses_symbolic_links_that_leave_the_root() {
    let dir = scratch("symlink");
    std::fs::write(
        dir.join("secret.slip"),
        "template stolen = service { replicas = 1 }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../../secret.slip", dir.join("spec/lib/shared.slip")).unwrap();
    std::fs::write(
        dir.join("spec/app.slip"),
        "import \"lib/shared.slip\"\napp shop {}\n",
    )
    .unwrap();
    let spec = dir.join("spec");
    let output = slipway(&["check", "--color", "never", spec.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("SW0107"), "{stderr}");
    assert!(
        stderr.contains("leads outside the project root"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("stolen"),
        "the file outside is never read as part of the spec: {stderr}"
    );
}
