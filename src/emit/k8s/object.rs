//! The closed set of object kinds the `k8s` target emits, so one file can hold objects of
//! different types and still serialise each with its own field order: the Kubernetes kinds
//! from `k8s-openapi`, External Secrets' `ExternalSecret`, and for a service on the Argo
//! Rollouts engine the Argo and Istio kinds, from our own types.

use super::external_secret::ExternalSecret;
use crate::emit::istio;
use crate::emit::rollouts::types::{AnalysisTemplate, Rollout};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};
use serde::Serialize;

/// One object. Serialises as the object itself (`apiVersion`, `kind`, ...). The larger types
/// are boxed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    Namespace(Namespace),
    ServiceAccount(ServiceAccount),
    ConfigMap(ConfigMap),
    ExternalSecret(Box<ExternalSecret>),
    Deployment(Box<Deployment>),
    Service(Service),
    Ingress(Box<Ingress>),
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    PodDisruptionBudget(PodDisruptionBudget),
    Rollout(Box<Rollout>),
    AnalysisTemplate(Box<AnalysisTemplate>),
    DestinationRule(Box<istio::DestinationRule>),
    VirtualService(Box<istio::VirtualService>),
}

impl Object {
    /// The object's `kind`, e.g. `Deployment`.
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Namespace(_) => Namespace::KIND,
            Object::ServiceAccount(_) => ServiceAccount::KIND,
            Object::ConfigMap(_) => ConfigMap::KIND,
            Object::ExternalSecret(object) => object.kind,
            Object::Deployment(_) => Deployment::KIND,
            Object::Service(_) => Service::KIND,
            Object::Ingress(_) => Ingress::KIND,
            Object::HorizontalPodAutoscaler(_) => HorizontalPodAutoscaler::KIND,
            Object::PodDisruptionBudget(_) => PodDisruptionBudget::KIND,
            Object::Rollout(object) => object.kind,
            Object::AnalysisTemplate(object) => object.kind,
            Object::DestinationRule(object) => object.kind,
            Object::VirtualService(object) => object.kind,
        }
    }

    /// The object's `apiVersion`, e.g. `apps/v1`.
    pub(crate) fn api_version(&self) -> &'static str {
        match self {
            Object::Namespace(_) => Namespace::API_VERSION,
            Object::ServiceAccount(_) => ServiceAccount::API_VERSION,
            Object::ConfigMap(_) => ConfigMap::API_VERSION,
            Object::ExternalSecret(object) => object.api_version,
            Object::Deployment(_) => Deployment::API_VERSION,
            Object::Service(_) => Service::API_VERSION,
            Object::Ingress(_) => Ingress::API_VERSION,
            Object::HorizontalPodAutoscaler(_) => HorizontalPodAutoscaler::API_VERSION,
            Object::PodDisruptionBudget(_) => PodDisruptionBudget::API_VERSION,
            Object::Rollout(object) => object.api_version,
            Object::AnalysisTemplate(object) => object.api_version,
            Object::DestinationRule(object) => object.api_version,
            Object::VirtualService(object) => object.api_version,
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        match self {
            Object::DestinationRule(object) => &object.metadata.name,
            Object::VirtualService(object) => &object.metadata.name,
            _ => self
                .metadata()
                .and_then(|metadata| metadata.name.as_deref())
                .unwrap_or_default(),
        }
    }

    /// The `k8s-openapi` metadata; `None` for the Istio kinds, which have their own.
    pub fn metadata(&self) -> Option<&ObjectMeta> {
        Some(match self {
            Object::Namespace(object) => object.metadata(),
            Object::ServiceAccount(object) => object.metadata(),
            Object::ConfigMap(object) => object.metadata(),
            Object::ExternalSecret(object) => &object.metadata,
            Object::Deployment(object) => object.metadata(),
            Object::Service(object) => object.metadata(),
            Object::Ingress(object) => object.metadata(),
            Object::HorizontalPodAutoscaler(object) => object.metadata(),
            Object::PodDisruptionBudget(object) => object.metadata(),
            Object::Rollout(object) => &object.metadata,
            Object::AnalysisTemplate(object) => &object.metadata,
            Object::DestinationRule(_) | Object::VirtualService(_) => return None,
        })
    }
}
