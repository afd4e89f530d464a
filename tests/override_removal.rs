//! Overrides that remove (`autoscaling = none`, `traffic = none`, `liveness = none`, ...): the
//! emitters leave out what an environment turns off, and only there. Without its autoscaler a
//! service's workloads state its `replicas` again; without traffic settings its routes carry no
//! timeout or retries and its DestinationRule no outlier detection (a rolling service then needs
//! no Istio object at all); a removed probe is absent from the pod; and policies over
//! deployments see the probes the environment keeps.

mod emit_support;

use emit_support::{codes, compile, file, inline, object};
use serde_json::Value;
use slipway::emit::Target;

const TARGETS: &[Target] = &[Target::K8s, Target::Istio, Target::Kustomize];

const SPEC: &str = r#"
app shop {}

service web {
  image    = "ghcr.io/acme/web:1.0.0"
  ports { http = 8080 }
  replicas = 3
  liveness  = http { path = "/healthz"  port = http }
  readiness = http { path = "/ready"  port = http }
  autoscaling { min = 3  max = 9 }
  traffic {
    timeout = 5s
    retries { attempts = 2 }
    circuit_breaker { consecutive_errors = 3 }
  }
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports { http = 8080 }
  traffic { timeout = 2s  circuit_breaker { consecutive_errors = 3 } }
}

environment full {
  cluster   = "c"
  namespace = "full"
  trigger   = manual
  strategy  = canary { step { weight = 50% } step { weight = 100% } }
}

environment lean {
  cluster   = "c"
  namespace = "lean"
  after     = full
  strategy  = canary { step { weight = 50% } step { weight = 100% } }
  override web {
    autoscaling = none
    traffic     = none
    liveness    = none
  }
  override api {
    traffic  = none
    strategy = rolling
  }
}
"#;

fn kinds(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            let kind = o["kind"].as_str().unwrap();
            format!("{kind}/{}", o["metadata"]["name"].as_str().unwrap())
        })
        .collect()
}

#[test]
fn without_autoscaling_the_workloads_state_their_replicas_and_no_autoscaler_exists() {
    let output = compile("removal", &inline(SPEC), TARGETS);
    let full = file(&output, "k8s/full/web.yaml");
    assert!(kinds(&full).contains(&"HorizontalPodAutoscaler/web-stable".to_string()));
    let stable = full
        .iter()
        .find(|o| o["metadata"]["name"] == "web-stable")
        .unwrap();
    assert!(
        stable["spec"]["replicas"].is_null(),
        "the autoscaler owns the count"
    );

    let lean = file(&output, "k8s/lean/web.yaml");
    assert!(
        lean.iter().all(|o| o["kind"] != "HorizontalPodAutoscaler"),
        "{:?}",
        kinds(&lean)
    );
    let stable = lean
        .iter()
        .find(|o| o["metadata"]["name"] == "web-stable")
        .unwrap();
    assert_eq!(
        stable["spec"]["replicas"], 3,
        "the service's replicas again"
    );
}

#[test]
fn a_removed_probe_is_left_out_of_the_pod_and_the_others_stay() {
    let output = compile("removal", &inline(SPEC), TARGETS);
    let container = |path: &str| {
        let workload = file(&output, path)
            .into_iter()
            .find(|o| o["metadata"]["name"] == "web-stable")
            .unwrap();
        workload["spec"]["template"]["spec"]["containers"][0].clone()
    };
    let full = container("k8s/full/web.yaml");
    assert!(!full["livenessProbe"].is_null());
    let lean = container("k8s/lean/web.yaml");
    assert!(lean["livenessProbe"].is_null());
    assert_eq!(lean["readinessProbe"]["httpGet"]["path"], "/ready");
}

#[test]
fn without_traffic_settings_routes_and_rules_carry_none() {
    let output = compile("removal", &inline(SPEC), TARGETS);
    let route = |path: &str| object(&output, path, "VirtualService")["spec"]["http"][0].clone();
    let full = route("istio/full/web/steps/01-50/virtualservice.yaml");
    assert_eq!(full["timeout"], "5s");
    assert_eq!(full["retries"]["attempts"], 2);
    let lean = route("istio/lean/web/steps/01-50/virtualservice.yaml");
    assert!(
        lean["timeout"].is_null() && lean["retries"].is_null(),
        "{lean}"
    );
    assert_eq!(lean["route"][1]["weight"], 50, "the canary still splits");
    let rule = object(
        &output,
        "istio/lean/web/destinationrule.yaml",
        "DestinationRule",
    );
    assert!(rule["spec"]["trafficPolicy"].is_null());
    assert_eq!(rule["spec"]["subsets"].as_array().unwrap().len(), 2);
    // A rolling service whose traffic settings are off needs no Istio object at all.
    assert!(output
        .files
        .contains_key("istio/full/api/virtualservice.yaml"));
    assert!(!output
        .files
        .keys()
        .any(|path| path.starts_with("istio/lean/api/")));
}

#[test]
fn policies_over_deployments_see_the_probes_the_environment_keeps() {
    let policy = r#"
policy alive {
  each    = deployment
  when    = service.name == "web"
  require = service.probes.liveness
  message = "every deployment restarts hung containers"
}
"#;
    let found = codes(&format!("{SPEC}{policy}"));
    assert_eq!(
        found,
        vec!["SW0502"],
        "only the lean deployment of web breaks it"
    );
}

#[test]
fn none_in_defaults_turns_off_every_service_s_autoscaling() {
    let spec = r#"
app shop {}
service web { image = "ghcr.io/acme/web:1"  replicas = 2  autoscaling { min = 2  max = 4 } }
service api { image = "ghcr.io/acme/api:1"  autoscaling { min = 1  max = 3 } }
environment edge {
  cluster   = "k3s"
  namespace = "edge"
  trigger   = manual
  mesh      = none
  defaults { autoscaling = none }
  override api { autoscaling { min = 2  max = 2 } }
}
"#;
    let output = compile("defaults", &inline(spec), &[Target::K8s]);
    let web = file(&output, "k8s/edge/web.yaml");
    assert!(web.iter().all(|o| o["kind"] != "HorizontalPodAutoscaler"));
    assert_eq!(
        object(&output, "k8s/edge/web.yaml", "Deployment")["spec"]["replicas"],
        2
    );
    // A service's own override still wins over the environment's defaults.
    let api = object(&output, "k8s/edge/api.yaml", "HorizontalPodAutoscaler");
    assert_eq!(api["spec"]["minReplicas"], 2);
}
