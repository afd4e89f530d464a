//! The `k8s` target: plain Kubernetes manifests, one directory per environment.
//!
//! `k8s/<env>/namespace.yaml` holds the Namespace; `k8s/<env>/<service>.yaml` holds every
//! object of one service in a fixed order: ServiceAccount, ConfigMap `<service>-env-<hash>`
//! (only with literal environment variables, named after its content: [`config`]), the
//! ExternalSecret of each Secret the service is the first to sync from a store
//! ([`external_secret`]), the
//! Deployment of each track (see [`super::tracks`]), the Service (only with ports; an Argo
//! Rollouts canary adds its stable and canary Services, [`network`]), the Ingress (only for a
//! service exposed through one, [`network`]), one
//! HorizontalPodAutoscaler per workload (only with autoscaling: [`scaling`]) and the
//! PodDisruptionBudget (only with more than one replica). A canary on the
//! Argo Rollouts engine has a `Rollout` where the Deployments would be, and its
//! AnalysisTemplate, VirtualService and (with a circuit breaker) DestinationRules at the end
//! ([`rollout`]). Objects are
//! built from `k8s-openapi` types (Argo and Istio kinds from our own) and serialised by
//! [`super::yaml`]; no YAML is written by hand.
//!
//! The objects of one service are computed from a [`Unit`]: the service, its effective
//! settings and the labels to stamp. The `kustomize` target renders its base from a unit of
//! its own through the same functions, so both targets share one definition of every object.

mod config;
pub(crate) mod external_secret;
pub mod hooks;
mod identity;
mod network;
mod object;
mod pod;
mod probes;
mod rollout;
mod scaling;
mod scheduling;
mod workload;

pub use config::content_hash;
pub use object::Object;

use super::{labels, yaml, Options, Sink};
use crate::check::model::{Deployment, Environment, Model, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

/// One service as it is rendered: its declaration, its effective settings and the labels its
/// objects carry.
#[derive(Debug, Clone)]
pub struct Unit<'m> {
    pub service: &'m Service,
    pub deployment: &'m Deployment,
    /// `metadata.namespace` of every object; `None` leaves it unset (the kustomize base).
    pub namespace: Option<String>,
    /// The labels of every object and pod template ([`labels::standard`]).
    pub labels: BTreeMap<String, String>,
    /// The labels that select the service's pods across all tracks ([`labels::selector`]).
    pub selector: BTreeMap<String, String>,
}

impl<'m> Unit<'m> {
    /// The unit of a service in the environment the deployment belongs to, with the standard
    /// labels. `None` only if the model lacks the deployment's service.
    pub(crate) fn for_deployment(model: &'m Model, deployment: &'m Deployment) -> Option<Unit<'m>> {
        Some(Unit {
            service: model.service(&deployment.service)?,
            deployment,
            namespace: Some(deployment.namespace.clone()),
            labels: labels::standard(model, deployment),
            selector: labels::selector(deployment),
        })
    }

    /// The service name, which also names its ServiceAccount, Service and PDB.
    pub fn name(&self) -> &str {
        &self.deployment.service
    }

    /// Metadata for one of the unit's objects: name, namespace and the standard labels.
    fn metadata(&self, name: impl Into<String>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: self.namespace.clone(),
            labels: Some(self.labels.clone()),
            ..ObjectMeta::default()
        }
    }

    /// A label selector matching every pod of the service.
    fn pod_selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector.clone()),
            ..LabelSelector::default()
        }
    }
}

/// Writes `k8s/<env>/…` for every requested environment.
/// The files are those of [`environment_files`]; each service's file is built and serialised
/// on its own, on up to `threads` threads, and handed to `sink` a batch at a time.
pub fn emit(model: &Model, options: &Options, sink: &mut dyn Sink, threads: usize) {
    let header = super::header(options);
    for environment in super::environments(model, options) {
        let name = &environment.name.value;
        let namespace = [identity::namespace(model, environment)];
        sink.put(
            format!("k8s/{name}/namespace.yaml"),
            file_text(&header, &namespace),
        );
        let deployments: Vec<&Deployment> = model.deployments_in(name).collect();
        super::parallel::files_in_batches(threads, &deployments, sink, |deployment| {
            let Some(unit) = Unit::for_deployment(model, deployment) else {
                return Vec::new();
            };
            let text = file_text(&header, &service_objects(model, &unit));
            vec![(format!("k8s/{name}/{}.yaml", deployment.service), text)]
        });
    }
}

/// The header, then the objects as YAML documents.
fn file_text(header: &str, objects: &[Object]) -> String {
    let mut text = String::with_capacity(header.len() + 2048 * objects.len());
    text.push_str(header);
    yaml::append_documents(&mut text, objects);
    text
}

/// The files of one environment, as file name and objects in file order: `namespace.yaml`
/// first, then one `<service>.yaml` per service in name order; built on up to `threads`
/// threads.
pub fn environment_files(
    model: &Model,
    environment: &Environment,
    threads: usize,
) -> Vec<(String, Vec<Object>)> {
    let mut files = vec![namespace_file(model, environment)];
    let deployments: Vec<&Deployment> = model.deployments_in(&environment.name.value).collect();
    let services = super::parallel::map(threads, &deployments, |deployment| {
        deployment_file(model, deployment)
    });
    files.extend(services.into_iter().flatten());
    files
}

/// `namespace.yaml` of an environment: its file name and the Namespace.
pub(crate) fn namespace_file(model: &Model, environment: &Environment) -> (String, Vec<Object>) {
    (
        "namespace.yaml".to_string(),
        vec![identity::namespace(model, environment)],
    )
}

/// `<service>.yaml` of one deployment: its file name and objects; `None` only if the model
/// lacks the deployment's service.
pub(crate) fn deployment_file(
    model: &Model,
    deployment: &Deployment,
) -> Option<(String, Vec<Object>)> {
    let unit = Unit::for_deployment(model, deployment)?;
    Some((
        format!("{}.yaml", deployment.service),
        service_objects(model, &unit),
    ))
}

/// Every object of one service, in file order.
pub(crate) fn service_objects(model: &Model, unit: &Unit) -> Vec<Object> {
    let mut objects = vec![Object::ServiceAccount(identity::service_account(unit))];
    objects.extend(config::config_map(unit).map(Object::ConfigMap));
    objects.extend(
        external_secret::external_secrets(model, unit)
            .into_iter()
            .map(|secret| Object::ExternalSecret(Box::new(secret))),
    );
    objects.extend(
        workload::deployments(unit)
            .into_iter()
            .map(|deployment| Object::Deployment(Box::new(deployment))),
    );
    objects.extend(rollout::rollout(unit).map(|rollout| Object::Rollout(Box::new(rollout))));
    objects.extend(network::services(unit).into_iter().map(Object::Service));
    objects.extend(network::ingress(unit).map(|ingress| Object::Ingress(Box::new(ingress))));
    objects.extend(
        scaling::autoscalers(unit)
            .into_iter()
            .map(Object::HorizontalPodAutoscaler),
    );
    objects.extend(scaling::disruption_budget(unit).map(Object::PodDisruptionBudget));
    objects.extend(rollout::companions(model, unit));
    objects
}

/// A count from the model as the `i32` Kubernetes fields take (the checker bounds every
/// count far below `i32::MAX`).
fn int32(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}
