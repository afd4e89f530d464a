//! The envelope every custom-resource object we write shares: `apiVersion`, `kind`,
//! `metadata` and `spec`, in that order. The Istio, Argo CD and Prometheus Operator kinds carry
//! the small [`Metadata`] (name, namespace, labels); the Argo Rollouts and External Secrets
//! kinds, which sit beside the Kubernetes objects of a service, carry `k8s-openapi`'s
//! `ObjectMeta`. (The built-in kinds are `k8s-openapi`'s own types.)

use serde::Serialize;
use std::collections::BTreeMap;

/// One object of a custom kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<Spec, Meta = Metadata> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: Meta,
    pub spec: Spec,
}

/// The metadata of an object that needs only its name, namespace and labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
}
