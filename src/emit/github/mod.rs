//! The `github` target: one GitHub Actions workflow, `.github/workflows/<app>-delivery.yml`,
//! that builds, tests, publishes and deploys the whole app along the promotion graph.
//!
//! Jobs, in order: `build-<service>` per built service, `test`, the code analysis gate
//! (`quality` or `codeql-<language>`, see [`quality`]), the supply chain (`image`, `scan`,
//! `sbom`, `sign`), then the deploy jobs of every environment in promotion order, each
//! followed by its DAST scan (`dast-<env>`, see [`dast`]) when it has one. An entry
//! environment needs the supply chain and runs on its own trigger; every other environment
//! needs the last job of each environment it comes `after` (its DAST scan, if any).
//!
//! Deploys run the images this run built, scanned and signed, by digest ([`images`]): every
//! job that applies an overlay first pins the built images to `needs.image.outputs.ref_<service>`
//! in a kustomization of its own; the spec's tag stays in the generated overlays only.
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
mod dast;
mod deploy;
mod images;
mod live;
mod pins;
mod prometheus;
mod provenance;
mod quality;
mod rollout;
mod script;
mod supply;
mod triggers;
mod types;

use super::{yaml, Options, Output};
use crate::check::model::{Approval, Environment, Model, StrategyKind};
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use types::{Permissions, Workflow};

/// `.github/workflows/<app>-delivery.yml`
pub fn workflow_path(model: &Model) -> String {
    format!(".github/workflows/{}-delivery.yml", model.app_name())
}

/// Writes the workflow.
pub fn emit(model: &Model, options: &Options, output: &mut Output) {
    let workflow = workflow(model, options);
    let text = format!(
        "{}{}{}",
        super::header(options),
        setup_notes(model, options, &workflow),
        pins::annotate(&yaml::document_text(&workflow))
    );
    output.insert(workflow_path(model), text);
    let built = build::built_services(model);
    for (path, script) in deploy::rollout_scripts(model, options, &built) {
        output.insert(path, script);
    }
}

/// The workflow as typed data.
fn workflow(model: &Model, options: &Options) -> Workflow {
    let built = build::built_services(model);
    let mut jobs = IndexMap::new();
    let mut build_ids = Vec::new();
    for service in &built {
        let id = format!("build-{}", service.name());
        jobs.insert(id.clone(), build::build_job(*service));
        build_ids.push(id);
    }
    let mut image_needs = build_ids.clone();
    if let Some(test) = build::test_job(&built, build_ids) {
        jobs.insert("test".to_string(), test);
        image_needs = vec!["test".to_string()];
    }
    // The code analysis gate: no image is built from code that fails it.
    for (id, job) in quality::jobs(model, &built) {
        jobs.insert(id.clone(), job);
        image_needs.push(id);
    }
    jobs.extend(supply::jobs(&built, image_needs));
    let supply_chain: Vec<String> = match built.is_empty() {
        true => Vec::new(),
        false => supply::SUPPLY_CHAIN
            .iter()
            .map(|id| id.to_string())
            .collect(),
    };

    let mut finished_by: BTreeMap<&str, String> = BTreeMap::new();
    let mut entries = Vec::new();
    for environment in super::environments(model, options) {
        let after: Vec<String> = environment
            .after
            .iter()
            .filter_map(|a| finished_by.get(a.value.as_str()).cloned())
            .collect();
        if !environment.deployed_by_workflow() {
            // `deployer = argocd`: Argo CD applies this environment, so the workflow has no
            // job for it; the environments after it follow the ones before it.
            let passthrough = after
                .first()
                .cloned()
                .or_else(|| supply_chain.last().cloned());
            if let Some(job) = passthrough {
                finished_by.insert(&environment.name.value, job);
            }
            continue;
        }
        let (needs, condition) = if after.is_empty() {
            entries.push(environment);
            (supply_chain.clone(), triggers::entry_condition(environment))
        } else {
            (after, triggers::NOT_PULL_REQUEST.to_string())
        };
        let environment_jobs =
            deploy::environment_jobs(model, options, environment, &built, needs, condition);
        let last = environment_jobs.last().map(|(id, _)| id.clone());
        jobs.extend(environment_jobs);
        if let Some(last) = last {
            // The environments after this one wait for its DAST scan, when it has one.
            let finished = match dast::job(environment, &last) {
                Some(scan) => {
                    let id = dast::job_id(&environment.name.value);
                    jobs.insert(id.clone(), scan);
                    id
                }
                None => last,
            };
            finished_by.insert(&environment.name.value, finished);
        }
    }
    Workflow {
        name: format!("{} delivery", model.app_name()),
        on: triggers::triggers(&entries),
        permissions: Permissions::new(),
        jobs,
    }
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
# Deploys run the images this run built, scanned, signed and attested, by digest: each deploy\n\
# job that applies an overlay first writes a kustomization under $RUNNER_TEMP that takes the\n\
# overlay as its resource and pins every built image to needs.image.outputs.ref_<service>,\n\
# then refuses any image without SLSA provenance signed by this workflow in this run.\n\
# The image tag in the spec is only the default of the generated manifests and overlays.\n";

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
