//! One service's dashboard in one environment: five `timeseries` panels on a fixed grid, each
//! with one line per track (a canary's `stable` and `canary`, blue-green's `blue` and `green`,
//! `all` for any other service), so the new version is seen beside the old one:
//!
//! ```text
//!  id 1 Request rate (req/s)      id 2 Error rate (%)
//!  id 3 p50 latency (ms)          id 4 p99 latency (ms)
//!  id 5 Available replicas
//! ```
//!
//! Every query comes from [`metrics`]: the rates and latencies are the very queries the canary
//! gates and the alerts run ([`metrics::query`] on [`Subject::tracks`], whose canary is
//! [`Subject::canary`]), over the canary analysis's `interval` (else the SLO's `window`, else
//! five minutes), so the canary's line on the p99 panel is the number its gate judges. The
//! gates and SLO objectives on a panel's metric are drawn on it as threshold lines (a
//! `success_rate` one as its error rate, `100 - x`).

use super::types::{
    Custom, DataSource, FieldConfig, FieldDefaults, GridPos, Panel, Step, Target, Thresholds,
    ThresholdsStyle,
};
use crate::check::model::{
    Deployment, Duration, Gate, GateOp, Metric, Service, StrategyKind, Threshold,
};
use crate::emit::metrics::{self, Subject, Workload};
use crate::emit::tracks;

/// The rate window when neither a canary analysis nor an SLO gives one.
const DEFAULT_WINDOW_SECS: u64 = 300;

/// One panel before it is laid out: what it shows and its queries.
struct Plan {
    title: &'static str,
    description: &'static str,
    unit: &'static str,
    /// The metric whose gates and objectives are drawn as thresholds.
    metric: Option<Metric>,
    targets: Vec<(String, String)>,
}

/// The five panels of the dashboard, with ids 1 to 5 and their places on the grid.
pub fn panels(deployment: &Deployment, service: &Service) -> Vec<Panel> {
    let window = window(deployment, service);
    let tracks = Subject::tracks(deployment);
    let per_track = |query: &dyn Fn(&Subject) -> String| -> Vec<(String, String)> {
        tracks
            .iter()
            .map(|(legend, subject)| (legend.clone(), query(subject)))
            .collect()
    };
    let latency = |metric| per_track(&|subject| metrics::query(metric, subject, window));
    let plans = [
        Plan {
            title: "Request rate",
            description: "Requests per second, as the Istio sidecars report them.",
            unit: "reqps",
            metric: None,
            targets: per_track(&|subject| metrics::request_rate(subject, window)),
        },
        Plan {
            title: "Error rate",
            description: "The share of requests answered with a 5xx status, in percent.",
            unit: "percent",
            metric: Some(Metric::ErrorRate),
            targets: per_track(&|subject| metrics::query(Metric::ErrorRate, subject, window)),
        },
        Plan {
            title: "p50 latency",
            description: "The median request duration, in milliseconds.",
            unit: "ms",
            metric: Some(Metric::P50Latency),
            targets: latency(Metric::P50Latency),
        },
        Plan {
            title: "p99 latency",
            description: "The 99th percentile of the request duration, in milliseconds.",
            unit: "ms",
            metric: Some(Metric::P99Latency),
            targets: latency(Metric::P99Latency),
        },
        Plan {
            title: "Available replicas",
            description: "The pods of each workload that are available.",
            unit: "none",
            metric: None,
            targets: replicas(deployment),
        },
    ];
    let gates = gates(deployment, service);
    plans
        .into_iter()
        .zip(1u32..)
        .map(|(plan, id)| panel(plan, id, &gates))
        .collect()
}

fn panel(plan: Plan, id: u32, gates: &[&Gate]) -> Panel {
    // Two panels a row, 12 columns and 8 rows each; the last one alone takes the full width.
    let index = id - 1;
    let grid_pos = match index {
        4 => GridPos {
            x: 0,
            y: 16,
            w: 24,
            h: 8,
        },
        _ => GridPos {
            x: (index % 2) * 12,
            y: (index / 2) * 8,
            w: 12,
            h: 8,
        },
    };
    let limits = plan
        .metric
        .map(|metric| limits(metric, gates))
        .unwrap_or_default();
    Panel {
        id,
        kind: "timeseries",
        title: plan.title.to_string(),
        description: plan.description.to_string(),
        grid_pos,
        datasource: DataSource::variable(),
        field_config: FieldConfig {
            defaults: FieldDefaults {
                unit: plan.unit,
                min: Some(0),
                thresholds: thresholds(&limits),
                custom: Custom {
                    thresholds_style: ThresholdsStyle {
                        mode: if limits.is_empty() { "off" } else { "line" },
                    },
                },
            },
            overrides: Vec::new(),
        },
        targets: plan
            .targets
            .into_iter()
            .zip(ref_ids())
            .map(|((legend, expr), ref_id)| Target {
                ref_id,
                datasource: DataSource::variable(),
                expr,
                legend_format: legend,
                range: true,
            })
            .collect(),
    }
}

/// `A`, `B`, ... (a panel has at most two queries).
fn ref_ids() -> impl Iterator<Item = String> {
    ('A'..='Z').map(String::from)
}

/// The window of the rate queries: the canary analysis's `interval` (what the gates
/// measure), else the SLO's `window` (what the alerts measure), else five minutes.
fn window(deployment: &Deployment, service: &Service) -> Duration {
    if let StrategyKind::Canary {
        analysis: Some(analysis),
        ..
    } = &deployment.strategy.kind
    {
        return analysis.interval;
    }
    service
        .slo
        .as_ref()
        .map_or(Duration::from_secs(DEFAULT_WINDOW_SECS), |slo| slo.window)
}

/// The canary gates of the deployment, then the service's SLO objectives.
fn gates<'m>(deployment: &'m Deployment, service: &'m Service) -> Vec<&'m Gate> {
    let mut gates: Vec<&Gate> = Vec::new();
    if let StrategyKind::Canary {
        analysis: Some(analysis),
        ..
    } = &deployment.strategy.kind
    {
        gates.extend(&analysis.gates);
    }
    if let Some(slo) = &service.slo {
        gates.extend(&slo.objectives);
    }
    gates
}

/// The limits on a panel's metric, in its unit, sorted and without repeats: only gates that
/// keep a latency or the error rate below a limit, or the success rate above one. Latencies are
/// compared in milliseconds; a `success_rate` limit is drawn on the error rate panel as
/// `100 - x`. Percentages are kept in hundredths until the end, so `100 - 99.9` is `0.1`.
fn limits(metric: Metric, gates: &[&Gate]) -> Vec<f64> {
    let mut hundredths: Vec<u64> = gates
        .iter()
        .filter_map(|gate| {
            let below = matches!(gate.op, GateOp::Lt | GateOp::Le);
            match (metric, gate.metric, gate.threshold) {
                (_, gate_metric, Threshold::Duration(duration))
                    if gate_metric == metric && below =>
                {
                    Some(duration.millis.saturating_mul(100))
                }
                (Metric::ErrorRate, Metric::ErrorRate, Threshold::PercentHundredths(value))
                    if below =>
                {
                    Some(u64::from(value))
                }
                (Metric::ErrorRate, Metric::SuccessRate, Threshold::PercentHundredths(value))
                    if !below =>
                {
                    10_000u64.checked_sub(u64::from(value))
                }
                _ => None,
            }
        })
        .collect();
    hundredths.sort_unstable();
    hundredths.dedup();
    hundredths
        .into_iter()
        .map(|value| value as f64 / 100.0)
        .collect()
}

/// Green below the lowest limit, red from each limit up: every limit is one the metric must
/// stay below (see [`limits`]).
fn thresholds(limits: &[f64]) -> Thresholds {
    let mut steps = vec![Step {
        color: "green",
        value: None,
    }];
    steps.extend(limits.iter().map(|&value| Step {
        color: "red",
        value: Some(value),
    }));
    Thresholds {
        mode: "absolute",
        steps,
    }
}

/// The replicas panel's queries: one per Deployment (track), or the Rollout of an Argo
/// Rollouts canary.
fn replicas(deployment: &Deployment) -> Vec<(String, String)> {
    let namespace = &deployment.namespace;
    if deployment.strategy.argo_rollouts().is_some() {
        let rollout = Workload::Rollout(deployment.service.clone());
        return vec![(
            "rollout".to_string(),
            metrics::available_replicas(namespace, &rollout),
        )];
    }
    tracks(deployment)
        .into_iter()
        .map(|track| {
            let legend = track.version.unwrap_or("all").to_string();
            let workload = Workload::Deployment(track.workload);
            (legend, metrics::available_replicas(namespace, &workload))
        })
        .collect()
}
