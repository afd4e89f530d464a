//! Where a Secret's values come from when a store outside the cluster holds them: `from` in a
//! secret reference names an External Secrets Operator store (Vault, or any other provider
//! the store is configured for) and the path of the value there. The `k8s` target then writes
//! an `ExternalSecret` that keeps the Kubernetes Secret the pod reads in sync with the store.

use super::{Deployment, Duration, EnvValue, EnvVar};
use crate::span::Span;
use serde::Serialize;

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
