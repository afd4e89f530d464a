//! Tests of the `istio` target: a snapshot of the whole Istio tree of every example under
//! `examples/` (a new example is picked up by itself), and one test per mapping rule, each on
//! a small spec written inline: canary weights per step, subsets for every destination,
//! blue-green live/switch/preview routes, timeouts, retries and outlier detection.

mod emit_support;

use emit_support::{example_dirs, inline, load_example};
use serde_yaml::Value;
use slipway::emit::{Options, Output, Target};
use slipway::SourceFile;
use std::collections::BTreeMap;

/// Checks `files` (which must be free of errors) and emits the Istio target.
fn compile(files: Vec<SourceFile>, source: &str, environments: Option<&[&str]>) -> Output {
    let options = Options {
        environments: environments.map(|names| names.iter().map(|n| n.to_string()).collect()),
        ..emit_support::options(source, &[Target::Istio])
    };
    emit_support::compile_with(&files, options)
}

fn compile_text(text: &str) -> Output {
    compile(inline(text), "spec.slip", None)
}

/// Every file of the tree, one after another under its path.
fn render(output: &Output) -> String {
    output
        .files
        .iter()
        .map(|(path, text)| format!("--- {path}\n{text}"))
        .collect()
}

fn document(output: &Output, path: &str) -> Value {
    let text = output
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no {path} in {:?}", output.files.keys()));
    serde_yaml::from_str(text).unwrap()
}

/// The `(subset, weight)` pairs of a VirtualService's route named `name`.
fn split(service: &Value, name: &str) -> Vec<(String, u64)> {
    let route = service["spec"]["http"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|route| route["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no route named {name}"));
    route["route"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["destination"]["subset"].as_str().unwrap().to_string(),
                d["weight"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn spec(strategy: &str, traffic: &str) -> String {
    format!(
        r#"
app demo {{ registry = "ghcr.io/acme" }}
service web {{
  image = "ghcr.io/acme/web:1.0.0"
  ports {{ http = 8080 }}
  {traffic}
}}
environment prod {{
  cluster   = "prod-cluster"
  namespace = "demo"
  trigger   = push {{ branch = "main" }}
  approval  = automatic
  strategy  = {strategy}
}}
"#
    )
}

const CANARY: &str =
    "canary { step { weight = 10% } step { weight = 50%  pause = 1m } step { weight = 100% } }";

#[test]
fn every_example_compiles_to_a_stable_tree() {
    for dir in example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let output = compile(load_example(&dir), &format!("examples/{name}"), None);
        insta::assert_snapshot!(format!("istio_{name}"), render(&output));
    }
}

/// With `resting_state_only` (a stream's emit), every example gets the same files less the
/// canary steps and the blue-green switches, and nothing else changes.
#[test]
fn the_resting_state_alone_is_every_file_but_the_steps_and_switches() {
    for dir in example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = load_example(&dir);
        let source = format!("examples/{name}");
        let every = compile(files.clone(), &source, None);
        let resting = emit_support::compile_with(
            &files,
            Options {
                resting_state_only: true,
                ..emit_support::options(&source, &[Target::Istio])
            },
        );
        let expected: BTreeMap<&String, &String> = every
            .files
            .iter()
            .filter(|(path, _)| !path.contains("/steps/") && !path.contains("/switch/"))
            .collect();
        let resting: BTreeMap<&String, &String> = resting.files.iter().collect();
        assert_eq!(resting, expected, "{name}");
    }
}

#[test]
fn each_canary_step_has_its_own_virtual_service_with_two_weights_summing_to_100() {
    let output = compile_text(&spec(CANARY, ""));
    let resting = document(&output, "istio/prod/web/virtualservice.yaml");
    assert_eq!(
        split(&resting, "primary"),
        [("stable".into(), 100), ("canary".into(), 0)]
    );
    let mut previous = 0;
    for (dir, weight) in [("01-10", 10), ("02-50", 50), ("03-100", 100)] {
        let service = document(
            &output,
            &format!("istio/prod/web/steps/{dir}/virtualservice.yaml"),
        );
        let weights = split(&service, "primary");
        assert_eq!(
            weights,
            [("stable".into(), 100 - weight), ("canary".into(), weight)],
            "{dir}"
        );
        assert_eq!(weights.iter().map(|(_, w)| w).sum::<u64>(), 100);
        assert!(weight > previous, "weights increase step by step");
        previous = weight;
        assert_eq!(
            service["metadata"]["name"], "web",
            "every step is the same object"
        );
    }
    let steps = output
        .files
        .keys()
        .filter(|path| path.contains("/steps/"))
        .count();
    assert_eq!(steps, 3);
}

#[test]
fn every_destination_subset_is_defined_by_the_destination_rule_of_its_host() {
    let blue_green = "blue_green { preview = true }";
    for output in [
        compile_text(&spec(CANARY, "")),
        compile_text(&spec(blue_green, "")),
    ] {
        let rule = document(&output, "istio/prod/web/destinationrule.yaml");
        let host = rule["spec"]["host"].as_str().unwrap().to_string();
        assert_eq!(host, "web.demo.svc.cluster.local");
        let mut defined = BTreeMap::new();
        for subset in rule["spec"]["subsets"].as_sequence().unwrap() {
            let name = subset["name"].as_str().unwrap().to_string();
            assert_eq!(
                subset["labels"]["version"].as_str(),
                Some(name.as_str()),
                "subsets select the version label"
            );
            defined.insert(name, ());
        }
        for (path, text) in output
            .files
            .iter()
            .filter(|(path, _)| path.ends_with("virtualservice.yaml"))
        {
            let service: Value = serde_yaml::from_str(text).unwrap();
            for route in service["spec"]["http"].as_sequence().unwrap() {
                assert!(
                    route["name"].as_str().is_some_and(|n| !n.is_empty()),
                    "{path}: unnamed route"
                );
                for destination in route["route"].as_sequence().unwrap() {
                    assert_eq!(
                        destination["destination"]["host"].as_str(),
                        Some(host.as_str()),
                        "{path}"
                    );
                    let subset = destination["destination"]["subset"].as_str().unwrap();
                    assert!(
                        defined.contains_key(subset),
                        "{path}: subset {subset} is not defined"
                    );
                }
            }
        }
    }
}

#[test]
fn blue_green_has_a_live_route_a_switch_and_a_preview_route() {
    let output = compile_text(&spec(
        "blue_green { preview = true  auto_promote = false }",
        "",
    ));
    let live = document(&output, "istio/prod/web/virtualservice.yaml");
    assert_eq!(
        split(&live, "primary"),
        [("blue".into(), 100), ("green".into(), 0)]
    );
    let switch = document(&output, "istio/prod/web/switch/virtualservice.yaml");
    assert_eq!(
        split(&switch, "primary"),
        [("blue".into(), 0), ("green".into(), 100)]
    );
    let preview = &live["spec"]["http"][0];
    assert_eq!(preview["name"], "preview");
    assert_eq!(
        preview["match"][0]["headers"]["x-slipway-preview"]["exact"],
        "true"
    );
    assert_eq!(preview["route"][0]["destination"]["subset"], "green");
    assert!(
        preview["route"][0]["weight"].is_null(),
        "a lone destination takes all traffic"
    );

    let without = compile_text(&spec("blue_green { preview = false }", ""));
    let live = document(&without, "istio/prod/web/virtualservice.yaml");
    let routes = live["spec"]["http"].as_sequence().unwrap();
    assert_eq!(routes.len(), 1, "no preview route without preview");
}

#[test]
fn traffic_settings_become_retries_timeouts_and_outlier_detection() {
    let traffic = "traffic {
    timeout = 1500ms
    retries { attempts = 2  per_try_timeout = 500ms }
    circuit_breaker { consecutive_errors = 7  interval = 15s  base_ejection_time = 2m  max_ejection = 20% }
  }";
    let output = compile_text(&spec(CANARY, traffic));
    for path in [
        "istio/prod/web/virtualservice.yaml",
        "istio/prod/web/steps/02-50/virtualservice.yaml",
    ] {
        let route = &document(&output, path)["spec"]["http"][0];
        assert_eq!(route["timeout"], "1500ms", "{path}");
        assert_eq!(route["retries"]["attempts"], 2);
        assert_eq!(route["retries"]["perTryTimeout"], "500ms");
    }
    let rule = document(&output, "istio/prod/web/destinationrule.yaml");
    let outlier = &rule["spec"]["trafficPolicy"]["outlierDetection"];
    assert_eq!(outlier["consecutive5xxErrors"], 7);
    assert_eq!(outlier["interval"], "15s");
    assert_eq!(outlier["baseEjectionTime"], "2m");
    assert_eq!(outlier["maxEjectionPercent"], 20);
}

#[test]
fn without_traffic_settings_routes_carry_no_timeout_retries_or_policy() {
    let output = compile_text(&spec(CANARY, ""));
    let route = &document(&output, "istio/prod/web/virtualservice.yaml")["spec"]["http"][0];
    assert!(route["timeout"].is_null() && route["retries"].is_null());
    let rule = document(&output, "istio/prod/web/destinationrule.yaml");
    assert!(rule["spec"]["trafficPolicy"].is_null());
}

#[test]
fn rolling_services_get_routing_only_for_declared_traffic_settings() {
    let rolling = "rolling { max_surge = 1  max_unavailable = 0 }";
    assert!(
        compile_text(&spec(rolling, "")).files.is_empty(),
        "nothing to route"
    );

    let output = compile_text(&spec(rolling, "traffic { timeout = 10s }"));
    assert_eq!(
        output.files.keys().collect::<Vec<_>>(),
        ["istio/prod/web/virtualservice.yaml"]
    );
    let route = &document(&output, "istio/prod/web/virtualservice.yaml")["spec"]["http"][0];
    let destinations = route["route"].as_sequence().unwrap();
    assert_eq!(destinations.len(), 1);
    assert!(
        destinations[0]["destination"]["subset"].is_null() && destinations[0]["weight"].is_null()
    );
    assert_eq!(route["timeout"], "10s");

    let output = compile_text(&spec(
        rolling,
        "traffic { circuit_breaker { consecutive_errors = 3 } }",
    ));
    assert_eq!(
        output.files.keys().collect::<Vec<_>>(),
        ["istio/prod/web/destinationrule.yaml"]
    );
    let rule = document(&output, "istio/prod/web/destinationrule.yaml");
    assert!(
        rule["spec"]["subsets"].is_null(),
        "no subsets for a single track"
    );
    assert_eq!(
        rule["spec"]["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"],
        3
    );
}

#[test]
fn a_service_with_several_ports_is_routed_to_its_http_port() {
    let text = spec(CANARY, "").replace(
        "ports { http = 8080 }",
        "ports {\n    admin = 9000\n    http = 8080\n  }",
    );
    let output = compile_text(&text);
    let service = document(&output, "istio/prod/web/steps/01-10/virtualservice.yaml");
    for destination in service["spec"]["http"][0]["route"].as_sequence().unwrap() {
        assert_eq!(destination["destination"]["port"]["number"], 8080);
    }
}

#[test]
fn files_start_with_the_header_and_follow_the_environment_filter() {
    let dir = example_dirs()
        .into_iter()
        .find(|d| d.ends_with("delivery-matrix"))
        .unwrap();
    let output = compile(
        load_example(&dir),
        "examples/delivery-matrix",
        Some(&["prod"]),
    );
    assert!(!output.files.is_empty());
    for (path, text) in &output.files {
        assert!(
            path.starts_with("istio/prod/"),
            "{path} is outside the selected environment"
        );
        assert!(
            text.starts_with("# Generated by slipway from examples/delivery-matrix."),
            "{path} lacks the header"
        );
    }
}
