//! The `changes` job: which built services this push changed, so a monorepo push builds,
//! scans, signs and deploys only those (see [`super::supply`] and [`super::deploy`]).
//!
//! A service changed when git sees a difference, between the commit before the push
//! (`github.event.before`, or a pull request's base) and `github.sha`, under its build context
//! or one of its `build { paths }`, or when a service it depends on (directly or not, from the
//! `depends_on` graph) changed. Every service counts as changed when the spec (`*.slip`
//! anywhere in the repository) or the generated files the deploys read changed (their
//! manifests may all differ), when the run was started by hand (`workflow_dispatch`), and
//! when there is no previous commit to compare with (a new branch, a force push).
//!
//! The job writes one output per service, `changed_<service>` (`true` or `false`), and `any`.
//! The paths reach the script ([`SCRIPT`], a file of its own so shellcheck reads it) through
//! `env:` as git pathspecs: `:(top,literal)<context>` and `:(top,glob)<path>`.

use super::build::{self, Built};
use super::types::{Job, Step};
use crate::check::model::Model;
use crate::emit::Options;
use crate::graph;
use std::fmt::Write as _;

/// The id of the job.
pub(crate) const CHANGES_JOB: &str = "changes";

/// The output that says whether `service` changed: `changed_<service>`, `-` as `_`.
pub(crate) fn output_name(service: &str) -> String {
    format!("changed_{}", service.replace('-', "_"))
}

/// An expression that holds when `service` changed, in a job that needs `changes`.
pub fn changed(service: &str) -> String {
    format!(
        "needs.{CHANGES_JOB}.outputs.{} == 'true'",
        output_name(service)
    )
}

/// An expression that holds when `service` did not change (or the job gave no answer).
pub fn unchanged(service: &str) -> String {
    format!(
        "needs.{CHANGES_JOB}.outputs.{} != 'true'",
        output_name(service)
    )
}

/// An expression that holds when some service changed.
pub(crate) fn any_changed() -> String {
    format!("needs.{CHANGES_JOB}.outputs.any == 'true'")
}

/// The `changes` job for the built services.
pub fn job(model: &Model, options: &Options, built: &[Built<'_>]) -> Job {
    let step = Step::run(
        "Decide which services changed",
        super::without_header(SCRIPT),
    )
    .id("decide")
    .env("EVENT", "${{ github.event_name }}")
    .env(
        "BEFORE",
        "${{ github.event.before || github.event.pull_request.base.sha }}",
    )
    .env("AFTER", "${{ github.sha }}")
    .env("WATCH", watch(built))
    .env("DEPENDS", depends(model, built))
    .env("EVERYTHING", everything(model, options));
    // The whole history: the commit before the push must be there to compare with.
    let steps = vec![build::checkout().with("fetch-depth", "0"), step];
    let mut job = Job::new(
        "Decide which services changed",
        build::read_contents(),
        steps,
    );
    job.timeout_minutes = 10;
    for service in built {
        let name = output_name(service.name());
        job.outputs.insert(
            name.clone(),
            format!("${{{{ steps.decide.outputs.{name} }}}}"),
        );
    }
    job.outputs.insert(
        "any".to_string(),
        "${{ steps.decide.outputs.any }}".to_string(),
    );
    job
}

/// `<service> <pathspec>` lines: each service's build context and further paths.
fn watch(built: &[Built<'_>]) -> String {
    let mut lines = String::new();
    for service in built {
        let _ = writeln!(
            lines,
            "{} {}",
            service.name(),
            context_pathspec(&service.build.context)
        );
        for path in &service.build.paths {
            let _ = writeln!(lines, "{} :(top,glob){path}", service.name());
        }
    }
    lines
}

/// The build context as a pathspec: the whole repository for `.`.
fn context_pathspec(context: &str) -> String {
    match context.trim_start_matches("./").trim_end_matches('/') {
        "" | "." => ":(top)".to_string(),
        directory => format!(":(top,literal){directory}"),
    }
}

/// `<service> <dependency>` lines: every built service's transitive dependencies, from the
/// `depends_on` graph, that the workflow builds too.
fn depends(model: &Model, built: &[Built<'_>]) -> String {
    let graph = graph::dependency_graph(model);
    let mut lines = String::new();
    for service in built {
        for dependency in graph.prerequisites(service.name()) {
            if built.iter().any(|b| b.name() == dependency) {
                let _ = writeln!(lines, "{} {dependency}", service.name());
            }
        }
    }
    lines
}

/// The pathspecs whose change makes every service changed: the spec, and the generated files
/// the deploy jobs read.
fn everything(model: &Model, options: &Options) -> String {
    let mut paths = vec![":(top,glob)**/*.slip".to_string()];
    for generated in ["kustomize", "istio", "rollout"] {
        paths.push(format!(
            ":(top,literal){}",
            options.repository_path(generated)
        ));
    }
    let workflow = super::workflow_path(model);
    paths.push(format!(":(top,literal){workflow}"));
    let in_output = options.repository_path(&workflow);
    if in_output != workflow {
        paths.push(format!(":(top,literal){in_output}"));
    }
    paths.iter().map(|path| format!("{path}\n")).collect()
}

const SCRIPT: &str = include_str!("changes.sh");
