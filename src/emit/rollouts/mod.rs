//! The Argo Rollouts engine (`canary { engine = argo_rollouts ... }`): instead of the workflow
//! stepping through VirtualServices, an Argo Rollouts controller in the cluster runs the canary.
//! This module turns a canary into the Rollout's `strategy.canary` and its `AnalysisTemplate`;
//! the `k8s` target writes both, next to the Rollout's pod template and routing (see
//! [`crate::emit::k8s`]).
//!
//! Mapping, step by step (`w` the weight, `d` a pause's duration):
//!
//! * every step starts with `setWeight: w`; with a `requests` block, the first step with
//!   `w > 0` then sets the header and mirror routes ([`requests`]), which hold until the
//!   rollout is promoted or aborted;
//! * with `analysis`, a step that sends the canary traffic runs the AnalysisTemplate for as
//!   many rounds of `interval` as its pause lasts (one round without a timed pause), the same
//!   rounds the workflow engine would measure; a `0%` step has no canary traffic to measure,
//!   so it only pauses. Every metric waits one `interval` before its first round
//!   (`initialDelay`), so the first query's window (also one `interval`) holds only requests
//!   the canary received at the step's weight, and the rounds end when the pause would have;
//! * `pause = d` without analysis is `pause: {duration: d}`; `pause = approval` is `pause: {}`
//!   (after the analysis, if any), which waits until someone promotes the rollout.
//!
//! Argo Rollouts itself promotes the canary after the last step. A failed analysis aborts the
//! rollout: all traffic returns to the stable Service (`on_failure = rollback`). With
//! `on_failure = halt`, a gate that does not hold makes the measurement inconclusive instead
//! (`failureCondition: "false"`), and more inconclusive rounds than `failure_limit` pause the
//! rollout with its traffic where it is, until someone promotes or aborts it.
//!
//! Traffic is split at the host level: the Rollout names `canaryService` `<service>-canary` and
//! `stableService` `<service>-stable` (written by the `k8s` target next to the service's own
//! Service), and its route sends each share to one of them. Every query is
//! [`crate::emit::metrics::query`] for the requests that went to `<service>-canary`
//! ([`crate::emit::metrics::Subject::canary`]), so the analysis measures only the canary's
//! pods, whatever its image tag, and exactly what the `prometheus` target alerts on.

mod requests;
pub mod types;

use crate::check::model::{
    Analysis, ArgoRollouts, CanaryStep, Deployment, Model, NoData, OnFailure, Pause, StrategyKind,
};
use crate::emit::metrics::{self, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;
use types::{
    AnalysisTemplate, AnalysisTemplateSpec, Argument, CanaryStrategy, IstioRouting, Metric,
    PrometheusProvider, Provider, Step, StepAnalysis, TemplateRef, TrafficRouting,
    VirtualServiceRef, API_VERSION,
};

/// Where the AnalysisTemplate asks Prometheus when the app names none: prometheus-operator's
/// governing Service in the `monitoring` namespace.
pub const DEFAULT_PROMETHEUS: &str = "http://prometheus-operated.monitoring.svc:9090";

/// The gate as an Argo Rollouts condition. No data (an empty result, or `NaN` from no
/// requests in the window) fails the measurement unless the spec says `no_data = pass`;
/// without the guard an empty result is an error (counted apart, up to
/// `consecutiveErrorLimit`) and `NaN` would fail silently.
fn success_condition(no_data: NoData, op: &str, limit: &str) -> String {
    match no_data {
        NoData::Fail => format!("len(result) > 0 && !isNaN(result[0]) && result[0] {op} {limit}"),
        NoData::Pass => format!("len(result) == 0 || isNaN(result[0]) || result[0] {op} {limit}"),
    }
}

/// The argument through which each analysis step says how many rounds it measures.
pub const ROUNDS_ARGUMENT: &str = "rounds";

/// The template's own value of [`ROUNDS_ARGUMENT`]: the rounds of a step without a timed pause
/// (`failure_limit + 1`, the fewest that can fail). Every step passes its own value, which
/// wins; the default is there because the Argo Rollouts controller validates a step's
/// template on its own, with a placeholder for every argument that has no value, and a `count`
/// of `{{args.rounds}}` that resolves to no number makes it reject the Rollout (`InvalidSpec`:
/// "metric ... runs indefinitely"). The rehearsal under the real controller found this.
fn default_rounds(analysis: &Analysis) -> u64 {
    analysis.rounds(None)
}

/// The name of the Rollout, its VirtualService and AnalysisTemplate: the service's.
pub fn name(deployment: &Deployment) -> String {
    deployment.service.clone()
}

/// The Rollout's `strategy.canary`; `None` unless Argo Rollouts runs the deployment.
pub fn canary_strategy(deployment: &Deployment) -> Option<CanaryStrategy> {
    let settings = deployment.strategy.argo_rollouts()?;
    let StrategyKind::Canary {
        steps, analysis, ..
    } = &deployment.strategy.kind
    else {
        return None;
    };
    Some(CanaryStrategy {
        canary_service: ArgoRollouts::canary_service(&deployment.service),
        stable_service: ArgoRollouts::stable_service(&deployment.service),
        traffic_routing: traffic_routing(deployment, settings),
        steps: rollout_steps(deployment, steps, analysis.as_ref()),
    })
}

fn traffic_routing(deployment: &Deployment, settings: &ArgoRollouts) -> TrafficRouting {
    TrafficRouting {
        managed_routes: deployment
            .strategy
            .requests
            .as_ref()
            .map(|routing| requests::managed_routes(routing, settings))
            .unwrap_or_default(),
        istio: IstioRouting {
            virtual_service: VirtualServiceRef {
                name: name(deployment),
                routes: vec![settings.route.value.clone()],
            },
        },
    }
}

/// The Rollout's steps, in order (see the module documentation).
pub fn rollout_steps(
    deployment: &Deployment,
    steps: &[CanaryStep],
    analysis: Option<&Analysis>,
) -> Vec<Step> {
    let mut out = Vec::new();
    // Routing by request starts with the first step that gives the canary pods.
    let mut routing = deployment.strategy.requests.as_ref();
    for step in steps {
        let weight = step.weight.value;
        out.push(Step::set_weight(weight));
        if let Some((requests, settings)) = routing
            .filter(|_| weight > 0)
            .zip(deployment.strategy.argo_rollouts())
        {
            out.extend(requests::steps(requests, settings));
            routing = None;
        }
        match (analysis.filter(|_| weight > 0), step.pause) {
            (Some(analysis), pause) => {
                // More rounds than `failureLimit` (SW0320 refuses a timed pause with fewer), so
                // a canary that fails every measurement fails the step.
                let rounds = analysis.rounds(pause);
                out.push(Step::analysis(StepAnalysis {
                    templates: vec![TemplateRef {
                        template_name: name(deployment),
                    }],
                    args: vec![Argument {
                        name: ROUNDS_ARGUMENT.to_string(),
                        value: Some(rounds.to_string()),
                    }],
                }));
            }
            (None, Some(Pause::For(duration))) => out.push(Step::pause(Some(duration.text()))),
            (None, _) => {}
        }
        if step.pause == Some(Pause::UntilApproved) {
            out.push(Step::pause(None));
        }
    }
    out
}

/// The AnalysisTemplate of a deployment whose Argo Rollouts canary has `analysis`: one metric
/// per gate, measured on the canary's version. `metadata` names it (see [`name`]).
pub fn analysis_template(
    model: &Model,
    deployment: &Deployment,
    metadata: ObjectMeta,
) -> Option<AnalysisTemplate> {
    deployment.strategy.argo_rollouts()?;
    let StrategyKind::Canary {
        analysis: Some(analysis),
        on_failure,
        ..
    } = &deployment.strategy.kind
    else {
        return None;
    };
    let address = model
        .app
        .as_ref()
        .and_then(|app| app.prometheus.clone())
        .unwrap_or_else(|| DEFAULT_PROMETHEUS.to_string());
    let subject = Subject::canary(deployment);
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let metrics = analysis
        .gates
        .iter()
        .map(|gate| {
            let base = gate.metric.name();
            let seen = names.entry(base).or_insert(0);
            *seen += 1;
            let metric_name = match *seen {
                1 => base.replace('_', "-"),
                n => format!("{}-{n}", base.replace('_', "-")),
            };
            let (limit, _) = metrics::threshold(gate);
            let halt = *on_failure == OnFailure::Halt;
            Metric {
                name: metric_name,
                initial_delay: analysis.interval.text(),
                interval: analysis.interval.text(),
                count: format!("{{{{args.{ROUNDS_ARGUMENT}}}}}"),
                failure_limit: (!halt).then_some(analysis.failure_limit),
                inconclusive_limit: halt.then_some(analysis.failure_limit),
                success_condition: success_condition(analysis.no_data, gate.op.as_str(), &limit),
                failure_condition: halt.then(|| "false".to_string()),
                provider: Provider {
                    prometheus: PrometheusProvider {
                        address: address.clone(),
                        query: metrics::query(gate.metric, &subject, analysis.interval),
                    },
                },
            }
        })
        .collect();
    Some(AnalysisTemplate {
        api_version: API_VERSION,
        kind: "AnalysisTemplate",
        metadata,
        spec: AnalysisTemplateSpec {
            args: vec![Argument {
                name: ROUNDS_ARGUMENT.to_string(),
                value: Some(default_rounds(analysis).to_string()),
            }],
            metrics,
        },
    })
}
