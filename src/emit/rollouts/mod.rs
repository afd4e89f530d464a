//! The Argo Rollouts engine (`canary { engine = argo_rollouts ... }`): instead of the workflow
//! stepping through VirtualServices, an Argo Rollouts controller in the cluster runs the canary.
//! This module turns a canary into the Rollout's `strategy.canary` and its `AnalysisTemplate`;
//! the `k8s` target writes both, next to the Rollout's pod template and routing (see
//! [`crate::emit::k8s`]).
//!
//! Mapping, step by step (`w` the weight, `d` a pause's duration):
//!
//! * every step starts with `setWeight: w`, after `setCanaryScale` when the step says `scale`
//!   (`replicas: n`, or `weight: p` for a share of the Rollout's replicas) and after
//!   `setCanaryScale: {matchTrafficWeight: true}` when the step before said it and this one
//!   does not;
//! * with a `requests` block, the first step with
//!   `w > 0` then sets the header and mirror routes ([`requests`]), which hold until the
//!   rollout is promoted or aborted;
//! * with `analysis` (`over = steps`), a step that sends the canary traffic runs the
//!   AnalysisTemplate for as many rounds of each gate's interval as its pause lasts
//!   (`failure_limit + 1` without a timed pause), the same rounds the workflow engine would
//!   measure, passed as one `rounds` argument per interval ([`rounds_argument`]); a `0%` step
//!   has no canary traffic to measure, so it only pauses. Every metric waits one interval
//!   before its first round (`initialDelay`), so the first query's window (also one interval)
//!   holds only requests the canary received at the step's weight, and the rounds end when the
//!   pause would have;
//! * with `over = rollout`, the AnalysisTemplate is the canary's background `analysis` from
//!   the first `setWeight` on, with no `count` (it measures until the rollout ends, and
//!   `failureLimit` counts over all of it), and each step pauses as long as the workflow
//!   engine analyses it (its timed pause, else one interval of the slowest gate);
//! * `pause = d` without analysis is `pause: {duration: d}`; `pause = approval` is `pause: {}`
//!   (after the analysis, if any), which waits until someone promotes the rollout.
//!
//! * hooks (`hook NAME { at ... }`) are Jobs run through Argo Rollouts' Job metric provider,
//!   one AnalysisTemplate per hook named like its Job ([`hook_templates`]): `before` hooks
//!   are analysis steps ahead of the first `setWeight`, bracketed by `setCanaryScale`
//!   (`replicas: 1`, then `matchTrafficWeight: true`) so one canary pod runs for them before
//!   it gets traffic; `after` hooks are analysis steps after the last step; `during` hooks
//!   (load generators) are the canary's background `analysis`, from the first `setWeight`
//!   on, which Argo Rollouts stops when the rollout ends. A Job that fails (or passes its
//!   deadline) fails its analysis, which aborts the rollout.
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
    Analysis, ArgoRollouts, CanaryStep, Deployment, Duration, Hook, HookAt, IntOrPercent, Model,
    NoData, OnFailure, Over, Pause, StrategyKind,
};
use crate::emit::k8s::hooks as k8s_hooks;
use crate::emit::metrics::{self, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;
use types::{
    AnalysisTemplate, AnalysisTemplateSpec, AnyMetric, Argument, BackgroundAnalysis, CanaryScale,
    CanaryStrategy, IstioRouting, JobMetric, JobProvider, JobTemplate, Metric, PrometheusProvider,
    Provider, Step, StepAnalysis, TemplateRef, TrafficRouting, VirtualServiceRef, API_VERSION,
};

/// Where the AnalysisTemplate asks Prometheus when the app names none: prometheus-operator's
/// governing Service in the `monitoring` namespace.
pub(crate) const DEFAULT_PROMETHEUS: &str = "http://prometheus-operated.monitoring.svc:9090";

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

/// The argument through which each analysis step says how many rounds it measures, for the
/// gates at the analysis's own `interval`; gates at an interval of their own (`intervals`)
/// take `rounds-<interval>` ([`rounds_argument`]).
pub(crate) const ROUNDS_ARGUMENT: &str = "rounds";

/// The argument that carries the rounds of the gates measured every `interval`.
pub(crate) fn rounds_argument(analysis: &Analysis, interval: Duration) -> String {
    if interval == analysis.interval {
        ROUNDS_ARGUMENT.to_string()
    } else {
        format!("{ROUNDS_ARGUMENT}-{}", interval.text())
    }
}

/// The rounds of each of the analysis's intervals in a step with `pause`, as arguments. With
/// `pause = None` these are the template's own values: the rounds of a step without a timed
/// pause (`failure_limit + 1`, the fewest that can fail). Every step passes its own values,
/// which win; the defaults are there because the Argo Rollouts controller validates a step's
/// template on its own, with a placeholder for every argument that has no value, and a
/// `count` of `{{args.rounds}}` that resolves to no number makes it reject the Rollout
/// (`InvalidSpec`: "metric ... runs indefinitely"). The rehearsal under the real controller
/// found this.
fn rounds_arguments(analysis: &Analysis, pause: Option<Pause>) -> Vec<Argument> {
    analysis
        .distinct_intervals()
        .into_iter()
        .map(|interval| Argument {
            name: rounds_argument(analysis, interval),
            value: Some(analysis.rounds_at(interval, pause, true).to_string()),
        })
        .collect()
}

/// The name of the Rollout, its VirtualService and AnalysisTemplate: the service's.
pub(crate) fn name(deployment: &Deployment) -> String {
    deployment.service.clone()
}

/// The Rollout's `strategy.canary`; `None` unless Argo Rollouts runs the deployment.
pub(crate) fn canary_strategy(deployment: &Deployment) -> Option<CanaryStrategy> {
    let settings = deployment.strategy.argo_rollouts()?;
    let StrategyKind::Canary {
        steps,
        analysis,
        hooks,
        ..
    } = &deployment.strategy.kind
    else {
        return None;
    };
    let mut all_steps = hook_steps(deployment, hooks, HookAt::Before);
    let before = all_steps.len();
    all_steps.extend(rollout_steps(deployment, steps, analysis.as_ref()));
    // The background analysis starts with the first step that sends the canary traffic: at 0%
    // there is nothing to measure, and a gate would fail for want of data.
    let starting_step = all_steps
        .iter()
        .skip(before)
        .position(|step| step.set_weight.is_some_and(|weight| weight > 0))
        .map_or(before, |index| before + index);
    all_steps.extend(hook_steps(deployment, hooks, HookAt::After));
    // The background analysis: the gates with `over = rollout`, and the load generators.
    let gates = analysis
        .as_ref()
        .filter(|analysis| analysis.over == Over::Rollout)
        .map(|_| TemplateRef {
            template_name: name(deployment),
        });
    let background: Vec<TemplateRef> = gates
        .into_iter()
        .chain(
            hooks
                .iter()
                .filter(|hook| hook.at == HookAt::During)
                .map(|hook| hook_template_ref(deployment, hook)),
        )
        .collect();
    Some(CanaryStrategy {
        canary_service: ArgoRollouts::canary_service(&deployment.service),
        stable_service: ArgoRollouts::stable_service(&deployment.service),
        traffic_routing: traffic_routing(deployment, settings),
        analysis: (!background.is_empty()).then_some(BackgroundAnalysis {
            templates: background,
            starting_step,
        }),
        steps: all_steps,
    })
}

/// The steps that run the hooks at `at` (before or after), one analysis step each, in spec
/// order. Before the first step one canary pod is started for them (`setCanaryScale`), and
/// the canary's size then follows the weights again.
fn hook_steps(deployment: &Deployment, hooks: &[Hook], at: HookAt) -> Vec<Step> {
    let mut out: Vec<Step> = hooks
        .iter()
        .filter(|hook| hook.at == at)
        .map(|hook| {
            Step::analysis(StepAnalysis {
                templates: vec![hook_template_ref(deployment, hook)],
                args: Vec::new(),
            })
        })
        .collect();
    if at == HookAt::Before && !out.is_empty() {
        out.insert(0, Step::set_canary_scale(CanaryScale::replicas(1)));
        out.push(Step::set_canary_scale(CanaryScale::match_traffic_weight()));
    }
    out
}

fn hook_template_ref(deployment: &Deployment, hook: &Hook) -> TemplateRef {
    TemplateRef {
        template_name: hook.job_name(&deployment.service),
    }
}

/// One AnalysisTemplate per hook, named like its Job (`<service>-<hook>`), whose only metric
/// is the Job; `metadata` gives each its name (and the namespace and labels of the service).
pub(crate) fn hook_templates(
    model: &Model,
    deployment: &Deployment,
    metadata: impl Fn(String) -> ObjectMeta,
) -> Vec<AnalysisTemplate> {
    if deployment.strategy.argo_rollouts().is_none() {
        return Vec::new();
    }
    let StrategyKind::Canary { hooks, .. } = &deployment.strategy.kind else {
        return Vec::new();
    };
    hooks
        .iter()
        .map(|hook| AnalysisTemplate {
            api_version: API_VERSION,
            kind: "AnalysisTemplate",
            metadata: metadata(hook.job_name(&deployment.service)),
            spec: AnalysisTemplateSpec {
                args: Vec::new(),
                metrics: vec![AnyMetric::Job(Box::new(JobMetric {
                    name: hook.name.value.clone(),
                    provider: JobProvider {
                        job: JobTemplate {
                            metadata: ObjectMeta {
                                labels: Some(k8s_hooks::hook_labels(model, deployment, hook)),
                                ..ObjectMeta::default()
                            },
                            spec: k8s_hooks::job_spec(model, deployment, hook),
                        },
                    },
                }))],
            },
        })
        .collect()
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
pub(crate) fn rollout_steps(
    deployment: &Deployment,
    steps: &[CanaryStep],
    analysis: Option<&Analysis>,
) -> Vec<Step> {
    let mut out = Vec::new();
    let mut scaled = false;
    // Routing by request starts with the first step that gives the canary pods.
    let mut routing = deployment.strategy.requests.as_ref();
    for (index, step) in steps.iter().enumerate() {
        let last = index + 1 == steps.len();
        let weight = step.weight.value;
        match step.scale {
            Some(IntOrPercent::Count(pods)) => {
                out.push(Step::set_canary_scale(CanaryScale::replicas(pods)))
            }
            Some(IntOrPercent::Percent(share)) => {
                out.push(Step::set_canary_scale(CanaryScale::weight(share)))
            }
            None if scaled => out.push(Step::set_canary_scale(CanaryScale::match_traffic_weight())),
            None => {}
        }
        scaled = step.scale.is_some();
        out.push(Step::set_weight(weight));
        if let Some((requests, settings)) = routing
            .filter(|_| weight > 0)
            .zip(deployment.strategy.argo_rollouts())
        {
            out.extend(requests::steps(requests, settings));
            routing = None;
        }
        match (analysis.filter(|_| weight > 0), step.pause) {
            // The background analysis measures while the step waits as long as the workflow's
            // script analyses it.
            (Some(analysis), pause) if analysis.over == Over::Rollout => {
                out.push(Step::pause(Some(analysis.step_length(pause, last).text())));
            }
            (Some(analysis), pause) => {
                // More rounds than `failureLimit` (SW0320 refuses a timed pause with fewer), so
                // a canary that fails every measurement fails the step.
                out.push(Step::analysis(StepAnalysis {
                    templates: vec![TemplateRef {
                        template_name: name(deployment),
                    }],
                    args: rounds_arguments(analysis, pause),
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
pub(crate) fn analysis_template(
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
            let interval = analysis.interval_of(gate.metric);
            let count = (analysis.over == Over::Steps)
                .then(|| format!("{{{{args.{}}}}}", rounds_argument(analysis, interval)));
            AnyMetric::Prometheus(Metric {
                name: metric_name,
                initial_delay: interval.text(),
                interval: interval.text(),
                count,
                failure_limit: (!halt).then_some(analysis.failure_limit),
                inconclusive_limit: halt.then_some(analysis.failure_limit),
                success_condition: success_condition(analysis.no_data, gate.op.as_str(), &limit),
                failure_condition: halt.then(|| "false".to_string()),
                provider: Provider {
                    prometheus: PrometheusProvider {
                        address: address.clone(),
                        query: metrics::query(gate.metric, &subject, interval),
                    },
                },
            })
        })
        .collect();
    Some(AnalysisTemplate {
        api_version: API_VERSION,
        kind: "AnalysisTemplate",
        metadata,
        spec: AnalysisTemplateSpec {
            args: match analysis.over {
                Over::Steps => rounds_arguments(analysis, None),
                Over::Rollout => Vec::new(),
            },
            metrics,
        },
    })
}
