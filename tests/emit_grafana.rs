//! The `grafana` target: every dashboard of every example is a well-formed Grafana dashboard
//! (the fields Grafana's dashboard model requires, unique panel ids and query ids, panels on
//! the 24-column grid) whose every query parses as PromQL (GreptimeTeam's `promql-parser`,
//! the parser the conformance kit's PromQL stage wraps); the ConfigMap carries the same JSON
//! with the sidecar's label; and the rule the dashboards exist for: the canary's line is the
//! very query its gates and its alerts run, for the workflow and for Argo Rollouts, with the
//! stable track beside it.

mod emit_support;

use emit_support::{compile, examples, inline, object};
use serde_json::Value;
use slipway::emit::{Output, Target};
use std::collections::BTreeSet;

const ALL: &[Target] = &[Target::K8s, Target::Prometheus, Target::Grafana];

/// Every dashboard JSON of an output, as (path, parsed JSON).
fn dashboards(output: &Output) -> Vec<(String, Value)> {
    output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with("grafana/") && path.ends_with(".json"))
        .map(|(path, text)| (path.clone(), serde_json::from_str(text).unwrap()))
        .collect()
}

/// Problems with a dashboard against the fields Grafana's dashboard model requires of the
/// JSON Slipway writes; empty when it is well formed.
fn schema_problems(dashboard: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_string());
        }
    };
    let uid = dashboard["uid"].as_str().unwrap_or_default();
    need(
        !uid.is_empty() && uid.len() <= 40,
        "uid: 1 to 40 characters",
    );
    need(
        uid.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "uid: letters, digits, - and _",
    );
    need(
        dashboard["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title",
    );
    need(
        dashboard["schemaVersion"].as_u64().is_some(),
        "schemaVersion",
    );
    need(
        dashboard["time"]["from"].is_string() && dashboard["time"]["to"].is_string(),
        "time",
    );
    need(
        dashboard["templating"]["list"].is_array(),
        "templating.list",
    );
    let panels = dashboard["panels"].as_array().cloned().unwrap_or_default();
    need(!panels.is_empty(), "panels");
    let mut ids = BTreeSet::new();
    for panel in &panels {
        let id = panel["id"].as_u64().unwrap_or(0);
        need(id > 0 && ids.insert(id), "panel ids: positive and unique");
        need(panel["type"] == "timeseries", "panel type");
        need(
            panel["title"].as_str().is_some_and(|t| !t.is_empty()),
            "panel title",
        );
        let grid = &panel["gridPos"];
        let (x, w, h) = (grid["x"].as_u64(), grid["w"].as_u64(), grid["h"].as_u64());
        need(grid["y"].is_u64(), "gridPos.y");
        need(
            matches!((x, w, h), (Some(x), Some(w), Some(h)) if w > 0 && h > 0 && x + w <= 24),
            "gridPos inside the 24 columns",
        );
        need(
            panel["datasource"]["type"] == "prometheus",
            "panel datasource",
        );
        let targets = panel["targets"].as_array().cloned().unwrap_or_default();
        need(!targets.is_empty(), "panel targets");
        let ref_ids: BTreeSet<&str> = targets.iter().filter_map(|t| t["refId"].as_str()).collect();
        need(ref_ids.len() == targets.len(), "refIds: present and unique");
        for target in &targets {
            need(
                target["expr"].as_str().is_some_and(|e| !e.is_empty()),
                "target expr",
            );
            need(target["legendFormat"].is_string(), "target legendFormat");
        }
    }
    problems
}

/// Every query of a dashboard, as (panel title, legend, expression).
fn queries(dashboard: &Value) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            found.push((
                panel["title"].as_str().unwrap().to_string(),
                target["legendFormat"].as_str().unwrap().to_string(),
                target["expr"].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

#[test]
fn every_example_dashboard_is_well_formed_and_every_query_parses() {
    let mut seen = 0;
    for (name, output) in examples(ALL) {
        for (path, dashboard) in dashboards(&output) {
            let problems = schema_problems(&dashboard);
            assert!(problems.is_empty(), "{name} {path}: {problems:?}");
            for (panel, legend, expr) in queries(&dashboard) {
                if let Err(error) = promql_parser::parser::parse(&expr) {
                    panic!("{name} {path} {panel} ({legend}): {error}\n{expr}");
                }
                seen += 1;
            }
        }
    }
    assert!(seen > 50, "only {seen} queries");
}

#[test]
fn the_config_map_holds_the_same_json_for_the_sidecar() {
    for (name, output) in examples(ALL) {
        for (path, _) in dashboards(&output) {
            let yaml_path = path.replace(".json", ".yaml");
            let config_map = object(&output, &yaml_path, "ConfigMap");
            let service = path.rsplit('/').next().unwrap().trim_end_matches(".json");
            assert_eq!(
                config_map["metadata"]["name"],
                format!("{service}-dashboard")
            );
            assert_eq!(
                config_map["metadata"]["labels"]["grafana_dashboard"], "1",
                "{name}"
            );
            let data = config_map["data"][format!("{service}.json")]
                .as_str()
                .unwrap();
            assert_eq!(data, output.files[&path], "{name} {path}");
        }
    }
}

#[test]
fn the_delivery_matrix_prod_dashboard() {
    let (_, output) = examples(ALL)
        .into_iter()
        .find(|(name, _)| name == "delivery-matrix")
        .unwrap();
    insta::assert_snapshot!(output.files["grafana/prod/my-app.json"]);
}

const CANARY: &str = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image = "web:2.1.0"
  ports { http = 8080 }
  slo { objectives = [p99_latency < 800ms, success_rate >= 99.9%] }
}
strategy careful = canary {
  ENGINE
  step { weight = 20%  pause = 2m }
  step { weight = 100% }
  analysis {
    interval      = 30s
    failure_limit = 2
    gates         = [p99_latency < 250ms, success_rate >= 99%]
  }
}
environment prod { cluster = "prod"  namespace = "shop-prod"  trigger = manual  strategy = careful }
"#;

/// The queries of one panel, by legend.
fn panel_queries(dashboard: &Value, title: &str) -> Vec<(String, String)> {
    queries(dashboard)
        .into_iter()
        .filter(|(panel, _, _)| panel == title)
        .map(|(_, legend, expr)| (legend, expr))
        .collect()
}

/// The canary alerts' expressions without their comparison: the gates' queries.
fn canary_alert_queries(output: &Output) -> Vec<String> {
    let rule = object(output, "prometheus/prod/web.yaml", "PrometheusRule");
    rule["spec"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|group| group["name"] == "web.prod.canary")
        .flat_map(|group| group["rules"].as_array().unwrap().clone())
        .map(|rule| {
            let expr = rule["expr"].as_str().unwrap();
            expr.rsplit_once(" >")
                .or_else(|| expr.rsplit_once(" <"))
                .unwrap()
                .0
                .to_string()
        })
        .collect()
}

#[test]
fn the_canary_line_is_the_query_its_gate_runs() {
    for engine in ["", "engine = argo_rollouts"] {
        let spec = CANARY.replace("ENGINE", engine);
        let output = compile("spec", &inline(&spec), ALL);
        let dashboard: Value =
            serde_json::from_str(&output.files["grafana/prod/web.json"]).unwrap();
        let gates = canary_alert_queries(&output);
        let p99 = panel_queries(&dashboard, "p99 latency");
        let legends: Vec<&str> = p99.iter().map(|(legend, _)| legend.as_str()).collect();
        assert_eq!(legends, ["stable", "canary"], "{engine}");
        // The p99 gate is the first, success_rate the second; the dashboard draws the latter
        // as the error rate, whose query has the same requests, counted the other way.
        assert_eq!(p99[1].1, gates[0], "{engine}");
        let errors = panel_queries(&dashboard, "Error rate");
        assert_eq!(
            errors[1].1,
            gates[1].replace("!~\"5..\"", "=~\"5..\""),
            "{engine}"
        );
        // The stable line measures the other track (the `-stable` Deployment, or the
        // `web-stable` Service on Argo Rollouts) the same way.
        let (stable, canary) = (&p99[0].1, &p99[1].1);
        assert_eq!(
            stable,
            &canary.replace("web-canary", "web-stable"),
            "{engine}"
        );
        // The canary gate and the SLO objective are drawn as thresholds: the gate's 250 ms
        // and the SLO's 800 ms on p99; 1% (gate) and 0.1% (SLO) on the error rate.
        let limits = |title: &str| -> Vec<f64> {
            let panel = dashboard["panels"]
                .as_array()
                .unwrap()
                .iter()
                .find(|panel| panel["title"] == title)
                .unwrap();
            panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|step| step["value"].as_f64())
                .collect()
        };
        assert_eq!(limits("p99 latency"), [250.0, 800.0]);
        assert_eq!(limits("Error rate"), [0.1, 1.0]);
    }
}

#[test]
fn replicas_are_counted_per_track_or_per_rollout() {
    let workflow = compile("spec", &inline(&CANARY.replace("ENGINE", "")), ALL);
    let dashboard: Value = serde_json::from_str(&workflow.files["grafana/prod/web.json"]).unwrap();
    let replicas = panel_queries(&dashboard, "Available replicas");
    assert_eq!(
        replicas,
        [
            ("stable".to_string(), "sum(kube_deployment_status_replicas_available{namespace=\"shop-prod\", deployment=\"web-stable\"})".to_string()),
            ("canary".to_string(), "sum(kube_deployment_status_replicas_available{namespace=\"shop-prod\", deployment=\"web-canary\"})".to_string()),
        ]
    );
    let argo = compile(
        "spec",
        &inline(&CANARY.replace("ENGINE", "engine = argo_rollouts")),
        ALL,
    );
    let dashboard: Value = serde_json::from_str(&argo.files["grafana/prod/web.json"]).unwrap();
    let replicas = panel_queries(&dashboard, "Available replicas");
    assert_eq!(
        replicas,
        [(
            "rollout".to_string(),
            "sum(rollout_info_replicas_available{namespace=\"shop-prod\", name=\"web\"})"
                .to_string()
        )]
    );
}

#[test]
fn a_rolling_service_has_one_line_over_every_pod() {
    let spec = r#"
app shop { registry = "ghcr.io/acme" }
service api { image = "api:1.0.0"  ports { http = 8080 } }
environment prod { cluster = "prod"  namespace = "shop-prod"  trigger = manual }
"#;
    let output = compile("spec", &inline(spec), ALL);
    let dashboard: Value = serde_json::from_str(&output.files["grafana/prod/api.json"]).unwrap();
    let rate = panel_queries(&dashboard, "Request rate");
    assert_eq!(
        rate,
        [(
            "all".to_string(),
            "sum(rate(istio_requests_total{reporter=\"destination\", destination_workload_namespace=\"shop-prod\", destination_canonical_service=\"api\"}[5m]))".to_string()
        )]
    );
}

#[test]
fn no_dashboards_where_the_cluster_lacks_istio_or_prometheus() {
    let spec = r#"
app shop { registry = "ghcr.io/acme" }
service api { image = "api:1.0.0"  ports { http = 8080 } }
environment edge { cluster = "edge"  namespace = "edge"  trigger = manual  mesh = none }
environment dark { cluster = "dark"  namespace = "dark"  trigger = manual  metrics = none }
environment lab { cluster = "lab"  namespace = "lab"  trigger = manual  metrics = prometheus }
"#;
    let output = compile("spec", &inline(spec), &[Target::Grafana]);
    let paths: Vec<&str> = output.files.keys().map(String::as_str).collect();
    assert_eq!(paths, ["grafana/lab/api.json", "grafana/lab/api.yaml"]);
}

#[test]
fn dashboards_are_written_only_when_asked_for() {
    let spec = r#"
app shop { registry = "ghcr.io/acme" }
service api { image = "api:1.0.0" }
environment prod { cluster = "prod"  namespace = "shop-prod"  trigger = manual }
"#;
    let output = compile("spec", &inline(spec), slipway::emit::Target::DEFAULT);
    assert!(output
        .files
        .keys()
        .all(|path| !path.starts_with("grafana/")));
}

/// Argo CD syncs an environment's dashboard ConfigMaps, and only where there are dashboards:
/// the `.json` copies are not manifests, so the source includes `*.yaml` alone.
#[test]
fn argo_cd_syncs_the_dashboard_config_maps() {
    let spec = r#"
app shop { registry = "ghcr.io/acme"  repository = "https://github.com/acme/shop" }
service api { image = "api:1.0.0"  ports { http = 8080 } }
environment edge { cluster = "edge"  namespace = "edge"  trigger = manual  mesh = none }
environment lab { cluster = "lab"  namespace = "lab"  trigger = manual }
"#;
    let targets = [Target::K8s, Target::Argocd, Target::Grafana];
    let output = compile("spec", &inline(spec), &targets);
    let grafana_sources = |output: &Output, environment: &str| -> Vec<Value> {
        let path = format!("argocd/applications/{environment}.yaml");
        let application = object(output, &path, "Application");
        // One source is written as `source`, several as `sources`.
        let sources = match application["spec"]["sources"].as_array() {
            Some(sources) => sources.clone(),
            None => vec![application["spec"]["source"].clone()],
        };
        sources
            .into_iter()
            .filter(|source| source["path"].as_str().unwrap().starts_with("grafana/"))
            .collect()
    };
    let lab = grafana_sources(&output, "lab");
    assert_eq!(lab.len(), 1, "{lab:?}");
    assert_eq!(lab[0]["path"], "grafana/lab");
    assert_eq!(lab[0]["directory"]["include"], "*.yaml");
    assert_eq!(lab[0]["directory"]["recurse"], false);
    assert!(grafana_sources(&output, "edge").is_empty());
    let without = compile("spec", &inline(spec), &[Target::K8s, Target::Argocd]);
    assert!(grafana_sources(&without, "lab").is_empty());
}
