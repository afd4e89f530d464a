//! How the rollout scripts reach Prometheus for a canary's gates: the app's `prometheus`
//! address (default `http://prometheus-operated.monitoring.svc:9090`). An in-cluster address
//! (`http://<service>.<namespace>.svc[...]:<port>`) is reached through the API server's service
//! proxy with the job's kubeconfig, so a GitHub-hosted runner needs no network route into the
//! cluster; any other address is queried directly, with the bearer token in the repository
//! secret `PROMETHEUS_TOKEN` when there is one.

use super::types::Step;
use crate::check::model::Model;

/// The repository secret holding the bearer token for an external Prometheus.
pub(crate) const PROMETHEUS_TOKEN_SECRET: &str = "${{ secrets.PROMETHEUS_TOKEN }}";

/// Where the gates' queries go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrometheusAccess {
    /// Through the API server: the service proxy path of the in-cluster Prometheus.
    InCluster { proxy: String },
    /// Straight to this URL (the workflow passes it, and the token, to the script).
    Url(String),
}

impl PrometheusAccess {
    pub fn of(model: &Model) -> PrometheusAccess {
        let address = model
            .app
            .as_ref()
            .and_then(|app| app.prometheus.clone())
            .unwrap_or_else(|| crate::emit::rollouts::DEFAULT_PROMETHEUS.to_string());
        match service_proxy(&address) {
            Some(proxy) => PrometheusAccess::InCluster { proxy },
            None => PrometheusAccess::Url(address),
        }
    }

    /// The proxy path the script falls back on without `PROMETHEUS_URL` (empty for a URL).
    pub fn proxy(&self) -> &str {
        match self {
            PrometheusAccess::InCluster { proxy } => proxy,
            PrometheusAccess::Url(_) => "",
        }
    }

    /// `step` with the address and token it needs when Prometheus is outside the cluster.
    pub(crate) fn pass_to(&self, step: Step) -> Step {
        match self {
            PrometheusAccess::InCluster { .. } => step,
            PrometheusAccess::Url(url) => step
                .env("PROMETHEUS_URL", url.clone())
                .env("PROMETHEUS_TOKEN", PROMETHEUS_TOKEN_SECRET),
        }
    }
}

/// `/api/v1/namespaces/<namespace>/services/<scheme>:<service>:<port>/proxy` for an in-cluster
/// URL `<scheme>://<service>.<namespace>.svc[.cluster.local][:<port>]`, else `None`.
pub(crate) fn service_proxy(address: &str) -> Option<String> {
    let (scheme, rest) = address.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.trim_end_matches('/');
    if authority.contains('/') || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() => {
            (host, port.to_string())
        }
        Some(_) => return None,
        None => (
            authority,
            if scheme == "https" { "443" } else { "80" }.to_string(),
        ),
    };
    let host = host
        .strip_suffix(".svc.cluster.local")
        .or_else(|| host.strip_suffix(".svc"))?;
    let (service, namespace) = host.split_once('.')?;
    let label = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    (label(service) && label(namespace))
        .then(|| format!("/api/v1/namespaces/{namespace}/services/{scheme}:{service}:{port}/proxy"))
}
