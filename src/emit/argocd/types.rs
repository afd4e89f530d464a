//! Our own serde types for the Argo CD objects the `argocd` target writes: `Application` and
//! `AppProject` of `argoproj.io/v1alpha1`, with only the fields we emit.

use serde::Serialize;

pub(crate) const API_VERSION: &str = "argoproj.io/v1alpha1";

/// Where Argo CD itself runs, and so where its Applications and AppProjects live.
pub const NAMESPACE: &str = "argocd";

pub use crate::emit::object::{Metadata, Object};

pub type Application = Object<ApplicationSpec>;
pub type AppProject = Object<AppProjectSpec>;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    pub destination: Destination,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore_differences: Vec<IgnoreDifference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub info: Vec<Info>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    pub path: String,
    pub target_revision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<Directory>,
}

/// A plain-manifests source: which files of the directory tree Argo CD reads. `include` and
/// `exclude` are globs matched against each file's path relative to the source's `path`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Directory {
    pub recurse: bool,
    pub include: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub exclude: String,
}

/// A cluster by Argo CD cluster name (`name`) or API server URL (`server`), and a namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Destination {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<Automated>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Automated {
    pub prune: bool,
    pub self_heal: bool,
}

/// Fields Argo CD leaves alone when it compares and syncs, because another controller owns
/// them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IgnoreDifference {
    pub group: String,
    pub kind: String,
    /// Only the object of this name (all objects of the kind without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub json_pointers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jq_path_expressions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Info {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    pub description: String,
    pub source_repos: Vec<String>,
    pub destinations: Vec<Destination>,
    pub cluster_resource_whitelist: Vec<GroupKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}
