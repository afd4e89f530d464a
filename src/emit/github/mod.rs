//! The `github` target: one GitHub Actions workflow, `.github/workflows/<app>-delivery.yml`,
//! that builds, tests, publishes and deploys the whole app along the promotion graph.
//!
//! Jobs, in order: `changes` (which built services this push changed, see [`changes`]),
//! `build-<service>` per changed service, `test`, the code analysis gate (`quality` or
//! `codeql-<language>`, see [`quality`]), the supply chain per changed service
//! (`image-<service>`, `scan-<service>`, `sbom-<service>`, `sign-<service>`, in parallel; see
//! [`supply`]), then the deploy jobs of every environment in promotion order, each followed by
//! its DAST scan (`dast-<env>`, see [`dast`]) when it has one. An entry environment needs the
//! supply chain and runs on its own trigger; every other environment needs the jobs of each
//! environment it comes `after` (its DAST scan, if any). Jobs of unchanged services are
//! skipped, so the deploy jobs wait with explicit result checks ([`flow`]).
//!
//! Deploys run the images this run built, scanned and signed, by digest ([`images`]): every
//! job that applies an overlay first pins the changed services' images to
//! `needs.image-<service>.outputs.reference` in a kustomization of its own and leaves the
//! unchanged services out of the apply; the spec's tag stays in the generated overlays only.
//!
//! A canary or blue-green service keeps its live track (`<service>-stable`, `<service>-blue`)
//! on the version it runs until its rollout promotes the candidate ([`live`]): deploys apply
//! the overlay without it, so the canary is compared with, and a rollback returns to, the
//! previous version.
//!
//! The workflow runs from a checkout of the repository, so it names generated files by their
//! repository path: [`Options::output_path_in_repo`] in front of the output path.
//!
//! Security rules the workflow keeps (zizmor and actionlint check them): no permissions at
//! the top and the least each job needs; no `pull_request_target`; no expression inside a
//! `run:` script (values travel through `env:`); checkouts keep no credentials; pull requests
//! never push or deploy; every action is pinned by commit SHA ([`pins`]).

mod audit;
mod build;
mod changes;
mod dast;
mod deploy;
mod flow;
mod images;
mod live;
mod pins;
mod prometheus;
mod provenance;
mod publish;
mod quality;
mod rollout;
mod script;
mod supply;
mod triggers;
mod types;

use super::{yaml, Options, Sink};
use crate::check::model::{Approval, Environment, Model, StrategyKind};
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use types::{Permissions, Workflow};

/// `.github/workflows/<app>-delivery.yml`
pub fn workflow_path(model: &Model) -> String {
    format!(".github/workflows/{}-delivery.yml", model.app_name())
}

/// The workflow file, as (path, text).
pub fn workflow_file(model: &Model, options: &Options) -> (String, String) {
    let workflow = workflow(model, options);
    let text = format!(
        "{}{}{}",
        super::header(options),
        setup_notes(model, options, &workflow),
        pins::annotate(&yaml::document_text(&workflow))
    );
    (workflow_path(model), text)
}

/// Writes the rollout scripts the workflow runs (and their hooks' Jobs), on up to `threads`
/// threads, a batch at a time; the workflow itself is [`workflow_file`].
pub fn emit_scripts(model: &Model, options: &Options, sink: &mut dyn Sink, threads: usize) {
    let built = build::built_services(model);
    deploy::rollout_scripts(model, options, &built, sink, threads);
}

/// The workflow as typed data.
fn workflow(model: &Model, options: &Options) -> Workflow {
    let built = build::built_services(model);
    let detection = flow::Detection {
        built: built.iter().map(|b| b.name().to_string()).collect(),
    };
    let mut jobs = IndexMap::new();
    if detection.detects() {
        jobs.insert(
            changes::CHANGES_JOB.to_string(),
            changes::job(model, options, &built),
        );
    }
    let mut build_ids = Vec::new();
    for service in &built {
        let id = format!("build-{}", service.name());
        jobs.insert(id.clone(), build::build_job(*service));
        build_ids.push(id);
    }
    let test = build::test_job(&built, build_ids);
    let has_test = test.is_some();
    if let Some(test) = test {
        jobs.insert("test".to_string(), test);
    }
    // The code analysis gate: no image is built from code that fails it.
    let mut gates = Vec::new();
    for (id, job) in quality::jobs(model, &built) {
        jobs.insert(id.clone(), job);
        gates.push(id);
    }
    jobs.extend(supply::jobs(&built, |service| {
        let mut needs = match has_test {
            true => vec!["test".to_string()],
            false => vec![format!("build-{}", service.name())],
        };
        needs.extend(gates.iter().cloned());
        needs
    }));

    let mut finished_by: BTreeMap<&str, Option<flow::Finished>> = BTreeMap::new();
    let mut entries = Vec::new();
    for environment in super::environments(model, options) {
        let (start, entry) = start_of(&detection, environment, &finished_by);
        if !environment.deployed_by_workflow() {
            // `deployer = argocd`: Argo CD applies this environment, so the workflow has no
            // job for it; the environments after it follow the ones before it.
            let passthrough = environment
                .after
                .iter()
                .find_map(|a| finished_by.get(a.value.as_str()).cloned().flatten());
            finished_by.insert(&environment.name.value, passthrough);
            continue;
        }
        if entry {
            entries.push(environment);
        }
        let environment_jobs =
            deploy::environment_jobs(model, options, environment, &built, &detection, start);
        let mut all: Vec<String> = environment_jobs.iter().map(|(id, _)| id.clone()).collect();
        let first = all.first().cloned();
        let last = all.last().cloned();
        jobs.extend(environment_jobs);
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let mut succeeded = vec![first];
        // The environments after this one wait for its DAST scan, when it has one.
        let last = match dast::job(environment, &detection, &all) {
            Some(scan) => {
                let id = dast::job_id(&environment.name.value);
                jobs.insert(id.clone(), scan);
                all.push(id.clone());
                succeeded.push(id.clone());
                id
            }
            None => last,
        };
        finished_by.insert(
            &environment.name.value,
            Some(flow::Finished {
                last,
                all,
                succeeded,
            }),
        );
    }
    Workflow {
        name: format!("{} delivery", model.app_name()),
        on: triggers::triggers(&entries),
        permissions: Permissions::new(),
        jobs,
    }
}

/// What the first job of `environment` waits for, and whether it is an entry environment (it
/// follows no environment the workflow deploys). An environment after one that Argo CD
/// deploys and that follows nothing waits for the supply chain.
fn start_of(
    detection: &flow::Detection,
    environment: &Environment,
    finished_by: &BTreeMap<&str, Option<flow::Finished>>,
) -> (flow::Start, bool) {
    if environment.after.is_empty() {
        let trigger = triggers::entry_condition(environment);
        return (flow::Start::after_supply_chain(detection, trigger), true);
    }
    let known: Vec<&Option<flow::Finished>> = environment
        .after
        .iter()
        .filter_map(|a| finished_by.get(a.value.as_str()))
        .collect();
    let finished: Vec<&flow::Finished> = known.iter().filter_map(|f| f.as_ref()).collect();
    let mut start = flow::Start::after_environments(detection, &finished);
    if known.iter().any(|f| f.is_none()) || known.is_empty() {
        start.merge(flow::Start::after_supply_chain(
            detection,
            triggers::NOT_PULL_REQUEST.to_string(),
        ));
    }
    (start, false)
}

/// A comment block listing what the repository needs before the first run: the GitHub
/// environments the jobs use (with their reviewers and kube contexts) and the variables;
/// where the workflow expects the generated files; which images the deploys run; and, when a
/// service rolls out by canary or blue-green, how its live track is kept.
fn setup_notes(model: &Model, options: &Options, workflow: &Workflow) -> String {
    let mut notes = String::from("#\n# Before the first run, create these GitHub environments, each with the secret KUBECONFIG:\n");
    let environments: Vec<&Environment> = super::environments(model, options).collect();
    for job in workflow.jobs.values() {
        let Some(gate) = &job.environment else {
            continue;
        };
        // The environment itself, or the one whose name is the longest prefix of an approval
        // environment (`prod-canary-approval` belongs to `prod`, not to `pr`).
        let owner = environments
            .iter()
            .filter(|e| *gate == e.name.value || gate.starts_with(&format!("{}-", e.name.value)))
            .max_by_key(|e| e.name.value.len());
        let Some(base) = owner else { continue };
        let reviewers = match &base.approval.value {
            Approval::Manual { reviewers } => {
                format!("required reviewers: {}", reviewers.join(", "))
            }
            Approval::Automatic if *gate == base.name.value => {
                "no reviewers (automatic)".to_string()
            }
            Approval::Automatic => {
                "required reviewers: whoever approves rollout pauses".to_string()
            }
        };
        let _ = writeln!(
            notes,
            "#   {gate:<28} context {}; {}",
            one_line(&base.cluster.value),
            one_line(&reviewers)
        );
    }
    let analysed = model.deployments.iter().any(|d| {
        options.includes_environment(&d.environment)
            && d.strategy.argo_rollouts().is_none()
            && matches!(
                &d.strategy.kind,
                StrategyKind::Canary {
                    analysis: Some(_),
                    ..
                }
            )
    });
    if analysed {
        notes.push_str(&match prometheus::PrometheusAccess::of(model) {
            prometheus::PrometheusAccess::InCluster { .. } => "# Canary gates query the in-cluster Prometheus through the API server's service proxy\n\
                 # (the kubeconfig's user needs `get` on `services/proxy` in its namespace).\n"
                .to_string(),
            prometheus::PrometheusAccess::Url(url) => format!(
                "# Canary gates query {url} directly, with the bearer token in the repository secret\n\
                 # PROMETHEUS_TOKEN when there is one.\n"
            ),
        });
    }
    notes.extend(quality::note(model));
    notes.extend(dast::note(&environments));
    if build::built_services(model)
        .iter()
        .any(|b| !supply::on_ghcr(&b.service.image))
    {
        notes.push_str("# Images outside ghcr.io need the repository secrets REGISTRY_USERNAME and REGISTRY_PASSWORD.\n");
    }
    notes.push_str(&paths_note(options, &workflow_path(model)));
    let pinned = workflow
        .jobs
        .values()
        .any(|job| job.steps.iter().any(images::reads_pinned));
    if pinned {
        notes.push_str(IMAGES_NOTE);
    }
    let progressive = model.deployments.iter().any(|d| {
        options.includes_environment(&d.environment)
            && d.strategy.argo_rollouts().is_none()
            && matches!(
                d.strategy.kind,
                StrategyKind::Canary { .. } | StrategyKind::BlueGreen { .. }
            )
    });
    if progressive {
        notes.push_str(LIVE_TRACK_NOTE);
    }
    if model.deployments.iter().any(|d| {
        options.includes_environment(&d.environment) && d.strategy.argo_rollouts().is_some()
    }) {
        notes.push_str(ARGO_ROLLOUTS_NOTE);
    }
    notes
}

/// Where the generated files must be for the paths in the workflow to hold.
fn paths_note(options: &Options, workflow: &str) -> String {
    match options.output_path_in_repo.as_str() {
        "" => "#\n\
# Paths are relative to the repository root, which must hold the generated files (run\n\
# `slipway compile --out .` from the repository root).\n"
            .to_string(),
        prefix => format!(
            "#\n\
# Paths are relative to the repository root; the generated files are expected under\n\
# {prefix}/ (`slipway compile --out {prefix}`, run from the repository root).\n\
# GitHub runs workflows only from .github/workflows/ at the root (not through symlinks),\n\
# so copy {prefix}/{workflow} there.\n"
        ),
    }
}

/// Which images the deploys run, for whoever reads the workflow.
const IMAGES_NOTE: &str = "#\n\
# A push builds, scans, signs and deploys only the services it changed (the changes job: files\n\
# under a service's build context or build paths, or a service it depends on; the spec or the\n\
# generated files changing, or a run by hand, changes them all). Deploys run the images this\n\
# run built, by digest: each deploy job that applies an overlay first writes a kustomization\n\
# under $RUNNER_TEMP that takes the overlay as its resource and pins every changed service's\n\
# image to needs.image-<service>.outputs.reference, then refuses any image without SLSA\n\
# provenance signed by this workflow in this run. An unchanged service is left out of the\n\
# apply and keeps the image it runs (it must run already). The image tag in the spec is only\n\
# the default of the generated manifests and overlays.\n";

/// Who runs the steps of an Argo Rollouts canary, for whoever reads the workflow.
const ARGO_ROLLOUTS_NOTE: &str = "#\n\
# Canaries on the Argo Rollouts engine run in the cluster: the deploy applies their Rollout,\n\
# AnalysisTemplate and routing with the overlay, and the Argo Rollouts controller steps them.\n";

/// How a canary or blue-green rollout treats the live track, for whoever reads the workflow.
const LIVE_TRACK_NOTE: &str = "#\n\
# Canary and blue-green services keep serving from their live track (<service>-stable,\n\
# <service>-blue) on the version it runs: a deploy applies the overlay without the live tracks\n\
# (-l 'version notin (...)') and creates one only when it does not exist yet. The promotion at\n\
# the end of a rollout applies it from the overlay the deploy applied, so it runs the image the\n\
# candidate (-canary, -green) ran; a rollback only routes all traffic back to it and scales\n\
# the candidate down.\n";

/// A step's script kept as a file of its own (so shellcheck reads it as shell), without the
/// file's comment header, which stays out of the workflow.
fn without_header(script: &str) -> String {
    script
        .lines()
        .skip_while(|line| line.starts_with('#'))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// Text that cannot break out of a YAML comment line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
