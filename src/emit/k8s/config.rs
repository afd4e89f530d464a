//! Environment variables: literal values go into the ConfigMap `<service>-env`, which the
//! container loads whole with `envFrom`; secret values are single `secretKeyRef`s, so a
//! secret never passes through a ConfigMap and the spec never holds its value.
//!
//! Loading the ConfigMap whole keeps per-environment changes to literals inside the
//! ConfigMap (the kustomize overlays patch only its `data`).

use super::Unit;
use crate::check::model::EnvValue;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, EnvFromSource, EnvVar, EnvVarSource, SecretKeySelector,
};
use std::collections::BTreeMap;

/// The name of a service's ConfigMap of literal variables.
pub fn config_map_name(service: &str) -> String {
    format!("{service}-env")
}

/// The literal variables, by name.
fn literals(unit: &Unit) -> BTreeMap<String, String> {
    unit.deployment
        .env
        .iter()
        .filter_map(|var| match &var.value {
            EnvValue::Literal(text) => Some((var.name.value.clone(), text.clone())),
            EnvValue::Secret { .. } => None,
        })
        .collect()
}

/// The ConfigMap of literal variables; `None` when there are none.
pub fn config_map(unit: &Unit) -> Option<ConfigMap> {
    let data = literals(unit);
    if data.is_empty() {
        return None;
    }
    Some(ConfigMap {
        metadata: unit.metadata(config_map_name(unit.name())),
        data: Some(data),
        ..ConfigMap::default()
    })
}

/// The container's `envFrom`: the ConfigMap, when there is one.
pub fn env_from(unit: &Unit) -> Option<Vec<EnvFromSource>> {
    if literals(unit).is_empty() {
        return None;
    }
    Some(vec![EnvFromSource {
        config_map_ref: Some(ConfigMapEnvSource {
            name: config_map_name(unit.name()),
            optional: None,
        }),
        ..EnvFromSource::default()
    }])
}

/// The container's `env`: one `secretKeyRef` per secret variable, in declaration order.
pub fn env(unit: &Unit) -> Option<Vec<EnvVar>> {
    let vars: Vec<EnvVar> = unit
        .deployment
        .env
        .iter()
        .filter_map(|var| match &var.value {
            EnvValue::Secret { name, key } => Some(EnvVar {
                name: var.name.value.clone(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: name.clone(),
                        key: key.clone(),
                        optional: None,
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            }),
            EnvValue::Literal(_) => None,
        })
        .collect();
    (!vars.is_empty()).then_some(vars)
}
