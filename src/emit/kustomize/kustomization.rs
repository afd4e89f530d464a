//! The `kustomization.yaml` file, limited to fields kustomize 4.5.4 accepts: `namespace`,
//! `resources`, `images`, `replicas` and `patches` (inline).

use serde::Serialize;

pub(crate) const API_VERSION: &str = "kustomize.config.k8s.io/v1beta1";
pub(crate) const KIND: &str = "Kustomization";

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Kustomization {
    pub api_version: &'static str,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<Replicas>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
}

impl Kustomization {
    pub fn new(resources: Vec<String>) -> Kustomization {
        Kustomization {
            api_version: API_VERSION,
            kind: KIND,
            resources,
            ..Kustomization::default()
        }
    }
}

/// Sets the tag of every container image called `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub name: String,
    pub new_tag: String,
}

/// Sets `spec.replicas` of the workload called `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Replicas {
    pub name: String,
    pub count: u32,
}

/// An inline patch: JSON Patch operations applied to `target`, or (without a target) a
/// strategic-merge patch that names its object itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Patch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The patch as YAML text.
    pub patch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub kind: String,
    pub name: String,
}
