//! The Argo Rollouts engine (`canary { engine = argo_rollouts ... }`): a snapshot of every
//! example's Rollouts and what they drive, one test per mapping rule (the Rollout replaces the
//! Deployments, its steps, its Istio routing, its analysis and `halt`, the autoscaler), the
//! workflow leaving the steps to Argo Rollouts, and the three compile-time checks that stand in
//! for the routing mistakes Argo Rollouts would only report at run time (each a snapshot of the
//! source and its diagnostic).

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
            "HorizontalPodAutoscaler/web",
            "PodDisruptionBudget/web",
            "AnalysisTemplate/web",
            "DestinationRule/web",
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
            {"setWeight": 40},
            analyse("1"),
            {"pause": {}},
            {"setWeight": 70},
            analyse("1"),
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

#[test]
fn istio_routing_names_the_route_and_the_subsets_of_the_generated_objects() {
    let output = compile(
        "spec",
        &inline(&spec("route = \"main\"\n    subsets = [live, next]", "")),
        &[Target::K8s],
    );
    let rollout = object(&output, FILE, "Rollout");
    assert_eq!(
        rollout["spec"]["strategy"]["canary"]["trafficRouting"],
        json!({"istio": {
            "virtualService": {"name": "web", "routes": ["main"]},
            "destinationRule": {"name": "web", "canarySubsetName": "next", "stableSubsetName": "live"}
        }})
    );
    let service = object(&output, FILE, "VirtualService");
    let http = service["spec"]["http"].as_array().unwrap();
    assert_eq!(http.len(), 1);
    assert_eq!(http[0]["name"], "main");
    assert_eq!(http[0]["timeout"], "3s");
    let split: Vec<(String, u64)> = http[0]["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["destination"]["subset"].as_str().unwrap().to_string(),
                r["weight"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(split, [("live".to_string(), 100), ("next".to_string(), 0)]);
    let rule = object(&output, FILE, "DestinationRule");
    let selector =
        json!({"app.kubernetes.io/instance": "web-prod", "app.kubernetes.io/name": "web"});
    assert_eq!(
        rule["spec"]["subsets"],
        json!([{"name": "live", "labels": selector}, {"name": "next", "labels": selector}])
    );
}

#[test]
fn the_analysis_template_measures_every_gate_on_the_canary_version() {
    let output = compile("spec", &inline(&spec("", "")), &[Target::K8s]);
    let template = object(&output, FILE, "AnalysisTemplate");
    assert_eq!(template["spec"]["args"], json!([{"name": "rounds"}]));
    let metrics = template["spec"]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2);
    assert_eq!(metrics[0]["name"], "p99-latency");
    assert_eq!(metrics[0]["interval"], "1m");
    assert_eq!(metrics[0]["count"], "{{args.rounds}}");
    assert_eq!(metrics[0]["failureLimit"], 1);
    assert_eq!(metrics[0]["successCondition"], "result[0] < 400");
    assert_eq!(metrics[1]["successCondition"], "result[0] >= 99.5");
    let prometheus = &metrics[0]["provider"]["prometheus"];
    assert_eq!(
        prometheus["address"],
        "http://prometheus-operated.monitoring.svc:9090"
    );
    assert!(prometheus["query"].as_str().unwrap().contains(
        "destination_canonical_service=\"web\", destination_canonical_revision=\"1.4.2\""
    ));
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
fn a_route_without_exactly_two_destinations_is_refused() {
    insta::assert_snapshot!(diagnostics(&spec("subsets = [stable, stable]", "")));
    assert_eq!(codes(&spec("subsets = [stable]", "")), ["SW0313"]);
    assert_eq!(
        codes(&spec("subsets = [stable, canary, baseline]", "")),
        ["SW0313"]
    );
    assert_eq!(codes(&spec("subsets = [stable, Canary]", "")), ["SW0105"]);
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
