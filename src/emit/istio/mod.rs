//! The `istio` target: traffic routing for every service in every environment, as Istio
//! `DestinationRule`s and `VirtualService`s (`networking.istio.io/v1`).
//!
//! A canary service gets a DestinationRule with `stable`/`canary` subsets, a resting
//! VirtualService (all traffic to `stable`) and one VirtualService per canary step with that
//! step's weights. A blue-green service gets `blue`/`green` subsets, a live VirtualService
//! (all traffic to `blue`, plus a header-matched preview route to `green` when the strategy
//! previews) and a switch VirtualService (all traffic to `green`). Rolling and recreate
//! services get a VirtualService only for a declared timeout or retries, or when they are
//! exposed through an Istio gateway, and a DestinationRule only for a declared circuit
//! breaker. Traffic settings an environment turns off (`traffic = none`) are left out.
//!
//! A service exposed through an Istio gateway has all its VirtualServices bound to `mesh` and
//! to the gateway ([`routes`]), and each environment gets the Gateways Slipway writes
//! ([`gateway`]), in `istio/<env>/gateways/`.
//!
//! The states of one VirtualService are the same object, and the validators allow an object
//! once per directory, so each state after the resting one lives in its own directory:
//!
//! ```text
//! istio/<env>/<service>/destinationrule.yaml
//! istio/<env>/<service>/virtualservice.yaml               resting / live state
//! istio/<env>/<service>/steps/<NN>-<weight>/virtualservice.yaml   canary steps
//! istio/<env>/<service>/switch/virtualservice.yaml        blue-green switch
//! istio/<env>/gateways/<name>.yaml                        Gateways of the environment
//! ```
//!
//! The `github` target applies these files by path; [`layout`] is the one place that names
//! them.
//!
//! A canary on the Argo Rollouts engine gets nothing here: its resting VirtualService (and
//! DestinationRules, with a circuit breaker) are part of its workload, written by the `k8s`
//! target next to the Rollout ([`rollout_routing`]), and Argo Rollouts sets the step weights
//! itself.

mod gateway;
mod requests;
mod routes;
mod types;

pub use requests::string_match;
pub use types::{DestinationRule, StringMatch, VirtualService};

use super::{Options, Sink};
use crate::check::model::{ArgoRollouts, Deployment, Environment, Model, StrategyKind};
use routes::Target;
use std::cell::OnceCell;

const DESTINATION_RULE_FILE: &str = "destinationrule.yaml";
const VIRTUAL_SERVICE_FILE: &str = "virtualservice.yaml";

/// The Istio files of one deployment, as paths relative to the output root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    pub destination_rule: Option<String>,
    /// The resting state: canary all on `stable`, blue-green live on `blue`.
    pub virtual_service: Option<String>,
    /// Canary: one VirtualService per step, in step order.
    pub steps: Vec<String>,
    /// Blue-green: all traffic on `green`.
    pub switch: Option<String>,
}

impl Layout {
    /// The files that make up the resting state, DestinationRule first (subsets must exist
    /// before routes use them).
    pub fn resting(&self) -> Vec<&str> {
        self.destination_rule
            .iter()
            .chain(self.virtual_service.iter())
            .map(String::as_str)
            .collect()
    }
}

/// Which state of the routing a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    DestinationRule,
    Resting,
    Step,
    Switch,
}

/// One file to write: its role, its path and its object (built only when asked for).
struct Planned {
    role: Role,
    path: String,
    document: Option<Document>,
}

/// What [`plan`] builds: the files with their objects, or only their roles and paths (what
/// [`layout`] needs, at a fraction of the cost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Build {
    Documents,
    PathsOnly,
}

enum Document {
    Rule(types::DestinationRule),
    Service(types::VirtualService),
}

/// The Istio files of one deployment; `None` when it needs none (a rolling or recreate
/// service without traffic settings).
pub(crate) fn layout(model: &Model, deployment: &Deployment) -> Option<Layout> {
    let planned = plan(model, deployment, false, Build::PathsOnly);
    if planned.is_empty() {
        return None;
    }
    let mut layout = Layout::default();
    for file in planned {
        match file.role {
            Role::DestinationRule => layout.destination_rule = Some(file.path),
            Role::Resting => layout.virtual_service = Some(file.path),
            Role::Step => layout.steps.push(file.path),
            Role::Switch => layout.switch = Some(file.path),
        }
    }
    Some(layout)
}

/// Writes the Istio files of every deployment in the requested environments.
/// Each deployment's files are planned and serialised on their own, on up to `threads`
/// threads, and handed to `sink` a batch at a time.
pub fn emit(model: &Model, options: &Options, sink: &mut dyn Sink, threads: usize) {
    let header = super::header(options);
    let deployments: Vec<&Deployment> = super::environments(model, options)
        .flat_map(|environment| model.deployments_in(&environment.name.value))
        .collect();
    super::parallel::files_in_batches(threads, &deployments, sink, |deployment| {
        plan(
            model,
            deployment,
            options.resting_state_only,
            Build::Documents,
        )
        .into_iter()
        .filter_map(|file| Some((file.path, file_text(&header, &file.document?))))
        .collect()
    });
    for environment in super::environments(model, options) {
        for (path, gateway) in gateway::gateways(model, environment) {
            let mut text = header.clone();
            super::yaml::append_document(&mut text, &gateway);
            sink.put(path, text);
        }
    }
}

/// The Gateways the `istio` target writes for an environment, as paths relative to the output
/// root; they go before the VirtualServices bound to them.
pub(crate) fn gateway_files(model: &Model, environment: &Environment) -> Vec<String> {
    gateway::gateways(model, environment)
        .into_iter()
        .map(|(path, _)| path)
        .collect()
}

/// The directory of an environment's Gateways, relative to `istio/<env>/`.
pub const GATEWAY_DIR: &str = gateway::DIR;

fn file_text(header: &str, document: &Document) -> String {
    let mut text = String::with_capacity(header.len() + 1024);
    text.push_str(header);
    match document {
        Document::Rule(rule) => super::yaml::append_document(&mut text, rule),
        Document::Service(service) => super::yaml::append_document(&mut text, service),
    }
    text
}

/// `istio/<env>/<service>`
fn service_dir(deployment: &Deployment) -> String {
    format!("istio/{}/{}", deployment.environment, deployment.service)
}

/// The resting VirtualService of a service on the Argo Rollouts engine, and its
/// DestinationRules, which the `k8s` target writes next to the Rollout: the route the Rollout
/// shifts, named by the canary's `route`, sends all traffic to the stable Service and none to
/// the canary Service (host-level splitting, no subsets); with a circuit breaker, each of the
/// two Services gets a DestinationRule with the outlier detection, since the route's traffic
/// reaches the pods through them. `None` for any other deployment.
pub(crate) fn rollout_routing(
    model: &Model,
    deployment: &Deployment,
) -> Option<(Vec<DestinationRule>, VirtualService)> {
    let settings = deployment.strategy.argo_rollouts()?;
    let target = Target::new(model, deployment, model.service(&deployment.service));
    let stable = ArgoRollouts::stable_service(&deployment.service);
    let canary = ArgoRollouts::canary_service(&deployment.service);
    let route = target.host_weighted_route(&settings.route.value, &[(&stable, 100), (&canary, 0)]);
    let rules = match target.has_circuit_breaker() {
        true => vec![target.host_rule(&stable), target.host_rule(&canary)],
        false => Vec::new(),
    };
    Some((rules, target.virtual_service(vec![route])))
}

/// The files of one deployment; with `resting_only`, those of the resting state alone (no
/// canary steps, no blue-green switch).
fn plan(model: &Model, deployment: &Deployment, resting_only: bool, build: Build) -> Vec<Planned> {
    if deployment.strategy.argo_rollouts().is_some() {
        // The `k8s` target writes the routing of an Argo Rollouts canary ([`rollout_routing`]).
        return Vec::new();
    }
    let meshed = model
        .environment(&deployment.environment)
        .is_some_and(|environment| environment.has_istio());
    if !meshed {
        // No mesh in that cluster: nothing would read Istio objects there.
        return Vec::new();
    }
    let declared = model.service(&deployment.service);
    // The shared parts of the objects, built on first use: paths alone need none of them.
    let built = OnceCell::new();
    let target = || built.get_or_init(|| Target::new(model, deployment, declared));
    let dir = service_dir(deployment);
    let rule = |tracks: &[&str]| Planned {
        role: Role::DestinationRule,
        path: format!("{dir}/{DESTINATION_RULE_FILE}"),
        document: (build == Build::Documents)
            .then(|| Document::Rule(target().destination_rule(tracks))),
    };
    let service = |role: Role, sub_dir: &str, http: &dyn Fn() -> Vec<types::HttpRoute>| Planned {
        role,
        path: format!("{dir}/{sub_dir}{VIRTUAL_SERVICE_FILE}"),
        document: (build == Build::Documents)
            .then(|| Document::Service(target().virtual_service(http()))),
    };
    match &deployment.strategy.kind {
        StrategyKind::Canary { steps, .. } => {
            let mut files = vec![
                rule(&["stable", "canary"]),
                service(Role::Resting, "", &|| {
                    vec![target().weighted_route(&[("stable", 100), ("canary", 0)])]
                }),
            ];
            let steps = if resting_only { &[][..] } else { &steps[..] };
            for (index, step) in steps.iter().enumerate() {
                let weight = step.weight.value.min(100);
                let sub_dir = format!("steps/{}/", step_dir(index, weight));
                files.push(service(Role::Step, &sub_dir, &|| {
                    step_routes(target(), deployment, weight)
                }));
            }
            files
        }
        StrategyKind::BlueGreen { preview, .. } => {
            let routes = |blue: u32| {
                let mut http = Vec::new();
                if *preview {
                    http.push(target().preview_route("green"));
                }
                http.push(target().weighted_route(&[("blue", blue), ("green", 100 - blue)]));
                http
            };
            let mut files = vec![
                rule(&["blue", "green"]),
                service(Role::Resting, "", &|| routes(100)),
            ];
            if !resting_only {
                files.push(service(Role::Switch, "switch/", &|| routes(0)));
            }
            files
        }
        StrategyKind::Rolling { .. } | StrategyKind::Recreate => {
            let traffic = declared.and_then(|declared| deployment.traffic(declared));
            let mut files = Vec::new();
            if routes::has_circuit_breaker(traffic) {
                files.push(rule(&[]));
            }
            if routes::has_route_settings(traffic) || routes::exposed_through_istio(deployment) {
                files.push(service(
                    Role::Resting,
                    "",
                    &|| vec![target().direct_route()],
                ));
            }
            files
        }
    }
}

/// The routes of a canary step at `weight`: the header route first when the canary routes by
/// request (Istio takes the first route that matches), then the weighted route, mirroring
/// when the canary mirrors.
fn step_routes(target: &Target, deployment: &Deployment, weight: u32) -> Vec<types::HttpRoute> {
    let weighted = target.weighted_route(&[("stable", 100 - weight), ("canary", weight)]);
    let Some(routing) = &deployment.strategy.requests else {
        return vec![weighted];
    };
    requests::header_route(target, routing)
        .into_iter()
        .chain([requests::mirrored(target, weighted, routing, weight)])
        .collect()
}

/// `01-30`: the 1-based step number, two digits so directories sort in order, and the weight.
fn step_dir(index: usize, weight: u32) -> String {
    format!("{:02}-{weight}", index + 1)
}
