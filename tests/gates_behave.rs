//! The delivery gates can fail: each test runs a gate step of the generated workflow with bash,
//! as GitHub would, with the tool it calls (`docker` running ZAP, `cosign`) replaced by a stub
//! that answers as the real tool does, and checks that the step fails exactly when the spec
//! says the pipeline must stop: a ZAP alert at the spec's risk or higher, or a scan that did not
//! complete; a CodeQL alert at the spec's security severity or higher, or no results; an image
//! whose provenance is missing, signed by another identity, or made in another run.

use serde_yaml::Value;
use slipway::emit::{self, Options, Target};
use slipway::SourceFile;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workflow(spec: &str) -> Value {
    let files = vec![SourceFile {
        name: "spec.slip".into(),
        text: spec.into(),
    }];
    let checked = slipway::check(&files);
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let options = Options {
        targets: [Target::Github].into_iter().collect(),
        ..Options::all("spec.slip")
    };
    let output = emit::emit(&checked.model, &options);
    serde_yaml::from_str(&output.files[".github/workflows/demo-delivery.yml"]).unwrap()
}

fn step<'a>(job: &'a Value, prefix: &str) -> &'a Value {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no step {prefix}"))
}

/// A scratch directory with `bin/` (stubs, first on PATH) and `temp/` (RUNNER_TEMP).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slipway-gates-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("temp")).unwrap();
    dir
}

fn stub(dir: &Path, tool: &str, script: &str) {
    let path = dir.join("bin").join(tool);
    std::fs::write(&path, format!("#!/usr/bin/env bash\n{script}")).unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&path, permissions).unwrap();
}

/// Runs `step`'s script with its literal `env:` values, then `overrides`; returns whether it
/// succeeded and its output.
fn run(dir: &Path, step: &Value, overrides: &[(&str, String)]) -> (bool, String) {
    let mut command = Command::new("bash");
    command.arg("-c").arg(step["run"].as_str().unwrap());
    if let Some(env) = step["env"].as_mapping() {
        for (key, value) in env {
            let value = value.as_str().unwrap();
            if !value.contains("${{") {
                command.env(key.as_str().unwrap(), value);
            }
        }
    }
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    command
        .env("PATH", path)
        .env("RUNNER_TEMP", dir.join("temp"))
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/demo")
        .env(
            "GITHUB_WORKFLOW_REF",
            "acme/demo/.github/workflows/demo-delivery.yml@refs/heads/main",
        )
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_RUN_ID", "42");
    for (key, value) in overrides {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), log)
}

const SPEC: &str = r#"
app demo {
  registry = "ghcr.io/acme"
  quality_gate = codeql { fail_on = high }
}
service web {
  image = "ghcr.io/acme/web:1.0.0"
  build { toolchain = npm }
  ports { http = 8080 }
}
environment staging {
  cluster = "staging"
  namespace = "demo"
  trigger = push { branch = "main" }
  dast = zap_baseline { url = "https://staging.demo.example.com/"  fail_on = medium }
}
environment prod {
  cluster = "prod"
  namespace = "demo"
  after = staging
}
"#;

/// ZAP's JSON report with one alert of the given `riskcode`.
fn zap_report(riskcode: &str) -> String {
    format!(
        r#"{{"site":[{{"@name":"https://staging.demo.example.com","alerts":[{{"name":"Missing header","riskcode":"{riskcode}","riskdesc":"Risk {riskcode} (Medium)","count":"3"}}]}}]}}"#
    )
}

/// A stub `docker run ... zaproxy ...` that writes `report` (if any) and exits with `status`.
fn zap_stub(dir: &Path, report: Option<&str>, status: u8) {
    let write = match report {
        Some(json) => {
            std::fs::write(dir.join("report.json"), json).unwrap();
            format!(
                "cp '{}' \"$RUNNER_TEMP/zap/report.json\"\n",
                dir.join("report.json").display()
            )
        }
        None => String::new(),
    };
    stub(
        dir,
        "docker",
        &format!("echo \"docker $*\" >> \"$RUNNER_TEMP/calls\"\n{write}exit {status}\n"),
    );
}

#[test]
fn a_zap_alert_at_the_spec_risk_stops_the_promotion() {
    let workflow = workflow(SPEC);
    let scan = step(&workflow["jobs"]["dast-staging"], "Scan staging");
    let needs = &workflow["jobs"]["deploy-prod"]["needs"];
    assert!(needs
        .as_sequence()
        .unwrap()
        .iter()
        .any(|n| n == "dast-staging"));

    let dir = scratch("zap-medium");
    zap_stub(&dir, Some(&zap_report("2")), 2);
    let (passed, log) = run(&dir, scan, &[]);
    assert!(!passed, "a medium alert fails at fail_on = medium: {log}");
    assert!(log.contains("Missing header"), "{log}");
    let calls = std::fs::read_to_string(dir.join("temp/calls")).unwrap();
    assert!(calls.contains("zap-baseline.py -t https://staging.demo.example.com/ -J report.json"));

    let dir = scratch("zap-low");
    zap_stub(&dir, Some(&zap_report("1")), 2);
    let (passed, log) = run(&dir, scan, &[]);
    assert!(passed, "a low alert is below medium: {log}");

    let dir = scratch("zap-high-threshold");
    zap_stub(&dir, Some(&zap_report("2")), 2);
    let (passed, log) = run(&dir, scan, &[("FAIL_ON", "3".to_string())]);
    assert!(passed, "a medium alert is below high: {log}");
}

#[test]
fn a_zap_scan_that_did_not_complete_does_not_pass() {
    let workflow = workflow(SPEC);
    let scan = step(&workflow["jobs"]["dast-staging"], "Scan staging");
    let dir = scratch("zap-unreachable");
    zap_stub(&dir, None, 3);
    let (passed, log) = run(&dir, scan, &[]);
    assert!(!passed, "{log}");
    assert!(log.contains("could not scan"), "{log}");
}

/// A SARIF file with one result of a rule whose security severity is `score`.
fn sarif(score: &str) -> String {
    format!(
        r#"{{"runs":[{{"tool":{{"driver":{{"rules":[]}},"extensions":[{{"rules":[{{"id":"js/sql-injection","properties":{{"security-severity":"{score}"}}}}]}}]}},"results":[{{"ruleId":"js/sql-injection","locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/db.js"}},"region":{{"startLine":12}}}}}}]}}]}}]}}"#
    )
}

#[test]
fn a_codeql_alert_at_the_spec_severity_stops_the_build() {
    let workflow = workflow(SPEC);
    let image_needs = &workflow["jobs"]["image-web"]["needs"];
    assert!(image_needs
        .as_sequence()
        .unwrap()
        .iter()
        .any(|n| n == "codeql-javascript-typescript"));
    let gate = step(
        &workflow["jobs"]["codeql-javascript-typescript"],
        "Fail on alerts",
    );
    for (score, should_pass) in [("8.8", false), ("7.0", false), ("5.3", true)] {
        let dir = scratch(&format!("codeql-{score}"));
        let results = dir.join("temp/codeql-results");
        std::fs::create_dir_all(&results).unwrap();
        std::fs::write(results.join("javascript.sarif"), sarif(score)).unwrap();
        let (passed, log) = run(&dir, gate, &[("RESULTS", results.display().to_string())]);
        assert_eq!(passed, should_pass, "security severity {score}: {log}");
        if !should_pass {
            assert!(
                log.contains("js/sql-injection (") && log.contains("src/db.js:12"),
                "{log}"
            );
        }
    }
    let dir = scratch("codeql-none");
    let results = dir.join("temp/codeql-results");
    std::fs::create_dir_all(&results).unwrap();
    let (passed, _) = run(&dir, gate, &[("RESULTS", results.display().to_string())]);
    assert!(!passed, "no results is no pass");
}

/// A stub `cosign verify-attestation` printing one envelope whose provenance names `run`, or
/// failing as cosign does when no attestation matches the identity.
fn cosign_stub(dir: &Path, run: Option<&str>) {
    let body = match run {
        Some(run) => {
            let statement = format!(
                r#"{{"predicateType":"https://slsa.dev/provenance/v1","predicate":{{"runDetails":{{"metadata":{{"invocationId":"https://github.com/acme/demo/actions/runs/{run}/attempts/1"}}}}}}}}"#
            );
            format!(
                "payload=\"$(printf '%s' '{statement}' | base64 -w0)\"\n\
                 printf '{{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"%s\"}}\\n' \"$payload\"\n"
            )
        }
        None => "echo 'Error: none of the attestations matched the predicate type' >&2\nexit 1\n"
            .to_string(),
    };
    stub(
        dir,
        "cosign",
        &format!("echo \"cosign $*\" >> \"$RUNNER_TEMP/calls\"\n{body}"),
    );
}

#[test]
fn a_deploy_refuses_an_image_this_run_did_not_attest() {
    let workflow = workflow(SPEC);
    let verify = step(&workflow["jobs"]["deploy-prod"], "Verify the provenance");
    let reference = format!("ghcr.io/acme/web@sha256:{}", "a".repeat(64));
    let overrides = [
        ("REF_WEB", reference.clone()),
        ("CHANGED_WEB", "true".to_string()),
    ];

    let dir = scratch("cosign-this-run");
    cosign_stub(&dir, Some("42"));
    let (passed, log) = run(&dir, verify, &overrides);
    assert!(passed, "{log}");
    let calls = std::fs::read_to_string(dir.join("temp/calls")).unwrap();
    for expected in [
        "verify-attestation --type https://slsa.dev/provenance/v1",
        "--certificate-identity https://github.com/acme/demo/.github/workflows/demo-delivery.yml@refs/heads/main",
        "--certificate-oidc-issuer https://token.actions.githubusercontent.com",
        "--certificate-github-workflow-sha 0123456789abcdef0123456789abcdef01234567",
    ] {
        assert!(calls.contains(expected), "{expected}: {calls}");
    }
    assert!(calls.trim_end().ends_with(&reference), "{calls}");

    let dir = scratch("cosign-other-run");
    cosign_stub(&dir, Some("41"));
    let (passed, log) = run(&dir, verify, &overrides);
    assert!(!passed, "provenance from another run: {log}");
    assert!(log.contains("names another run"), "{log}");

    let dir = scratch("cosign-unattested");
    cosign_stub(&dir, None);
    let (passed, log) = run(&dir, verify, &overrides);
    assert!(!passed, "no provenance signed by this workflow: {log}");
    assert!(log.contains("nothing is deployed"), "{log}");

    // A service this push did not change was not built: nothing to verify, it keeps what runs.
    let dir = scratch("cosign-unchanged");
    cosign_stub(&dir, None);
    let unchanged = [("CHANGED_WEB", "false".to_string())];
    let (passed, log) = run(&dir, verify, &unchanged);
    assert!(passed, "{log}");
    assert!(!dir.join("temp/calls").exists(), "cosign was not called");
}
