//! The deploy jobs of one environment. The first, `deploy-<env>`, runs in the GitHub
//! environment `<env>` (whose required reviewers enforce a manual approval): it applies the
//! Kustomize overlay with the built images pinned to this run's digests (see
//! [`super::images`]; without the live tracks of canary and blue-green services, which it only
//! creates when they do not exist yet; see [`super::live`]) and the resting Istio routing,
//! waits for the Deployments, and runs the canary and blue-green rollouts. Each pause for a
//! person starts a further job in an approval environment (`<env>-canary-approval`,
//! `<env>-switch-approval`) that needs the job before it. Canary rollouts run before
//! blue-green switches. All jobs of an environment share one concurrency group that never
//! cancels a running deployment.
//!
//! Every job that applies the pinned kustomization writes it in its own first step, verifies
//! the SLSA provenance of every image it pins before anything is applied (see
//! [`super::provenance`]), and lists `image` in its `needs:` (GitHub gives a job the outputs of its direct needs only). Generated
//! files are named by repository paths ([`Options::repository_path`]).

use super::audit;
use super::build::{checkout, read_contents, Built};
use super::changes::CHANGES_JOB;
use super::flow::{Detection, Start};
use super::images::Overlay;
use super::live::{self, LiveTrack};
use super::prometheus::PrometheusAccess;
use super::provenance;
use super::rollout::{self, Piece};
use super::script;
use super::supply::{self, IMAGE};
use super::types::{Concurrency, Job, Step};
use crate::check::model::{Deployment, Environment, Model, StrategyKind};
use crate::emit::istio::Layout;
use crate::emit::{istio, tracks, Options};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The secret (of each deploy environment) holding the kubeconfig.
pub(crate) const KUBECONFIG_SECRET: &str = "${{ secrets.KUBECONFIG }}";

/// The id of an environment's first deploy job.
pub(crate) fn job_id(environment: &str) -> String {
    format!("deploy-{environment}")
}

/// A job being assembled.
struct Phase {
    id: String,
    name: String,
    environment: String,
    steps: Vec<Step>,
    waits_millis: u64,
    /// The services whose rollout has steps (or the approval) in this job.
    services: Vec<String>,
}

impl Phase {
    fn new(id: String, name: String, environment: String, cluster: &str) -> Phase {
        Phase {
            id,
            name,
            environment,
            steps: vec![checkout(), configure_kubectl(cluster)],
            waits_millis: 0,
            services: Vec::new(),
        }
    }
}

/// Writes the kubeconfig from the environment's secret and selects the cluster's context.
fn configure_kubectl(cluster: &str) -> Step {
    Step::run(
        "Configure kubectl",
        "mkdir -p \"$HOME/.kube\"\n\
         umask 077\n\
         printf '%s\\n' \"$KUBECONFIG_DATA\" > \"$HOME/.kube/config\"\n\
         kubectl config use-context \"$KUBE_CONTEXT\"\n",
    )
    .env("KUBECONFIG_DATA", KUBECONFIG_SECRET)
    .env("KUBE_CONTEXT", cluster)
}

/// What the deploy jobs of one environment share.
struct Scope<'a> {
    model: &'a Model,
    options: &'a Options,
    overlay: Overlay,
    prometheus: PrometheusAccess,
    detection: &'a Detection,
    /// The Istio files of the environment's deployments by (environment, service), planned
    /// once: the jobs ask for them several times each.
    layouts: BTreeMap<(String, String), Option<Layout>>,
}

impl<'a> Scope<'a> {
    fn new(
        model: &'a Model,
        options: &'a Options,
        environment: &str,
        deployments: &[&Deployment],
        built: &[Built<'_>],
        detection: &'a Detection,
    ) -> Scope<'a> {
        let mut overlay = Overlay::new(environment, deployments, built, options, detection);
        let live: Vec<LiveTrack> = deployments
            .iter()
            .filter(|d| istio::layout(model, d).is_some())
            .filter_map(|d| LiveTrack::of(d, &overlay.applied()))
            .collect();
        overlay.live_selector = live::without_live_tracks(&live);
        let mut scope = Scope {
            model,
            options,
            overlay,
            prometheus: PrometheusAccess::of(model),
            detection,
            layouts: BTreeMap::new(),
        };
        scope.layouts = deployments
            .iter()
            .map(|d| {
                let key = (d.environment.clone(), d.service.clone());
                (key, scope.plan_layout(d))
            })
            .collect();
        scope
    }

    /// A step of `service`'s rollout, run only when the service changed.
    fn for_service(&self, step: Step, service: &str) -> Step {
        match self.detection.when_changed([service]) {
            Some(changed) => match step.condition.clone() {
                Some(own) => step.when(format!("({own}) && {changed}")),
                None => step.when(changed),
            },
            None => step,
        }
    }

    /// The Istio files of a deployment, as repository paths.
    fn layout(&self, deployment: &Deployment) -> Option<Layout> {
        let key = (deployment.environment.clone(), deployment.service.clone());
        match self.layouts.get(&key) {
            Some(planned) => planned.clone(),
            None => self.plan_layout(deployment),
        }
    }

    fn plan_layout(&self, deployment: &Deployment) -> Option<Layout> {
        let layout = istio::layout(self.model, deployment)?;
        let path = |file: String| self.options.repository_path(&file);
        Some(Layout {
            destination_rule: layout.destination_rule.map(path),
            virtual_service: layout.virtual_service.map(path),
            steps: layout.steps.into_iter().map(path).collect(),
            switch: layout.switch.map(path),
        })
    }

    fn live_track(&self, deployment: &Deployment) -> Option<LiveTrack> {
        LiveTrack::of(deployment, &self.overlay.applied())
    }

    /// The repository path of a deployment's rollout script.
    fn script_path(&self, deployment: &Deployment) -> String {
        self.options
            .repository_path(&script::path(&deployment.environment, &deployment.service))
    }
}

/// The rollout scripts of every deployment whose rollout the workflow runs, by output path.
pub(crate) fn rollout_scripts(
    model: &Model,
    options: &Options,
    built: &[Built<'_>],
    sink: &mut dyn crate::emit::Sink,
    threads: usize,
) {
    let detection = Detection::default();
    for environment in crate::emit::environments(model, options) {
        let name = &environment.name.value;
        let deployments = deployments(model, name);
        let scope = Scope::new(model, options, name, &deployments, built, &detection);
        crate::emit::parallel::files_in_batches(threads, &deployments, sink, |deployment| {
            let (Some(layout), Some(live)) =
                (scope.layout(deployment), scope.live_track(deployment))
            else {
                return Vec::new();
            };
            let Some(text) = script::script(options, deployment, &live, &layout, &scope.prometheus)
            else {
                return Vec::new();
            };
            let mut files = vec![(script::path(name, &deployment.service), text)];
            files.extend(hook_files(model, options, deployment));
            files
        });
    }
}

/// The Job file of each hook of a canary the workflow runs, next to its script.
fn hook_files(model: &Model, options: &Options, deployment: &Deployment) -> Vec<(String, String)> {
    let StrategyKind::Canary { hooks, .. } = &deployment.strategy.kind else {
        return Vec::new();
    };
    hooks
        .iter()
        .map(|hook| {
            let job = crate::emit::k8s::hooks::job(model, deployment, hook);
            let text = format!(
                "{}{}",
                crate::emit::header(options),
                crate::emit::yaml::document_text(&job)
            );
            let path = script::hook_path(
                &deployment.environment,
                &deployment.service,
                &hook.name.value,
            );
            (path, text)
        })
        .collect()
}

/// The deployments of an environment, dependencies first.
fn deployments<'m>(model: &'m Model, environment: &'m str) -> Vec<&'m Deployment> {
    let mut deployments: Vec<&Deployment> = model.deployments_in(environment).collect();
    // Each service's place in the dependency order, looked up once (finding it in the list
    // for every comparison made a large environment's workflow quadratic).
    let mut ranks: HashMap<&str, usize> = HashMap::new();
    for (rank, service) in model.service_order.iter().enumerate() {
        ranks.entry(service.as_str()).or_insert(rank);
    }
    let rank = |d: &Deployment| ranks.get(d.service.as_str()).copied();
    deployments.sort_by(|a, b| {
        (rank(a).unwrap_or(usize::MAX), &a.service)
            .cmp(&(rank(b).unwrap_or(usize::MAX), &b.service))
    });
    deployments
}

/// The jobs of one environment, in order; the last one finishes the environment. The first
/// job waits as `start` says; every later one for the jobs before it ([`Start::within_environment`]).
/// A job that applies the pinned kustomization also needs the `image-<service>` job of every
/// image it pins, and `changes`.
pub(crate) fn environment_jobs(
    model: &Model,
    options: &Options,
    environment: &Environment,
    built: &[Built<'_>],
    detection: &Detection,
    start: Start,
) -> Vec<(String, Job)> {
    let name = &environment.name.value;
    let cluster = &environment.cluster.value;
    let deployments = deployments(model, name);
    let scope = Scope::new(model, options, name, &deployments, built, detection);
    let mut phase = Phase::new(
        job_id(name),
        format!("Deploy to {name}"),
        name.clone(),
        cluster,
    );
    phase.steps.extend(apply_steps(&scope, name, &deployments));
    let mut phases = Vec::new();
    let mut rollouts = deployments.clone();
    rollouts.sort_by_key(|d| rollout_rank(d));
    // The services already listed in `phase` (a lookup per step in the list itself made a
    // large environment's workflow quadratic).
    let mut listed: HashSet<&str> = HashSet::new();
    for deployment in rollouts {
        let service = &deployment.service;
        for piece in rollout_pieces(&scope, deployment) {
            match piece {
                Piece::Step { step, waits } => {
                    phase.steps.push(scope.for_service(step, service));
                    phase.waits_millis += waits.millis;
                    if listed.insert(service) {
                        phase.services.push(service.clone());
                    }
                }
                Piece::Approval {
                    job,
                    name: title,
                    environment: gate,
                } => {
                    let mut next = Phase::new(job, title, gate, cluster);
                    next.services.push(service.clone());
                    listed = HashSet::from([service.as_str()]);
                    phases.push(std::mem::replace(&mut phase, next));
                }
            }
        }
    }
    phases.push(phase);
    let aborts = abort_steps(&scope, &deployments);
    let mut jobs: Vec<(String, Job)> = Vec::new();
    for mut phase in phases {
        phase.steps.extend(aborts.iter().cloned());
        phase.steps.push(audit::record_step(
            model.app_name(),
            name,
            &phase.environment,
            &environment.namespace.value,
        ));
        let earlier: Vec<String> = jobs.iter().map(|(id, _)| id.clone()).collect();
        let start = match earlier.is_empty() {
            true => start.clone(),
            false => {
                let services: Vec<&str> = phase.services.iter().map(String::as_str).collect();
                Start::within_environment(detection, &earlier, &services)
            }
        };
        let condition = start.condition(detection);
        let mut needs = start.needs;
        // `actions: read`: the audit step reads who approved the run's environments.
        let mut permissions = read_contents();
        permissions.insert("actions", "read");
        if phase.steps.iter().any(|step| scope.overlay.read_by(step)) {
            // Right after the checkout and kubectl (an unchanged service must already run);
            // then the provenance of every pinned image, before anything is applied.
            let verify = provenance::verify_steps(&scope.overlay);
            phase.steps.splice(
                2..2,
                std::iter::once(scope.overlay.pin_step(name)).chain(verify),
            );
            let mut pinned_needs: Vec<String> = scope
                .overlay
                .pinned()
                .iter()
                .map(|(service, _)| supply::job_id(IMAGE, service))
                .collect();
            if detection.detects() {
                pinned_needs.push(CHANGES_JOB.to_string());
            }
            for need in pinned_needs {
                if !needs.contains(&need) {
                    needs.push(need);
                }
            }
            if scope
                .overlay
                .pinned()
                .iter()
                .any(|(_, host)| host == supply::GHCR)
            {
                permissions.insert("packages", "read");
            }
        }
        let mut job = Job::new(phase.name, permissions, phase.steps)
            .needs(needs)
            .when(condition);
        job.environment = Some(phase.environment);
        job.concurrency = Some(Concurrency {
            group: format!("{}-deploy-{name}", model.app_name()),
            cancel_in_progress: false,
        });
        job.timeout_minutes = 60 + phase.waits_millis.div_ceil(60_000);
        jobs.push((phase.id, job));
    }
    jobs
}

/// Applies the overlay (without the live tracks that may already run, then those that do
/// not exist yet), then the environment's Gateways and the resting Istio routing, then waits
/// for every Deployment.
fn apply_steps(scope: &Scope<'_>, environment: &str, deployments: &[&Deployment]) -> Vec<Step> {
    let overlay = scope.overlay.applied();
    let live_tracks = live_tracks(scope, deployments);
    let creates = live_tracks
        .iter()
        .map(|track| scope.for_service(track.create_if_missing(), &track.service));
    let mut steps = match live::without_live_tracks(&live_tracks) {
        // The pin step wrote the selector: without the live tracks and the unchanged services.
        _ if scope.overlay.keeps_unchanged() => {
            let mut steps = vec![scope.overlay.apply_step(environment)];
            if scope.overlay.live_selector.is_some() {
                steps.extend(creates);
            }
            steps
        }
        None => vec![Step::run(
            format!("Apply the {environment} manifests"),
            "kubectl apply -k \"$OVERLAY\"",
        )
        .env("OVERLAY", overlay)],
        Some(selector) => {
            let mut steps = vec![Step::run(
                format!("Apply the {environment} manifests, except the live tracks"),
                "kubectl apply -k \"$OVERLAY\" -l \"$SELECTOR\"",
            )
            .env("OVERLAY", overlay)
            .env("SELECTOR", selector)];
            steps.extend(creates);
            steps
        }
    };
    // The environment's Gateways first: the VirtualServices below are bound to them.
    let gateways: Vec<String> = scope
        .model
        .environment(environment)
        .map(|found| istio::gateway_files(scope.model, found))
        .unwrap_or_default()
        .iter()
        .map(|file| format!("-f {}", scope.options.repository_path(file)))
        .collect();
    let mut routing: Vec<String> = Vec::new();
    if !gateways.is_empty() {
        routing.push(format!("kubectl apply {}", gateways.join(" ")));
    }
    routing.extend(
        deployments
            .iter()
            .filter_map(|d| scope.layout(d))
            .map(|layout| {
                let files: Vec<String> =
                    layout.resting().iter().map(|f| format!("-f {f}")).collect();
                format!("kubectl apply {}", files.join(" "))
            }),
    );
    if !routing.is_empty() {
        steps.push(Step::run(
            "Apply the resting Istio routing",
            lines(&routing),
        ));
    }
    let waits: Vec<String> = deployments
        .iter()
        .flat_map(|d| {
            tracks(d)
                .into_iter()
                .map(move |track| rollout::rollout_status(&d.namespace, &track.workload))
        })
        .collect();
    if !waits.is_empty() {
        steps.push(Step::run("Wait for the Deployments", lines(&waits)));
    }
    steps
}

fn lines(commands: &[String]) -> String {
    let mut script = commands.join("\n");
    if commands.len() > 1 {
        script.insert_str(0, "set -euo pipefail\n");
        script.push('\n');
    }
    script
}

/// Canaries roll out first and blue-green switches after them (a stable sort keeps the
/// dependency order within each group): in the reference scenario the critical service's
/// canary is one promotion level and the switch of the rest the next.
fn rollout_rank(deployment: &Deployment) -> u8 {
    match deployment.strategy.kind {
        StrategyKind::Canary { .. } => 0,
        StrategyKind::BlueGreen { .. } => 1,
        StrategyKind::Rolling { .. } | StrategyKind::Recreate => 2,
    }
}

/// The live tracks of the deployments whose rollout the workflow runs (and so promotes).
fn live_tracks(scope: &Scope<'_>, deployments: &[&Deployment]) -> Vec<LiveTrack> {
    deployments
        .iter()
        .filter(|d| scope.layout(d).is_some())
        .filter_map(|d| scope.live_track(d))
        .collect()
}

/// One `abort` step per service whose rollout the workflow runs: every job of the
/// environment ends with them, so a failed or cancelled job leaves the resting state.
fn abort_steps(scope: &Scope<'_>, deployments: &[&Deployment]) -> Vec<Step> {
    let mut rollouts = deployments.to_vec();
    rollouts.sort_by_key(|d| rollout_rank(d));
    rollouts
        .into_iter()
        .filter(|d| scope.layout(d).is_some())
        .filter_map(|d| {
            let live = scope.live_track(d)?;
            let abort = rollout::abort_step(d, &live, &scope.script_path(d));
            Some(scope.for_service(abort, &d.service))
        })
        .collect()
}

fn rollout_pieces(scope: &Scope<'_>, deployment: &Deployment) -> Vec<Piece> {
    let (Some(_), Some(live)) = (scope.layout(deployment), scope.live_track(deployment)) else {
        return Vec::new();
    };
    let script = scope.script_path(deployment);
    match &deployment.strategy.kind {
        StrategyKind::Canary {
            steps, analysis, ..
        } => rollout::canary(
            deployment,
            &live,
            &script,
            steps,
            analysis.as_ref(),
            &scope.prometheus,
        ),
        StrategyKind::BlueGreen {
            auto_promote,
            scale_down_delay,
            ..
        } => rollout::blue_green(deployment, &live, &script, *auto_promote, *scale_down_delay),
        StrategyKind::Rolling { .. } | StrategyKind::Recreate => Vec::new(),
    }
}
