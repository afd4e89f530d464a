//! Secrets synced from a store: the `k8s` target writes one External Secrets `ExternalSecret`
//! per Secret and environment, named after the Secret, in the file of the first service that
//! syncs it, listing every key any service syncs, with the store, path, property and refresh
//! of the spec; the pods keep reading the Secret by `secretKeyRef`.

mod emit_support;

use emit_support::{compile, inline, kinds, object};
use serde_json::json;
use slipway::emit::Target;

const SHARED: &str = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image = "web:1.0.0"
  env {
    DB_PASSWORD = secret { name = "shop-db"  key = "password"  from = store { name = "vault"  path = "shop/db"  refresh = 15m } }
  }
}
service api {
  image = "api:1.0.0"
  env {
    DB_USER     = secret { name = "shop-db"  key = "user"  from = store { name = "vault"  path = "shop/db"  property = "username"  refresh = 15m } }
    DB_PASSWORD = secret { name = "shop-db"  key = "password" }
  }
}
environment staging { cluster = "c"  namespace = "shop-staging"  trigger = manual }
environment prod {
  cluster   = "c"
  namespace = "shop-prod"
  after     = staging
  override web {
    env { API_TOKEN = secret { name = "web-api"  key = "token"  from = cluster_store { name = "vault"  path = "shop/web/api" } } }
  }
}
"#;

/// Whether a file holds an ExternalSecret.
fn synced_secrets(output: &slipway::emit::Output, path: &str) -> bool {
    kinds(output, path)
        .iter()
        .any(|kind| kind.starts_with("ExternalSecret/"))
}

#[test]
fn one_external_secret_per_secret_in_the_first_syncing_services_file() {
    let output = compile("spec", &inline(SHARED), &[Target::K8s]);
    // `api` comes before `web`: the Secret both sync is written once, with api's objects.
    assert!(kinds(&output, "k8s/staging/api.yaml").contains(&"ExternalSecret/shop-db".to_string()));
    assert!(!synced_secrets(&output, "k8s/staging/web.yaml"));
    let synced = object(&output, "k8s/staging/api.yaml", "ExternalSecret");
    assert_eq!(synced["apiVersion"], "external-secrets.io/v1");
    assert_eq!(synced["metadata"]["name"], "shop-db");
    assert_eq!(synced["metadata"]["namespace"], "shop-staging");
    assert_eq!(
        synced["spec"],
        json!({
            "refreshInterval": "15m",
            "secretStoreRef": {"kind": "SecretStore", "name": "vault"},
            "target": {"name": "shop-db", "creationPolicy": "Owner"},
            "data": [
                {"secretKey": "password", "remoteRef": {"key": "shop/db", "property": "password"}},
                {"secretKey": "user", "remoteRef": {"key": "shop/db", "property": "username"}},
            ],
        })
    );
    // The pods still read the Secret by reference.
    let web = object(&output, "k8s/staging/web.yaml", "Deployment");
    let env = &web["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env[0]["valueFrom"]["secretKeyRef"],
        json!({"name": "shop-db", "key": "password"})
    );
}

#[test]
fn an_override_syncs_a_secret_in_its_environment_only() {
    let output = compile("spec", &inline(SHARED), &[Target::K8s]);
    let prod: Vec<String> = kinds(&output, "k8s/prod/web.yaml");
    assert!(
        prod.contains(&"ExternalSecret/web-api".to_string()),
        "{prod:?}"
    );
    let synced = object(&output, "k8s/prod/web.yaml", "ExternalSecret");
    assert_eq!(synced["metadata"]["name"], "web-api");
    assert_eq!(
        synced["spec"]["secretStoreRef"],
        json!({"kind": "ClusterSecretStore", "name": "vault"})
    );
    assert_eq!(synced["spec"]["refreshInterval"], "1h");
    assert!(!synced_secrets(&output, "k8s/staging/web.yaml"));
}

#[test]
fn a_secret_without_a_store_gets_no_external_secret() {
    let spec = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image = "web:1.0.0"
  env { DB_PASSWORD = secret { name = "web-db"  key = "password" } }
}
environment prod { cluster = "c"  namespace = "shop"  trigger = manual }
"#;
    let output = compile("spec", &inline(spec), &[Target::K8s, Target::Kustomize]);
    assert!(output
        .files
        .values()
        .all(|text| !text.contains("ExternalSecret")));
}
