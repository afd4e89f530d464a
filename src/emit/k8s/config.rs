//! Environment variables: literal values go into a ConfigMap named after their content,
//! `<service>-env-<hash>`, which the container loads whole with `envFrom`; secret values are
//! single `secretKeyRef`s, so a secret never passes through a ConfigMap and the spec never
//! holds its value.
//!
//! The name changes whenever a value does, like the names kustomize's `configMapGenerator`
//! writes: a changed variable is a changed pod template, so it rolls the pods of a rolling
//! service and goes through the canary like an image change. The live track of a canary or
//! blue-green service is not re-applied until a promotion, so it keeps loading the ConfigMap
//! of its own version, which the deploy leaves in the cluster (an apply never deletes). Each
//! version is `immutable`: a pod that restarts reads exactly what its version was tried with.
//! docs/semantics.md ("Config goes through the canary") has the whole argument.
//!
//! The hash is [`content_hash`]: FNV-1a (64 bits) over a length-prefixed serialisation of the
//! variables in name order, as 10 lowercase hex digits. It depends on nothing but the names
//! and values, so every platform and every run gives the same name.

use super::Unit;
use crate::check::model::EnvValue;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, EnvFromSource, EnvVar, EnvVarSource, SecretKeySelector,
};
use std::collections::BTreeMap;

/// The FNV-1a 64-bit offset basis and prime.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// How many hex digits of the hash the name keeps (40 bits).
const HASH_DIGITS: usize = 10;

/// The name of the ConfigMap holding `literals`: `<service>-env-<content hash>`.
pub(crate) fn config_map_name(service: &str, literals: &BTreeMap<String, String>) -> String {
    format!("{service}-env-{}", content_hash(literals))
}

/// The content hash of a set of variables: FNV-1a 64 over, for each variable in name order,
/// the name's length in bytes (8 bytes, little-endian), the name (UTF-8), the value's length
/// likewise and the value; the first [`HASH_DIGITS`] lowercase hex digits of the result.
/// The lengths make the serialisation unambiguous (`A=bc` and `Ab=c` differ).
pub fn content_hash(literals: &BTreeMap<String, String>) -> String {
    let mut hash = FNV_OFFSET;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    };
    for (name, value) in literals {
        for text in [name, value] {
            let length = u64::try_from(text.len()).unwrap_or(u64::MAX);
            feed(&length.to_le_bytes());
            feed(text.as_bytes());
        }
    }
    let mut digits = format!("{hash:016x}");
    digits.truncate(HASH_DIGITS);
    digits
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
        metadata: unit.metadata(config_map_name(unit.name(), &data)),
        data: Some(data),
        immutable: Some(true),
        ..ConfigMap::default()
    })
}

/// The container's `envFrom`: the ConfigMap, when there is one.
pub(crate) fn env_from(unit: &Unit) -> Option<Vec<EnvFromSource>> {
    let data = literals(unit);
    if data.is_empty() {
        return None;
    }
    Some(vec![EnvFromSource {
        config_map_ref: Some(ConfigMapEnvSource {
            name: config_map_name(unit.name(), &data),
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
            EnvValue::Secret { name, key, .. } => Some(EnvVar {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// Fixed values, computed independently of this code: the name must not change between
    /// platforms, runs or releases without anyone noticing (every deployed service would roll).
    #[test]
    fn content_hash_is_fixed() {
        assert_eq!(content_hash(&vars(&[])), "cbf29ce484");
        assert_eq!(content_hash(&vars(&[("A", "b")])), "566c6e1797");
        assert_eq!(content_hash(&vars(&[("LOG_LEVEL", "info")])), "79e4404cf3");
    }

    #[test]
    fn content_hash_separates_names_from_values() {
        assert_ne!(
            content_hash(&vars(&[("A", "bc")])),
            content_hash(&vars(&[("Ab", "c")]))
        );
        assert_ne!(
            content_hash(&vars(&[("A", "b"), ("C", "d")])),
            content_hash(&vars(&[("A", "bCd")]))
        );
    }

    #[test]
    fn name_has_the_service_and_ten_hex_digits() {
        let name = config_map_name("web", &vars(&[("LOG_LEVEL", "info")]));
        let hash = name.strip_prefix("web-env-").unwrap();
        assert_eq!(hash.len(), HASH_DIGITS);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
