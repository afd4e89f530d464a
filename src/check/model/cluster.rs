//! What an environment's cluster offers: its service mesh (`mesh = istio | istio { revision }
//! | none`) and its metrics stack (`metrics = prometheus_operator | prometheus | none`). The
//! emitters write only what the cluster can run, and the checker refuses a strategy that needs
//! what it lacks (SW0321). See `docs/semantics.md`.

use super::Environment;
use serde::Serialize;

impl Environment {
    /// Whether Slipway writes Istio objects for this environment and relies on its sidecars.
    pub(crate) fn has_istio(&self) -> bool {
        matches!(self.mesh.value, Mesh::Istio { .. })
    }
}

/// `mesh = istio`, `mesh = istio { revision = "1-30" }` or `mesh = none`: what routes traffic
/// between a service's tracks, and what reports the request metrics the gates read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Mesh {
    /// Istio, injected into the environment's namespace by `istio-injection: enabled`, or by
    /// `istio.io/rev: <revision>` for a revision-based install.
    Istio {
        #[serde(skip_serializing_if = "Option::is_none")]
        revision: Option<String>,
    },
    /// No mesh: only strategies that need no traffic split (rolling, recreate).
    None,
}

impl Mesh {
    pub const KINDS: &'static [&'static str] = &["istio", "none"];
}

/// `metrics = prometheus_operator | prometheus | none`: whether the cluster runs the
/// Prometheus Operator (the `prometheus` target's objects need its CRDs), a Prometheus
/// without it, or none (no gate can be measured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricsStack {
    PrometheusOperator,
    Prometheus,
    None,
}

impl MetricsStack {
    pub(crate) const KEYWORDS: &'static [(&'static str, MetricsStack)] = &[
        ("prometheus_operator", MetricsStack::PrometheusOperator),
        ("prometheus", MetricsStack::Prometheus),
        ("none", MetricsStack::None),
    ];

    pub(crate) fn has_prometheus(self) -> bool {
        !matches!(self, MetricsStack::None)
    }
}
