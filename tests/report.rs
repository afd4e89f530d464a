//! `slipway report`: the compliance summary of every example in Markdown, one in JSON, a
//! spec with a waiver (its reason and what it covers), and a spec with errors (no report).

use std::path::{Path, PathBuf};
use std::process::Output;

mod cli_support;

fn slipway(args: &[&str], dir: &Path) -> Output {
    cli_support::command(dir, args)
        .output()
        .expect("the slipway binary runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn report(example: &str, format: &str) -> String {
    let output = slipway(
        &["report", &format!("examples/{example}"), "--format", format],
        &repo(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn every_example_in_markdown() {
    for example in [
        "argo-rollouts",
        "delivery-matrix",
        "multi-service",
        "web-rolling",
    ] {
        insta::assert_snapshot!(format!("markdown-{example}"), report(example, "markdown"));
    }
}

#[test]
fn json_for_tools() {
    let json = report("multi-service", "json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("the report is JSON");
    insta::assert_json_snapshot!(value);
}

#[test]
fn a_waiver_is_reported_with_its_reason_and_what_it_covers() {
    let dir = repo().join("target/test-scratch/report-waiver");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    std::fs::write(
        dir.join("shop.slip"),
        r#"app shop {
  repository = "https://github.com/acme/shop"
}

service web {
  image    = "web:1.4.2"
  ports { http = 8080 }
  replicas = 1
  env {
    DB_PASSWORD = secret { name = "web-db"  key = "password" }
  }
}

environment prod {
  cluster    = "prod-cluster"
  namespace  = "shop-prod"
  trigger    = push { branch = "main" }
  production = true
  approval   = manual { reviewers = ["sre"] }
}

policy two-replicas {
  each    = deployment
  when    = environment.production
  require = service.replicas >= 2
  message = "production services run at least two replicas"
}

waive two-replicas {
  service = web
  reason  = "a singleton by design: it holds the scheduler lock"
}
"#,
    )
    .expect("spec");
    let output = slipway(&["report", "shop.slip"], &dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn a_spec_with_errors_gets_no_report() {
    let dir = repo().join("target/test-scratch/report-errors");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    std::fs::write(dir.join("bad.slip"), "service web {\n  image = 42\n}\n").expect("spec");
    let output = slipway(&["report", "bad.slip"], &dir);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "a report was printed");
}
