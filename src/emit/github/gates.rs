//! Canary analysis in the workflow: each gate of an `analysis` block (`p99_latency < 500ms`,
//! `success_rate >= 95%`) becomes a PromQL query over Istio's standard request metrics for the
//! canary workload ([`crate::emit::metrics::query`], the one definition the alerts and Argo
//! Rollouts analyses share), and one shell step polls the Prometheus HTTP API every `interval`
//! while a step pauses. More failed rounds than `failure_limit` run the strategy's failure
//! action.
//!
//! The queries travel to the script through `env:` (`GATE_1_QUERY`, ...), as does the
//! Prometheus address (`vars.PROMETHEUS_URL`), so nothing from the spec or the repository is
//! spliced into shell text.

use super::types::Step;
use crate::check::model::{Analysis, Duration};
use crate::emit::metrics::{self, Subject};
use std::fmt::Write as _;

/// The repository variable holding the Prometheus base URL.
pub const PROMETHEUS_URL: &str = "${{ vars.PROMETHEUS_URL }}";

/// The shell helpers: `query` asks Prometheus for one number (`NaN` without data), `holds`
/// compares a number with a threshold (anything that is not a number fails).
const HELPERS: &str = r#"query() {
  curl -fsS --get --data-urlencode "query=$1" "$PROMETHEUS_URL/api/v1/query" \
    | jq -r '.data.result[0].value[1] // "NaN"'
}
holds() {
  [[ $1 =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]] || return 1
  awk -v value="$1" -v op="$2" -v limit="$3" 'BEGIN {
    if (op == "<") exit !(value < limit)
    if (op == "<=") exit !(value <= limit)
    if (op == ">") exit !(value > limit)
    exit !(value >= limit)
  }'
}
"#;

/// One step that checks every gate once per `interval` for `duration` (at least one round),
/// and runs `on_failure` (which must end the step) when more rounds failed than allowed.
pub fn analysis_step(
    name: String,
    analysis: &Analysis,
    subject: &Subject,
    duration: Duration,
    on_failure: &str,
) -> Step {
    let interval = analysis.interval.millis.max(1000);
    let rounds = duration.millis.div_ceil(interval).max(1);
    let mut script = String::from("set -euo pipefail\n");
    script.push_str(HELPERS);
    let _ = write!(
        script,
        "failures=0\nround=0\nwhile [ \"$round\" -lt {rounds} ]; do\n"
    );
    let _ = write!(
        script,
        "  round=$((round + 1))\n  sleep {}\n  failed=0\n",
        interval.div_ceil(1000)
    );
    let mut step = Step::run(name, String::new()).env("PROMETHEUS_URL", PROMETHEUS_URL);
    for (index, gate) in analysis.gates.iter().enumerate() {
        let variable = format!("GATE_{}_QUERY", index + 1);
        step = step.env(
            &variable,
            metrics::query(gate.metric, subject, analysis.interval),
        );
        let (limit, unit) = metrics::threshold(gate);
        let op = gate.op.as_str();
        let metric = gate.metric.name();
        let _ = write!(
            script,
            "  value=\"$(query \"${variable}\" || echo NaN)\"\n  \
             if holds \"$value\" '{op}' {limit}; then\n    \
             echo \"{metric} = ${{value}}{unit} ({op} {limit}{unit}): ok\"\n  \
             else\n    \
             echo \"::warning::{metric} = ${{value}}{unit}, must be {op} {limit}{unit}\"\n    \
             failed=1\n  \
             fi\n"
        );
    }
    let _ = write!(
        script,
        "  if [ \"$failed\" -ne 0 ]; then\n    failures=$((failures + 1))\n  fi\n  \
         if [ \"$failures\" -gt {} ]; then\n",
        analysis.failure_limit
    );
    for line in on_failure.lines() {
        let _ = writeln!(script, "    {line}");
    }
    script.push_str("  fi\ndone\n");
    step.run = Some(script);
    step
}
