//! The metric gates of a canary (`analysis { interval, intervals, failure_limit, over, no_data,
//! gates }`) and the failure budget every engine shares: the workflow's rollout script and Argo
//! Rollouts' AnalysisTemplates read the rounds, intervals and the no-data rule from here.

use super::{CanaryStep, Duration, Pause};
use crate::span::Span;
use serde::Serialize;

/// The metric gates of a canary. The failure budget is Argo Rollouts' `failureLimit`, counted
/// per gate: each gate is measured every interval (its own, or the analysis's), and the
/// canary fails at the measurement that makes one gate's failed measurements (or, unless
/// `no_data = pass`, ones with no data) more than `failure_limit`. With `over = steps` each
/// analysed step counts afresh and measures every gate at least `failure_limit + 1` times
/// ([`Analysis::rounds_at`]), so a canary that fails every measurement is stopped within the
/// step it fails in; with `over = rollout` the count runs over the whole rollout (Argo
/// Rollouts' background analysis, Flagger's `threshold`).
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub interval: Duration,
    pub failure_limit: u32,
    /// Where `failure_limit` is written, for diagnostics about the budget.
    #[serde(skip)]
    pub failure_limit_span: Option<Span>,
    pub gates: Vec<Gate>,
    /// What a round with no data (no series, or `NaN` from no traffic) counts as.
    pub no_data: NoData,
    /// Metrics measured at their own interval (`intervals { p99_latency = 15s }`), in the order
    /// written; the other gates use `interval`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<(Metric, Duration)>,
    /// Whether failed measurements count per step or over the whole rollout.
    pub over: Over,
}

/// `over = steps | rollout`: the stretch over which failed measurements are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Over {
    /// Each analysed step is its own analysis (Argo Rollouts' analysis steps).
    #[default]
    Steps,
    /// One analysis from the first step to the promotion (Argo Rollouts' background
    /// analysis, Flagger's interval analysis with `threshold`).
    Rollout,
}

impl Over {
    pub(crate) const KEYWORDS: &'static [(&'static str, Over)] =
        &[("steps", Over::Steps), ("rollout", Over::Rollout)];

    pub fn keyword(self) -> &'static str {
        super::spelling_of(Over::KEYWORDS, &self)
    }
}

impl Analysis {
    /// The interval at which gates on `metric` are measured.
    pub(crate) fn interval_of(&self, metric: Metric) -> Duration {
        self.intervals
            .iter()
            .find(|(measured, _)| *measured == metric)
            .map_or(self.interval, |(_, interval)| *interval)
    }

    /// The interval of each gate, in gate order.
    pub fn gate_intervals(&self) -> Vec<Duration> {
        self.gates
            .iter()
            .map(|gate| self.interval_of(gate.metric))
            .collect()
    }

    /// The distinct intervals of the gates, shortest first.
    pub(crate) fn distinct_intervals(&self) -> Vec<Duration> {
        let mut intervals = self.gate_intervals();
        intervals.sort();
        intervals.dedup();
        intervals
    }

    /// The longest gate interval: the one with the fewest measurements in a step.
    pub(crate) fn longest_interval(&self) -> Duration {
        self.gate_intervals()
            .into_iter()
            .max()
            .unwrap_or(self.interval)
    }

    /// How many times a gate measured every `interval` is measured in a step with `pause`
    /// (`last`: the step after which the canary is promoted): the pause divided by the
    /// interval (rounded up); for a step without a timed pause, `failure_limit + 1`, the fewest
    /// that can fail (the checker rejects a timed pause with fewer, [`Analysis::can_fail`]),
    /// except with `over = rollout` before the last step: one round of the longest interval,
    /// since the budget spans the steps. The last step can always fail on its own, so a canary
    /// that turns bad only at the end is stopped before it is promoted.
    pub(crate) fn rounds_at(&self, interval: Duration, pause: Option<Pause>, last: bool) -> u64 {
        let every = interval.millis.max(1);
        match (pause, self.over) {
            (Some(Pause::For(duration)), _) => duration.millis.div_ceil(every).max(1),
            (_, Over::Rollout) if !last => self.longest_interval().millis.div_ceil(every).max(1),
            (_, _) => u64::from(self.failure_limit) + 1,
        }
    }

    /// The rounds of a gate measured at the analysis's own `interval`, in a step that must be
    /// able to fail on its own.
    pub fn rounds(&self, pause: Option<Pause>) -> u64 {
        self.rounds_at(self.interval, pause, true)
    }

    /// Whether `rounds` rounds can exceed the failure budget.
    pub fn can_fail(&self, rounds: u64) -> bool {
        rounds > u64::from(self.failure_limit)
    }

    /// How long a step with `pause` is analysed: until every gate has had its rounds (each
    /// round at least a second, as the workflow's script sleeps).
    pub(crate) fn step_length(&self, pause: Option<Pause>, last: bool) -> Duration {
        let millis = self
            .distinct_intervals()
            .into_iter()
            .map(|interval| {
                self.rounds_at(interval, pause, last)
                    .saturating_mul(interval.millis.max(1000))
            })
            .max()
            .unwrap_or(0);
        Duration { millis }
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
    pub(crate) const KEYWORDS: &'static [(&'static str, NoData)] =
        &[("fail", NoData::Fail), ("pass", NoData::Pass)];

    pub fn keyword(self) -> &'static str {
        super::spelling_of(NoData::KEYWORDS, &self)
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

    /// The metric called `name` in a spec (`p99_latency`).
    pub(crate) fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, metric)| *metric)
    }

    /// Every metric's name, in the order of [`Metric::ALL`].
    pub fn names() -> impl Iterator<Item = &'static str> {
        Metric::ALL.iter().map(|(name, _)| *name)
    }

    pub fn name(self) -> &'static str {
        super::spelling_of(Metric::ALL, &self)
    }

    /// Latency metrics take durations; rate metrics take percentages.
    pub(crate) fn is_latency(self) -> bool {
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
    /// What the step waits on purpose (`last`: the step after which the canary is promoted):
    /// its analysis ([`Analysis::step_length`]), or else its
    /// timed pause. Read by the checker (a load generator must outlast the steps) and by the
    /// workflow (its jobs' timeouts).
    pub fn waits(&self, analysis: Option<&Analysis>, last: bool) -> Duration {
        match (analysis, self.pause) {
            (Some(analysis), pause) => analysis.step_length(pause, last),
            (None, Some(Pause::For(duration))) => duration,
            (None, _) => Duration { millis: 0 },
        }
    }
}
