//! Where a Secret's values come from when a store outside the cluster holds them: `from` in a
//! secret reference names an External Secrets Operator store (Vault, or any other provider
//! the store is configured for) and the path of the value there. The `k8s` target then writes
//! an `ExternalSecret` that keeps the Kubernetes Secret the pod reads in sync with the store.

use super::{Deployment, Duration, EnvValue, EnvVar};
use crate::span::Span;
use serde::Serialize;
use std::collections::BTreeMap;

/// `from = cluster_store { name = "vault"  path = "shop/db"  property = "password" }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretSource {
    pub store: StoreRef,
    /// The path of the value in the store (ESO's `remoteRef.key`), e.g. a Vault KV path.
    pub path: String,
    /// The field at that path (ESO's `remoteRef.property`); the reference's `key` by default.
    pub property: String,
    /// How often the operator reads the store again (ESO's `refreshInterval`).
    pub refresh: Duration,
    /// The `from` value, for diagnostics.
    #[serde(skip)]
    pub span: Span,
}

impl SecretSource {
    /// ESO's own default, and the one written when the spec sets none.
    pub(crate) const DEFAULT_REFRESH_SECS: u64 = 3600;
}

/// The External Secrets Operator store a value is read through.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StoreRef {
    pub kind: StoreKind,
    pub name: String,
}

/// A namespaced `SecretStore` (in the environment's namespace) or a `ClusterSecretStore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    Store,
    ClusterStore,
}

impl StoreKind {
    /// The spelling in a spec, and the kind.
    pub const ALL: &'static [(&'static str, StoreKind)] = &[
        ("store", StoreKind::Store),
        ("cluster_store", StoreKind::ClusterStore),
    ];

    /// The kind of External Secrets object: `SecretStore` or `ClusterSecretStore`.
    pub(crate) fn object_kind(self) -> &'static str {
        match self {
            StoreKind::Store => "SecretStore",
            StoreKind::ClusterStore => "ClusterSecretStore",
        }
    }

    pub fn name(self) -> &'static str {
        super::spelling_of(StoreKind::ALL, &self)
    }
}

/// One key of a Secret as one variable of a deployment reads it.
#[derive(Debug, Clone, Copy)]
pub struct SecretUse<'m> {
    pub secret: &'m str,
    pub key: &'m str,
    pub from: Option<&'m SecretSource>,
    /// The variable's name, where a reference without `from` is pointed at.
    pub span: Span,
}

impl Deployment {
    /// Every Secret key the deployment's variables read, in variable order.
    pub fn secret_uses(&self) -> impl Iterator<Item = SecretUse<'_>> + '_ {
        secret_uses(&self.env)
    }
}

/// Every Secret key a list of variables reads, in variable order.
pub fn secret_uses(env: &[EnvVar]) -> impl Iterator<Item = SecretUse<'_>> + '_ {
    env.iter().filter_map(|var| match &var.value {
        EnvValue::Secret { name, key, from } => Some(SecretUse {
            secret: name,
            key,
            from: from.as_ref(),
            span: var.name.span,
        }),
        EnvValue::Literal(_) => None,
    })
}

/// One Secret a namespace syncs from a store, as its `ExternalSecret` writes it: the store
/// and refresh of the first reference that syncs it, and every key any reference syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedSecret {
    pub secret: String,
    /// The first syncing reference's store and refresh are the Secret's (the checker reports
    /// references that disagree, SW0341).
    pub store: StoreRef,
    pub refresh: Duration,
    /// Each synced key, sorted, with where the first reference that syncs it reads it.
    pub keys: Vec<SyncedKey>,
}

/// One key of a synced Secret and the value of the store it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedKey {
    pub key: String,
    /// `remoteRef.key` and `remoteRef.property`.
    pub path: String,
    pub property: String,
}

/// Which service's file holds the `ExternalSecret` of each Secret a namespace syncs: the
/// first service, in the namespace's order, whose variables sync it. Built once from the
/// model, so that finding a service's Secrets does not read every other service of its
/// environment (which made emit quadratic when every service syncs a Secret: 91 s of CPU at
/// N = 5,000 where it now takes 2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncedSecrets {
    /// Environment (empty for the services as declared: the kustomize base) -> owning service
    /// -> its Secrets, sorted by name.
    by_owner: BTreeMap<String, BTreeMap<String, Vec<SyncedSecret>>>,
}

impl SyncedSecrets {
    /// The table of `model`: each environment's deployments in the model's order, and the
    /// declared services in name order (needs the deployments).
    pub fn of(model: &super::Model) -> SyncedSecrets {
        let mut table = SyncedSecrets::default();
        for environment in &model.environments {
            let environment = environment.name.value.as_str();
            let peers = model
                .deployments_in(environment)
                .map(|deployment| (deployment.service.as_str(), deployment.secret_uses()));
            table.add_namespace(environment, peers);
        }
        let declared = model
            .services
            .iter()
            .map(|service| (service.name.value.as_str(), secret_uses(&service.env)));
        table.add_namespace("", declared);
        table
    }

    /// The Secrets whose `ExternalSecret` goes into `service`'s file in `environment` (empty
    /// for the kustomize base), sorted by name.
    pub fn owned_by(&self, environment: &str, service: &str) -> &[SyncedSecret] {
        self.by_owner
            .get(environment)
            .and_then(|owners| owners.get(service))
            .map_or(&[], Vec::as_slice)
    }

    fn add_namespace<'m, U>(&mut self, environment: &str, peers: impl Iterator<Item = (&'m str, U)>)
    where
        U: Iterator<Item = SecretUse<'m>>,
    {
        // Each synced Secret: its owner, its first source, and the first source of each key.
        type Keys<'m> = BTreeMap<&'m str, &'m SecretSource>;
        let mut secrets: BTreeMap<&str, (&str, &SecretSource, Keys)> = BTreeMap::new();
        for (service, uses) in peers {
            for secret_use in uses {
                let Some(from) = secret_use.from else {
                    continue;
                };
                let (_, _, keys) = secrets
                    .entry(secret_use.secret)
                    .or_insert_with(|| (service, from, BTreeMap::new()));
                keys.entry(secret_use.key).or_insert(from);
            }
        }
        if secrets.is_empty() {
            return;
        }
        let owners = self.by_owner.entry(environment.to_string()).or_default();
        for (secret, (owner, first, keys)) in secrets {
            let synced = SyncedSecret {
                secret: secret.to_string(),
                store: first.store.clone(),
                refresh: first.refresh,
                keys: keys
                    .into_iter()
                    .map(|(key, from)| SyncedKey {
                        key: key.to_string(),
                        path: from.path.clone(),
                        property: from.property.clone(),
                    })
                    .collect(),
            };
            owners.entry(owner.to_string()).or_default().push(synced);
        }
    }
}
