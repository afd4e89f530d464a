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
    let target_files = k8s::environment_files(model, environment);
    let targets: BTreeMap<Key, Value> = target_files
        .iter()
        .flat_map(|(_, objects)| objects)
        .map(|object| (key(object), to_value(object)))
        .collect();

    let mut overlay = Overlay::new(namespace);
    let base_keys: BTreeSet<Key> = base_objects.iter().map(|object| key(object)).collect();
    let extras = overlay.add_missing(&target_files, &base_keys);
    let mut kept: Vec<(Key, Value)> = Vec::new();
    for object in base_objects {
        if targets.contains_key(&key(object)) {
            let mut value = to_value(object);
            transforms::set_namespace(&mut value, namespace);
            kept.push((key(object), value));
        } else {
            overlay.delete(object);
        }
    }
    overlay.kustomization.replicas = replicas(&mut kept, &targets);
    overlay.kustomization.images = images(&mut kept, &extras, &targets);
    for (object_key, value) in &kept {
        if let Some(target) = targets.get(object_key) {
            overlay.patch(object_key, diff::diff(value, target));
        }
    }
    overlay.finish()
}

/// The overlay being written: its kustomization and its other files.
struct Overlay {
    kustomization: Kustomization,
    files: Vec<(String, String)>,
}

impl Overlay {
    fn new(namespace: &str) -> Overlay {
        let mut kustomization = Kustomization::new(vec!["../../base".to_string()]);
        kustomization.namespace = Some(namespace.to_string());
        Overlay {
            kustomization,
            files: Vec::new(),
        }
    }

    /// Adds the objects the base lacks as resources, in the `k8s` target's files and order
    /// (the Namespace always among them); returns them as values.
    fn add_missing(
        &mut self,
        target_files: &[(String, Vec<Object>)],
        base_keys: &BTreeSet<Key>,
    ) -> Vec<Value> {
        let mut extras = Vec::new();
        for (file, objects) in target_files {
            let missing: Vec<&Object> = objects
                .iter()
                .filter(|object| !base_keys.contains(&key(object)))
                .collect();
            if !missing.is_empty() {
                extras.extend(missing.iter().map(|object| to_value(object)));
                self.kustomization.resources.push(file.clone());
                self.files.push((file.clone(), yaml::documents(&missing)));
            }
        }
        extras
    }

    /// Deletes a base object the environment does not run.
    fn delete(&mut self, object: &Object) {
        let kind = object.kind().to_lowercase();
        let path = format!("patches/delete-{kind}-{}.yaml", object.name());
        let text = yaml::document_text(&Deletion::of(object));
        self.files.push((path.clone(), text));
        self.kustomization
            .patches
            .push(Patch { path, target: None });
    }

    /// Patches a base object with JSON Patch operations, if there are any.
    fn patch(&mut self, (kind, name): &Key, operations: Vec<Operation>) {
        if operations.is_empty() {
            return;
        }
        let path = format!("patches/{}-{name}.yaml", kind.to_lowercase());
        self.files
            .push((path.clone(), yaml::document_text(&operations)));
        let target = Target {
            kind: kind.to_string(),
            name: name.clone(),
        };
        self.kustomization.patches.push(Patch {
            path,
            target: Some(target),
        });
    }

    fn finish(mut self) -> Vec<(String, String)> {
        let text = yaml::document_text(&self.kustomization);
        self.files.push(("kustomization.yaml".to_string(), text));
        self.files
    }
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
