//! The code analysis gate (`app { quality_gate = ... }`): jobs that run before the `image`
//! job, which needs them, so no image is built, pushed or deployed from code that fails the
//! gate. Pull requests run them too.
//!
//! * `sonarqube`: one `quality` job compiles every service that has a toolchain (SonarQube
//!   reads Java bytecode) and runs SonarSource's scanner with `sonar.qualitygate.wait=true`:
//!   the scanner waits for the server's quality gate and fails the job unless it passes. The
//!   server URL and token come from the repository's variables and secrets named in the spec,
//!   through `env:` only.
//! * `codeql`: one `codeql-<language>` job per language of the built services (from their
//!   toolchains), with `security-events: write` for the upload and nothing else to write. After
//!   the analysis, a script reads the SARIF and fails on any alert whose security severity
//!   reaches `fail_on` (CodeQL itself never fails on alerts).

use super::build::{self, checkout, Built};
use super::pins;
use super::types::{Job, Permissions, Step};
use crate::check::model::{CiReference, Model, QualityGate, ToolchainKind};

/// The quality jobs, in order, or nothing when the app has no gate or nothing is built.
pub fn jobs(model: &Model, built: &[Built<'_>]) -> Vec<(String, Job)> {
    let Some(gate) = model.app.as_ref().and_then(|app| app.quality_gate.as_ref()) else {
        return Vec::new();
    };
    if built.is_empty() {
        return Vec::new();
    }
    match gate {
        QualityGate::Sonarqube {
            host,
            token,
            project,
            organization,
        } => vec![(
            "quality".to_string(),
            sonarqube_job(built, host, token, project, organization.as_deref()),
        )],
        QualityGate::Codeql { fail_on } => languages(built)
            .into_iter()
            .map(|(language, build_mode)| {
                (
                    format!("codeql-{language}"),
                    codeql_job(
                        language,
                        build_mode,
                        fail_on.minimum_score(),
                        fail_on.keyword(),
                    ),
                )
            })
            .collect(),
    }
}

/// What the repository needs for the gate, for the workflow's header comment.
pub fn note(model: &Model) -> Option<String> {
    let gate = model.app.as_ref()?.quality_gate.as_ref()?;
    Some(match gate {
        QualityGate::Sonarqube { host, token, .. } => format!(
            "# The SonarQube quality gate reads the server's URL from {} and its token from {};
             # no image is built unless the gate passes.
",
            described(host),
            described(token)
        ),
        QualityGate::Codeql { .. } => {
            "# CodeQL uploads its alerts to code scanning (GitHub Advanced Security on private
             # repositories); no image is built while an alert reaches the gate's severity.
"
            .to_string()
        }
    })
}

fn described(reference: &CiReference) -> String {
    match reference {
        CiReference::Secret(name) => format!("the repository secret {name}"),
        CiReference::Variable(name) => format!("the repository variable {name}"),
    }
}

/// `${{ secrets.NAME }}` or `${{ vars.NAME }}`; names are checked (letters, digits, `_`).
fn expression(reference: &CiReference) -> String {
    match reference {
        CiReference::Secret(name) => format!("${{{{ secrets.{name} }}}}"),
        CiReference::Variable(name) => format!("${{{{ vars.{name} }}}}"),
    }
}

fn sonarqube_job(
    built: &[Built<'_>],
    host: &CiReference,
    token: &CiReference,
    project: &str,
    organization: Option<&str>,
) -> Job {
    let mut steps = vec![checkout().with("fetch-depth", "0")];
    steps.extend(build::compile_steps(built));
    let mut args = vec![
        format!("-Dsonar.projectKey={project}"),
        "-Dsonar.qualitygate.wait=true".to_string(),
    ];
    if let Some(organization) = organization {
        args.push(format!("-Dsonar.organization={organization}"));
    }
    let java = built.iter().any(|b| {
        b.build
            .toolchain
            .as_ref()
            .is_some_and(|t| matches!(t.kind, ToolchainKind::Maven | ToolchainKind::Gradle))
    });
    if java {
        args.push("-Dsonar.java.binaries=**/target/classes,**/build/classes".to_string());
    }
    steps.push(
        Step::uses(
            "SonarQube analysis and quality gate",
            pins::SONARQUBE_SCAN.reference(),
        )
        .with("args", args.join(" "))
        .env("SONAR_HOST_URL", expression(host))
        .env("SONAR_TOKEN", expression(token)),
    );
    Job::new(
        "Code analysis (SonarQube quality gate)",
        build::read_contents(),
        steps,
    )
}

/// CodeQL's language of each toolchain, with the build mode it analyses it in (the checker
/// refuses a CodeQL gate over a service CodeQL cannot analyse, SW0354).
fn languages(built: &[Built<'_>]) -> Vec<(&'static str, &'static str)> {
    let mut languages: Vec<(&'static str, &'static str)> = built
        .iter()
        .filter_map(|b| b.build.toolchain.as_ref())
        .filter_map(|toolchain| toolchain.kind.codeql_language())
        .collect();
    languages.sort_unstable();
    languages.dedup();
    languages
}

fn codeql_job(language: &str, build_mode: &str, minimum: &str, fail_on: &str) -> Job {
    let results = "${{ runner.temp }}/codeql-results";
    let steps = vec![
        checkout(),
        Step::uses("Initialise CodeQL", pins::CODEQL_INIT.reference())
            .with("languages", language)
            .with("build-mode", build_mode),
        Step::uses("Analyse with CodeQL", pins::CODEQL_ANALYZE.reference())
            .with("category", format!("/language:{language}"))
            .with("output", results),
        Step::run(
            format!("Fail on alerts of security severity {fail_on} or higher"),
            super::without_header(SCRIPT),
        )
        .env("RESULTS", results)
        .env("MINIMUM_SCORE", minimum)
        .env("FAIL_ON", fail_on),
    ];
    let mut permissions = Permissions::new();
    permissions.insert("actions", "read");
    permissions.insert("contents", "read");
    permissions.insert("security-events", "write");
    let mut job = Job::new(
        format!("Code analysis (CodeQL, {language})"),
        permissions,
        steps,
    );
    job.timeout_minutes = 60;
    job
}

const SCRIPT: &str = include_str!("codeql.sh");
