//! One overlay, `kustomize/overlays/<env>/`: the base turned into exactly the objects the
//! `k8s` target writes for that environment.
//!
//! The overlay is derived, not hand-designed: the environment's objects are computed by the
//! `k8s` target, and the overlay states how they differ from the base.
//!
//! * `namespace:` the environment's namespace, for every object.
//! * `resources:` the base, the Namespace, and each object the base lacks (the tracks of a
//!   canary or blue-green service, an autoscaler or ConfigMap only this environment has), in
//!   `<service>.yaml` as the `k8s` target writes it.
//! * `replicas:` and `images:` (`newTag`) where the environment changes them.
//! * `patches:` what is left: per object, JSON Patch operations for the fields that still
//!   differ (the instance and version labels, resources, ConfigMap data, strategy, ...),
//!   and a strategic-merge `$patch: delete` for each base object the environment does not
//!   run (the single Deployment of a service that runs as tracks here, a budget for a
//!   service scaled down to one replica).
//!
//! kustomize 4.5.4 applies patches before its other transformers; every patch only touches
//! fields the transformers leave alone, so the order does not change the result.

use super::diff::{self, Operation};
use super::kustomization::{Image, Kustomization, Patch, Replicas, Target};
use super::transforms;
use crate::check::model::{Environment, Model};
use crate::emit::k8s::{self, Object};
use crate::emit::yaml;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An object's identity within one environment.
type Key = (&'static str, String);

fn key(object: &Object) -> Key {
    (object.kind(), object.name().to_string())
}

/// The files of the overlay, relative to its directory, as (path, YAML without header).
pub fn render(
    model: &Model,
    environment: &Environment,
    base: &[(String, Vec<Object>)],
) -> Vec<(String, String)> {
    let namespace = environment.namespace.value.as_str();
    let base_objects: Vec<&Object> = base.iter().flat_map(|(_, objects)| objects).collect();
    let base_keys: BTreeSet<Key> = base_objects.iter().map(|object| key(object)).collect();
    let target_files = k8s::environment_files(model, environment);
    let targets: BTreeMap<Key, Value> = target_files
        .iter()
        .flat_map(|(_, objects)| objects)
        .map(|object| (key(object), to_value(object)))
        .collect();

    let mut kustomization = Kustomization::new(vec!["../../base".to_string()]);
    kustomization.namespace = Some(namespace.to_string());
    let mut files = Vec::new();

    let mut extras: Vec<Value> = Vec::new();
    for (file, objects) in &target_files {
        let added: Vec<&Object> = objects
            .iter()
            .filter(|object| !base_keys.contains(&key(object)))
            .collect();
        if !added.is_empty() {
            extras.extend(added.iter().map(|object| to_value(object)));
            kustomization.resources.push(file.clone());
            files.push((file.clone(), yaml::documents(&added)));
        }
    }

    let mut kept: Vec<(Key, Value)> = Vec::new();
    for object in &base_objects {
        let object_key = key(object);
        if targets.contains_key(&object_key) {
            let mut value = to_value(object);
            transforms::set_namespace(&mut value, namespace);
            kept.push((object_key, value));
        } else {
            let path = format!(
                "patches/delete-{}-{}.yaml",
                object.kind().to_lowercase(),
                object.name()
            );
            files.push((path.clone(), yaml::document_text(&Deletion::of(object))));
            kustomization.patches.push(Patch { path, target: None });
        }
    }

    kustomization.replicas = replicas(&mut kept, &targets);
    kustomization.images = images(&mut kept, &extras, &targets);

    for ((kind, name), value) in &kept {
        let Some(target) = targets.get(&(*kind, name.clone())) else {
            continue;
        };
        let operations: Vec<Operation> = diff::diff(value, target);
        if operations.is_empty() {
            continue;
        }
        let path = format!("patches/{}-{name}.yaml", kind.to_lowercase());
        files.push((path.clone(), yaml::document_text(&operations)));
        let target = Target {
            kind: kind.to_string(),
            name: name.clone(),
        };
        kustomization.patches.push(Patch {
            path,
            target: Some(target),
        });
    }

    files.push((
        "kustomization.yaml".to_string(),
        yaml::document_text(&kustomization),
    ));
    files
}

/// `replicas:` entries for base Deployments whose replicas the environment changes; applies
/// them to `kept`.
fn replicas(kept: &mut [(Key, Value)], targets: &BTreeMap<Key, Value>) -> Vec<Replicas> {
    let mut entries = Vec::new();
    for (object_key, value) in kept.iter_mut() {
        let wanted = targets.get(object_key).and_then(transforms::replicas);
        if let Some(count) = wanted.filter(|count| transforms::replicas(value) != Some(*count)) {
            transforms::set_replicas(value, count);
            entries.push(Replicas {
                name: object_key.1.clone(),
                count: u32::try_from(count).unwrap_or(u32::MAX),
            });
        }
    }
    entries
}

/// `images:` entries (`newTag`) for image names whose containers all move to the same
/// `name:tag` in this environment; applies them to `kept`. Any other image change (to or
/// from a digest, or different tags for one image name) is left to the patches.
fn images(
    kept: &mut [(Key, Value)],
    extras: &[Value],
    targets: &BTreeMap<Key, Value>,
) -> Vec<Image> {
    // Image name -> (the images its containers must end up with, whether any must change).
    let mut wanted: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    let mut note = |current: &str, target: Option<&String>| {
        let entry = wanted
            .entry(transforms::split_image(current).0.to_string())
            .or_default();
        entry.0.insert(target.cloned().unwrap_or_default());
        entry.1 |= target.is_none_or(|target| target != current);
    };
    for (object_key, value) in kept.iter() {
        let target_images = targets
            .get(object_key)
            .map(transforms::images)
            .unwrap_or_default();
        for (index, current) in transforms::images(value).iter().enumerate() {
            note(current, target_images.get(index));
        }
    }
    for value in extras {
        for current in transforms::images(value) {
            note(&current, Some(&current));
        }
    }
    let mut entries = Vec::new();
    for (name, (targets, changes)) in wanted {
        if targets.len() != 1 {
            continue;
        }
        let Some(target) = targets.into_iter().next() else {
            continue;
        };
        let (target_name, rest) = transforms::split_image(&target);
        let Some(tag) = rest
            .strip_prefix(':')
            .filter(|_| changes && target_name == name)
        else {
            continue;
        };
        for (_, value) in kept.iter_mut() {
            transforms::set_image_tag(value, &name, tag);
        }
        entries.push(Image {
            name: name.clone(),
            new_tag: tag.to_string(),
        });
    }
    entries
}

fn to_value(object: &Object) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// A strategic-merge patch that deletes one base object.
#[derive(Debug, Serialize)]
struct Deletion {
    #[serde(rename = "$patch")]
    patch: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: DeletionName,
}

#[derive(Debug, Serialize)]
struct DeletionName {
    name: String,
}

impl Deletion {
    fn of(object: &Object) -> Deletion {
        Deletion {
            patch: "delete",
            api_version: object.api_version(),
            kind: object.kind(),
            metadata: DeletionName {
                name: object.name().to_string(),
            },
        }
    }
}
