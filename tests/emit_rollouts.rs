//! The Argo Rollouts engine (`canary { engine = argo_rollouts ... }`): a snapshot of every
//! example's Rollouts and what they drive, one test per mapping rule (the Rollout replaces the
//! Deployments, its steps, its host-level Istio routing between the stable and canary Services,
//! its analysis of the canary Service's requests and `halt`, the autoscaler), the workflow
//! leaving the steps to Argo Rollouts, the compile-time checks that stand in for the routing
//! mistakes Argo Rollouts would only report at run time, and the retired `subsets` (each a
//! snapshot of the source and its diagnostic).

mod emit_support;

use emit_support::{codes, compile, diagnostics, examples, inline, kinds, object};
use serde_json::{json, Value};
use slipway::emit::Target;

/// The Argo kinds and the routing they drive, of every `k8s/` file.
fn rollout_objects(output: &slipway::emit::Output) -> String {
    let mut text = String::new();
    for (path, file) in &output.files {
        for document in file.split("\n---\n") {
            let argo = [
                "kind: Rollout",
                "kind: AnalysisTemplate",
                "kind: DestinationRule",
                "kind: VirtualService",
            ]
            .iter()
            .any(|kind| document.lines().any(|line| line == *kind));
            if argo {
                let body: Vec<&str> = document
                    .lines()
                    .filter(|line| !line.starts_with('#'))
                    .collect();
                text.push_str(&format!("=== {path} ===\n{}\n", body.join("\n")));
            }
        }
    }
    if text.is_empty() {
        text.push_str("(no Argo Rollouts canary)\n");
    }
    text
}

#[test]
fn every_example_rollout() {
    for (name, output) in examples(&[Target::K8s]) {
        insta::assert_snapshot!(format!("example_{name}"), rollout_objects(&output));
    }
}

const SPEC: &str = r#"
app shop { registry = "ghcr.io/acme"  repository = "https://github.com/acme/shop" }
service web {
  image    = "web:1.4.2"
  ports { http = 8080  grpc = 9000 }
  replicas = 4
  autoscaling { min = 4  max = 8 }
  traffic { timeout = 3s }
}
environment prod {
  cluster   = "prod"
  namespace = "shop-prod"
  trigger   = push
  strategy  = canary {
    engine  = argo_rollouts
    ROUTING
    step { weight = 0%   pause = approval }
    step { weight = 10%  pause = 5m }
    step { weight = 40%  pause = approval }
    step { weight = 70% }
    analysis { interval = 1m  failure_limit = 1  gates = [p99_latency < 400ms, success_rate >= 99.5%] }
    ON_FAILURE
  }
}
"#;

fn spec(routing: &str, on_failure: &str) -> String {
    let text = SPEC
        .replace("ROUTING", routing)
        .replace("ON_FAILURE", on_failure);
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines.join("\n") + "\n"
}

const FILE: &str = "k8s/prod/web.yaml";

#[test]
fn the_rollout_replaces_the_deployments_and_brings_its_routing() {
    let output = compile(
        "spec",
        &inline(&spec("", "")),
        &[Target::K8s, Target::Istio],
    );
    assert_eq!(
        kinds(&output, FILE),
        [
            "ServiceAccount/web",
            "Rollout/web",
            "Service/web",
            "Service/web-stable",
            "Service/web-canary",
            "HorizontalPodAutoscaler/web",
            "PodDisruptionBudget/web",
            "AnalysisTemplate/web",
            "VirtualService/web"
        ]
    );
    assert!(
        !output
            .files
            .keys()
            .any(|path| path.starts_with("istio/prod/web/")),
        "the istio target leaves the routing to the k8s target: {:?}",
        output.files.keys()
    );
    let rollout = object(&output, FILE, "Rollout");
    assert_eq!(rollout["apiVersion"], "argoproj.io/v1alpha1");
    assert!(
        rollout["spec"].get("replicas").is_none(),
        "the autoscaler owns the Rollout's count"
    );
    assert_eq!(
        rollout["spec"]["selector"]["matchLabels"],
        rollout["spec"]["template"]["metadata"]["labels"]
            .as_object()
            .map(|labels| {
                labels
                    .iter()
                    .filter(|(key, _)| {
                        key.as_str() == "app.kubernetes.io/name"
                            || key.as_str() == "app.kubernetes.io/instance"
                    })
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect::<serde_json::Map<_, _>>()
            })
            .map(Value::Object)
            .unwrap()
    );
    let hpa = object(&output, FILE, "HorizontalPodAutoscaler");
    assert_eq!(
        hpa["spec"]["scaleTargetRef"],
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "web"})
    );
}

#[test]
fn rollout_steps_set_weights_then_analyse_or_pause() {
    let output = compile("spec", &inline(&spec("", "")), &[Target::K8s]);
    let rollout = object(&output, FILE, "Rollout");
    let analyse = |rounds: &str| json!({"analysis": {"templates": [{"templateName": "web"}], "args": [{"name": "rounds", "value": rounds}]}});
    assert_eq!(
        rollout["spec"]["strategy"]["canary"]["steps"],
        json!([
            {"setWeight": 0},
            {"pause": {}},
            {"setWeight": 10},
            analyse("5"),
            // Without a timed pause, failureLimit + 1 rounds: the fewest that can fail.
            {"setWeight": 40},
            analyse("2"),
            {"pause": {}},
            {"setWeight": 70},
            analyse("2"),
        ])
    );
    let without_analysis = spec("", "").replace(
        "analysis { interval = 1m  failure_limit = 1  gates = [p99_latency < 400ms, success_rate >= 99.5%] }",
        "",
    );
    let output = compile("spec", &inline(&without_analysis), &[Target::K8s]);
    let rollout = object(&output, FILE, "Rollout");
    assert_eq!(
        rollout["spec"]["strategy"]["canary"]["steps"],
        json!([
            {"setWeight": 0},
            {"pause": {}},
            {"setWeight": 10},
            {"pause": {"duration": "5m"}},
            {"setWeight": 40},
            {"pause": {}},
            {"setWeight": 70},
        ])
    );
    assert!(!kinds(&output, FILE).contains(&"AnalysisTemplate/web".to_string()));
}

/// Every object of a kind in a file, in file order.
fn all_objects(output: &slipway::emit::Output, path: &str, kind: &str) -> Vec<Value> {
    output.files[path]
        .split("\n---\n")
        .map(|document| serde_yaml::from_str::<Value>(document).unwrap())
        .filter(|object| object["kind"] == kind)
        .collect()
}

#[test]
fn the_route_splits_between_the_stable_and_the_canary_service() {
    let output = compile(
        "spec",
        &inline(&spec("route = \"main\"", "")),
        &[Target::K8s],
    );
    let rollout = object(&output, FILE, "Rollout");
    let canary = &rollout["spec"]["strategy"]["canary"];
    assert_eq!(canary["canaryService"], "web-canary");
    assert_eq!(canary["stableService"], "web-stable");
    assert_eq!(
        canary["trafficRouting"],
        json!({"istio": {"virtualService": {"name": "web", "routes": ["main"]}}}),
        "host-level splitting: no DestinationRule"
    );
    let service = object(&output, FILE, "VirtualService");
    assert_eq!(
        service["spec"]["hosts"],
        json!(["web.shop-prod.svc.cluster.local"])
    );
    let http = service["spec"]["http"].as_array().unwrap();
    assert_eq!(http.len(), 1);
    assert_eq!(http[0]["name"], "main");
    assert_eq!(http[0]["timeout"], "3s");
    let split: Vec<Value> = http[0]["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["destination"], r["weight"]]))
        .collect();
    assert_eq!(
        split,
        [
            json!([{"host": "web-stable", "port": {"number": 8080}}, 100]),
            json!([{"host": "web-canary", "port": {"number": 8080}}, 0])
        ]
    );
    // The three Services select the same pods (the Rollout's); only the stable and canary ones
    // are marked, so a ServiceMonitor can leave them out.
    let services = all_objects(&output, FILE, "Service");
    let selectors: Vec<&Value> = services.iter().map(|s| &s["spec"]["selector"]).collect();
    assert_eq!(selectors, [&rollout["spec"]["selector"]["matchLabels"]; 3]);
    let roles: Vec<&Value> = services
        .iter()
        .map(|s| &s["metadata"]["labels"]["app.kubernetes.io/component"])
        .collect();
    assert_eq!(roles, [&Value::Null, &json!("stable"), &json!("canary")]);
    assert!(services
        .iter()
        .all(|s| s["spec"]["ports"] == services[0]["spec"]["ports"]));
}

#[test]
fn a_circuit_breaker_guards_both_services_the_route_reaches() {
    let text = spec("", "").replace(
        "traffic { timeout = 3s }",
        "traffic { circuit_breaker { consecutive_errors = 5  interval = 10s  base_ejection_time = 30s } }",
    );
    let output = compile("spec", &inline(&text), &[Target::K8s]);
    let rules = all_objects(&output, FILE, "DestinationRule");
    let hosts: Vec<(&Value, &Value)> = rules
        .iter()
        .map(|r| (&r["metadata"]["name"], &r["spec"]["host"]))
        .collect();
    assert_eq!(
        hosts,
        [
            (&json!("web-stable"), &json!("web-stable")),
            (&json!("web-canary"), &json!("web-canary"))
        ]
    );
    for rule in &rules {
        assert!(rule["spec"].get("subsets").is_none(), "{rule}");
        assert_eq!(
            rule["spec"]["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"],
            5
        );
    }
    let without = compile("spec", &inline(&spec("", "")), &[Target::K8s]);
    assert!(all_objects(&without, FILE, "DestinationRule").is_empty());
}

#[test]
fn the_analysis_template_measures_every_gate_on_the_canary_service() {
    let output = compile("spec", &inline(&spec("", "")), &[Target::K8s]);
    let template = object(&output, FILE, "AnalysisTemplate");
    // A default of failureLimit + 1 rounds: the controller validates the template without the
    // step's arguments and rejects a `count` that resolves to no number.
    assert_eq!(
        template["spec"]["args"],
        json!([{"name": "rounds", "value": "2"}])
    );
    let metrics = template["spec"]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2);
    assert_eq!(metrics[0]["name"], "p99-latency");
    assert_eq!(metrics[0]["interval"], "1m");
    assert_eq!(metrics[0]["count"], "{{args.rounds}}");
    assert_eq!(metrics[0]["failureLimit"], 1);
    // No data (an empty result or NaN) fails the measurement by default.
    assert_eq!(
        metrics[0]["successCondition"],
        "len(result) > 0 && !isNaN(result[0]) && result[0] < 400"
    );
    assert_eq!(
        metrics[1]["successCondition"],
        "len(result) > 0 && !isNaN(result[0]) && result[0] >= 99.5"
    );
    let prometheus = &metrics[0]["provider"]["prometheus"];
    assert_eq!(
        prometheus["address"],
        "http://prometheus-operated.monitoring.svc:9090"
    );
    for metric in metrics {
        // The first round waits one window for canary traffic to arrive.
        assert_eq!(metric["initialDelay"], metric["interval"]);
        let query = metric["provider"]["prometheus"]["query"].as_str().unwrap();
        assert!(query.contains(
            "reporter=\"source\", destination_service_namespace=\"shop-prod\", destination_service_name=\"web-canary\""
        ), "{query}");
        assert!(!query.contains("1.4.2"), "the tag selects nothing: {query}");
        assert!(!query.contains("canonical_revision"), "{query}");
    }
}

#[test]
fn a_release_that_keeps_the_tag_measures_the_same_canary_pods() {
    let query = |image: &str| {
        let text = spec("", "").replace("web:1.4.2", image);
        let output = compile("spec", &inline(&text), &[Target::K8s]);
        let template = object(&output, FILE, "AnalysisTemplate");
        template["spec"]["metrics"][0]["provider"]["prometheus"]["query"].clone()
    };
    assert_eq!(query("web:1.4.2"), query("web:2.0.0"));
    assert_eq!(
        query("web:1.4.2"),
        query("web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    );
}

#[test]
fn halt_makes_a_broken_gate_inconclusive_so_the_rollout_pauses() {
    let output = compile(
        "spec",
        &inline(&spec("", "on_failure = halt")),
        &[Target::K8s],
    );
    let template = object(&output, FILE, "AnalysisTemplate");
    let metric = &template["spec"]["metrics"][0];
    assert!(metric.get("failureLimit").is_none());
    assert_eq!(metric["inconclusiveLimit"], 1);
    assert_eq!(metric["failureCondition"], "false");
}

#[test]
fn the_app_names_the_prometheus_analysis_asks() {
    let text = spec("", "").replace(
        "repository = \"https://github.com/acme/shop\"",
        "prometheus = \"https://prometheus.acme.internal\"",
    );
    let output = compile("spec", &inline(&text), &[Target::K8s]);
    let template = object(&output, FILE, "AnalysisTemplate");
    assert_eq!(
        template["spec"]["metrics"][0]["provider"]["prometheus"]["address"],
        "https://prometheus.acme.internal"
    );
    let bad = spec("", "").replace(
        "repository = \"https://github.com/acme/shop\"",
        "prometheus = \"prometheus:9090\"",
    );
    assert_eq!(codes(&bad), ["SW0204"]);
}

#[test]
fn the_workflow_applies_the_rollout_but_runs_no_canary_steps() {
    let output = compile("spec", &inline(&spec("", "")), &[Target::Github]);
    let text = &output.files[".github/workflows/shop-delivery.yml"];
    let workflow: Value = serde_yaml::from_str(text).unwrap();
    let jobs: Vec<&String> = workflow["jobs"].as_object().unwrap().keys().collect();
    assert!(jobs.contains(&&"deploy-prod".to_string()), "{jobs:?}");
    assert!(
        !jobs.iter().any(|job| job.starts_with("deploy-prod-")),
        "no approval jobs for steps Argo Rollouts runs: {jobs:?}"
    );
    for forbidden in [
        "GATE_1_QUERY",
        "send 10% of traffic",
        "web-canary",
        "rollout status deployment/web",
        "PROMETHEUS_URL",
    ] {
        assert!(
            !text.contains(forbidden),
            "the workflow mentions {forbidden}"
        );
    }
    assert!(text.contains("Argo Rollouts controller steps them"));
}

#[test]
fn a_route_without_a_name_is_refused() {
    insta::assert_snapshot!(diagnostics(&spec("route = \"\"", "")));
    assert_eq!(codes(&spec("route = \"Primary Route\"", "")), ["SW0312"]);
}

#[test]
fn subsets_are_ignored_with_a_warning() {
    insta::assert_snapshot!(diagnostics(&spec("subsets = [stable, stable]", "")));
    for subsets in ["[stable]", "[stable, canary, baseline]", "[live, next]"] {
        let text = spec(&format!("subsets = {subsets}"), "");
        assert_eq!(codes(&text), ["SW0323"], "{subsets}");
        let with = compile("spec", &inline(&text), &[Target::K8s]);
        let without = compile("spec", &inline(&spec("", "")), &[Target::K8s]);
        assert_eq!(with, without, "`subsets = {subsets}` changes the output");
    }
}

#[test]
fn route_weights_that_add_up_to_zero_are_refused() {
    let never = r#"
app shop {}
strategy dark = canary {
  engine = argo_rollouts
  step { weight = 0%  pause = approval }
}
"#;
    insta::assert_snapshot!(diagnostics(never));
}

#[test]
fn argo_rollouts_takes_zero_and_unfinished_weights_the_workflow_does_not() {
    let canary = |engine: &str, steps: &str| {
        format!("app shop {{}}\nstrategy s = canary {{\n  {engine}\n  {steps}\n}}\n")
    };
    let steps = "step { weight = 0%  pause = approval }\nstep { weight = 50% }";
    assert!(codes(&canary("engine = argo_rollouts", steps)).is_empty());
    assert_eq!(codes(&canary("", steps)), ["SW0206"]);
    assert_eq!(codes(&canary("engine = workflow", steps)), ["SW0206"]);
    let unfinished = "step { weight = 10% }\nstep { weight = 50% }";
    assert!(codes(&canary("engine = argo_rollouts", unfinished)).is_empty());
    assert_eq!(codes(&canary("", unfinished)), ["SW0302"]);
    assert_eq!(
        codes(&canary("route = \"primary\"", "step { weight = 100% }")),
        ["SW0201"]
    );
    assert_eq!(
        codes(&canary("engine = flagger", "step { weight = 100% }")),
        ["SW0208"]
    );
}
