//! The `prometheus` target: alerts and scraping for prometheus-operator
//! (`monitoring.coreos.com/v1`), one file per service and environment:
//!
//! ```text
//! prometheus/<env>/<service>.yaml     PrometheusRule <service>, then ServiceMonitor <service>
//! ```
//!
//! * The `PrometheusRule` holds the alerts on the service's `slo` objectives and error budget,
//!   and on its canary gates in that environment ([`rules`]); a service with neither gets none.
//! * The `ServiceMonitor` scrapes the service's own metrics when it has a `metrics` block or a
//!   TCP port named `metrics` ([`crate::check::model::Service::scrape`]): it selects the
//!   service's Service by `app.kubernetes.io/name` and `app.kubernetes.io/instance` (and, for an
//!   Argo Rollouts canary, without `app.kubernetes.io/component`, which only its stable and
//!   canary Services carry) and scrapes the port by name.
//!
//! Both live in the environment's namespace and carry the standard labels
//! (`app.kubernetes.io/managed-by: slipway` among them), which a Prometheus selects with
//! `ruleSelector`/`serviceMonitorSelector` and the matching namespace selectors.

mod rules;
pub mod types;

use super::{labels, yaml, Options, Sink};
use crate::check::model::{Deployment, Environment, MetricsStack, Model, Service};
use types::{
    Endpoint, Metadata, MonitorSpec, PrometheusRule, Requirement, RuleSpec, Selector,
    ServiceMonitor, API_VERSION,
};

/// `prometheus/<env>`: the directory of an environment's files.
pub(crate) fn environment_dir(environment: &str) -> String {
    format!("prometheus/{environment}")
}

pub fn emit(model: &Model, options: &Options, output: &mut dyn Sink) {
    let header = super::header(options);
    for environment in super::environments(model, options) {
        for (path, text) in environment_files(model, environment) {
            output.put(path, format!("{header}{text}"));
        }
    }
}

/// Whether the target writes anything for the environment.
pub(crate) fn writes_files(model: &Model, environment: &Environment) -> bool {
    !environment_files(model, environment).is_empty()
}

/// The files of one environment, as (path, YAML without header), in service order.
pub fn environment_files(model: &Model, environment: &Environment) -> Vec<(String, String)> {
    if environment.metrics.value != MetricsStack::PrometheusOperator {
        // The objects are prometheus-operator resources: without its CRDs they cannot apply.
        return Vec::new();
    }
    let dir = environment_dir(&environment.name.value);
    model
        .deployments_in(&environment.name.value)
        .filter_map(|deployment| {
            let service = model.service(&deployment.service)?;
            let mut text = String::new();
            if let Some(rule) = prometheus_rule(model, deployment, service) {
                yaml::append_documents(&mut text, &[rule]);
            }
            if let Some(monitor) = service_monitor(model, deployment, service) {
                if !text.is_empty() {
                    text.push_str("---\n");
                }
                yaml::append_document(&mut text, &monitor);
            }
            (!text.is_empty()).then(|| (format!("{dir}/{}.yaml", deployment.service), text))
        })
        .collect()
}

fn metadata(model: &Model, deployment: &Deployment) -> Metadata {
    Metadata {
        name: deployment.service.clone(),
        namespace: deployment.namespace.clone(),
        labels: labels::standard(model, deployment),
    }
}

/// The alerts of one service in one environment; `None` when there is nothing to alert on.
pub(crate) fn prometheus_rule(
    model: &Model,
    deployment: &Deployment,
    service: &Service,
) -> Option<PrometheusRule> {
    let groups = rules::groups(deployment, service.slo.as_deref());
    (!groups.is_empty()).then(|| PrometheusRule {
        api_version: API_VERSION,
        kind: "PrometheusRule",
        metadata: metadata(model, deployment),
        spec: RuleSpec { groups },
    })
}

/// The scrape of one service in one environment; `None` without a metrics port.
pub(crate) fn service_monitor(
    model: &Model,
    deployment: &Deployment,
    service: &Service,
) -> Option<ServiceMonitor> {
    let scrape = service.scrape()?;
    Some(ServiceMonitor {
        api_version: API_VERSION,
        kind: "ServiceMonitor",
        metadata: metadata(model, deployment),
        spec: MonitorSpec {
            selector: Selector {
                match_labels: labels::selector(deployment),
                match_expressions: own_service_only(deployment),
            },
            endpoints: vec![Endpoint {
                port: scrape.port.name,
                path: scrape.path,
                interval: scrape.interval.text(),
            }],
        },
    })
}

/// An Argo Rollouts canary has two more Services over the same pods, its stable and canary
/// Services, labelled [`labels::COMPONENT`]; the ServiceMonitor leaves them out, so each pod is
/// scraped once, through the service's own Service.
fn own_service_only(deployment: &Deployment) -> Vec<Requirement> {
    match deployment.strategy.argo_rollouts() {
        Some(_) => vec![Requirement {
            key: labels::COMPONENT.to_string(),
            operator: "DoesNotExist",
        }],
        None => Vec::new(),
    }
}
