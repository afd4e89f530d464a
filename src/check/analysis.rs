//! Lowering a canary's `analysis` block: the gates (`p99_latency < 500ms`), how often each is
//! measured (`interval`, and `intervals { p99_latency = 15s }` per metric), the failure budget
//! (`failure_limit`, counted `over` each step or the whole rollout) and the no-data rule.
//!
//! The budget rules make a gate that cannot fail unrepresentable: with `over = steps` every
//! timed pause measures each gate more often than `failure_limit` (SW0320); with
//! `over = rollout` the steps before the canary takes all the traffic do (SW0366).

use super::model::*;
use super::reader::Reader;
use super::twice::{Repeated, Twice};
use super::values::{self, Variant};
use super::{schema, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{CompareOp, Entry, Expr, ExprKind, Object};

/// `analysis { ... }`.
pub fn lower(checker: &mut Checker, object: &Object) -> Option<Analysis> {
    let reader = Reader::new(checker, object, &schema::ANALYSIS, object.span);
    // Each field is read before any is given up on, as in `canary`.
    let interval = match reader.value(checker, "interval") {
        Some(expr) => values::duration(checker, expr),
        None => Some(Duration::from_secs(60)),
    };
    let failure_limit_expr = reader.value(checker, "failure_limit");
    let failure_limit = match failure_limit_expr {
        Some(expr) => values::integer_u32(checker, expr, 0, 1000),
        None => Some(0),
    };
    let gates = reader
        .required_value(checker, "gates")
        .and_then(|gates_expr| gates(checker, gates_expr));
    let no_data = match reader.value(checker, "no_data") {
        Some(expr) => values::keyword(checker, expr, "no-data rule", NoData::KEYWORDS),
        None => Some(NoData::Fail),
    };
    let over_expr = reader.value(checker, "over");
    let over = match over_expr {
        Some(expr) => values::keyword(checker, expr, "analysis scope", Over::KEYWORDS),
        None => Some(Over::Steps),
    };
    let intervals = match reader.block(checker, "intervals") {
        Some(block) => intervals(checker, block, gates.as_deref()),
        None => Some(Vec::new()),
    };
    Some(Analysis {
        interval: interval?,
        failure_limit: failure_limit?,
        failure_limit_span: failure_limit_expr.or(over_expr).map(|expr| expr.span),
        gates: gates?,
        no_data: no_data?,
        intervals: intervals?,
        over: over?,
    })
}

/// The gates of an analysis (one gate or a list), each checked even when another is broken.
fn gates(checker: &mut Checker, gates_expr: &Expr) -> Option<Vec<Gate>> {
    let items: Vec<&Expr> = match &gates_expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![gates_expr],
    };
    let gates: Vec<Gate> = items.iter().filter_map(|e| gate(checker, e)).collect();
    (gates.len() == items.len()).then_some(gates)
}

/// `intervals { p99_latency = 15s }`: a metric that one of the gates measures, and the
/// interval at which it does. `gates` is `None` when they did not check, and then only the
/// metric names and durations are.
fn intervals(
    checker: &mut Checker,
    block: &Object,
    gates: Option<&[Gate]>,
) -> Option<Vec<(Metric, Duration)>> {
    let mut out: Vec<(Metric, Duration)> = Vec::new();
    let mut seen: Vec<(Metric, crate::span::Span)> = Vec::new();
    let mut ok = true;
    for entry in &block.entries {
        let key = entry.key();
        let Some(metric) = Metric::from_name(&key.text) else {
            checker.report(
                Diagnostic::error(
                    Code::SW0367,
                    format!("`{}` is not a metric a gate can measure", key.text),
                    key.span,
                    "not a metric",
                )
                .with_suggestion(&key.text, Metric::names()),
            );
            ok = false;
            continue;
        };
        if gates.is_some_and(|gates| gates.iter().all(|gate| gate.metric != metric)) {
            checker.report(
                Diagnostic::error(
                    Code::SW0367,
                    format!(
                        "no gate measures `{}`, so its interval sets nothing",
                        key.text
                    ),
                    key.span,
                    "not gated",
                )
                .with_help(format!(
                    "add a gate on `{}` to `gates`, or remove this line",
                    key.text
                )),
            );
            ok = false;
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(earlier, _)| *earlier == metric) {
            checker.report(
                Twice {
                    repeated: Repeated::Field,
                    name: &key.text,
                    span: key.span,
                    first: Some(*first),
                }
                .diagnostic(),
            );
            ok = false;
            continue;
        }
        seen.push((metric, key.span));
        let value = match entry {
            Entry::Attribute { value, .. } => values::duration(checker, value),
            Entry::Block { .. } => {
                checker.report(
                    crate::check::wrong_type::WrongType::BlockForValue {
                        field: &key.text,
                        takes: "a duration",
                        example: "30s",
                        span: key.span,
                    }
                    .diagnostic(),
                );
                None
            }
        };
        match value {
            Some(interval) => out.push((metric, interval)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Every analysed step must be able to fail. With `over = steps`, a timed pause that measures
/// the slowest gate no more often than `failure_limit` would let a canary that fails every
/// measurement through that step (the failure budget of Argo Rollouts' `failureLimit`;
/// Flagger's `threshold` likewise needs more checks than it tolerates); steps without a timed
/// pause get the rounds they need. With `over = rollout` the budget spans the steps: the steps
/// before the canary takes all the traffic must measure more than it tolerates, and the last
/// step (after which the canary is promoted) must still be able to fail on its own, for a
/// canary that turns bad only there.
pub(crate) fn check_budget(
    checker: &mut Checker,
    steps: &[CanaryStep],
    analysis: &Analysis,
) -> bool {
    match analysis.over {
        // Every step is checked, so each one that cannot fail is reported.
        Over::Steps => {
            let failing = steps
                .iter()
                .filter(|step| !check_step_budget(checker, step, analysis))
                .count();
            failing == 0
        }
        Over::Rollout => {
            let last_ok = steps
                .last()
                .is_none_or(|step| check_step_budget(checker, step, analysis));
            check_rollout_budget(checker, steps, analysis) && last_ok
        }
    }
}

/// A step with a timed pause can fail on its own (SW0320).
fn check_step_budget(checker: &mut Checker, step: &CanaryStep, analysis: &Analysis) -> bool {
    let slowest = analysis.longest_interval();
    let (Some(Pause::For(duration)), Some(span)) = (step.pause, step.pause_span) else {
        return true;
    };
    let rounds = analysis.rounds_at(slowest, step.pause, true);
    if analysis.can_fail(rounds) {
        return true;
    }
    let needed = u64::from(analysis.failure_limit) + 1;
    let shortest = Duration {
        millis: slowest.millis.saturating_mul(needed),
    };
    let other_fix = match analysis.over {
        Over::Steps => ", or count failures over the whole rollout with `over = rollout`",
        Over::Rollout => {
            " (the canary is promoted after this last step, so it must be able to fail on its own)"
        }
    };
    checker.report(
        Diagnostic::error(
            Code::SW0320,
            format!(
                "the canary's gates cannot fail at {}%: `pause = {}` is {rounds} round{} of {}, and `failure_limit = {}` tolerates that many failed rounds",
                step.weight.value,
                duration.text(),
                plural(rounds),
                slowest.text(),
                analysis.failure_limit,
            ),
            span,
            format!("{rounds} round{}", plural(rounds)),
        )
        .with_help(format!(
            "pause at least `{}` here ({needed} rounds), lower `failure_limit` below {rounds}{other_fix}",
            shortest.text()
        )),
    );
    false
}

fn check_rollout_budget(checker: &mut Checker, steps: &[CanaryStep], analysis: &Analysis) -> bool {
    let slowest = analysis.longest_interval();
    let rounds: u64 = steps
        .iter()
        .enumerate()
        .filter(|(_, step)| (1..100).contains(&step.weight.value))
        .map(|(index, step)| analysis.rounds_at(slowest, step.pause, index + 1 == steps.len()))
        .sum();
    if analysis.can_fail(rounds) {
        return true;
    }
    let Some(span) = analysis.failure_limit_span else {
        return true;
    };
    checker.report(
        Diagnostic::error(
            Code::SW0366,
            format!(
                "the canary's gates cannot stop it before it takes all the traffic: the steps below 100% measure {rounds} round{} of {}, and `failure_limit = {}` tolerates that many failed rounds",
                plural(rounds),
                slowest.text(),
                analysis.failure_limit,
            ),
            span,
            format!("{} tolerated", analysis.failure_limit),
        )
        .with_help(format!(
            "lower `failure_limit` below {rounds}, or pause longer in the steps before 100%"
        )),
    );
    false
}

fn plural(count: u64) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// `p99_latency < 500ms`, `success_rate >= 95%`.
pub fn gate(checker: &mut Checker, expr: &Expr) -> Option<Gate> {
    let ExprKind::Compare { op, left, right } = &expr.kind else {
        checker.report(
            crate::check::wrong_type::WrongType::NotAGate {
                found: expr.kind.describe(),
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    };
    let metric_name = match &left.kind {
        ExprKind::Path(path) => path.dotted(),
        _ => {
            checker.report(
                crate::check::wrong_type::WrongType::GateWithoutMetric { span: left.span }
                    .diagnostic(),
            );
            return None;
        }
    };
    let Some(metric) = Metric::from_name(&metric_name) else {
        let names: Vec<&str> = Metric::names().collect();
        let variant = Variant {
            tag: &metric_name,
            tag_span: left.span,
            body: None,
        };
        values::unknown_variant(checker, "metric", &variant, &names);
        return None;
    };
    let op = match op {
        CompareOp::Lt => GateOp::Lt,
        CompareOp::Le => GateOp::Le,
        CompareOp::Gt => GateOp::Gt,
        CompareOp::Ge => GateOp::Ge,
        CompareOp::Eq | CompareOp::Ne => {
            checker.report(
                crate::check::wrong_type::WrongType::GateEquality {
                    op: op.as_str(),
                    span: expr.span,
                }
                .diagnostic(),
            );
            return None;
        }
    };
    let threshold = if metric.is_latency() {
        Threshold::Duration(values::duration(checker, right)?)
    } else {
        Threshold::PercentHundredths(values::percent_hundredths(checker, right)?)
    };
    Some(Gate {
        metric,
        op,
        threshold,
    })
}
