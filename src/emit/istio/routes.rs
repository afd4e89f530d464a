//! Builds the Istio objects of one deployment from the model: the DestinationRule (subsets
//! selecting the `version` pod label, outlier detection from `traffic.circuit_breaker`) and
//! VirtualServices with named HTTP routes (weights, timeout and retries from `traffic`).
//! Everything here is pure: a deployment and its service in, typed objects out.
//!
//! A service exposed through an Istio gateway has every VirtualService (the resting one, each
//! canary step, the blue-green switch) bound to `mesh` and to the gateway, with the exposed
//! hosts next to its mesh host: the same routes, and so the same weights, apply to requests
//! from inside the mesh and to requests entering through the gateway. With a `path` other than
//! `/`, each route matches any request from the mesh, or a request through the gateway whose
//! path starts with it.

use super::types::{
    Destination, DestinationRule, DestinationRuleSpec, HttpMatch, HttpRetry, HttpRoute, Metadata,
    Object, OutlierDetection, PortSelector, RouteDestination, StringMatch, Subset, TrafficPolicy,
    VirtualService, VirtualServiceSpec, API_VERSION,
};
use crate::check::model::{Deployment, Gateway, Model, Protocol, Service, Traffic};
use crate::emit::labels;
use std::collections::BTreeMap;

/// The name of the route that carries ordinary traffic.
pub(crate) const PRIMARY_ROUTE: &str = "primary";
/// The name of the blue-green preview route.
pub(crate) const PREVIEW_ROUTE: &str = "preview";
/// The request header that selects the preview route, and the value it must have.
pub(crate) const PREVIEW_HEADER: &str = "x-slipway-preview";
pub(crate) const PREVIEW_VALUE: &str = "true";

/// What every object of one deployment shares: where it lives, its labels, the mesh host,
/// and the traffic settings of the service.
pub struct Target<'m> {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub host: String,
    pub port: Option<u16>,
    pub traffic: Option<&'m Traffic>,
    /// The hosts exposed through an Istio gateway, after the mesh host.
    pub exposed_hosts: Vec<String>,
    /// `mesh` and the gateway (`<namespace>/<name>`), for a service exposed through one.
    pub gateways: Vec<String>,
    /// The path prefix gateway traffic must have, unless it is `/`.
    pub exposed_path: Option<String>,
}

impl<'m> Target<'m> {
    pub fn new(model: &Model, deployment: &Deployment, service: Option<&'m Service>) -> Target<'m> {
        let gateway = gateway_reference(model, deployment);
        let exposure = deployment.expose.as_ref().filter(|_| gateway.is_some());
        Target {
            name: deployment.service.clone(),
            namespace: deployment.namespace.clone(),
            labels: labels::standard(model, deployment),
            host: host(deployment),
            port: service.and_then(route_port),
            traffic: service.and_then(|s| deployment.traffic(s)),
            exposed_hosts: exposure
                .map(|e| e.hosts.iter().map(|h| h.value.clone()).collect())
                .unwrap_or_default(),
            gateways: gateway
                .map(|gateway| vec![MESH_GATEWAY.to_string(), gateway])
                .unwrap_or_default(),
            exposed_path: exposure.map(|e| e.path.clone()).filter(|path| path != "/"),
        }
    }

    /// The matches of a route, as seen from the mesh and from the gateway: unchanged without a
    /// gateway path; with one, each match once for the mesh and once for the gateway with the
    /// path (HTTP matches are alternatives).
    fn scoped(&self, matches: Vec<HttpMatch>) -> Vec<HttpMatch> {
        let (Some(path), [mesh, gateway]) = (&self.exposed_path, self.gateways.as_slice()) else {
            return matches;
        };
        let matches = match matches.is_empty() {
            true => vec![HttpMatch::default()],
            false => matches,
        };
        let mut scoped = Vec::with_capacity(matches.len() * 2);
        for base in matches {
            scoped.push(HttpMatch {
                gateways: vec![mesh.clone()],
                ..base.clone()
            });
            scoped.push(HttpMatch {
                gateways: vec![gateway.clone()],
                uri: Some(StringMatch {
                    prefix: Some(path.clone()),
                    ..StringMatch::default()
                }),
                ..base
            });
        }
        scoped
    }

    fn metadata(&self) -> Metadata {
        Metadata {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            labels: self.labels.clone(),
        }
    }

    pub(super) fn destination(&self, subset: Option<&str>) -> Destination {
        Destination {
            host: self.host.clone(),
            subset: subset.map(str::to_string),
            port: self.port.map(|number| PortSelector { number }),
        }
    }

    /// A route with the service's timeout and retries.
    pub(super) fn route(
        &self,
        name: &str,
        matches: Vec<HttpMatch>,
        route: Vec<RouteDestination>,
    ) -> HttpRoute {
        let traffic = self.traffic;
        HttpRoute {
            name: name.to_string(),
            matches: self.scoped(matches),
            route,
            timeout: traffic.and_then(|t| t.timeout).map(|d| d.text()),
            retries: traffic.and_then(|t| t.retries.as_ref()).map(|r| HttpRetry {
                attempts: r.attempts,
                per_try_timeout: r.per_try_timeout.map(|d| d.text()),
            }),
            mirror: None,
            mirror_percentage: None,
        }
    }

    /// The primary route, split between subsets by weight (the weights sum to 100).
    pub(crate) fn weighted_route(&self, split: &[(&str, u32)]) -> HttpRoute {
        let route = split
            .iter()
            .map(|(subset, weight)| RouteDestination {
                destination: self.destination(Some(subset)),
                weight: Some(*weight),
            })
            .collect();
        self.route(PRIMARY_ROUTE, Vec::new(), route)
    }

    /// A route of another name split between Services of the same namespace, named by their
    /// short names (the hosts an Argo Rollouts canary's route goes to: its `stableService`
    /// and `canaryService`, which the Rollout matches by name).
    pub(crate) fn host_weighted_route(&self, name: &str, split: &[(&str, u32)]) -> HttpRoute {
        let route = split
            .iter()
            .map(|(host, weight)| RouteDestination {
                destination: Destination {
                    host: host.to_string(),
                    subset: None,
                    port: self.port.map(|number| PortSelector { number }),
                },
                weight: Some(*weight),
            })
            .collect();
        self.route(name, Vec::new(), route)
    }

    /// The primary route to the service itself, without subsets.
    pub(crate) fn direct_route(&self) -> HttpRoute {
        let route = vec![RouteDestination {
            destination: self.destination(None),
            weight: None,
        }];
        self.route(PRIMARY_ROUTE, Vec::new(), route)
    }

    /// Requests with the preview header go to `subset` only.
    pub(crate) fn preview_route(&self, subset: &str) -> HttpRoute {
        let headers = BTreeMap::from([(
            PREVIEW_HEADER.to_string(),
            StringMatch {
                exact: Some(PREVIEW_VALUE.to_string()),
                ..StringMatch::default()
            },
        )]);
        let route = vec![RouteDestination {
            destination: self.destination(Some(subset)),
            weight: None,
        }];
        let matches = vec![HttpMatch {
            headers,
            ..HttpMatch::default()
        }];
        self.route(PREVIEW_ROUTE, matches, route)
    }

    pub(crate) fn virtual_service(&self, http: Vec<HttpRoute>) -> VirtualService {
        Object {
            api_version: API_VERSION,
            kind: "VirtualService",
            metadata: self.metadata(),
            spec: VirtualServiceSpec {
                hosts: std::iter::once(self.host.clone())
                    .chain(self.exposed_hosts.iter().cloned())
                    .collect(),
                gateways: self.gateways.clone(),
                http,
            },
        }
    }

    /// The DestinationRule: one subset per track (`version` label) and the circuit breaker.
    pub(crate) fn destination_rule(&self, tracks: &[&str]) -> DestinationRule {
        let subsets = tracks
            .iter()
            .map(|track| Subset {
                name: track.to_string(),
                labels: BTreeMap::from([("version".to_string(), track.to_string())]),
            })
            .collect();
        self.rule_with(subsets)
    }

    /// A DestinationRule named after and for another Service of the same namespace (by its
    /// short name), with the service's circuit breaker and no subsets.
    pub(crate) fn host_rule(&self, host: &str) -> DestinationRule {
        let mut rule = self.rule_with(Vec::new());
        rule.metadata.name = host.to_string();
        rule.spec.host = host.to_string();
        rule
    }

    fn rule_with(&self, subsets: Vec<Subset>) -> DestinationRule {
        Object {
            api_version: API_VERSION,
            kind: "DestinationRule",
            metadata: self.metadata(),
            spec: DestinationRuleSpec {
                host: self.host.clone(),
                traffic_policy: self.traffic_policy(),
                subsets,
            },
        }
    }

    fn traffic_policy(&self) -> Option<TrafficPolicy> {
        let breaker = self.traffic?.circuit_breaker.as_ref()?;
        Some(TrafficPolicy {
            outlier_detection: OutlierDetection {
                consecutive_5xx_errors: breaker.consecutive_errors,
                interval: breaker.interval.text(),
                base_ejection_time: breaker.base_ejection_time.text(),
                max_ejection_percent: breaker.max_ejection_percent,
            },
        })
    }

    /// Whether the service declares a circuit breaker (a DestinationRule is worth writing).
    pub(crate) fn has_circuit_breaker(&self) -> bool {
        has_circuit_breaker(self.traffic)
    }
}

/// Whether the service declares a timeout or retries (a VirtualService is worth writing).
pub(crate) fn has_route_settings(traffic: Option<&Traffic>) -> bool {
    traffic.is_some_and(|t| t.timeout.is_some() || t.retries.is_some())
}

/// Whether the service declares a circuit breaker (a DestinationRule is worth writing), as
/// [`Target::has_circuit_breaker`] says, without building a target.
pub(crate) fn has_circuit_breaker(traffic: Option<&Traffic>) -> bool {
    traffic.is_some_and(|t| t.circuit_breaker.is_some())
}

/// Whether the deployment is exposed through an Istio gateway (its VirtualService is worth
/// writing even without traffic settings): the deployments [`gateway_reference`] names a
/// gateway for, known without building a target.
pub(crate) fn exposed_through_istio(deployment: &Deployment) -> bool {
    matches!(
        deployment.gateway(),
        Some((_, Gateway::Istio { .. } | Gateway::IstioNamed { .. }))
    )
}

/// The gateway name that means "every sidecar of the mesh".
pub(crate) const MESH_GATEWAY: &str = "mesh";

/// The Istio gateway a deployment is exposed through, as a VirtualService names it
/// (`<namespace>/<name>`); `None` when it is not exposed through one.
fn gateway_reference(model: &Model, deployment: &Deployment) -> Option<String> {
    match deployment.gateway()?.1 {
        Gateway::Istio { selector } => Some(format!(
            "{}/{}",
            deployment.namespace,
            super::gateway::name(model, selector)
        )),
        Gateway::IstioNamed { namespace, name } => Some(format!(
            "{}/{name}",
            namespace.as_deref().unwrap_or(&deployment.namespace)
        )),
        Gateway::Ingress { .. } => None,
    }
}

/// The mesh host of a service in its namespace.
pub fn host(deployment: &Deployment) -> String {
    format!(
        "{}.{}.svc.cluster.local",
        deployment.service, deployment.namespace
    )
}

/// Istio needs the destination port only when the Service exposes more than one; then routes
/// go to the port named `http`, else to the first TCP port.
fn route_port(service: &Service) -> Option<u16> {
    if service.ports.len() < 2 {
        return None;
    }
    let tcp = || service.ports.iter().find(|p| p.protocol == Protocol::Tcp);
    service.port("http").or_else(tcp).map(|p| p.number)
}
