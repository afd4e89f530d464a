//! Phase 4: the checked model to files. Each target (Kubernetes, Istio, Kustomize, GitHub
//! Actions, and on request Argo CD, Prometheus and Grafana) is one folder behind the same
//! interface: model in, files out.
//!
//! Emitters read only the [`Model`] (never syntax or spans) and hand each file to a [`Sink`]
//! as soon as it is rendered, a batch at a time: [`Output`] collects them into an in-memory
//! tree (path -> text) for the tests, the stream and the drift check; the CLI's sink compares
//! each file with `--out` and stages it at once, so the whole output is never held. Every
//! map is ordered and every list has a fixed order, so the same model always gives
//! byte-identical files, in the same order whatever the number of threads.
//!
//! # Conventions shared by the targets
//!
//! * Paths are relative, `/`-separated, and built only from names the checker validated
//!   (DNS-1123 labels), so no spec can make the compiler write outside the output directory.
//! * Every object carries the labels of [`labels::standard`]; pods are selected by
//!   `app.kubernetes.io/name` and `app.kubernetes.io/instance`.
//! * A service on a canary strategy runs as two Deployments, `<service>-stable` and
//!   `<service>-canary`; on blue-green as `<service>-blue` and `<service>-green`. Their pods
//!   carry the label `version: <track>`, which the Istio DestinationRule subsets select.
//!   Other strategies run one Deployment named after the service. See [`tracks`].
//! * A canary on the Argo Rollouts engine runs as no Deployment at all: one Argo `Rollout`
//!   named after the service replaces the tracks ([`rollouts`]), and the `k8s` target writes it
//!   together with the routing it drives.
//! * Every PromQL query comes from [`metrics`], so canary analysis, alerts and dashboards agree.

pub mod argocd;
pub mod github;
pub mod grafana;
pub mod istio;
pub mod k8s;
// The Kustomize emitter is being reworked on its own branch (issue 20); its four index
// expressions (overlay.rs) are mended there rather than here.
#[allow(clippy::indexing_slicing)]
pub mod kustomize;
pub mod labels;
pub mod metrics;
pub mod object;
pub(crate) mod parallel;
pub mod prometheus;
pub mod report;
pub mod rollouts;
pub mod stream;
pub mod yaml;

use crate::check::model::{Deployment, Model, StrategyKind};
use std::collections::{BTreeMap, BTreeSet};

/// The generated files: relative path to file text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub files: BTreeMap<String, String>,
}

/// Where emitters put the files they render: one `(path, text)` per file, in a fixed order
/// (the same for any number of threads), each path once. No emitter reads a file back.
pub trait Sink {
    /// Takes a batch of rendered files.
    fn take(&mut self, files: Vec<(String, String)>);

    /// Takes one rendered file.
    fn put(&mut self, path: String, text: String) {
        self.take(vec![(path, text)]);
    }
}

impl Sink for Output {
    fn take(&mut self, files: Vec<(String, String)>) {
        self.files.extend(files);
    }
}

impl Output {
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }
}

/// The output targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    K8s,
    Istio,
    Kustomize,
    Github,
    /// Argo CD `Application`s and their `AppProject` (not written unless asked for).
    Argocd,
    /// prometheus-operator `PrometheusRule`s and `ServiceMonitor`s (not written unless asked
    /// for).
    Prometheus,
    /// Grafana dashboards, as JSON and as ConfigMaps for Grafana's dashboard sidecar (not
    /// written unless asked for).
    Grafana,
}

impl Target {
    /// Every target, in the order they are written.
    pub const ALL: &'static [Target] = &[
        Target::K8s,
        Target::Istio,
        Target::Kustomize,
        Target::Github,
        Target::Argocd,
        Target::Prometheus,
        Target::Grafana,
    ];

    /// What `slipway compile` writes without `--target`: the manifests, the routing and the
    /// workflow. Argo CD and Prometheus objects need a controller or an operator in the cluster,
    /// and dashboards a Grafana, so they are written only when asked for.
    pub const DEFAULT: &'static [Target] = &[
        Target::K8s,
        Target::Istio,
        Target::Kustomize,
        Target::Github,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::K8s => "k8s",
            Target::Istio => "istio",
            Target::Kustomize => "kustomize",
            Target::Github => "github",
            Target::Argocd => "argocd",
            Target::Prometheus => "prometheus",
            Target::Grafana => "grafana",
        }
    }

    pub fn parse(text: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.name() == text)
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub targets: BTreeSet<Target>,
    /// Only these environments; `None` for all.
    pub environments: Option<BTreeSet<String>>,
    /// Named in the header comment of every file, e.g. `examples/delivery-matrix`.
    pub source: String,
    /// Where the output directory lies in the repository: `/`-separated, without a trailing
    /// `/` (`deploy`, `ops/generated`), or empty for the repository root. The GitHub workflow
    /// runs from a checkout of the repository, so it names every generated file it applies
    /// with this in front (see [`Options::repository_path`]). Only values that
    /// [`check_output_path_in_repo`] accepts may be set: the workflow splices these paths into
    /// shell commands.
    pub output_path_in_repo: String,
    /// Only the files of the resting state: the `istio` target then leaves out the canary
    /// step and blue-green switch VirtualServices (`istio/<env>/<service>/steps/...`,
    /// `.../switch/`), which only a rollout applies. Set for a stream (see [`stream`]), which
    /// prints the resting state alone and would drop those files unread; a directory gets
    /// every file.
    pub resting_state_only: bool,
}

impl Options {
    /// Every environment and the default targets ([`Target::DEFAULT`]).
    pub fn all(source: impl Into<String>) -> Options {
        Options {
            targets: Target::DEFAULT.iter().copied().collect(),
            environments: None,
            source: source.into(),
            output_path_in_repo: String::new(),
            resting_state_only: false,
        }
    }

    /// A path relative to the output directory (`kustomize/overlays/prod`) as a path relative
    /// to the repository root (`deploy/kustomize/overlays/prod`).
    pub(crate) fn repository_path(&self, path: &str) -> String {
        match self.output_path_in_repo.as_str() {
            "" => path.to_string(),
            prefix => format!("{prefix}/{path}"),
        }
    }

    pub(crate) fn includes_environment(&self, name: &str) -> bool {
        self.environments
            .as_ref()
            .is_none_or(|set| set.contains(name))
    }
}

/// Checks a value for [`Options::output_path_in_repo`]: empty, or `/`-separated segments of
/// letters, digits, `.`, `_` and `-` (the portable file name characters), none of them `.`,
/// `..` or starting with `-`. Such a path needs no quoting in a shell command or in YAML and
/// cannot start a GitHub expression.
pub fn check_output_path_in_repo(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Ok(());
    }
    let portable = |segment: &str| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && !segment.starts_with('-')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    match path.split('/').all(portable) {
        true => Ok(()),
        false => Err(format!(
            "`{path}` cannot be named in the workflow: use only letters, digits, `.`, `_`, `-` and `/`"
        )),
    }
}

/// The header comment at the top of every generated YAML file.
pub fn header(options: &Options) -> String {
    format!(
        "# Generated by slipway from {}. Do not edit: change the spec and run `slipway compile`.\n",
        options.source
    )
}

/// The environments to emit, in promotion order.
pub fn environments<'m>(
    model: &'m Model,
    options: &'m Options,
) -> impl Iterator<Item = &'m crate::check::model::Environment> + 'm {
    model
        .promotion_order
        .iter()
        .filter(|name| options.includes_environment(name))
        .filter_map(|name| model.environment(name))
}

/// One Deployment of a service in an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Track {
    /// The Deployment name: `web`, `web-stable`, `web-canary`, `web-blue`, `web-green`.
    pub workload: String,
    /// The `version` pod label, for tracks that Istio subsets select.
    pub version: Option<&'static str>,
}

/// The Deployments a service runs as, given its strategy in an environment: none on the Argo
/// Rollouts engine, whose one `Rollout` (named after the service) manages the pods itself.
pub(crate) fn tracks(deployment: &Deployment) -> Vec<Track> {
    if deployment.strategy.argo_rollouts().is_some() {
        return Vec::new();
    }
    let service = &deployment.service;
    let pair = |a: &'static str, b: &'static str| {
        vec![
            Track {
                workload: format!("{service}-{a}"),
                version: Some(a),
            },
            Track {
                workload: format!("{service}-{b}"),
                version: Some(b),
            },
        ]
    };
    match deployment.strategy.kind {
        StrategyKind::Canary { .. } => pair("stable", "canary"),
        StrategyKind::BlueGreen { .. } => pair("blue", "green"),
        StrategyKind::Rolling { .. } | StrategyKind::Recreate => {
            vec![Track {
                workload: service.clone(),
                version: None,
            }]
        }
    }
}

/// Generates every requested target for the requested environments.
pub fn emit(model: &Model, options: &Options) -> Output {
    emit_parallel(model, options, 1)
}

/// [`emit`], with the per-service work spread over up to `threads` threads. The output is the
/// same whatever the number.
pub fn emit_parallel(model: &Model, options: &Options, threads: usize) -> Output {
    let mut output = Output::default();
    emit_into(model, options, threads, &mut output);
    output
}

/// [`emit_parallel`] into `sink`: every file is handed over as soon as its batch is rendered,
/// in the same order whatever the number of threads.
pub fn emit_into(model: &Model, options: &Options, threads: usize, sink: &mut dyn Sink) {
    // The workflow is one large file: with threads to spare, it is built beside the others.
    let workflow_apart = threads > 1 && options.targets.contains(&Target::Github);
    std::thread::scope(|scope| {
        let workflow =
            workflow_apart.then(|| scope.spawn(|| github::workflow_file(model, options)));
        emit_targets(model, options, threads, sink);
        if options.targets.contains(&Target::Github) {
            let file = workflow
                .and_then(|handle| handle.join().ok())
                .unwrap_or_else(|| github::workflow_file(model, options));
            sink.put(file.0, file.1);
        }
    });
}

/// Every requested target but the workflow file itself (see [`emit_into`]); no target reads
/// another's files.
fn emit_targets(model: &Model, options: &Options, threads: usize, sink: &mut dyn Sink) {
    for target in &options.targets {
        match target {
            Target::K8s => k8s::emit(model, options, sink, threads),
            Target::Istio => istio::emit(model, options, sink, threads),
            Target::Kustomize => kustomize::emit(model, options, sink, threads),
            Target::Github => github::emit_scripts(model, options, sink, threads),
            Target::Argocd => argocd::emit(model, options, sink),
            Target::Prometheus => prometheus::emit(model, options, sink),
            Target::Grafana => grafana::emit(model, options, sink),
        }
    }
}
