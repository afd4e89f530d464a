//! A canary step's `scale`: the canary's pods apart from its weight. Argo Rollouts gets
//! `setCanaryScale` before the step's `setWeight` (and `matchTrafficWeight` back when a later
//! step has no `scale`); the workflow's rollout script gets the scale as the third argument of
//! `set_weight`, and sizes the candidate to it, down as well as up (run here with bash
//! against a stub `kubectl`).

mod emit_support;
mod script_support;

use emit_support::{compile, inline, object};
use script_support::Sandbox;
use serde_json::json;
use slipway::emit::Target;

const SPEC: &str = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image    = "web:1.4.2"
  ports { http = 8080 }
  replicas = 4
}
environment prod {
  cluster   = "prod"
  namespace = "shop"
  trigger   = push
  strategy  = canary {
    ENGINE
    step { weight = FIRST  scale = 3    pause = 10s }
    step { weight = 20%    scale = 50%  pause = 10s }
    step { weight = 50%                 pause = 10s }
    step { weight = 100% }
  }
}
"#;

#[test]
fn argo_rollouts_sets_the_canary_scale_before_the_weight() {
    let text = SPEC
        .replace("ENGINE", "engine = argo_rollouts")
        .replace("FIRST", "0%");
    let output = compile("spec", &inline(&text), &[Target::K8s]);
    let rollout = object(&output, "k8s/prod/web.yaml", "Rollout");
    assert_eq!(
        rollout["spec"]["strategy"]["canary"]["steps"],
        json!([
            {"setCanaryScale": {"replicas": 3}},
            {"setWeight": 0},
            {"pause": {"duration": "10s"}},
            {"setCanaryScale": {"weight": 50}},
            {"setWeight": 20},
            {"pause": {"duration": "10s"}},
            {"setCanaryScale": {"matchTrafficWeight": true}},
            {"setWeight": 50},
            {"pause": {"duration": "10s"}},
            {"setWeight": 100},
        ])
    );
}

const KUBECTL: &str = r#"#!/usr/bin/env bash
echo "kubectl $*" >> "$STUB_DIR/calls"
args="$*"
case "$args" in
  *" get deployment web-stable "*) echo 4 ;;
  *" get deployment web-canary "*) cat "$STUB_DIR/canary" ;;
  *" scale deployment/web-canary --replicas="*) echo "${args##*=}" > "$STUB_DIR/canary" ;;
esac
exit 0
"#;

#[test]
fn the_workflow_sizes_the_candidate_to_the_scale_down_as_well_as_up() {
    let text = SPEC.replace("ENGINE", "").replace("FIRST", "10%");
    let output = compile("spec", &inline(&text), &[Target::Github, Target::Istio]);
    let script = &output.files["rollout/prod/web.sh"];
    assert!(script.contains("set_weight 10 'istio/prod/web/steps/01-10/virtualservice.yaml' '3'"));
    assert!(script.contains("set_weight 20 'istio/prod/web/steps/02-20/virtualservice.yaml' '50%'"));
    let sandbox = Sandbox::new("scale", &output, KUBECTL);
    sandbox.write("canary", "0\n");
    let run = sandbox.run("rollout/prod/web.sh", &["run", "1", "3"]);
    let calls = run.calls;
    assert!(run.ok, "{}", run.log);
    let scaled: Vec<&str> = calls
        .lines()
        .filter_map(|line| line.split_once("scale deployment/web-canary --replicas="))
        .map(|(_, count)| count)
        .collect();
    // 3 pods at 10%, 50% of 4 = 2 pods at 20% (down), then 50% of 4 = 2 pods by weight:
    // already there, so no call.
    assert_eq!(scaled, ["3", "2"], "{calls}");
}
