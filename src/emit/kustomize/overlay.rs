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

use super::diff;
use super::kustomization::{Image, Kustomization, Patch, Replicas, Target};
use super::transforms;
use crate::check::model::{Environment, Model};
use crate::emit::k8s::{self, Object};
use crate::emit::{parallel, yaml};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An object's identity within one environment.
type Key = (&'static str, String);

fn key(object: &Object) -> Key {
    (object.kind(), object.name().to_string())
}

/// The files of the overlay, relative to its directory, as (path, YAML without header).
///
/// The environment's objects are built on up to `threads` threads; kustomize's fields are
/// decided from the typed objects; then each kept base object is turned into a JSON value,
/// transformed as kustomize would, compared with its target and dropped, one object at a
/// time on each thread, so the values never pile up.
pub fn render(
    model: &Model,
    environment: &Environment,
    base: &[(String, Vec<Object>)],
    threads: usize,
) -> Vec<(String, String)> {
    let namespace = environment.namespace.value.as_str();
    let target_files = k8s::environment_files(model, environment, threads);
    // The last object of a key wins.
    let targets: BTreeMap<Key, &Object> = target_files
        .iter()
        .flat_map(|(_, objects)| objects)
        .map(|object| (key(object), object))
        .collect();

    let mut overlay = Overlay::new(namespace);
    let base_objects: Vec<&Object> = base.iter().flat_map(|(_, objects)| objects).collect();
    let base_keys: BTreeSet<Key> = base_objects.iter().map(|object| key(object)).collect();
    let extras = overlay.add_missing(&target_files, &base_keys);
    let mut kept = Vec::new();
    for object in base_objects {
        let object_key = key(object);
        match targets.get(&object_key) {
            Some(target) => kept.push(Kept {
                key: object_key,
                base: object,
                target,
                replicas: None,
            }),
            None => overlay.delete(object),
        }
    }
    overlay.kustomization.replicas = replicas(&mut kept);
    overlay.kustomization.images = images(&kept, &extras);
    let images = &overlay.kustomization.images;
    let patches = parallel::map(threads, &kept, |kept| {
        let mut value = to_value(kept.base);
        transforms::set_namespace(&mut value, namespace);
        if let Some(count) = kept.replicas {
            transforms::set_replicas(&mut value, count);
        }
        for image in images {
            transforms::set_image_tag(&mut value, &image.name, &image.new_tag);
        }
        let operations = diff::diff(&value, &to_value(kept.target));
        (!operations.is_empty()).then(|| yaml::document_text(&operations))
    });
    for (kept, text) in kept.iter().zip(patches) {
        if let Some(text) = text {
            overlay.patch(&kept.key, text);
        }
    }
    overlay.finish()
}

/// A base object the environment keeps, the object the environment wants in its place, and
/// the replicas the overlay's `replicas:` gives it.
struct Kept<'o> {
    key: Key,
    base: &'o Object,
    target: &'o Object,
    replicas: Option<u64>,
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
    /// (the Namespace always among them); returns them.
    fn add_missing<'o>(
        &mut self,
        target_files: &'o [(String, Vec<Object>)],
        base_keys: &BTreeSet<Key>,
    ) -> Vec<&'o Object> {
        let mut extras = Vec::new();
        for (file, objects) in target_files {
            let missing: Vec<&Object> = objects
                .iter()
                .filter(|object| !base_keys.contains(&key(object)))
                .collect();
            if !missing.is_empty() {
                self.kustomization.resources.push(file.clone());
                self.files.push((file.clone(), yaml::documents(&missing)));
                extras.extend(missing);
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

    /// Patches a base object with JSON Patch operations (`text`, already YAML).
    fn patch(&mut self, (kind, name): &Key, text: String) {
        let path = format!("patches/{}-{name}.yaml", kind.to_lowercase());
        self.files.push((path.clone(), text));
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

/// `replicas:` entries for base Deployments whose replicas the environment changes; notes
/// them in `kept`.
fn replicas(kept: &mut [Kept]) -> Vec<Replicas> {
    let mut entries = Vec::new();
    for kept in kept.iter_mut() {
        let wanted = transforms::replicas(kept.target);
        if let Some(count) = wanted.filter(|count| transforms::replicas(kept.base) != Some(*count))
        {
            kept.replicas = Some(count);
            entries.push(Replicas {
                name: kept.key.1.clone(),
                count: u32::try_from(count).unwrap_or(u32::MAX),
            });
        }
    }
    entries
}

/// `images:` entries (`newTag`) for image names whose containers all move to the same
/// `name:tag` in this environment. Any other image change (to or
/// from a digest, or different tags for one image name) is left to the patches.
fn images(kept: &[Kept], extras: &[&Object]) -> Vec<Image> {
    // Image name -> (the images its containers must end up with, whether any must change).
    let mut wanted: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    let mut note = |current: &str, target: Option<&String>| {
        let entry = wanted
            .entry(transforms::split_image(current).0.to_string())
            .or_default();
        entry.0.insert(target.cloned().unwrap_or_default());
        entry.1 |= target.is_none_or(|target| target != current);
    };
    for kept in kept.iter() {
        let target_images = transforms::images(kept.target);
        for (index, current) in transforms::images(kept.base).iter().enumerate() {
            note(current, target_images.get(index));
        }
    }
    for object in extras {
        for current in transforms::images(object) {
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
        entries.push(Image {
            name,
            new_tag: tag.to_string(),
        });
    }
    entries
}

/// An object as a JSON value, the form the transformers and the diff work on.
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
