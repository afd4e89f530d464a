//! SW0324: `slipway check`, run in a repository, reads each built service's Dockerfile and
//! warns when it has a single stage (the image job cannot see the build job's output). A
//! Dockerfile outside the repository, or a check run outside any repository, is not judged.

use std::path::{Path, PathBuf};
use std::process::Output;

mod cli_support;

const SPEC: &str = r#"app shop {
  repository = "https://github.com/acme/shop"
}

service api {
  image = "api:1.0.0"
  ports { http = 8080 }
  build {
    context   = "services/api"
    toolchain = maven { java = 21 }
  }
}
"#;

const SINGLE_STAGE: &str = "# a comment\nFROM eclipse-temurin:21-jre\nCOPY target/api.jar /api.jar\nRUN echo \\\n  from the continued line\nENTRYPOINT [\"java\", \"-jar\", \"/api.jar\"]\n";

const MULTI_STAGE: &str = "FROM maven:3-eclipse-temurin-21 AS build\nCOPY . /src\nRUN mvn -f /src package\n\nfrom eclipse-temurin:21-jre\nCOPY --from=build /src/target/api.jar /api.jar\n";

fn slipway(args: &[&str], dir: &Path) -> Output {
    cli_support::command(dir, args)
        .output()
        .expect("the slipway binary runs")
}

/// A fresh directory under `base` holding a spec in `spec/` and, when `repository`, a `.git`.
fn project(base: &Path, name: &str, repository: bool, dockerfile: &str) -> PathBuf {
    let dir = base.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).expect("spec dir");
    std::fs::create_dir_all(dir.join("services/api")).expect("context dir");
    if repository {
        std::fs::create_dir_all(dir.join(".git")).expect(".git");
    }
    std::fs::write(dir.join("spec/shop.slip"), SPEC).expect("spec");
    std::fs::write(dir.join("services/api/Dockerfile"), dockerfile).expect("Dockerfile");
    dir
}

fn scratch() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-scratch/dockerfile-stages")
}

fn report(output: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_single_stage_dockerfile_is_reported() {
    let dir = project(&scratch(), "single", true, SINGLE_STAGE);
    insta::assert_snapshot!(report(&slipway(&["check", "spec"], &dir)));
}

#[test]
fn a_multi_stage_dockerfile_is_fine() {
    let dir = project(&scratch(), "multi", true, MULTI_STAGE);
    let output = slipway(&["check", "spec"], &dir);
    assert!(output.status.success(), "{}", report(&output));
    assert!(!report(&output).contains("SW0324"), "{}", report(&output));
}

#[test]
fn a_dockerfile_outside_the_repository_is_not_judged() {
    let outside = project(&scratch(), "outside-target", false, SINGLE_STAGE);
    let dir = project(&scratch(), "outside", true, MULTI_STAGE);
    std::fs::remove_file(dir.join("services/api/Dockerfile")).expect("remove");
    std::os::unix::fs::symlink(
        outside.join("services/api/Dockerfile"),
        dir.join("services/api/Dockerfile"),
    )
    .expect("symlink");
    let output = slipway(&["check", "spec"], &dir);
    assert!(!report(&output).contains("SW0324"), "{}", report(&output));
}

#[test]
fn outside_any_repository_nothing_is_judged() {
    let base = std::env::temp_dir().join(format!("slipway-dockerfile-{}", std::process::id()));
    let dir = project(&base, "norepo", false, SINGLE_STAGE);
    let output = slipway(&["check", "spec"], &dir);
    let _ = std::fs::remove_dir_all(&base);
    assert!(!report(&output).contains("SW0324"), "{}", report(&output));
}
