//! External Secrets Operator `ExternalSecret`s (`external-secrets.io/v1`): one per Secret that
//! a service's variables sync from a store (`secret { ... from = cluster_store { ... } }`).
//! The operator reads the listed values from the store (Vault, ...) every `refresh` and writes
//! them into the Secret the pods read (`target.name`, `creationPolicy: Owner`), so the
//! Deployments keep their `secretKeyRef`s unchanged.
//!
//! Several services of an environment may read one Secret; the namespace holds one Secret of
//! that name, so exactly one `ExternalSecret` (named after the Secret) writes it. It goes into
//! the file of the first service, in the environment's order (the kustomize base: in name
//! order), that syncs the Secret, and lists every key any of them syncs; the checker has made
//! sure they agree on the store and on each key's value (SW0341 to SW0343).

use super::Unit;
use crate::check::model::{Model, SyncedSecret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

pub(crate) const API_VERSION: &str = "external-secrets.io/v1";
pub(crate) const KIND: &str = "ExternalSecret";

pub type ExternalSecret = crate::emit::object::Object<ExternalSecretSpec, ObjectMeta>;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    pub refresh_interval: String,
    pub secret_store_ref: SecretStoreRef,
    pub target: SecretTarget,
    pub data: Vec<SecretData>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretStoreRef {
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretTarget {
    pub name: String,
    /// `Owner`: the operator creates the Secret, and it is deleted with the ExternalSecret.
    pub creation_policy: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretData {
    pub secret_key: String,
    pub remote_ref: RemoteRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteRef {
    pub key: String,
    pub property: String,
}

/// The ExternalSecrets the unit's file holds: those of the Secrets it is the first to sync
/// ([`Model::synced_secrets`]).
pub(crate) fn external_secrets(model: &Model, unit: &Unit) -> Vec<ExternalSecret> {
    model
        .synced_secrets()
        .owned_by(&unit.deployment.environment, unit.name())
        .iter()
        .map(|synced| external_secret(unit, synced))
        .collect()
}

fn external_secret(unit: &Unit, synced: &SyncedSecret) -> ExternalSecret {
    ExternalSecret {
        api_version: API_VERSION,
        kind: KIND,
        metadata: unit.metadata(&synced.secret),
        spec: ExternalSecretSpec {
            refresh_interval: synced.refresh.text(),
            secret_store_ref: SecretStoreRef {
                kind: synced.store.kind.object_kind(),
                name: synced.store.name.clone(),
            },
            target: SecretTarget {
                name: synced.secret.clone(),
                creation_policy: "Owner",
            },
            data: synced
                .keys
                .iter()
                .map(|synced_key| SecretData {
                    secret_key: synced_key.key.clone(),
                    remote_ref: RemoteRef {
                        key: synced_key.path.clone(),
                        property: synced_key.property.clone(),
                    },
                })
                .collect(),
        },
    }
}
