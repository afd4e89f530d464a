//! Routing by request (a canary's `requests` block), in both engines: with the workflow, each
//! step's VirtualService routes the matching requests to the `canary` subset ahead of the
//! weighted route and mirrors on the weighted route below 100%, and the resting VirtualService
//! (what promotion and rollback apply) has neither; with Argo Rollouts, the Rollout lists the
//! managed routes and sets them right after the first `setWeight` above 0%, and Argo CD leaves
//! them alone. A snapshot of each engine's output shows the whole shape.

mod emit_support;

use emit_support::{compile, file, inline, object};
use serde_json::{json, Value};
use slipway::emit::{Output, Target};

const SPEC: &str = r#"
app shop { registry = "ghcr.io/acme"  repository = "https://github.com/acme/shop" }
service web {
  image = "web:1.4.2"
  ports { http = 8080 }
  expose { hosts = "shop.example.com"  path = "/shop" }
}
environment prod {
  cluster   = "prod"
  namespace = "shop"
  trigger   = push { branch = "main" }
  strategy  = canary {
    requests {
      header { name = "x-canary"  exact = "always" }
      cookie { name = "beta"  value = "yes" }
      mirror = 12.5%
    }
    step { weight = 10%  pause = 5m }
    step { weight = 100% }
  }
}
"#;

const ARGO_SPEC: &str = r#"
app shop { registry = "ghcr.io/acme"  repository = "https://github.com/acme/shop" }
service web {
  image = "web:1.4.2"
  ports { http = 8080 }
}
environment prod {
  cluster   = "prod"
  namespace = "shop"
  trigger   = push { branch = "main" }
  strategy  = canary {
    engine = argo_rollouts
    requests {
      header { name = "x-tester"  regex = "(alice|bob)" }
      mirror = 20%
    }
    step { weight = 0%   pause = approval }
    step { weight = 10%  pause = 5m }
    step { weight = 50%  pause = 5m }
  }
}
"#;

fn output(spec: &str, targets: &[Target]) -> Output {
    compile("inline.slip", &inline(spec), targets)
}

fn http_routes(output: &Output, path: &str) -> Vec<Value> {
    let service = file(output, path).remove(0);
    service["spec"]["http"].as_array().unwrap().clone()
}

#[test]
fn each_workflow_step_routes_matching_requests_to_the_canary_first_and_mirrors_below_100() {
    let output = output(SPEC, &[Target::Istio]);
    let step = http_routes(&output, "istio/prod/web/steps/01-10/virtualservice.yaml");
    let names: Vec<&str> = step.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["primary-header", "primary"]);
    let header = &step[0];
    assert_eq!(
        header["route"],
        json!([{"destination": {"host": "web.shop.svc.cluster.local", "subset": "canary"}}])
    );
    // Each condition once for the mesh and once for the gateway below the exposed path.
    let matches = header["match"].as_array().unwrap();
    assert_eq!(matches.len(), 4);
    assert!(matches.contains(&json!({
        "gateways": ["shop/shop-gateway"],
        "uri": {"prefix": "/shop"},
        "headers": {"x-canary": {"exact": "always"}},
    })));
    assert!(matches.contains(&json!({
        "gateways": ["mesh"],
        "headers": {"cookie": {"regex": r"^(.*;\s*)?beta=yes(;.*)?$"}},
    })));
    // The mirror goes where the weighted route sends the canary's share.
    assert_eq!(
        step[1]["mirror"],
        json!({"host": "web.shop.svc.cluster.local", "subset": "canary"})
    );
    assert_eq!(step[1]["mirrorPercentage"], json!({"value": 12.5}));
    assert_eq!(step[1]["route"][1]["destination"], step[1]["mirror"]);

    let last = http_routes(&output, "istio/prod/web/steps/02-100/virtualservice.yaml");
    assert_eq!(last[0]["name"], "primary-header");
    assert!(last[1].get("mirror").is_none(), "nothing to mirror at 100%");
}

#[test]
fn the_resting_virtual_service_that_promotion_and_rollback_apply_has_no_request_routing() {
    let output = output(SPEC, &[Target::Istio, Target::Github]);
    let resting = http_routes(&output, "istio/prod/web/virtualservice.yaml");
    assert_eq!(resting.len(), 1);
    assert_eq!(resting[0]["name"], "primary");
    assert!(resting[0].get("mirror").is_none());
    let script = output.files.get("rollout/prod/web.sh").unwrap();
    assert!(script.contains("resting='istio/prod/web/virtualservice.yaml'"));
}

#[test]
fn argo_rollouts_sets_the_managed_routes_after_the_first_weight_above_zero() {
    let output = output(ARGO_SPEC, &[Target::K8s]);
    let rollout = object(&output, "k8s/prod/web.yaml", "Rollout");
    let canary = &rollout["spec"]["strategy"]["canary"];
    assert_eq!(
        canary["trafficRouting"]["managedRoutes"],
        json!([{"name": "primary-header"}, {"name": "primary-mirror"}])
    );
    let steps = canary["steps"].as_array().unwrap();
    assert_eq!(steps[0], json!({"setWeight": 0}));
    assert_eq!(steps[1], json!({"pause": {}}));
    assert_eq!(steps[2], json!({"setWeight": 10}));
    assert_eq!(
        steps[3],
        json!({"setHeaderRoute": {"name": "primary-header", "match": [
            {"headerName": "x-tester", "headerValue": {"regex": "(alice|bob)"}}
        ]}})
    );
    assert_eq!(
        steps[4],
        json!({"setMirrorRoute": {"name": "primary-mirror", "percentage": 20, "match": [
            {"path": {"prefix": "/"}}
        ]}})
    );
    let routes = steps
        .iter()
        .filter(|s| s.get("setHeaderRoute").is_some() || s.get("setMirrorRoute").is_some());
    assert_eq!(routes.count(), 2, "set once, held until the end");
    // The VirtualService in the repository has only the weighted route.
    let service = object(&output, "k8s/prod/web.yaml", "VirtualService");
    assert_eq!(service["spec"]["http"].as_array().unwrap().len(), 1);
}

#[test]
fn argo_cd_leaves_the_managed_routes_to_argo_rollouts() {
    let output = output(ARGO_SPEC, &[Target::K8s, Target::Argocd]);
    let application = file(&output, "argocd/applications/prod.yaml").remove(0);
    let ignored = application["spec"]["ignoreDifferences"].as_array().unwrap();
    assert!(ignored.contains(&json!({
        "group": "networking.istio.io",
        "kind": "VirtualService",
        "name": "web",
        "jqPathExpressions": [
            ".spec.http[] | select(.name == \"primary-header\")",
            ".spec.http[] | select(.name == \"primary-mirror\")",
        ],
    })));
}

#[test]
fn without_requests_nothing_changes() {
    let plain = SPEC.replace(
        "requests {\n      header { name = \"x-canary\"  exact = \"always\" }\n      cookie { name = \"beta\"  value = \"yes\" }\n      mirror = 12.5%\n    }\n",
        "",
    );
    assert!(!plain.contains("requests"));
    let output = output(&plain, &[Target::Istio]);
    let step = http_routes(&output, "istio/prod/web/steps/01-10/virtualservice.yaml");
    assert_eq!(step.len(), 1);
    assert!(step[0].get("mirror").is_none());
}

#[test]
fn snapshots_of_both_engines() {
    let workflow = output(SPEC, &[Target::Istio]);
    let text = workflow
        .files
        .get("istio/prod/web/steps/01-10/virtualservice.yaml")
        .unwrap();
    insta::assert_snapshot!("workflow_step", text);
    let argo = output(ARGO_SPEC, &[Target::K8s]);
    insta::assert_snapshot!("argo_rollout", argo.files.get("k8s/prod/web.yaml").unwrap());
}
