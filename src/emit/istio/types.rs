//! Our own serde types for the Istio objects the target writes: `VirtualService`,
//! `DestinationRule` and `Gateway` of `networking.istio.io/v1`. They hold only the fields we
//! emit, maps are `BTreeMap`s and unset options are skipped, so the YAML is small and
//! byte-stable.

use serde::Serialize;
use std::collections::BTreeMap;

pub(crate) const API_VERSION: &str = "networking.istio.io/v1";

pub use crate::emit::object::{Metadata, Object};

pub type VirtualService = Object<VirtualServiceSpec>;
pub type DestinationRule = Object<DestinationRuleSpec>;
pub type Gateway = Object<GatewaySpec>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VirtualServiceSpec {
    pub hosts: Vec<String>,
    /// The gateways the routes apply to: empty means the mesh only; an exposed service lists
    /// `mesh` and its gateway, so the same routes (and weights) apply to both.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    pub http: Vec<HttpRoute>,
}

/// An HTTP route. It always has a name: Argo Rollouts and our workflow address routes by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    pub name: String,
    #[serde(rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<HttpMatch>,
    pub route: Vec<RouteDestination>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
    /// Where a copy of each request goes (a canary's `mirror`), its response thrown away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Destination>,
    /// The share of requests copied to `mirror`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror_percentage: Option<Percent>,
}

/// A percentage with decimals, as Istio's `mirrorPercentage` takes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percent {
    pub value: f64,
}

/// A request match: on headers (the blue-green preview route, a canary's routing by request),
/// and for an exposed service
/// with a path, on the gateway the request came through and its path.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpMatch {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
}

/// `exact`, `prefix` or `regex` (one of them is set).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StringMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteDestination {
    pub destination: Destination,
    /// Set whenever a route has more than one destination; a lone destination takes all
    /// traffic without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Destination {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortSelector {
    pub number: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    pub outlier_detection: OutlierDetection,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    #[serde(rename = "consecutive5xxErrors")]
    pub consecutive_5xx_errors: u32,
    pub interval: String,
    pub base_ejection_time: String,
    pub max_ejection_percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subset {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct GatewaySpec {
    pub selector: BTreeMap<String, String>,
    pub servers: Vec<Server>,
}

/// One listener of a Gateway: a port and the hosts it accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    pub port: ServerPort,
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTls>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ServerPort {
    pub number: u16,
    pub name: String,
    pub protocol: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<bool>,
}
