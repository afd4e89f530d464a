//! Canary analysis counted per step or over the whole rollout (`over = steps | rollout`), with
//! gates measured at their own interval (`intervals { p99_latency = 100s }`), in both engines.
//!
//! The workflow engine: the generated rollout script is run with bash against a stub
//! `kubectl` that answers Prometheus queries (through the API server's proxy, as the script
//! asks when no `PROMETHEUS_URL` is set) from a scripted list of values per metric, records
//! every call, and keeps the candidate Deployment's annotations in a file. Each test shows
//! when a gate is measured and when its failures stop the canary: two failures in two steps
//! pass when each step counts afresh and fail when the rollout counts them all, also across
//! the approval that splits the rollout into two jobs.
//!
//! Argo Rollouts: per-gate intervals and `rounds` arguments in the AnalysisTemplate and its
//! analysis steps; `over = rollout` as the canary's background analysis.

mod emit_support;
mod script_support;

use emit_support::{compile, inline, object};
use script_support::{Run, Sandbox};
use serde_json::{json, Value};
use slipway::emit::Target;

/// Success rate every 200s, latency every 100s; with the rehearsals' divisor of 100, a second
/// and two seconds.
const SPEC: &str = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image    = "web:1.4.2"
  ports { http = 8080 }
  replicas = 2
}
environment prod {
  cluster   = "prod"
  namespace = "shop"
  trigger   = push
  strategy  = canary {
    ENGINE
    step { weight = 50%  pause = 400s }
    step { weight = 60%  pause = approval }
    step { weight = 100% }
    analysis {
      OVER
      interval      = 200s
      failure_limit = 1
      intervals { p99_latency = 100s }
      gates         = [success_rate >= 99%, p99_latency < 500ms]
    }
  }
}
"#;

fn spec(engine: &str, over: &str) -> String {
    SPEC.replace("ENGINE", engine).replace("OVER", over)
}

/// Answers `kubectl get --raw .../api/v1/query?query=...` with the next value of the metric's
/// list (`answers/latency`, `answers/success`); keeps annotations of the candidate.
const KUBECTL: &str = r#"#!/usr/bin/env bash
echo "kubectl $*" >> "$STUB_DIR/calls"
args="$*"
answer() {
  local file="$STUB_DIR/answers/$1" value
  value="$(head -n 1 "$file")"
  sed -i 1d "$file"
  printf '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[0,"%s"]}]}}\n' "$value"
}
case "$args" in
  *"get --raw"*histogram_quantile*) answer latency ;;
  *"get --raw"*) answer success ;;
  *" annotate deployment "*)
    printf '%s\n' "${args#*slipway.dev/failed-measurements=}" > "$STUB_DIR/annotation" ;;
  *" get deployment "*"annotations"*) cat "$STUB_DIR/annotation" 2>/dev/null ;;
  *" get deployment "*"{.spec.replicas}"*) echo 0 ;;
  *" get deployment "*) echo "deployment.apps/x" ;;
esac
exit 0
"#;

/// The workflow canary's files in a sandbox, with latencies (ms) answered in `latency` order
/// and a success rate of 100% throughout.
fn sandbox(name: &str, over: &str, latency: &[u32]) -> Sandbox {
    let output = compile(
        "spec",
        &inline(&spec("", over)),
        &[Target::Github, Target::Istio],
    );
    let sandbox = Sandbox::new(&format!("analysis-{name}"), &output, KUBECTL);
    let lines: Vec<String> = latency.iter().map(u32::to_string).collect();
    sandbox.write("answers/latency", &format!("{}\n", lines.join("\n")));
    sandbox.write("answers/success", &"100\n".repeat(20));
    sandbox
}

fn queries(run: &Run, needle: &str) -> usize {
    run.calls
        .lines()
        .filter(|line| line.contains("get --raw") && line.contains(needle))
        .count()
}

#[test]
fn each_gate_is_measured_at_its_own_interval_over_its_own_window() {
    let sandbox = sandbox("intervals", "", &[100; 8]);
    let run = sandbox.run("rollout/prod/web.sh", &["run", "1", "1"]);
    assert!(run.ok, "{}", run.log);
    // 400s at 50%: the success rate twice (every 200s), the latency four times (every 100s).
    assert!(
        run.log.contains(
            "web: analysing web-canary at 50%: success_rate p99_latency measured 2 4 time(s), every 200 100s"
        ),
        "{}",
        run.log
    );
    assert_eq!(queries(&run, "histogram_quantile"), 4, "{}", run.calls);
    assert_eq!(queries(&run, "response_code"), 2, "{}", run.calls);
    // Each query measures the window of its own interval (scaled by the divisor: 1s and 2s).
    assert!(run.calls.contains("%5B1s%5D") && run.calls.contains("%5B2s%5D"));
}

/// One slow measurement in the first job's step and one in the second's: tolerated with
/// `failure_limit = 1` when each step counts afresh.
#[test]
fn with_over_steps_each_step_counts_its_own_failures() {
    let sandbox = sandbox("steps", "", &[900, 100, 100, 100, 900, 100]);
    let first = sandbox.run("rollout/prod/web.sh", &["run", "1", "1"]);
    assert!(first.ok, "{}", first.log);
    assert!(first
        .log
        .contains("::warning::p99_latency = 900ms, must be < 500ms"));
    let second = sandbox.run("rollout/prod/web.sh", &["run", "2", "2"]);
    assert!(second.ok, "{}", second.log);
    assert!(second
        .log
        .contains("::warning::p99_latency = 900ms, must be < 500ms"));
    // Nothing is kept between the jobs.
    assert!(!first.calls.contains("annotate"), "{}", first.calls);
}

/// The same measurements, counted over the whole rollout: the second slow one, in the job
/// after the approval, is one more than `failure_limit` tolerates.
#[test]
fn with_over_rollout_failures_count_across_steps_and_jobs() {
    let sandbox = sandbox("rollout", "over = rollout", &[900, 100, 100, 100, 900, 100]);
    let first = sandbox.run("rollout/prod/web.sh", &["run", "1", "1"]);
    assert!(first.ok, "{}", first.log);
    assert!(
        first.calls.contains(
            "annotate deployment web-canary --overwrite slipway.dev/failed-measurements=0 1"
        ),
        "{}",
        first.calls
    );
    let second = sandbox.run("rollout/prod/web.sh", &["run", "2", "2"]);
    assert!(!second.ok, "{}", second.log);
    assert!(
        second
            .log
            .contains("web: failed measurements so far in this rollout: 0 1"),
        "{}",
        second.log
    );
    assert!(
        second.log.contains(
            "::error::web: the canary failed its analysis at 60%; rolling back to web-stable"
        ),
        "{}",
        second.log
    );
    // The last step can fail on its own: two rounds of each gate, one more than tolerated.
    let script = std::fs::read_to_string(sandbox.dir.join("out/rollout/prod/web.sh")).unwrap();
    assert!(script.contains("step_2() {\n  set_weight 60 'istio/prod/web/steps/02-60/virtualservice.yaml'\n  analyse 60 1 2\n}"), "{script}");
    assert!(script.contains("  analyse 100 2 2\n"), "{script}");
    // A new rollout starts counting from zero.
    let again = sandbox.run("rollout/prod/web.sh", &["run", "1", "1"]);
    assert!(
        again
            .calls
            .lines()
            .next()
            .is_some_and(|line| line.ends_with("slipway.dev/failed-measurements=0 0")),
        "{}",
        again.calls
    );
}

fn argo(over: &str) -> (Value, Value) {
    let output = compile(
        "spec",
        &inline(&spec("engine = argo_rollouts", over)),
        &[Target::K8s, Target::Kustomize],
    );
    let file = "kustomize/overlays/prod/web.yaml";
    let rollout = object(&output, file, "Rollout");
    let template = object(&output, file, "AnalysisTemplate");
    (rollout, template)
}

#[test]
fn argo_rollouts_measures_each_gate_at_its_interval_in_each_step() {
    let (rollout, template) = argo("");
    let metrics = &template["spec"]["metrics"];
    assert_eq!(metrics[0]["interval"], "200s");
    assert_eq!(metrics[0]["count"], "{{args.rounds}}");
    assert_eq!(metrics[1]["interval"], "100s");
    assert_eq!(metrics[1]["initialDelay"], "100s");
    assert_eq!(metrics[1]["count"], "{{args.rounds-100s}}");
    assert!(metrics[1]["provider"]["prometheus"]["query"]
        .as_str()
        .unwrap()
        .contains("[100s]"));
    assert_eq!(
        template["spec"]["args"],
        json!([{"name": "rounds-100s", "value": "2"}, {"name": "rounds", "value": "2"}])
    );
    let steps = &rollout["spec"]["strategy"]["canary"]["steps"];
    assert_eq!(
        steps[1]["analysis"]["args"],
        json!([{"name": "rounds-100s", "value": "4"}, {"name": "rounds", "value": "2"}])
    );
    assert!(rollout["spec"]["strategy"]["canary"]["analysis"].is_null());
}

#[test]
fn argo_rollouts_runs_a_rollout_wide_analysis_in_the_background() {
    let (rollout, template) = argo("over = rollout");
    let canary = &rollout["spec"]["strategy"]["canary"];
    assert_eq!(
        canary["analysis"],
        json!({"templates": [{"templateName": "web"}], "startingStep": 0})
    );
    // No step runs the gates itself: each waits as long as the workflow measures it, a step
    // without a timed pause one round of the slowest gate, except the last, after which the
    // canary is promoted: it measures `failure_limit + 1` rounds, so it can fail on its own.
    assert_eq!(
        canary["steps"],
        json!([
            {"setWeight": 50}, {"pause": {"duration": "400s"}},
            {"setWeight": 60}, {"pause": {"duration": "200s"}}, {"pause": {}},
            {"setWeight": 100}, {"pause": {"duration": "400s"}},
        ])
    );
    // The background analysis measures until the rollout ends.
    let metrics = template["spec"]["metrics"].as_array().unwrap();
    assert!(metrics.iter().all(|metric| metric.get("count").is_none()));
    assert_eq!(metrics[0]["failureLimit"], 1);
    assert!(template["spec"].get("args").is_none());
}
