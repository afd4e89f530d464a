//! The `changes` job decides right: its script, as the workflow emits it, runs with bash in a
//! temporary git repository whose commits touch different service directories, a shared
//! library one service lists in `build { paths }`, the spec, or nothing a service owns; each
//! case checks which services it marks as changed, including the services that depend on a
//! changed one (directly or through another) and every service on a run by hand or without a
//! previous commit.

use serde_yaml::Value;
use slipway::emit::{self, Options, Target};
use slipway::SourceFile;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `api` ← `web` ← `edge` (dependants), `worker` with a shared library, `admin` alone, and
/// `cache`, which is not built (its image comes from elsewhere) but sits between `api` and
/// `reports` in the dependency graph.
const SPEC: &str = r#"
app demo { registry = "ghcr.io/acme" }
service api { image = "ghcr.io/acme/api:1.0.0"  build { context = "services/api" } }
service web {
  image = "ghcr.io/acme/web:1.0.0"
  build { context = "services/web" }
  depends_on = [api]
}
service edge {
  image = "ghcr.io/acme/edge:1.0.0"
  build { context = "services/edge" }
  depends_on = [web]
}
service worker {
  image = "ghcr.io/acme/worker:1.0.0"
  build {
    context = "services/worker"
    paths   = ["libs/common/**"]
  }
}
service admin { image = "ghcr.io/acme/admin:1.0.0"  build { context = "services/admin" } }
service cache { image = "docker.io/library/redis:7"  depends_on = [api] }
service reports {
  image = "ghcr.io/acme/reports:1.0.0"
  build { context = "services/reports" }
  depends_on = [cache]
}
environment dev { cluster = "dev"  namespace = "demo-dev"  trigger = push { branch = "main" } }
"#;

const SERVICES: &[&str] = &["api", "web", "edge", "worker", "admin", "reports"];

/// The `Decide which services changed` step of the emitted workflow.
fn decide_step() -> Value {
    let files = vec![SourceFile {
        name: "spec.slip".into(),
        text: SPEC.into(),
    }];
    let checked = slipway::check(&files);
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let options = Options {
        targets: [Target::Github].into_iter().collect(),
        ..Options::all("spec.slip")
    };
    let output = emit::emit(&checked.model, &options);
    let workflow: Value =
        serde_yaml::from_str(&output.files[".github/workflows/demo-delivery.yml"]).unwrap();
    workflow["jobs"]["changes"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|step| step["name"] == "Decide which services changed")
        .cloned()
        .expect("the changes job decides")
}

fn git(repository: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(repository)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Writes `files` and commits them; returns the commit.
fn commit(repository: &Path, files: &[&str]) -> String {
    for file in files {
        let path = repository.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, format!("{before}x\n")).unwrap();
    }
    git(repository, &["add", "-A"]);
    git(repository, &["commit", "--quiet", "-m", "change"]);
    git(repository, &["rev-parse", "HEAD"])
}

/// A repository with one file in every service directory, the library and the spec.
fn repository(name: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("slipway-changes-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "--quiet"]);
    let mut files: Vec<String> = SERVICES
        .iter()
        .map(|service| format!("services/{service}/main.go"))
        .collect();
    files.extend([
        "libs/common/lib.go".into(),
        "spec.slip".into(),
        "README.md".into(),
    ]);
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let first = commit(&dir, &files);
    (dir, first)
}

/// Runs the step with `EVENT`, `BEFORE` and `AFTER`; returns its outputs as `key=value`.
fn decide(repository: &Path, event: &str, before: &str, after: &str) -> Vec<String> {
    let step = decide_step();
    let outputs = repository.join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let mut command = Command::new("bash");
    command.arg("-c").arg(step["run"].as_str().unwrap());
    for (key, value) in step["env"].as_mapping().unwrap() {
        let value = value.as_str().unwrap();
        if !value.contains("${{") {
            command.env(key.as_str().unwrap(), value);
        }
    }
    let output = command
        .current_dir(repository)
        .env("EVENT", event)
        .env("BEFORE", before)
        .env("AFTER", after)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{output:?}");
    std::fs::read_to_string(&outputs)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The services an output list marks as changed, and its `any`.
fn changed(outputs: &[String]) -> (Vec<&'static str>, bool) {
    let marked = SERVICES
        .iter()
        .copied()
        .filter(|service| outputs.contains(&format!("changed_{service}=true")))
        .collect();
    for service in SERVICES {
        let written = outputs
            .iter()
            .filter(|line| line.starts_with(&format!("changed_{service}=")))
            .count();
        assert_eq!(written, 1, "one output for {service}: {outputs:?}");
    }
    (marked, outputs.contains(&"any=true".to_string()))
}

#[test]
fn a_push_marks_the_services_whose_files_changed_and_their_dependants() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        // api changed: web depends on it, edge on web, reports on it through the cache.
        (
            "api",
            &["services/api/main.go"],
            &["api", "web", "edge", "reports"],
        ),
        ("web", &["services/web/main.go"], &["web", "edge"]),
        ("edge", &["services/edge/handler.go"], &["edge"]),
        ("shared-library", &["libs/common/lib.go"], &["worker"]),
        (
            "two-services",
            &["services/admin/main.go", "services/worker/main.go"],
            &["worker", "admin"],
        ),
        ("nothing-owned", &["README.md"], &[]),
        ("spec", &["spec.slip"], SERVICES),
        ("spec-in-a-folder", &["delivery/more.slip"], SERVICES),
        (
            "generated-overlay",
            &["kustomize/overlays/dev/kustomization.yaml"],
            SERVICES,
        ),
    ];
    for (name, touched, expected) in cases {
        let (repository, before) = repository(name);
        let after = commit(&repository, touched);
        let outputs = decide(&repository, "push", &before, &after);
        let (marked, any) = changed(&outputs);
        assert_eq!(&marked, expected, "{name}: {outputs:?}");
        assert_eq!(any, !expected.is_empty(), "{name}: {outputs:?}");
        let _ = std::fs::remove_dir_all(&repository);
    }
}

#[test]
fn a_run_by_hand_or_without_a_previous_commit_marks_every_service() {
    let (repository, before) = repository("everything");
    let after = commit(&repository, &["README.md"]);
    let cases = [
        ("by hand", "workflow_dispatch", before.as_str()),
        (
            "new branch",
            "push",
            "0000000000000000000000000000000000000000",
        ),
        ("no before", "push", ""),
        (
            "force push",
            "push",
            "1111111111111111111111111111111111111111",
        ),
    ];
    for (name, event, before) in cases {
        let outputs = decide(&repository, event, before, &after);
        assert_eq!(changed(&outputs), (SERVICES.to_vec(), true), "{name}");
    }
    let _ = std::fs::remove_dir_all(&repository);
}

#[test]
fn a_pull_request_compares_with_its_base() {
    let (repository, base) = repository("pull-request");
    let head = commit(&repository, &["services/admin/main.go"]);
    let outputs = decide(&repository, "pull_request", &base, &head);
    assert_eq!(changed(&outputs), (vec!["admin"], true));
    let _ = std::fs::remove_dir_all(&repository);
}
