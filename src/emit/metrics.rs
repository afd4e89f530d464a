//! The one definition of every PromQL query Slipway writes. A gate such as
//! `p99_latency < 500ms` is measured the same way wherever it is used: by the workflow's canary
//! analysis (`github`), by an Argo Rollouts `AnalysisTemplate` (`k8s`, engine `argo_rollouts`),
//! by the alerts of the `prometheus` target and by the panels of the `grafana` dashboards. Each
//! of them calls [`query`] (the dashboards also [`request_rate`] and [`available_replicas`]) and
//! nothing else builds a query, so a canary gate, the alert on the same gate and the dashboard
//! line beside it cannot drift apart (tests compare the strings in the generated files).
//!
//! Queries read Istio's standard request metrics, `istio_request_duration_milliseconds_bucket`
//! for latencies (in milliseconds) and `istio_requests_total` for rates (in percent, `5xx`
//! responses counting as errors), as the destination's sidecar reports them; except the
//! requests of an Argo Rollouts canary, which are read as the caller's sidecar reports them
//! (see [`Pods::RoutedService`]).

use crate::check::model::{
    ArgoRollouts, Deployment, Duration, Gate, GateOp, Metric, StrategyKind, Threshold,
};
use crate::emit::tracks;

/// Whose requests a query measures, in one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub namespace: String,
    pub pods: Pods,
}

/// Which pods of the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pods {
    /// The pods of one Deployment (a workflow canary's `-canary` track), as Istio names the
    /// workload.
    Workload(String),
    /// The requests that the mesh routed to a Service: an Argo Rollouts canary's
    /// `<service>-canary`, which Argo Rollouts narrows to the canary's ReplicaSet (and, on the
    /// dashboards, its `<service>-stable` beside it). The route
    /// sends the canary's share to that Service, so the Service, not the image tag, tells
    /// canary requests from stable ones, even when a release keeps the tag. The query reads
    /// the caller's report (`reporter="source"`): the caller's sidecar is the one that applied
    /// the VirtualService and chose the Service, as Argo Rollouts' own Istio analysis does.
    RoutedService(String),
    /// Every pod of a service, whatever its version.
    Service(String),
}

impl Subject {
    /// Every pod of the deployment's service: what service-level objectives measure.
    pub fn service(deployment: &Deployment) -> Subject {
        Subject {
            namespace: deployment.namespace.clone(),
            pods: Pods::Service(deployment.service.clone()),
        }
    }

    /// The pods that run a canary's new version: the `-canary` Deployment when the workflow
    /// runs the canary, the requests routed to `<service>-canary` when Argo Rollouts does.
    pub fn canary(deployment: &Deployment) -> Subject {
        let pods = match deployment.strategy.argo_rollouts() {
            Some(_) => Pods::RoutedService(ArgoRollouts::canary_service(&deployment.service)),
            None => {
                let candidate = tracks(deployment).into_iter().nth(1);
                let workload = candidate.map_or_else(
                    || format!("{}-canary", deployment.service),
                    |track| track.workload,
                );
                Pods::Workload(workload)
            }
        };
        Subject {
            namespace: deployment.namespace.clone(),
            pods,
        }
    }

    /// The series a dashboard draws side by side, as (legend, subject): a canary's stable and
    /// canary track (the canary exactly as [`Subject::canary`], what its gates measure),
    /// blue-green's two colours, and every pod of any other service.
    pub fn tracks(deployment: &Deployment) -> Vec<(String, Subject)> {
        let namespace = &deployment.namespace;
        let subject = |pods| Subject {
            namespace: namespace.clone(),
            pods,
        };
        if deployment.strategy.argo_rollouts().is_some() {
            let stable = ArgoRollouts::stable_service(&deployment.service);
            return vec![
                ("stable".to_string(), subject(Pods::RoutedService(stable))),
                ("canary".to_string(), Subject::canary(deployment)),
            ];
        }
        let tracks = tracks(deployment);
        match deployment.strategy.kind {
            StrategyKind::Canary { .. } => tracks
                .into_iter()
                .map(|track| match track.version {
                    Some("canary") => ("canary".to_string(), Subject::canary(deployment)),
                    version => (
                        version.unwrap_or("stable").to_string(),
                        subject(Pods::Workload(track.workload)),
                    ),
                })
                .collect(),
            StrategyKind::BlueGreen { .. } => tracks
                .into_iter()
                .map(|track| {
                    let legend = track.version.unwrap_or("live").to_string();
                    (legend, subject(Pods::Workload(track.workload)))
                })
                .collect(),
            StrategyKind::Rolling { .. } | StrategyKind::Recreate => {
                vec![("all".to_string(), Subject::service(deployment))]
            }
        }
    }

    /// The label matchers, plus `extra` (which starts with `, ` when not empty). Every value
    /// is a checked name or label value, so none needs escaping.
    fn selector(&self, extra: &str) -> String {
        let namespace = &self.namespace;
        match &self.pods {
            Pods::Workload(workload) => format!(
                "reporter=\"destination\", destination_workload_namespace=\"{namespace}\", destination_workload=\"{workload}\"{extra}"
            ),
            Pods::RoutedService(service) => format!(
                "reporter=\"source\", destination_service_namespace=\"{namespace}\", destination_service_name=\"{service}\"{extra}"
            ),
            Pods::Service(service) => format!(
                "reporter=\"destination\", destination_workload_namespace=\"{namespace}\", destination_canonical_service=\"{service}\"{extra}"
            ),
        }
    }
}

/// The PromQL query of a metric over the last `window`: latencies in milliseconds, rates in
/// percent.
pub fn query(metric: Metric, subject: &Subject, window: Duration) -> String {
    query_over(metric, subject, &window.text())
}

/// [`query`] over a window given as text: a duration such as `1m`, or a placeholder that the
/// caller replaces (the rollout script's `{{window}}`).
pub(crate) fn query_over(metric: Metric, subject: &Subject, window: &str) -> String {
    let requests = |extra: &str| requests(subject, extra, window);
    match quantile(metric) {
        Some(quantile) => format!(
            "histogram_quantile({quantile}, sum by (le) (rate(istio_request_duration_milliseconds_bucket{{{}}}[{window}])))",
            subject.selector("")
        ),
        None => {
            let codes = match metric {
                Metric::ErrorRate => "=~",
                _ => "!~",
            };
            format!(
                "100 * {} / {}",
                requests(&format!(", response_code{codes}\"5..\"")),
                requests("")
            )
        }
    }
}

/// The requests per second a subject serves, over the last `window`: the denominator of the
/// rate queries of [`query`].
pub(crate) fn request_rate(subject: &Subject, window: Duration) -> String {
    requests(subject, "", &window.text())
}

/// The requests per second of a subject that also match `extra` (see [`Subject::selector`]).
fn requests(subject: &Subject, extra: &str, window: &str) -> String {
    format!(
        "sum(rate(istio_requests_total{{{}}}[{window}]))",
        subject.selector(extra)
    )
}

/// The pods of a workload that are available, as kube-state-metrics reports a Deployment
/// (`kube_deployment_status_replicas_available`) and the Argo Rollouts controller a Rollout
/// (`rollout_info_replicas_available`).
pub(crate) fn available_replicas(namespace: &str, workload: &Workload) -> String {
    match workload {
        Workload::Deployment(name) => format!(
            "sum(kube_deployment_status_replicas_available{{namespace=\"{namespace}\", deployment=\"{name}\"}})"
        ),
        Workload::Rollout(name) => format!(
            "sum(rollout_info_replicas_available{{namespace=\"{namespace}\", name=\"{name}\"}})"
        ),
    }
}

/// A workload whose replicas a dashboard counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workload {
    Deployment(String),
    Rollout(String),
}

fn quantile(metric: Metric) -> Option<&'static str> {
    match metric {
        Metric::P50Latency => Some("0.5"),
        Metric::P90Latency => Some("0.9"),
        Metric::P95Latency => Some("0.95"),
        Metric::P99Latency => Some("0.99"),
        Metric::SuccessRate | Metric::ErrorRate => None,
    }
}

/// The gate's threshold in its query's unit, as a number: `500` (ms), `95`, `99.95` (%).
pub(crate) fn threshold(gate: &Gate) -> (String, &'static str) {
    match gate.threshold {
        Threshold::Duration(duration) => (duration.millis.to_string(), "ms"),
        Threshold::PercentHundredths(hundredths) => (hundredths_text(u64::from(hundredths)), "%"),
    }
}

/// `9995` hundredths as `99.95`, `9500` as `95`, `50` as `0.5`.
pub(crate) fn hundredths_text(hundredths: u64) -> String {
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// The comparison that breaks a gate: `>=` for `<`, `<` for `>=`, and so on.
pub(crate) fn breaking(op: GateOp) -> GateOp {
    match op {
        GateOp::Lt => GateOp::Ge,
        GateOp::Le => GateOp::Gt,
        GateOp::Gt => GateOp::Le,
        GateOp::Ge => GateOp::Lt,
    }
}

/// A PromQL expression that has a value exactly while the gate does not hold, such as
/// `histogram_quantile(...) >= 500`: the expression of an alert on the gate.
pub fn violation(gate: &Gate, subject: &Subject, window: Duration) -> String {
    let (limit, _) = threshold(gate);
    format!(
        "{} {} {limit}",
        query(gate.metric, subject, window),
        breaking(gate.op).as_str()
    )
}
