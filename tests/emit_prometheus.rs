//! The `prometheus` target: a snapshot of the `prometheus/` tree of every example, and one test
//! per rule on small inline specs: SLO objectives become alerts with the block's severity,
//! `for` and runbook; availability objectives add error-budget burn alerts; canary gates become
//! alerts on the canary; a metrics port gives a ServiceMonitor. And the rule the target exists
//! for: an alert and the canary analysis of the same gate run the same query string, whether
//! the workflow or Argo Rollouts analyses the canary.

mod emit_support;

use emit_support::{codes, compile, examples, file, inline, object, tree};
use serde_json::{json, Value};
use slipway::check::model::{Gate, GateOp, Metric, Threshold};
use slipway::emit::metrics::{self, Pods, Subject};
use slipway::emit::Target;

#[test]
fn every_example_prometheus_tree() {
    for (name, output) in examples(&[Target::Prometheus]) {
        insta::assert_snapshot!(format!("example_{name}"), tree(&output, "prometheus/"));
    }
}

fn rules(output: &slipway::emit::Output, path: &str) -> Vec<Value> {
    let rule = object(output, path, "PrometheusRule");
    rule["spec"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["rules"].as_array().unwrap().clone())
        .collect()
}

fn alert<'a>(rules: &'a [Value], name: &str) -> &'a Value {
    rules
        .iter()
        .find(|rule| rule["alert"] == name)
        .unwrap_or_else(|| panic!("no alert {name} in {rules:#?}"))
}

const SLO: &str = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image = "web:1.0.0"
  ports { http = 8080 }
  slo {
    objectives = [p99_latency < 500ms, success_rate >= 99.9%]
    window     = 10m
    for        = 15m
    severity   = critical
    runbook    = "https://runbooks.acme.dev/web"
  }
}
environment prod { cluster = "prod"  namespace = "shop-prod"  trigger = manual }
"#;

#[test]
fn slo_objectives_become_alerts_with_severity_for_and_runbook() {
    let output = compile("spec", &inline(SLO), &[Target::Prometheus]);
    let rule = object(&output, "prometheus/prod/web.yaml", "PrometheusRule");
    assert_eq!(rule["metadata"]["namespace"], "shop-prod");
    assert_eq!(rule["spec"]["groups"][0]["name"], "web.prod.slo");
    let found = rules(&output, "prometheus/prod/web.yaml");
    let latency = alert(&found, "WebP99LatencyHigh");
    assert_eq!(
        latency["expr"],
        "histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\", destination_workload_namespace=\"shop-prod\", destination_canonical_service=\"web\"}[10m]))) >= 500"
    );
    assert_eq!(latency["for"], "15m");
    assert_eq!(
        latency["labels"],
        json!({"severity": "critical", "service": "web", "environment": "prod"})
    );
    assert_eq!(
        latency["annotations"]["runbook_url"],
        "https://runbooks.acme.dev/web"
    );
    let success = alert(&found, "WebSuccessRateLow");
    assert!(
        success["expr"]
            .as_str()
            .unwrap()
            .ends_with("[10m])) < 99.9"),
        "{}",
        success["expr"]
    );
}

#[test]
fn an_availability_objective_burns_its_error_budget_fast_and_slow() {
    let output = compile("spec", &inline(SLO), &[Target::Prometheus]);
    let found = rules(&output, "prometheus/prod/web.yaml");
    let subject = Subject {
        namespace: "shop-prod".to_string(),
        pods: Pods::Service("web".to_string()),
    };
    let rate = |secs| {
        metrics::query(
            Metric::ErrorRate,
            &subject,
            slipway::check::model::Duration::from_secs(secs),
        )
    };
    let fast = alert(&found, "WebErrorBudgetBurnFast");
    // A 0.1% budget spent 14.4 times too fast is an error rate above 1.44%.
    assert_eq!(
        fast["expr"],
        format!("({}) > 1.44 and ({}) > 1.44", rate(3600), rate(300))
    );
    assert_eq!(fast["labels"]["severity"], "critical");
    let slow = alert(&found, "WebErrorBudgetBurnSlow");
    assert_eq!(
        slow["expr"],
        format!("({}) > 0.6 and ({}) > 0.6", rate(21_600), rate(1800))
    );
    assert_eq!(
        slow["labels"]["severity"], "warning",
        "a slow burn is a ticket"
    );

    let perfect = SLO.replace("success_rate >= 99.9%", "success_rate >= 100%");
    let output = compile("spec", &inline(&perfect), &[Target::Prometheus]);
    let without_budget = rules(&output, "prometheus/prod/web.yaml");
    assert!(
        without_budget
            .iter()
            .all(|r| !r["alert"].as_str().unwrap().contains("Burn")),
        "a 100% objective has no budget to burn"
    );
}

/// The workflow analyses this canary; Argo Rollouts analyses the same one with
/// `engine = argo_rollouts`.
const CANARY: &str = r#"
app shop { registry = "ghcr.io/acme"  repository = "https://github.com/acme/shop" }
service web {
  image = "web:2.1.0"
  ports { http = 8080 }
}
environment prod {
  cluster   = "prod"
  namespace = "shop-prod"
  trigger   = manual
  strategy  = canary {
    ENGINE
    step { weight = 20%  pause = 5m }
    step { weight = 100% }
    analysis { interval = 30s  failure_limit = 2  gates = [p95_latency <= 250ms, success_rate > 99.5%, error_rate < 0.5%] }
  }
}
"#;

/// The query of each gate alert in a PrometheusRule's canary group: its expression without
/// the trailing comparison.
fn alert_queries(output: &slipway::emit::Output) -> Vec<String> {
    let rule = object(output, "prometheus/prod/web.yaml", "PrometheusRule");
    let group = rule["spec"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "web.prod.canary")
        .expect("a canary group")
        .clone();
    group["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let expr = r["expr"].as_str().unwrap();
            let (query, _comparison) = expr.rsplit_once(' ').unwrap();
            let (query, _op) = query.rsplit_once(' ').unwrap();
            query.to_string()
        })
        .collect()
}

/// The gates of [`CANARY`], and the queries the one definition gives for a subject.
fn expected(subject: &Subject) -> Vec<String> {
    let window = slipway::check::model::Duration::from_secs(30);
    [Metric::P95Latency, Metric::SuccessRate, Metric::ErrorRate]
        .iter()
        .map(|metric| metrics::query(*metric, subject, window))
        .collect()
}

#[test]
fn alert_expressions_and_canary_queries_are_the_same_strings() {
    // The workflow engine: the rollout script's gate queries, over the window the script puts
    // in place of `{{window}}` (the analysis interval when no rehearsal scales time).
    let workflow = CANARY.replace("ENGINE", "");
    let output = compile(
        "spec",
        &inline(&workflow),
        &[Target::Github, Target::Prometheus],
    );
    let script = &output.files["rollout/prod/web.sh"];
    let line = script
        .lines()
        .find(|line| line.starts_with("gate_queries=("))
        .expect("the script lists its gate queries");
    let queries: Vec<String> = line
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(|query| query.replace("{{window}}", "30s"))
        .collect();
    let analysis_steps = vec![queries];
    let alerts = alert_queries(&output);
    assert!(
        script.contains("gate_intervals=('30' '30' '30')"),
        "{script}"
    );
    for queries in &analysis_steps {
        assert_eq!(queries, &alerts);
    }
    let canary_track = Subject {
        namespace: "shop-prod".to_string(),
        pods: Pods::Workload("web-canary".to_string()),
    };
    assert_eq!(alerts, expected(&canary_track));

    // Argo Rollouts: the AnalysisTemplate's Prometheus queries.
    let argo = CANARY.replace("ENGINE", "engine = argo_rollouts");
    let output = compile("spec", &inline(&argo), &[Target::K8s, Target::Prometheus]);
    let template = object(&output, "k8s/prod/web.yaml", "AnalysisTemplate");
    let template_queries: Vec<String> = template["spec"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["provider"]["prometheus"]["query"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let alerts = alert_queries(&output);
    assert_eq!(template_queries, alerts);
    let canary_service = Subject {
        namespace: "shop-prod".to_string(),
        pods: Pods::RoutedService("web-canary".to_string()),
    };
    assert_eq!(alerts, expected(&canary_service));
    for alert in &alerts {
        assert!(
            alert.contains("destination_service_name=\"web-canary\"") && !alert.contains("2.1.0"),
            "the canary alert selects the canary Service, not the tag: {alert}"
        );
    }
}

#[test]
fn canary_gates_alert_on_the_canary_after_the_analysis_would_fail() {
    let workflow = CANARY.replace("ENGINE", "");
    let output = compile("spec", &inline(&workflow), &[Target::Prometheus]);
    let found = rules(&output, "prometheus/prod/web.yaml");
    let latency = alert(&found, "WebCanaryP95LatencyHigh");
    // Three rounds of 30s: the analysis tolerates two failures.
    assert_eq!(latency["for"], "90s");
    assert_eq!(latency["labels"]["track"], "canary");
    assert_eq!(latency["labels"]["severity"], "warning");
    assert!(latency["expr"].as_str().unwrap().ends_with(" > 250"));
    assert!(alert(&found, "WebCanarySuccessRateLow")["expr"]
        .as_str()
        .unwrap()
        .ends_with(" <= 99.5"));
    assert!(alert(&found, "WebCanaryErrorRateHigh")["expr"]
        .as_str()
        .unwrap()
        .ends_with(" >= 0.5"));
}

#[test]
fn every_gate_breaks_the_other_way() {
    let gate = |op| Gate {
        metric: Metric::SuccessRate,
        op,
        threshold: Threshold::PercentHundredths(9950),
    };
    let subject = Subject {
        namespace: "n".to_string(),
        pods: Pods::Service("s".to_string()),
    };
    let window = slipway::check::model::Duration::from_secs(60);
    for (op, broken) in [
        (GateOp::Lt, ">="),
        (GateOp::Le, ">"),
        (GateOp::Gt, "<="),
        (GateOp::Ge, "<"),
    ] {
        assert_eq!(
            metrics::violation(&gate(op), &subject, window),
            format!(
                "{} {broken} 99.5",
                metrics::query(Metric::SuccessRate, &subject, window)
            )
        );
    }
}

#[test]
fn a_metrics_port_or_block_gives_a_service_monitor() {
    let spec = r#"
app shop { registry = "ghcr.io/acme" }
service conventional { image = "a:1"  ports { http = 8080  metrics = 9090 } }
service explicit {
  image = "b:1"
  ports { http = 8080  admin = 9100 }
  metrics { port = admin  path = "/internal/metrics"  interval = 15s }
}
service silent { image = "c:1"  ports { http = 8080 } }
environment dev { cluster = "c"  namespace = "dev"  trigger = manual }
"#;
    let output = compile("spec", &inline(spec), &[Target::Prometheus]);
    assert_eq!(
        output.files.keys().collect::<Vec<_>>(),
        [
            "prometheus/dev/conventional.yaml",
            "prometheus/dev/explicit.yaml"
        ]
    );
    let monitor = object(
        &output,
        "prometheus/dev/conventional.yaml",
        "ServiceMonitor",
    );
    assert_eq!(
        monitor["spec"],
        json!({
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "conventional-dev", "app.kubernetes.io/name": "conventional"}},
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}]
        })
    );
    let explicit = object(&output, "prometheus/dev/explicit.yaml", "ServiceMonitor");
    assert_eq!(
        explicit["spec"]["endpoints"],
        json!([{"port": "admin", "path": "/internal/metrics", "interval": "15s"}])
    );
    assert_eq!(
        file(&output, "prometheus/dev/explicit.yaml").len(),
        1,
        "no rule without slo or gates"
    );
}

#[test]
fn slo_and_metrics_blocks_are_checked() {
    let service = |body: &str| {
        format!("app shop {{}}\nservice web {{\n  image = \"ghcr.io/acme/web:1\"\n  ports {{ http = 8080  dns {{ number = 53  protocol = udp }} }}\n  {body}\n}}\n")
    };
    assert_eq!(codes(&service("metrics { port = metric }")), ["SW0103"]);
    assert_eq!(codes(&service("metrics { port = dns }")), ["SW0204"]);
    assert_eq!(codes(&service("metrics { path = \"/x\" }")), ["SW0203"]);
    assert_eq!(
        codes(&service("metrics { port = http  path = \"x\" }")),
        ["SW0204"]
    );
    assert_eq!(codes(&service("slo { objectives = [] }")), ["SW0203"]);
    assert_eq!(
        codes(&service("slo { objectives = [latency < 1s] }")),
        ["SW0208"]
    );
    assert_eq!(
        codes(&service(
            "slo { objectives = [p99_latency < 1s]  severity = page }"
        )),
        ["SW0208"]
    );
    assert_eq!(
        codes(&service(
            "slo { objectives = [p99_latency < 1s]  for = 500ms }"
        )),
        ["SW0206"]
    );
    assert!(codes(&service(
        "slo { objectives = p99_latency < 1s  severity = info }"
    ))
    .is_empty());
}
