//! The metric gates of a canary (`analysis { interval, failure_limit, no_data, gates }`) and
//! the failure budget every engine shares: the workflow's rollout script and Argo Rollouts'
//! AnalysisTemplates read the rounds and the no-data rule from here.

use super::{CanaryStep, Duration, Pause};
use serde::Serialize;

/// The metric gates of a canary. The failure budget is Argo Rollouts' `failureLimit`: a gate
/// round fails when any gate fails (or has no data, unless `no_data = pass`), and the rollout
/// stops at the round that makes the failed rounds more than `failure_limit`. Every analysed
/// step runs at least `failure_limit + 1` rounds ([`Analysis::rounds`]), so a canary that
/// fails every round is stopped within the step it fails in, whichever step that is.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub interval: Duration,
    pub failure_limit: u32,
    pub gates: Vec<Gate>,
    /// What a round with no data (no series, or `NaN` from no traffic) counts as.
    pub no_data: NoData,
}

impl Analysis {
    /// The rounds a step is analysed for: its pause divided by the interval (rounded up), and
    /// `failure_limit + 1` for a step without a timed pause, the fewest that can fail. The
    /// checker rejects a timed pause with fewer rounds than that ([`Analysis::can_fail`]).
    pub fn rounds(&self, pause: Option<Pause>) -> u64 {
        let interval = self.interval.millis.max(1);
        match pause {
            Some(Pause::For(duration)) => duration.millis.div_ceil(interval).max(1),
            Some(Pause::UntilApproved) | None => u64::from(self.failure_limit) + 1,
        }
    }

    /// Whether `rounds` rounds can exceed the failure budget.
    pub fn can_fail(&self, rounds: u64) -> bool {
        rounds > u64::from(self.failure_limit)
    }
}

/// `no_data = fail | pass`: a gate query that returns nothing (no series) or `NaN` (no
/// requests in the window: no traffic reached the canary, or no sidecar reports it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoData {
    /// The round fails (the default: no evidence is not a pass).
    #[default]
    Fail,
    /// The gate passes that round, and the log says so.
    Pass,
}

impl NoData {
    pub const KEYWORDS: &'static [(&'static str, NoData)] =
        &[("fail", NoData::Fail), ("pass", NoData::Pass)];

    pub fn keyword(self) -> &'static str {
        match self {
            NoData::Fail => "fail",
            NoData::Pass => "pass",
        }
    }
}

/// A metric gate such as `p99_latency < 500ms`.
#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    pub metric: Metric,
    pub op: GateOp,
    pub threshold: Threshold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    P50Latency,
    P90Latency,
    P95Latency,
    P99Latency,
    SuccessRate,
    ErrorRate,
}

impl Metric {
    pub const ALL: &'static [(&'static str, Metric)] = &[
        ("p50_latency", Metric::P50Latency),
        ("p90_latency", Metric::P90Latency),
        ("p95_latency", Metric::P95Latency),
        ("p99_latency", Metric::P99Latency),
        ("success_rate", Metric::SuccessRate),
        ("error_rate", Metric::ErrorRate),
    ];

    pub fn name(self) -> &'static str {
        Metric::ALL
            .iter()
            .find(|(_, metric)| *metric == self)
            .map_or("", |(name, _)| name)
    }

    /// Latency metrics take durations; rate metrics take percentages.
    pub fn is_latency(self) -> bool {
        matches!(
            self,
            Metric::P50Latency | Metric::P90Latency | Metric::P95Latency | Metric::P99Latency
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GateOp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl GateOp {
    pub fn as_str(self) -> &'static str {
        match self {
            GateOp::Lt => "<",
            GateOp::Le => "<=",
            GateOp::Gt => ">",
            GateOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Duration(Duration),
    /// Hundredths of a percent, so `99.95%` is exact.
    PercentHundredths(u32),
}

impl CanaryStep {
    /// What the step waits on purpose: its analysis rounds (each at least a second, as the
    /// workflow's script sleeps), or else its timed pause. Read by the checker (a load
    /// generator must outlast the steps) and by the workflow (its jobs' timeouts).
    pub fn waits(&self, analysis: Option<&Analysis>) -> Duration {
        match (analysis, self.pause) {
            (Some(analysis), pause) => Duration {
                millis: analysis
                    .rounds(pause)
                    .saturating_mul(analysis.interval.millis.max(1000)),
            },
            (None, Some(Pause::For(duration))) => duration,
            (None, _) => Duration { millis: 0 },
        }
    }
}
