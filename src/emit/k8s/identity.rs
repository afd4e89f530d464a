//! The Namespace of an environment and the ServiceAccount of a service.
//!
//! Every service runs under its own ServiceAccount, named after the service, so RBAC can be
//! granted per service. The API token is mounted only when the spec asks for it
//! (`security.mount_service_account_token`); the pod spec repeats the setting.

use super::{Object, Unit};
use crate::check::model::{Environment, Mesh, Model};
use crate::emit::labels::MANAGED_BY;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// The environment's Namespace. It belongs to the whole app rather than to one service, so
/// it carries the app-level labels only (`part-of`, `managed-by`), and, where the cluster runs
/// Istio, the label that injects its sidecar into every pod of the namespace: without the
/// sidecars no route weight is enforced and no request metric is reported.
pub fn namespace(model: &Model, environment: &Environment) -> Object {
    let mut labels = BTreeMap::from([
        (
            "app.kubernetes.io/managed-by".to_string(),
            MANAGED_BY.to_string(),
        ),
        (
            "app.kubernetes.io/part-of".to_string(),
            model.app_name().to_string(),
        ),
    ]);
    if let Mesh::Istio { revision } = &environment.mesh.value {
        let (key, value) = match revision {
            Some(revision) => ("istio.io/rev", revision.clone()),
            None => ("istio-injection", "enabled".to_string()),
        };
        labels.insert(key.to_string(), value);
    }
    Object::Namespace(Namespace {
        metadata: ObjectMeta {
            name: Some(environment.namespace.value.clone()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    })
}

/// The service's own ServiceAccount.
pub(crate) fn service_account(unit: &Unit) -> ServiceAccount {
    ServiceAccount {
        metadata: unit.metadata(unit.name()),
        automount_service_account_token: Some(unit.service.security.mount_service_account_token),
        ..ServiceAccount::default()
    }
}
