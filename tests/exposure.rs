//! Exposure (`expose { ... }`): traffic entering through a gateway follows the same routes, and
//! so the same canary weights, as traffic inside the mesh; every environment gets what its
//! cluster can run (an Istio Gateway with `mesh = istio`, an Ingress with `mesh = none`); and
//! the workflow and Argo CD deploy the Gateways with the routes bound to them.
//!
//! The rule "gateway traffic follows the weights" is checked over every example and over the
//! inline specs here: every VirtualService of a service exposed through an Istio gateway, in
//! every state (resting, each canary step, the blue-green switch, and the one an Argo Rollouts
//! canary shifts), is bound to `mesh` and to the gateway, carries the exposed hosts, and routes
//! gateway requests with the same weighted route as mesh requests.

mod emit_support;

use emit_support::{compile, examples, file, inline, object};
use serde_json::{json, Value};
use slipway::emit::Target;

const ALL: &[Target] = &[
    Target::K8s,
    Target::Istio,
    Target::Kustomize,
    Target::Github,
    Target::Argocd,
];

/// A canary behind the Istio gateway with a path, a rolling service on an existing gateway,
/// an Argo Rollouts canary behind the gateway, and an edge cluster without a mesh.
const SHOP: &str = r#"
app shop { repository = "https://github.com/acme/shop" }

service web {
  image = "ghcr.io/acme/web:1.0.0"
  ports { http = 8080  admin = 9000 }
  traffic { timeout = 3s }
  expose {
    hosts = ["shop.example.com", "www.shop.example.com"]
    path  = "/shop"
    tls   = secret { name = "shop-tls" }
  }
}

service search {
  image = "ghcr.io/acme/search:1.0.0"
  ports { http = 8080 }
  expose {
    hosts   = "search.example.com"
    gateway = istio { name = "istio-system/public" }
  }
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
  ports { http = 8080 }
  expose {
    hosts   = "api.example.com"
    gateway = istio { selector = { app = "public-gateway" } }
  }
}

environment prod {
  cluster   = "prod-cluster"
  namespace = "shop"
  trigger   = manual
  strategy  = canary {
    step { weight = 10% }
    step { weight = 60% }
    step { weight = 100% }
  }
  override search { strategy = rolling }
  override api {
    strategy = canary {
      engine = argo_rollouts
      step { weight = 25%  pause = 1m }
    }
  }
}

environment edge {
  cluster   = "k3s-edge"
  namespace = "shop-edge"
  after     = prod
  mesh      = none
  override web {
    expose {
      hosts   = "edge.example.com"
      tls     = secret { name = "edge-tls" }
      gateway = ingress { class = "traefik" }
    }
  }
  override search { expose { hosts = "edge.example.com"  path = "/search" } }
  override api { expose = none }
}
"#;

/// The VirtualServices of an output that carry a `gateways` list, as (path, object).
fn bound_virtual_services(output: &slipway::emit::Output) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for (path, text) in &output.files {
        if !(path.starts_with("istio/") || path.starts_with("k8s/")) || !path.ends_with(".yaml") {
            continue;
        }
        for document in emit_support::documents(text) {
            if document["kind"] == "VirtualService" && !document["spec"]["gateways"].is_null() {
                found.push((path.clone(), document));
            }
        }
    }
    found
}

/// Every route of a bound VirtualService takes gateway requests: it has no match, or one of
/// its matches names the gateway or names none (a match without `gateways` applies to every
/// gateway of the VirtualService: a canary's header route for a service exposed at `/`); the
/// mesh's own match is only there beside it.
fn assert_follows_the_weights(path: &str, service: &Value) {
    let gateways = service["spec"]["gateways"].as_array().unwrap();
    assert_eq!(gateways.len(), 2, "{path}: {gateways:?}");
    assert_eq!(gateways[0], "mesh", "{path}");
    let gateway = &gateways[1];
    let hosts = service["spec"]["hosts"].as_array().unwrap();
    assert!(hosts.len() > 1, "{path}: no exposed host in {hosts:?}");
    for route in service["spec"]["http"].as_array().unwrap() {
        let Some(matches) = route["match"].as_array() else {
            continue;
        };
        let for_gateway = matches.iter().any(|m| {
            m["gateways"]
                .as_array()
                .is_none_or(|names| names.contains(gateway))
        });
        let for_mesh = matches.iter().any(|m| {
            m["gateways"]
                .as_array()
                .is_none_or(|names| names.iter().any(|n| n == "mesh"))
        });
        assert!(
            for_gateway && for_mesh,
            "{path}: route {route} ignores one side"
        );
    }
}

#[test]
fn every_example_binds_every_state_of_an_exposed_service_to_mesh_and_gateway() {
    let mut seen = 0;
    for (name, output) in examples(ALL) {
        for (path, service) in bound_virtual_services(&output) {
            assert_follows_the_weights(&format!("{name}: {path}"), &service);
            seen += 1;
        }
    }
    assert!(
        seen > 0,
        "no example exposes a service through an Istio gateway"
    );
}

#[test]
fn each_canary_step_applies_its_weight_to_gateway_traffic() {
    let output = compile("shop", &inline(SHOP), ALL);
    let states = [
        ("istio/prod/web/virtualservice.yaml", 0),
        ("istio/prod/web/steps/01-10/virtualservice.yaml", 10),
        ("istio/prod/web/steps/02-60/virtualservice.yaml", 60),
        ("istio/prod/web/steps/03-100/virtualservice.yaml", 100),
    ];
    for (path, weight) in states {
        let service = object(&output, path, "VirtualService");
        assert_follows_the_weights(path, &service);
        assert_eq!(
            service["spec"]["gateways"],
            json!(["mesh", "shop/shop-gateway"])
        );
        assert_eq!(
            service["spec"]["hosts"],
            json!([
                "web.shop.svc.cluster.local",
                "shop.example.com",
                "www.shop.example.com"
            ])
        );
        let routes = service["spec"]["http"].as_array().unwrap();
        assert_eq!(routes.len(), 1, "{path}: one route carries both");
        let route = &routes[0];
        assert_eq!(route["name"], "primary");
        assert_eq!(route["timeout"], "3s");
        assert_eq!(
            route["match"],
            json!([
                {"gateways": ["mesh"]},
                {"gateways": ["shop/shop-gateway"], "uri": {"prefix": "/shop"}}
            ])
        );
        assert_eq!(route["route"][1]["destination"]["subset"], "canary");
        assert_eq!(route["route"][1]["weight"], weight, "{path}");
    }
}

#[test]
fn the_gateway_holds_the_hosts_with_their_tls_secret_and_redirects_http() {
    let output = compile("shop", &inline(SHOP), ALL);
    let gateway = object(&output, "istio/prod/gateways/shop-gateway.yaml", "Gateway");
    assert_eq!(gateway["metadata"]["namespace"], "shop");
    assert_eq!(
        gateway["spec"]["selector"],
        json!({"istio": "ingressgateway"})
    );
    assert_eq!(
        gateway["spec"]["servers"],
        json!([
            {
                "port": {"number": 443, "name": "https-1", "protocol": "HTTPS"},
                "hosts": ["shop.example.com", "www.shop.example.com"],
                "tls": {"mode": "SIMPLE", "credentialName": "shop-tls"}
            },
            {
                "port": {"number": 80, "name": "http-redirect", "protocol": "HTTP"},
                "hosts": ["shop.example.com", "www.shop.example.com"],
                "tls": {"httpsRedirect": true}
            }
        ])
    );
    // Another selector gets a Gateway of its own, named by the selector's hash.
    let others: Vec<&String> = output
        .files
        .keys()
        .filter(|path| path.starts_with("istio/prod/gateways/shop-gateway-"))
        .collect();
    assert_eq!(others.len(), 1, "{others:?}");
    let other = object(&output, others[0], "Gateway");
    assert_eq!(other["spec"]["selector"], json!({"app": "public-gateway"}));
    assert_eq!(
        other["spec"]["servers"][0]["hosts"],
        json!(["api.example.com"])
    );
}

#[test]
fn an_existing_gateway_is_bound_and_not_written() {
    let output = compile("shop", &inline(SHOP), ALL);
    let service = object(
        &output,
        "istio/prod/search/virtualservice.yaml",
        "VirtualService",
    );
    assert_eq!(
        service["spec"]["gateways"],
        json!(["mesh", "istio-system/public"])
    );
    let gateways = output
        .files
        .keys()
        .filter(|path| path.contains("/gateways/"))
        .count();
    assert_eq!(
        gateways, 2,
        "the default and the `app: public-gateway` Gateways only"
    );
}

#[test]
fn the_route_argo_rollouts_shifts_is_bound_to_the_gateway() {
    let output = compile("shop", &inline(SHOP), ALL);
    let rollout = object(&output, "k8s/prod/api.yaml", "Rollout");
    let routing = &rollout["spec"]["strategy"]["canary"]["trafficRouting"]["istio"];
    assert_eq!(routing["virtualService"]["routes"], json!(["primary"]));
    let service = object(&output, "k8s/prod/api.yaml", "VirtualService");
    assert_follows_the_weights("k8s/prod/api.yaml", &service);
    let gateways = service["spec"]["gateways"].as_array().unwrap();
    assert!(gateways[1]
        .as_str()
        .unwrap()
        .starts_with("shop/shop-gateway-"));
    assert_eq!(service["spec"]["http"][0]["name"], "primary");
}

#[test]
fn without_a_mesh_the_service_gets_an_ingress_and_no_istio_object() {
    let output = compile("shop", &inline(SHOP), ALL);
    assert!(!output
        .files
        .keys()
        .any(|path| path.starts_with("istio/edge/")));
    let ingress = object(&output, "k8s/edge/web.yaml", "Ingress");
    assert_eq!(
        ingress["spec"],
        json!({
            "ingressClassName": "traefik",
            "rules": [{
                "host": "edge.example.com",
                "http": {"paths": [{
                    "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                    "path": "/",
                    "pathType": "Prefix"
                }]}
            }],
            "tls": [{"hosts": ["edge.example.com"], "secretName": "edge-tls"}]
        })
    );
    // An override replaces the whole exposure; `search` leaves `gateway` out: the edge has no mesh, so it gets an Ingress, on a path.
    let search = object(&output, "k8s/edge/search.yaml", "Ingress");
    assert!(search["spec"]["ingressClassName"].is_null());
    assert_eq!(
        search["spec"]["rules"][0]["http"]["paths"][0]["path"],
        "/search"
    );
    // `expose = none`: nothing exposes `api` at the edge.
    let api = file(&output, "k8s/edge/api.yaml");
    assert!(api.iter().all(|o| o["kind"] != "Ingress"));
    // In the meshed environment no Ingress is written.
    let prod = file(&output, "k8s/prod/web.yaml");
    assert!(prod.iter().all(|o| o["kind"] != "Ingress"));
}

#[test]
fn the_workflow_applies_the_gateways_before_the_routes_bound_to_them() {
    let output = compile("shop", &inline(SHOP), ALL);
    let workflow = &output.files[".github/workflows/shop-delivery.yml"];
    let gateway = workflow
        .find("kubectl apply -f istio/prod/gateways/shop-gateway-")
        .expect("the prod deploy applies the Gateways");
    let routes = workflow
        .find("-f istio/prod/web/virtualservice.yaml")
        .expect("the prod deploy applies the resting routes");
    assert!(gateway < routes, "the Gateways come first");
    assert!(!workflow.contains("istio/edge/"));
}

#[test]
fn argo_cd_syncs_the_gateways_with_the_resting_routes() {
    let output = compile("shop", &inline(SHOP), ALL);
    let application = object(&output, "argocd/applications/prod.yaml", "Application");
    let istio = application["spec"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|source| source["path"] == "istio/prod")
        .expect("an istio source")
        .clone();
    assert_eq!(
        istio["directory"]["include"],
        "{*/virtualservice.yaml,*/destinationrule.yaml,gateways/*.yaml}"
    );
}
