//! The Istio Gateways Slipway writes: one per environment and gateway selector, holding the
//! hosts of every service exposed through it there (`expose { gateway = istio }`, the default
//! where `mesh = istio`). A host with `tls` gets an HTTPS server (port 443, `SIMPLE` TLS with
//! the Secret as `credentialName`) and a redirect from port 80; a host without gets a plain
//! HTTP server on port 80. Services bound to an existing Gateway (`istio { name = "..." }`)
//! get nothing here.
//!
//! ```text
//! istio/<env>/gateways/<app>-gateway.yaml            the default selector (istio: ingressgateway)
//! istio/<env>/gateways/<app>-gateway-<hash>.yaml     any other selector, named by its hash
//! ```

use super::types::{
    Gateway, GatewaySpec, Metadata, Object, Server, ServerPort, ServerTls, API_VERSION,
};
use crate::check::model::{self, Environment, Model};
use crate::emit::labels;
use std::collections::{BTreeMap, BTreeSet};

/// The directory of an environment's Gateways, below `istio/<env>/`.
pub const DIR: &str = "gateways";

/// The name of the Gateway Slipway writes for `selector`: `<app>-gateway` for Istio's default
/// ingress gateway, else `<app>-gateway-<first 10 hex digits of the selector's hash>`.
pub fn name(model: &Model, selector: &BTreeMap<String, String>) -> String {
    let default = matches!(model::Gateway::default_istio(), model::Gateway::Istio { selector: ref d } if d == selector);
    match default {
        true => format!("{}-gateway", model.app_name()),
        false => format!(
            "{}-gateway-{}",
            model.app_name(),
            crate::emit::k8s::content_hash(selector)
        ),
    }
}

/// The Gateways of an environment with Istio, as (file path, object), in name order.
pub fn gateways(model: &Model, environment: &Environment) -> Vec<(String, Gateway)> {
    if !environment.has_istio() {
        return Vec::new();
    }
    // Selector -> host -> TLS secret.
    let mut groups: BTreeMap<&BTreeMap<String, String>, BTreeMap<&str, Option<&str>>> =
        BTreeMap::new();
    for deployment in model.deployments_in(&environment.name.value) {
        let Some((exposure, model::Gateway::Istio { selector })) = deployment.gateway() else {
            continue;
        };
        let hosts = groups.entry(selector).or_default();
        for host in &exposure.hosts {
            hosts.insert(&host.value, exposure.tls.as_deref());
        }
    }
    groups
        .into_iter()
        .map(|(selector, hosts)| {
            let name = name(model, selector);
            let path = format!("istio/{}/{DIR}/{name}.yaml", environment.name.value);
            (path, gateway(model, environment, name, selector, &hosts))
        })
        .collect()
}

fn gateway(
    model: &Model,
    environment: &Environment,
    name: String,
    selector: &BTreeMap<String, String>,
    hosts: &BTreeMap<&str, Option<&str>>,
) -> Gateway {
    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), name.clone()),
        (
            "app.kubernetes.io/part-of".to_string(),
            model.app_name().to_string(),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            labels::MANAGED_BY.to_string(),
        ),
    ]);
    Object {
        api_version: API_VERSION,
        kind: "Gateway",
        metadata: Metadata {
            name,
            namespace: environment.namespace.value.clone(),
            labels,
        },
        spec: GatewaySpec {
            selector: selector.clone(),
            servers: servers(hosts),
        },
    }
}

/// HTTPS servers, one per Secret, then the port-80 servers: the redirect for the TLS hosts and
/// plain HTTP for the others.
fn servers(hosts: &BTreeMap<&str, Option<&str>>) -> Vec<Server> {
    let mut by_secret: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut plain: Vec<String> = Vec::new();
    for (host, secret) in hosts {
        match secret {
            Some(secret) => by_secret.entry(secret).or_default().push(host.to_string()),
            None => plain.push(host.to_string()),
        }
    }
    let mut servers: Vec<Server> = by_secret
        .iter()
        .enumerate()
        .map(|(index, (secret, hosts))| Server {
            port: port(443, format!("https-{}", index + 1), "HTTPS"),
            hosts: hosts.clone(),
            tls: Some(ServerTls {
                mode: Some("SIMPLE"),
                credential_name: Some(secret.to_string()),
                https_redirect: None,
            }),
        })
        .collect();
    let secured: BTreeSet<String> = by_secret.into_values().flatten().collect();
    if !secured.is_empty() {
        servers.push(Server {
            port: port(80, "http-redirect".to_string(), "HTTP"),
            hosts: secured.into_iter().collect(),
            tls: Some(ServerTls {
                mode: None,
                credential_name: None,
                https_redirect: Some(true),
            }),
        });
    }
    if !plain.is_empty() {
        servers.push(Server {
            port: port(80, "http".to_string(), "HTTP"),
            hosts: plain,
            tls: None,
        });
    }
    servers
}

fn port(number: u16, name: String, protocol: &'static str) -> ServerPort {
    ServerPort {
        number,
        name,
        protocol,
    }
}
