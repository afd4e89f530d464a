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
use crate::check::model::{secret_uses, Model, SecretSource, SecretUse};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// The ExternalSecrets the unit's file holds: those of the Secrets it is the first to sync.
pub(crate) fn external_secrets(model: &Model, unit: &Unit) -> Vec<ExternalSecret> {
    // A unit that syncs no Secret is the first to sync none, and most units sync none:
    // reading every peer of every unit made a large environment's emit quadratic (45% of
    // `compile --out -` at N = 5,000).
    if !unit
        .deployment
        .secret_uses()
        .any(|secret_use| secret_use.from.is_some())
    {
        return Vec::new();
    }
    let peers = peers(model, unit);
    // Each synced Secret with the first service that syncs it and every use that syncs it.
    let mut secrets: BTreeMap<&str, (&str, Vec<SecretUse>)> = BTreeMap::new();
    for (service, uses) in &peers {
        for secret_use in uses.iter().filter(|secret_use| secret_use.from.is_some()) {
            let (_, users) = secrets
                .entry(secret_use.secret)
                .or_insert_with(|| (*service, Vec::new()));
            users.push(*secret_use);
        }
    }
    secrets
        .into_iter()
        .filter(|(_, (owner, _))| *owner == unit.name())
        .filter_map(|(secret, (_, uses))| external_secret(unit, secret, &uses))
        .collect()
}

/// The services that share the unit's namespace, in order, with the Secret keys each reads:
/// the environment's deployments, or every declared service for the kustomize base (which
/// belongs to no environment).
fn peers<'m>(model: &'m Model, unit: &Unit<'m>) -> Vec<(&'m str, Vec<SecretUse<'m>>)> {
    let environment = unit.deployment.environment.as_str();
    if environment.is_empty() {
        return model
            .services
            .iter()
            .map(|service| {
                (
                    service.name.value.as_str(),
                    secret_uses(&service.env).collect(),
                )
            })
            .collect();
    }
    model
        .deployments_in(environment)
        .map(|deployment| {
            (
                deployment.service.as_str(),
                deployment.secret_uses().collect(),
            )
        })
        .collect()
}

fn external_secret(unit: &Unit, secret: &str, uses: &[SecretUse]) -> Option<ExternalSecret> {
    let first: &SecretSource = uses.first()?.from?;
    let mut keys: BTreeMap<&str, &SecretSource> = BTreeMap::new();
    for secret_use in uses {
        if let Some(from) = secret_use.from {
            keys.entry(secret_use.key).or_insert(from);
        }
    }
    Some(ExternalSecret {
        api_version: API_VERSION,
        kind: KIND,
        metadata: unit.metadata(secret),
        spec: ExternalSecretSpec {
            refresh_interval: first.refresh.text(),
            secret_store_ref: SecretStoreRef {
                kind: first.store.kind.object_kind(),
                name: first.store.name.clone(),
            },
            target: SecretTarget {
                name: secret.to_string(),
                creation_policy: "Owner",
            },
            data: keys
                .into_iter()
                .map(|(key, from)| SecretData {
                    secret_key: key.to_string(),
                    remote_ref: RemoteRef {
                        key: from.path.clone(),
                        property: from.property.clone(),
                    },
                })
                .collect(),
        },
    })
}
