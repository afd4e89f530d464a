//! What an environment's cluster offers (`mesh`, `metrics`) decides what is emitted for it:
//! the sidecar injection label on its Namespace, Istio objects only where Istio runs,
//! prometheus-operator objects only where the operator runs; and the failure budget of canary
//! gates (`Analysis::rounds`) makes every analysed step able to fail.

mod emit_support;

use emit_support::{codes, compile, documents, inline};
use slipway::check::model::{Analysis, Duration, NoData, Over, Pause};
use slipway::emit::Target;

const SPEC: &str = r#"
app shop {}
service web {
  image = "web:1.0"
  ports { http = 8080 }
  slo { objectives = [p99_latency < 400ms] }
}
environment dev {
  cluster   = "dev"
  namespace = "shop-dev"
  trigger   = push { branch = "main" }
  mesh      = MESH
  metrics   = METRICS
  strategy  = STRATEGY
}
"#;

fn spec(mesh: &str, metrics: &str, strategy: &str) -> String {
    SPEC.replace("MESH", mesh)
        .replace("METRICS", metrics)
        .replace("STRATEGY", strategy)
}

const ALL: &[Target] = &[
    Target::K8s,
    Target::Istio,
    Target::Prometheus,
    Target::Github,
];

fn namespace_labels(text: &str) -> serde_json::Value {
    let output = compile("inline", &inline(text), ALL);
    documents(&output.files["k8s/dev/namespace.yaml"])[0]["metadata"]["labels"].clone()
}

#[test]
fn istio_injects_its_sidecars_into_the_namespace_by_label_or_revision() {
    let plain = namespace_labels(&spec("istio", "prometheus_operator", "rolling"));
    assert_eq!(plain["istio-injection"], "enabled");
    assert!(plain.get("istio.io/rev").is_none());

    let revision = namespace_labels(&spec(
        r#"istio { revision = "1-30" }"#,
        "prometheus_operator",
        "rolling",
    ));
    assert_eq!(revision["istio.io/rev"], "1-30");
    assert!(revision.get("istio-injection").is_none());

    let none = namespace_labels(&spec("none", "none", "rolling"));
    assert!(none.get("istio-injection").is_none() && none.get("istio.io/rev").is_none());
}

#[test]
fn a_cluster_without_a_mesh_or_operator_gets_no_objects_it_cannot_run() {
    let output = compile(
        "inline",
        &inline(&spec("none", "prometheus", "rolling")),
        ALL,
    );
    let paths: Vec<&String> = output.files.keys().collect();
    assert!(paths.iter().all(|p| !p.starts_with("istio/")), "{paths:?}");
    assert!(
        paths.iter().all(|p| !p.starts_with("prometheus/")),
        "{paths:?}"
    );
    assert!(output.files.contains_key("k8s/dev/web.yaml"));
    let workflow = &output.files[".github/workflows/shop-delivery.yml"];
    assert!(
        !workflow.contains("istio/"),
        "the workflow applies no Istio file"
    );

    let with_operator = compile(
        "inline",
        &inline(&spec(
            "istio",
            "prometheus_operator",
            "canary { step { weight = 20%  pause = 5m }  step { weight = 100% } }",
        )),
        ALL,
    );
    assert!(with_operator
        .files
        .keys()
        .any(|p| p.starts_with("prometheus/dev/")));
    assert!(with_operator
        .files
        .keys()
        .any(|p| p.starts_with("istio/dev/")));
}

#[test]
fn traffic_strategies_and_gates_need_what_the_cluster_offers() {
    let canary = "canary { step { weight = 20%  pause = 5m }  step { weight = 100% } }";
    assert_eq!(codes(&spec("none", "prometheus", canary)), ["SW0321"]);
    let blue_green = "blue_green { auto_promote = true }";
    assert_eq!(codes(&spec("none", "prometheus", blue_green)), ["SW0321"]);
    let gated = "canary { step { weight = 20%  pause = 5m }  step { weight = 100% }  analysis { gates = [p99_latency < 500ms] } }";
    assert_eq!(codes(&spec("istio", "none", gated)), ["SW0321"]);
    assert!(codes(&spec("istio", "prometheus", gated)).is_empty());
    assert!(codes(&spec("none", "none", "recreate")).is_empty());
}

fn analysis(interval_secs: u64, failure_limit: u32) -> Analysis {
    Analysis {
        interval: Duration::from_secs(interval_secs),
        failure_limit,
        gates: Vec::new(),
        no_data: NoData::Fail,
        failure_limit_span: None,
        intervals: Vec::new(),
        over: Over::Steps,
    }
}

/// The rule behind SW0320, for every small interval, limit and pause: a step without a timed
/// pause always runs enough rounds to fail, and a timed pause can fail exactly when the checker
/// accepts it.
#[test]
fn every_analysed_step_can_fail_or_is_refused() {
    for interval in [1, 10, 30, 60] {
        for limit in 0..5 {
            let analysis = analysis(interval, limit);
            for pause in [None, Some(Pause::UntilApproved)] {
                assert!(analysis.can_fail(analysis.rounds(pause)));
                assert_eq!(analysis.rounds(pause), u64::from(limit) + 1);
            }
            for seconds in [1, 5, 30, 60, 90, 120, 300] {
                let pause = Some(Pause::For(Duration::from_secs(seconds)));
                let rounds = analysis.rounds(pause);
                assert_eq!(rounds, seconds.div_ceil(interval).max(1));
                let text = spec(
                    "istio",
                    "prometheus",
                    &format!(
                        "canary {{ step {{ weight = 50%  pause = {seconds}s }}  step {{ weight = 100% }}  analysis {{ interval = {interval}s  failure_limit = {limit}  gates = [p99_latency < 500ms] }} }}"
                    ),
                );
                let refused = codes(&text).contains(&"SW0320".to_string());
                assert_eq!(
                    refused,
                    !analysis.can_fail(rounds),
                    "{seconds}s / {interval}s, limit {limit}"
                );
            }
        }
    }
}
