//! Canary hooks (`hook NAME { at = before | during | after ... }`), in both engines.
//!
//! The workflow engine: each hook is a Job file next to the rollout script, and the script runs
//! it at its point. The script is run here with bash against a stub `kubectl` that records
//! every call and answers a Job's conditions from a file, so each test shows what the rollout
//! does when a hook completes or fails: a failing `before` hook rolls back before any step's
//! routing is applied, a failing load generator stops the canary at the next check, a failing
//! `after` hook rolls back before the live track moves, and a healthy rollout stops its load
//! generator. (The rehearsal runs the same Jobs in a real control plane.)
//!
//! Argo Rollouts: one AnalysisTemplate per hook with the Job provider, analysis steps around
//! the steps, and the load generator as background analysis.

mod emit_support;
mod script_support;

use emit_support::{compile, inline, object};
use script_support::Sandbox;
use serde_json::{json, Value};
use slipway::emit::{Output, Target};

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
    step { weight = 50%  pause = 20s }
    step { weight = 100% }
    hook smoke {
      at      = before
      image   = "ghcr.io/acme/smoke:1.0"
      command = ["smoke", "http://web:8080/"]
      timeout = 2m
    }
    hook load {
      at      = during
      image   = "ghcr.io/acme/loadgen:2.0"
      timeout = 1h
      resources { requests { cpu = 500m } }
    }
    hook verify {
      at    = after
      image = "ghcr.io/acme/verify:1.0"
    }
  }
}
"#;

fn spec(engine: &str) -> String {
    SPEC.replace("ENGINE", engine)
}

#[test]
fn each_hook_is_a_job_beside_the_rollout_script() {
    let output = compile("spec", &inline(&spec("")), &[Target::Github]);
    let smoke = object(&output, "rollout/prod/web-smoke.yaml", "Job");
    assert_eq!(smoke["metadata"]["name"], "web-smoke");
    assert_eq!(smoke["spec"]["backoffLimit"], 0);
    assert_eq!(smoke["spec"]["activeDeadlineSeconds"], 120);
    let pod = &smoke["spec"]["template"];
    assert_eq!(
        pod["metadata"]["annotations"]["sidecar.istio.io/nativeSidecar"],
        "true"
    );
    // The service's Services select `name` and `instance`: the hook's pod must match neither.
    assert_eq!(
        pod["metadata"]["labels"]["app.kubernetes.io/name"],
        "web-smoke"
    );
    assert_eq!(pod["spec"]["restartPolicy"], "Never");
    assert_eq!(
        pod["spec"]["containers"][0]["command"],
        json!(["smoke", "http://web:8080/"])
    );
    let load = object(&output, "rollout/prod/web-load.yaml", "Job");
    // A request without a limit is the limit too, so the request never exceeds it.
    assert_eq!(
        load["spec"]["template"]["spec"]["containers"][0]["resources"],
        json!({"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}})
    );
    // The resting tree does not hold the hooks.
    let resting = compile("spec", &inline(&spec("")), &[Target::K8s]);
    assert!(resting
        .files
        .values()
        .all(|text| !text.contains("kind: Job")));
}

#[test]
fn the_deploy_job_has_time_for_the_hooks_it_waits_for() {
    let with = compile("spec", &inline(&spec("")), &[Target::Github]);
    let without_text = spec("").replace("timeout = 2m", "timeout = 1s").replace(
        "at    = after\n      image = \"ghcr.io/acme/verify:1.0\"",
        "at    = after\n      image = \"ghcr.io/acme/verify:1.0\"\n      timeout = 1s",
    );
    let without = compile("spec", &inline(&without_text), &[Target::Github]);
    let minutes = |output: &Output| -> u64 {
        let workflow: Value =
            serde_yaml::from_str(&output.files[".github/workflows/shop-delivery.yml"]).unwrap();
        workflow["jobs"]["deploy-prod"]["timeout-minutes"]
            .as_u64()
            .unwrap()
    };
    // 2m before, 5m after (the default), both run in the one deploy job.
    assert_eq!(minutes(&with), minutes(&without) + 7);
}

const KUBECTL: &str = r#"#!/usr/bin/env bash
echo "kubectl $*" >> "$STUB_DIR/calls"
args="$*"
case "$args" in
  *" get job "*)
    name="${args#* get job }"
    name="${name%% *}"
    [ -f "$STUB_DIR/jobs/$name" ] || exit 1
    cat "$STUB_DIR/jobs/$name"
    ;;
  *" get deployment "*"{.spec.replicas}"*) echo 0 ;;
  *" get deployment "*) echo "deployment.apps/x" ;;
esac
exit 0
"#;

/// The generated files of the workflow canary in a sandbox, with the stub `kubectl`.
fn sandbox(name: &str) -> Sandbox {
    let output = compile("spec", &inline(&spec("")), &[Target::Github, Target::Istio]);
    Sandbox::new(&format!("hooks-{name}"), &output, KUBECTL)
}

/// What `kubectl get job NAME` reports from now on: its true conditions.
fn job(sandbox: &Sandbox, name: &str, conditions: &str) {
    sandbox.write(&format!("jobs/{name}"), conditions);
}

/// Runs `rollout/prod/web.sh ARGS`: whether it succeeded, its output, the kubectl calls.
fn script(sandbox: &Sandbox, args: &[&str]) -> (bool, String, String) {
    let run = sandbox.run("rollout/prod/web.sh", args);
    (run.ok, run.log, run.calls)
}

fn position(calls: &str, needle: &str) -> Option<usize> {
    calls.lines().position(|line| line.contains(needle))
}

const RESTING: &str = "apply -f istio/prod/web/virtualservice.yaml";
/// Stopping the load generator (starting it deletes the Job of an earlier rollout and waits).
const STOP_LOAD: &str = "delete job web-load --ignore-not-found --wait=false";
const FIRST_STEP: &str = "apply -f istio/prod/web/steps/01-50/virtualservice.yaml";

#[test]
fn a_failing_before_hook_rolls_back_before_any_traffic_moves() {
    let sandbox = sandbox("before");
    job(&sandbox, "web-smoke", "Failed ");
    let (ok, log, calls) = script(&sandbox, &["run", "1", "1"]);
    assert!(!ok, "{log}");
    assert!(
        log.contains("::error::web: hook smoke (before) failed; rolling back to web-stable"),
        "{log}"
    );
    assert!(
        position(&calls, "apply -f rollout/prod/web-smoke.yaml").is_some(),
        "{calls}"
    );
    assert!(position(&calls, FIRST_STEP).is_none(), "{calls}");
    assert!(position(&calls, RESTING).is_some(), "{calls}");
    // The load generator never started.
    assert!(
        position(&calls, "apply -f rollout/prod/web-load.yaml").is_none(),
        "{calls}"
    );
}

#[test]
fn a_load_generator_that_fails_stops_the_canary() {
    let sandbox = sandbox("during");
    job(&sandbox, "web-smoke", "SuccessCriteriaMet Complete ");
    job(&sandbox, "web-load", "FailureTarget Failed ");
    let (ok, log, calls) = script(&sandbox, &["run", "1", "1"]);
    assert!(!ok, "{log}");
    let smoke = position(&calls, "apply -f rollout/prod/web-smoke.yaml").unwrap();
    let load = position(&calls, "apply -f rollout/prod/web-load.yaml").unwrap();
    let step = position(&calls, FIRST_STEP).unwrap();
    assert!(smoke < load && load < step, "{calls}");
    assert!(log.contains("load generator load failed"), "{log}");
    assert!(position(&calls, STOP_LOAD).unwrap() > step, "{calls}");
    assert!(position(&calls, RESTING).unwrap() > step, "{calls}");
}

#[test]
fn a_failing_after_hook_rolls_back_before_the_live_track_moves() {
    let sandbox = sandbox("after");
    job(&sandbox, "web-verify", "Failed ");
    let (ok, log, calls) = script(&sandbox, &["promote"]);
    assert!(!ok, "{log}");
    assert!(
        log.contains("hook verify (after) failed; rolling back"),
        "{log}"
    );
    assert!(position(&calls, "apply -k").is_none(), "{calls}");
    assert!(position(&calls, RESTING).is_some(), "{calls}");
}

#[test]
fn a_healthy_rollout_runs_every_hook_and_stops_the_load() {
    let sandbox = sandbox("healthy");
    job(&sandbox, "web-smoke", "Complete ");
    job(&sandbox, "web-load", "");
    job(&sandbox, "web-verify", "Complete ");
    let (ok, log, calls) = script(&sandbox, &["run", "1", "2"]);
    assert!(ok, "{log}\n{calls}");
    assert!(position(&calls, STOP_LOAD).is_none(), "{calls}");
    let (ok, log, calls) = script(&sandbox, &["promote"]);
    assert!(ok, "{log}\n{calls}");
    let verify = position(&calls, "apply -f rollout/prod/web-verify.yaml").unwrap();
    let stop = position(&calls, STOP_LOAD).unwrap();
    let live = position(&calls, "apply -k").unwrap();
    assert!(verify < stop && stop < live, "{calls}");
}

#[test]
fn argo_rollouts_runs_the_hooks_as_job_analyses() {
    let output = compile(
        "spec",
        &inline(&spec("engine = argo_rollouts")),
        &[Target::K8s],
    );
    let file = "k8s/prod/web.yaml";
    let rollout = object(&output, file, "Rollout");
    let canary = &rollout["spec"]["strategy"]["canary"];
    let hook = |name: &str| json!({"analysis": {"templates": [{"templateName": name}]}});
    assert_eq!(
        canary["steps"],
        json!([
            {"setCanaryScale": {"replicas": 1}},
            hook("web-smoke"),
            {"setCanaryScale": {"matchTrafficWeight": true}},
            {"setWeight": 50},
            {"pause": {"duration": "20s"}},
            {"setWeight": 100},
            hook("web-verify"),
        ])
    );
    assert_eq!(
        canary["analysis"],
        json!({"templates": [{"templateName": "web-load"}], "startingStep": 3})
    );
    let templates: Vec<Value> = output.files[file]
        .split("\n---\n")
        .map(|document| serde_yaml::from_str::<Value>(document).unwrap())
        .filter(|object| object["kind"] == "AnalysisTemplate")
        .collect();
    let names: Vec<&str> = templates
        .iter()
        .map(|template| template["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web-smoke", "web-load", "web-verify"]);
    let metric = &templates[0]["spec"]["metrics"][0];
    assert_eq!(metric["name"], "smoke");
    let job = &metric["provider"]["job"]["spec"];
    assert_eq!(job["backoffLimit"], 0);
    assert_eq!(job["activeDeadlineSeconds"], 120);
    assert_eq!(
        job["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/smoke:1.0"
    );
}
