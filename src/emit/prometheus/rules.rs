//! The alerting rules of one service in one environment, in two groups:
//!
//! * `<service>.<env>.slo`, from the service's `slo` block: one alert per objective, on every
//!   pod of the service over the block's `window`, firing after `for`; and, for the first
//!   availability objective (`success_rate >= X` or `error_rate <= X`), the two error-budget
//!   burn alerts of the multi-window method over a 30-day budget: a fast burn (14.4 times the
//!   sustainable error rate over both 1h and 5m, 2% of the budget in an hour) raised at the
//!   block's `severity`, and a slow burn (6 times over both 6h and 30m, 5% in six hours) one
//!   grade lower. An objective of 100% has no budget to burn and gets no burn alerts.
//! * `<service>.<env>.canary`, from the deployment's canary `analysis`: one alert per gate
//!   with the very query the canary analysis runs (the workflow's or Argo Rollouts'), firing
//!   after the time in which the analysis itself would fail (`interval` times
//!   `failure_limit + 1`). A workflow canary's `-canary` Deployment runs only during a rollout,
//!   so these alerts speak only then; on Argo Rollouts they watch the requests routed to the
//!   `<service>-canary` Service, which receives traffic only while a canary step sends it some,
//!   so they too speak only during a rollout, and never about stable traffic.
//!
//! Every expression is [`metrics::violation`] or built from [`metrics::query`]: the alerts
//! measure exactly what the canary analysis measures.

use super::types::{Rule, RuleGroup};
use crate::check::model::{
    AlertSeverity, Deployment, Duration, Gate, GateOp, Metric, Slo, StrategyKind, Threshold,
};
use crate::emit::metrics::{self, Subject};
use std::collections::BTreeMap;

/// The fast and the slow burn: (name, multiple of the sustainable rate in tenths, long and
/// short window in seconds).
const BURNS: [(&str, u64, u64, u64); 2] = [("Fast", 144, 3600, 300), ("Slow", 60, 21_600, 1800)];

/// The rule groups of a deployment; empty when it has neither an SLO nor canary analysis.
pub fn groups(deployment: &Deployment, slo: Option<&Slo>) -> Vec<RuleGroup> {
    let prefix = format!("{}.{}", deployment.service, deployment.environment);
    let mut groups = Vec::new();
    if let Some(slo) = slo {
        groups.push(RuleGroup {
            name: format!("{prefix}.slo"),
            rules: slo_rules(deployment, slo),
        });
    }
    let canary = canary_rules(deployment, slo);
    if !canary.is_empty() {
        groups.push(RuleGroup {
            name: format!("{prefix}.canary"),
            rules: canary,
        });
    }
    groups
}

fn slo_rules(deployment: &Deployment, slo: &Slo) -> Vec<Rule> {
    let subject = Subject::service(deployment);
    let mut names = Names::default();
    let mut rules: Vec<Rule> = slo
        .objectives
        .iter()
        .map(|gate| {
            let alert = names.unique(alert_name(&deployment.service, "", gate));
            let summary = format!(
                "{} in {}: {} is {{{{ $value | humanize }}}}{}, the objective is {}",
                deployment.service,
                deployment.environment,
                words(gate.metric),
                metrics::threshold(gate).1,
                objective(gate)
            );
            Rule {
                alert,
                expr: metrics::violation(gate, &subject, slo.window),
                pending: slo.pending.text(),
                labels: rule_labels(deployment, slo.severity),
                annotations: annotations(summary, slo.runbook.as_deref()),
            }
        })
        .collect();
    if let Some(budget) = slo.objectives.iter().find_map(error_budget) {
        rules.extend(burn_rules(deployment, slo, &subject, budget));
    }
    rules
}

/// The error budget of an availability objective, in hundredths of a percent; `None` for
/// other objectives and for an objective of 100%, which has none.
fn error_budget(gate: &Gate) -> Option<u64> {
    let Threshold::PercentHundredths(target) = gate.threshold else {
        return None;
    };
    let budget = match (gate.metric, gate.op) {
        (Metric::SuccessRate, GateOp::Ge | GateOp::Gt) => {
            10_000u64.checked_sub(u64::from(target))?
        }
        (Metric::ErrorRate, GateOp::Le | GateOp::Lt) => u64::from(target),
        _ => return None,
    };
    (budget > 0 && budget < 10_000).then_some(budget)
}

fn burn_rules(deployment: &Deployment, slo: &Slo, subject: &Subject, budget: u64) -> Vec<Rule> {
    BURNS
        .iter()
        .map(|&(speed, tenths, long, short)| {
            // The budget in hundredths of a percent times the multiple in tenths is the
            // error rate that spends it that fast, in thousandths of a percent.
            let limit = thousandths_text(budget * tenths);
            let rate = |secs| metrics::query(Metric::ErrorRate, subject, Duration::from_secs(secs));
            let severity = match speed {
                "Fast" => slo.severity,
                _ => slo.severity.lower(),
            };
            let summary = format!(
                "{} in {} is spending its 30-day error budget of {}% at {} times the sustainable rate",
                deployment.service,
                deployment.environment,
                metrics::hundredths_text(budget),
                thousandths_text(tenths * 100),
            );
            Rule {
                alert: format!("{}ErrorBudgetBurn{speed}", camel(&deployment.service)),
                expr: format!("({}) > {limit} and ({}) > {limit}", rate(long), rate(short)),
                pending: slo.pending.text(),
                labels: rule_labels(deployment, severity),
                annotations: annotations(summary, slo.runbook.as_deref()),
            }
        })
        .collect()
}

fn canary_rules(deployment: &Deployment, slo: Option<&Slo>) -> Vec<Rule> {
    let StrategyKind::Canary {
        analysis: Some(analysis),
        ..
    } = &deployment.strategy.kind
    else {
        return Vec::new();
    };
    let subject = Subject::canary(deployment);
    let rounds = u64::from(analysis.failure_limit) + 1;
    let severity = slo.map_or(AlertSeverity::Warning, |slo| slo.severity);
    let runbook = slo.and_then(|slo| slo.runbook.as_deref());
    let mut names = Names::default();
    analysis
        .gates
        .iter()
        .map(|gate| {
            let mut labels = rule_labels(deployment, severity);
            labels.insert("track".to_string(), "canary".to_string());
            let summary = format!(
                "the canary of {} in {}: {} is {{{{ $value | humanize }}}}{}, its gate is {}",
                deployment.service,
                deployment.environment,
                words(gate.metric),
                metrics::threshold(gate).1,
                objective(gate)
            );
            let interval = analysis.interval_of(gate.metric);
            let pending = Duration {
                millis: interval.millis.saturating_mul(rounds),
            };
            Rule {
                alert: names.unique(alert_name(&deployment.service, "Canary", gate)),
                expr: metrics::violation(gate, &subject, interval),
                pending: pending.text(),
                labels,
                annotations: annotations(summary, runbook),
            }
        })
        .collect()
}

fn rule_labels(deployment: &Deployment, severity: AlertSeverity) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("severity".to_string(), severity.name().to_string()),
        ("service".to_string(), deployment.service.clone()),
        ("environment".to_string(), deployment.environment.clone()),
    ])
}

fn annotations(summary: String, runbook: Option<&str>) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::from([("summary".to_string(), summary)]);
    if let Some(runbook) = runbook {
        annotations.insert("runbook_url".to_string(), runbook.to_string());
    }
    annotations
}

/// `MyAppP99LatencyHigh`, `MyAppCanarySuccessRateLow`: the service, the metric, and which way
/// it broke.
fn alert_name(service: &str, part: &str, gate: &Gate) -> String {
    let direction = match metrics::breaking(gate.op) {
        GateOp::Gt | GateOp::Ge => "High",
        GateOp::Lt | GateOp::Le => "Low",
    };
    format!(
        "{}{part}{}{direction}",
        camel(service),
        camel(gate.metric.name())
    )
}

/// `my-app` as `MyApp`, `p99_latency` as `P99Latency`.
fn camel(name: &str) -> String {
    name.split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn words(metric: Metric) -> String {
    metric.name().replace('_', " ")
}

/// `< 500ms`, `>= 99.9%`.
fn objective(gate: &Gate) -> String {
    let (limit, unit) = metrics::threshold(gate);
    format!("{} {limit}{unit}", gate.op.as_str())
}

/// `1440` thousandths as `1.44`, `6000` as `6`.
fn thousandths_text(thousandths: u64) -> String {
    let (whole, fraction) = (thousandths / 1000, thousandths % 1000);
    match fraction {
        0 => whole.to_string(),
        f => format!("{whole}.{f:03}").trim_end_matches('0').to_string(),
    }
}

/// Alert names made unique within a group by a number after repeats.
#[derive(Default)]
struct Names {
    seen: BTreeMap<String, usize>,
}

impl Names {
    fn unique(&mut self, name: String) -> String {
        let count = self.seen.entry(name.clone()).or_insert(0);
        *count += 1;
        match *count {
            1 => name,
            n => format!("{name}{n}"),
        }
    }
}
