//! The rollout script of one canary or blue-green service in one environment,
//! `rollout/<env>/<service>.sh`: the steps, gates, promotion and abort that the workflow runs,
//! as one bash file that the workflow calls (`bash rollout/prod/my-app.sh run 1 4`) instead of
//! logic inlined in its YAML. The rehearsal (`rehearsal/`) runs the very same file against a
//! real control plane and Prometheus, so what is rehearsed is what GitHub runs.
//!
//! A script is its settings (names, paths, gates: every value single-quoted), one function per
//! canary step, and the library in `library.sh`, identical in every script. The commands:
//!
//! * `run FIRST LAST`: the canary steps FIRST..=LAST. Each scales the candidate to the step's
//!   share of the live track's pods, applies the step's VirtualService, then pauses or analyses:
//!   each gate is measured at its own interval, its failed measurements counted in the step
//!   (`over = steps`) or over the whole rollout (`over = rollout`, kept on the candidate
//!   Deployment between jobs); the measurement that makes one gate's more than
//!   `failure_limit` rolls back (or halts) and fails.
//! * `switch`: a blue-green switch to the candidate, once it is ready.
//! * `promote`: moves the live track to the candidate's version from the pinned kustomization
//!   (`OVERLAY`), gives it all traffic and scales the candidate to zero (blue-green: after
//!   `scale_down_delay`).
//! * `abort`: the resting state, all traffic on the live track and the candidate at zero; the
//!   workflow runs it when a job fails or is cancelled.

use super::live::LiveTrack;
use super::prometheus::PrometheusAccess;
use super::rollout::ROLLOUT_TIMEOUT;
use crate::check::model::{
    Analysis, CanaryStep, Deployment, Hook, IntOrPercent, OnFailure, Pause, StrategyKind,
};
use crate::emit::istio::Layout;
use crate::emit::metrics::{self, Subject};
use crate::emit::Options;
use std::fmt::Write as _;

/// The library every script ends with.
const LIBRARY: &str = include_str!("library.sh");

/// The placeholder the script replaces with the (scaled) gate interval in every query.
pub(crate) const WINDOW: &str = "{{window}}";

/// `rollout/<env>/<service>.sh`, relative to the output directory.
pub fn path(environment: &str, service: &str) -> String {
    format!("rollout/{environment}/{service}.sh")
}

/// `rollout/<env>/<service>-<hook>.yaml`: the Job of one hook, which the script applies.
pub(crate) fn hook_path(environment: &str, service: &str, hook: &str) -> String {
    format!("rollout/{environment}/{service}-{hook}.yaml")
}

/// The script of a deployment whose rollout the workflow runs; `None` for a single-track
/// strategy.
pub fn script(
    options: &Options,
    deployment: &Deployment,
    live: &LiveTrack,
    layout: &Layout,
    prometheus: &PrometheusAccess,
) -> Option<String> {
    let mut text = String::from("#!/usr/bin/env bash\n");
    text.push_str(&crate::emit::header(options));
    let resting = layout.virtual_service.clone()?;
    let mut settings = Settings::new(deployment, live, &resting, prometheus);
    let steps = match &deployment.strategy.kind {
        StrategyKind::Canary {
            steps,
            analysis,
            on_failure,
            hooks,
        } => {
            settings.canary(analysis.as_ref(), *on_failure, deployment);
            settings.hooks(deployment, hooks);
            canary_steps(steps, analysis.as_ref(), layout)
        }
        StrategyKind::BlueGreen {
            scale_down_delay, ..
        } => {
            settings.blue_green(layout.switch.clone()?, scale_down_delay.seconds_ceil());
            settings.hooks(deployment, &[]);
            String::new()
        }
        StrategyKind::Rolling { .. } | StrategyKind::Recreate => return None,
    };
    let _ = write!(
        text,
        "#\n# The {} rollout of `{}` in `{}` (namespace {}). Commands: run FIRST LAST | switch | promote | abort;\n\
         # see docs/semantics.md. Prometheus: PROMETHEUS_URL (+ PROMETHEUS_TOKEN), or else the API\n\
         # server's service proxy. SLIPWAY_TIME_DIVISOR (rehearsals only) divides every wait.\n\
         set -euo pipefail\n\n",
        deployment.strategy.kind.keyword(),
        deployment.service,
        deployment.environment,
        deployment.namespace,
    );
    text.push_str(&settings.text);
    text.push('\n');
    text.push_str(&steps);
    text.push_str(LIBRARY);
    text.push_str("\nmain \"$@\"\n");
    Some(text)
}

/// The settings block, `name='value'` per line.
struct Settings {
    text: String,
}

impl Settings {
    fn new(
        deployment: &Deployment,
        live: &LiveTrack,
        resting: &str,
        prometheus: &PrometheusAccess,
    ) -> Settings {
        let mut settings = Settings {
            text: String::new(),
        };
        settings.set("service", &deployment.service);
        settings.set("namespace", &deployment.namespace);
        settings.set("live", &live.workload);
        settings.set("candidate", &live.candidate);
        settings.set("live_selector", &live.selector());
        settings.set("resting", resting);
        settings.set("replicas", &deployment.replicas.value.to_string());
        let (min, max) = deployment
            .autoscaling
            .as_ref()
            .map_or((String::new(), String::new()), |scaling| {
                (scaling.min.value.to_string(), scaling.max.value.to_string())
            });
        settings.set("autoscaling_min", &min);
        settings.set("autoscaling_max", &max);
        settings.set("wait_timeout", ROLLOUT_TIMEOUT);
        settings.set("prometheus_proxy", prometheus.proxy());
        settings
    }

    fn set(&mut self, name: &str, value: &str) {
        let _ = writeln!(self.text, "{name}={}", quote(value));
    }

    fn list(&mut self, name: &str, values: &[String]) {
        let quoted: Vec<String> = values.iter().map(|value| quote(value)).collect();
        let _ = writeln!(self.text, "{name}=({})", quoted.join(" "));
    }

    fn canary(
        &mut self,
        analysis: Option<&Analysis>,
        on_failure: OnFailure,
        deployment: &Deployment,
    ) {
        self.set("switched", "");
        self.set("keep_live_seconds", "0");
        self.set(
            "on_failure",
            match on_failure {
                OnFailure::Rollback => "rollback",
                OnFailure::Halt => "halt",
            },
        );
        let Some(analysis) = analysis else {
            self.no_gates();
            return;
        };
        let subject = Subject::canary(deployment);
        let mut names = Vec::new();
        let mut ops = Vec::new();
        let mut limits = Vec::new();
        let mut units = Vec::new();
        let mut queries = Vec::new();
        for gate in &analysis.gates {
            let (limit, unit) = metrics::threshold(gate);
            names.push(gate.metric.name().to_string());
            ops.push(gate.op.as_str().to_string());
            limits.push(limit);
            units.push(unit.to_string());
            queries.push(metrics::query_over(gate.metric, &subject, WINDOW));
        }
        self.list("gate_names", &names);
        self.list("gate_ops", &ops);
        self.list("gate_limits", &limits);
        self.list("gate_units", &units);
        self.list("gate_queries", &queries);
        let intervals: Vec<String> = analysis
            .gate_intervals()
            .iter()
            .map(|interval| interval.seconds_ceil().max(1).to_string())
            .collect();
        self.list("gate_intervals", &intervals);
        self.budget(
            analysis.failure_limit,
            analysis.over.keyword(),
            analysis.no_data.keyword(),
        );
    }

    /// The settings of a rollout without gates: empty lists, and a budget nothing reads.
    fn no_gates(&mut self) {
        for name in [
            "gate_names",
            "gate_ops",
            "gate_limits",
            "gate_units",
            "gate_queries",
            "gate_intervals",
        ] {
            self.list(name, &[]);
        }
        self.budget(0, "steps", "fail");
    }

    fn budget(&mut self, failure_limit: u32, over: &str, no_data: &str) {
        self.set("failure_limit", &failure_limit.to_string());
        self.set("over", over);
        self.set("no_data", no_data);
    }

    /// The hooks' Jobs, files, times and timeouts, one entry per hook in spec order (empty
    /// lists without hooks).
    fn hooks(&mut self, deployment: &Deployment, hooks: &[Hook]) {
        let environment = &deployment.environment;
        let service = &deployment.service;
        let column = |value: &dyn Fn(&Hook) -> String| hooks.iter().map(value).collect::<Vec<_>>();
        self.list("hook_names", &column(&|hook| hook.name.value.clone()));
        self.list("hook_at", &column(&|hook| hook.at.keyword().to_string()));
        self.list("hook_jobs", &column(&|hook| hook.job_name(service)));
        self.list(
            "hook_files",
            &column(&|hook| hook_path(environment, service, &hook.name.value)),
        );
        self.list(
            "hook_timeouts",
            &column(&|hook| hook.timeout.seconds_ceil().to_string()),
        );
    }

    fn blue_green(&mut self, switched: String, keep_live_seconds: u64) {
        self.set("switched", &switched);
        self.set("keep_live_seconds", &keep_live_seconds.to_string());
        self.set("on_failure", "rollback");
        self.no_gates();
    }
}

/// One function per canary step, `step_1` first.
fn canary_steps(steps: &[CanaryStep], analysis: Option<&Analysis>, layout: &Layout) -> String {
    let mut text = String::new();
    for (index, step) in steps.iter().enumerate() {
        let Some(routing) = layout.steps.get(index) else {
            continue;
        };
        let weight = step.weight.value;
        let scale = match step.scale {
            Some(IntOrPercent::Count(pods)) => format!(" '{pods}'"),
            Some(IntOrPercent::Percent(share)) => format!(" '{share}%'"),
            None => String::new(),
        };
        let _ = write!(
            text,
            "step_{}() {{\n  set_weight {weight} {}{scale}\n",
            index + 1,
            quote(routing)
        );
        match (analysis, step.pause) {
            (Some(analysis), pause) => {
                let rounds: Vec<String> = analysis
                    .gate_intervals()
                    .into_iter()
                    .map(|interval| {
                        analysis
                            .rounds_at(interval, pause, index + 1 == steps.len())
                            .to_string()
                    })
                    .collect();
                let _ = writeln!(text, "  analyse {weight} {}", rounds.join(" "));
            }
            (None, Some(Pause::For(duration))) => {
                let _ = writeln!(text, "  hold {}", duration.seconds_ceil());
            }
            (None, _) => {}
        }
        text.push_str("}\n\n");
    }
    text
}

/// `value` in single quotes, for bash: nothing inside is expanded.
pub(crate) fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_keeps_every_character_literal() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME ${{ x }}"), "'$HOME ${{ x }}'");
    }
}
