//! How traffic from outside the cluster reaches a service (`expose { ... }`), and the settings
//! an environment's override can turn off (`autoscaling = none`, `traffic = none`, ...).
//!
//! An exposure names its hosts, a path prefix, the service port and optionally a TLS Secret by
//! name (never key material). Its `gateway` says what carries the traffic in: an Istio Gateway
//! that Slipway writes (`istio`, with the gateway pods' selector), an Istio Gateway that exists
//! already (`istio { name = "..." }`), or a Kubernetes Ingress (`ingress`). Without `gateway`,
//! each environment picks what its cluster has: an Istio Gateway with `mesh = istio`, an
//! Ingress with `mesh = none`; the deployment's exposure always names the one it got.

use super::{Deployment, PortRef};
use crate::span::{Span, Spanned};
use serde::Serialize;
use std::collections::BTreeMap;

/// `expose { hosts = [...]  path = "/"  port = http  tls = secret { name = "..." }  gateway = ... }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exposure {
    /// Lowercase DNS names; a wildcard only as the leftmost label (`*.example.com`).
    pub hosts: Vec<Spanned<String>>,
    /// The path prefix routed to the service (default `/`).
    pub path: String,
    /// The service port the traffic goes to.
    pub port: PortRef,
    /// The name of the Secret holding the TLS certificate and key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
    /// What carries the traffic in; `None` as written means "what the environment has", and
    /// every deployment's exposure has it filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Spanned<Gateway>>,
    #[serde(skip)]
    pub span: Span,
}

/// What carries outside traffic to the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Gateway {
    /// An Istio Gateway that Slipway writes in the environment's namespace, for the gateway
    /// pods `selector` picks; the service's VirtualServices are bound to it.
    Istio { selector: BTreeMap<String, String> },
    /// An Istio Gateway that exists already (`namespace/name`, or `name` in the environment's
    /// namespace); the service's VirtualServices are bound to it.
    IstioNamed {
        #[serde(skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        name: String,
    },
    /// A Kubernetes Ingress, for the ingress controller of `class` (the cluster's default
    /// class without one).
    Ingress {
        #[serde(skip_serializing_if = "Option::is_none")]
        class: Option<String>,
    },
}

impl Gateway {
    pub const KINDS: &'static [&'static str] = &["istio", "ingress"];

    /// The selector of Istio's default ingress gateway (`istio: ingressgateway`).
    pub(crate) fn default_istio() -> Gateway {
        Gateway::Istio {
            selector: BTreeMap::from([("istio".to_string(), "ingressgateway".to_string())]),
        }
    }

    pub(crate) fn is_istio(&self) -> bool {
        matches!(self, Gateway::Istio { .. } | Gateway::IstioNamed { .. })
    }

    /// The keyword it is written with.
    pub fn keyword(&self) -> &'static str {
        match self {
            Gateway::Istio { .. } | Gateway::IstioNamed { .. } => "istio",
            Gateway::Ingress { .. } => "ingress",
        }
    }
}

/// A setting of a service that an environment can turn off with `FIELD = none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Removable {
    Autoscaling,
    Traffic,
    Liveness,
    Readiness,
    Startup,
    Expose,
    Scheduling,
}

impl Removable {
    /// Every removable setting, with the field it is written as.
    pub const ALL: &'static [(&'static str, Removable)] = &[
        ("autoscaling", Removable::Autoscaling),
        ("traffic", Removable::Traffic),
        ("liveness", Removable::Liveness),
        ("readiness", Removable::Readiness),
        ("startup", Removable::Startup),
        ("expose", Removable::Expose),
        ("scheduling", Removable::Scheduling),
    ];

    pub fn field(self) -> &'static str {
        Removable::ALL
            .iter()
            .find(|(_, removable)| *removable == self)
            .map_or("", |(field, _)| field)
    }
}

impl Deployment {
    /// Whether the environment turns this setting of the service off.
    pub fn removes(&self, setting: Removable) -> bool {
        self.removed.contains(&setting)
    }

    /// The exposure and the gateway it goes through, when the service is exposed here.
    pub fn gateway(&self) -> Option<(&Exposure, &Gateway)> {
        let exposure = self.expose.as_ref()?;
        Some((exposure, &exposure.gateway.as_ref()?.value))
    }
}
