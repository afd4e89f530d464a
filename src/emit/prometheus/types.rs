//! Our own serde types for the prometheus-operator objects the `prometheus` target writes:
//! `PrometheusRule` and `ServiceMonitor` of `monitoring.coreos.com/v1`, with only the fields we
//! emit.

use serde::Serialize;
use std::collections::BTreeMap;

pub(crate) const API_VERSION: &str = "monitoring.coreos.com/v1";

pub use crate::emit::object::{Metadata, Object};

pub type PrometheusRule = Object<RuleSpec>;
pub type ServiceMonitor = Object<MonitorSpec>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSpec {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleGroup {
    pub name: String,
    pub rules: Vec<Rule>,
}

/// An alerting rule (Slipway writes no recording rules).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub alert: String,
    pub expr: String,
    #[serde(rename = "for")]
    pub pending: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorSpec {
    pub selector: Selector,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    pub match_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<Requirement>,
}

/// A label requirement of a selector; Slipway writes only `DoesNotExist`, without values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    pub key: String,
    pub operator: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    pub port: String,
    pub path: String,
    pub interval: String,
}
