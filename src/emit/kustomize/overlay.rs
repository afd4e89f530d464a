//! One overlay, `kustomize/overlays/<env>/`: the base turned into exactly the objects the
//! `k8s` target writes for that environment.
//!
//! The overlay is derived, not hand-designed: the environment's objects are computed by the
//! `k8s` target, and the overlay states how they differ from the base.
//!
//! * `namespace:` the environment's namespace, for every object.
//! * `resources:` the base, the Namespace, and each object the base lacks (the tracks of a
//!   canary or blue-green service and their autoscalers, an autoscaler only this environment
//!   has, the ConfigMap of variables whose values differ from the base's, since its name is
//!   its content hash), in `<service>.yaml` as the `k8s` target writes it.
//! * `replicas:` and `images:` (`newTag`) where the environment changes them. A workload an
//!   autoscaler scales has no replicas, here as in the base, so `replicas:` never names it.
//! * `patches:` what is left, inline in the kustomization and grouped by service in the
//!   base's order: per object, JSON Patch operations ([`diff`], as the `json-patch` crate's;
//!   found without the object's tree where only scalars differ, see `scalars.rs`) for the
//!   fields that still differ (the instance and version labels, resources, the ConfigMap
//!   `envFrom` loads, strategy, ...), and a strategic-merge `$patch: delete` for each base
//!   object the environment does not run (the single Deployment of a service that runs as
//!   tracks here and its autoscaler, the base's ConfigMap when the values differ, a budget
//!   for a service scaled down to one replica). A file per patch was most of the full
//!   compile's files; why inline patches rather than a file per service is in
//!   docs/performance.md.
//!
//! kustomize 4.5.4 applies patches before its other transformers; every patch only touches
//! fields the transformers leave alone, so the order does not change the result.

use super::base;
use super::diff;
use super::kustomization::{Image, Kustomization, Patch, Replicas, Target};
use super::survey::{base_key, sources, Compared, Facts, Key, Source, Survey};
use super::transforms;
use super::tree::Tree;
use crate::check::model::{Environment, Model};
use crate::emit::k8s::Object;
use crate::emit::{parallel, yaml, Sink};
use rustc_hash::FxBuildHasher;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The overlay's kustomization, relative to its directory, handed to `sink` as (path, YAML
/// without header), from the environment's `surveys` (one per source of [`sources`], see
/// [`super::survey`]), whose files of objects the base lacks have been handed over already.
///
/// The first pass compared each object that replaces a base object with that base object as
/// `namespace:` and `replicas:` leave it. Only `images:` depends on the whole environment:
/// where it rewrites a base object's images (or the object is not the last of its key), a
/// second pass rebuilds the object's file and compares again with every transformer applied.
pub fn render(
    model: &Model,
    environment: &Environment,
    base: &[Vec<base::Facts>],
    mut surveys: Vec<Survey>,
    threads: usize,
    sink: &mut dyn Sink,
) {
    let namespace = environment.namespace.value.as_str();
    let base_objects = base.iter().enumerate().flat_map(|(service, objects)| {
        objects
            .iter()
            .enumerate()
            .map(move |(index, object)| (service, index, object))
    });
    let sources = sources(model, environment);
    let mut overlay = Overlay::new(namespace, base.len());
    overlay.kustomization.resources.extend(
        surveys
            .iter_mut()
            .filter_map(|survey| survey.missing.take()),
    );
    // The last object of a key wins.
    let mut targets: HashMap<&Key, Location, FxBuildHasher> = HashMap::default();
    for (source, survey) in surveys.iter().enumerate() {
        for (object, facts) in survey.objects.iter().enumerate() {
            targets.insert(&facts.key, Location { source, object });
        }
    }
    let facts =
        |location: &Location| -> &Facts { &surveys[location.source].objects[location.object] };

    let mut kept = Vec::new();
    for (service, index, object) in base_objects {
        let object_key = base_key(object);
        match targets.get(&object_key) {
            Some(&target) => kept.push(Kept {
                key: object_key,
                service,
                index,
                base: object,
                target,
                replicas: None,
            }),
            None => overlay.delete(service, object),
        }
    }
    overlay.kustomization.replicas = replicas(&mut kept, facts);
    let extras = surveys
        .iter()
        .flat_map(|survey| &survey.objects)
        .filter(|facts| facts.missing);
    overlay.kustomization.images = images(&kept, facts, extras);
    let edits = Edits {
        namespace,
        images: &overlay.kustomization.images,
    };
    let texts = settle(
        model,
        environment,
        &sources,
        &mut surveys,
        &kept,
        &edits,
        threads,
    );
    for (kept_index, text) in texts {
        let kept = &kept[kept_index];
        overlay.patch(kept.service, &kept.key, text);
    }
    sink.put("kustomization.yaml".to_string(), overlay.finish());
}

/// An object of the environment: its file (index in [`sources`]) and its place in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Location {
    source: usize,
    object: usize,
}

/// A base object the environment keeps, where the object the environment wants in its place
/// is, and the replicas the overlay's `replicas:` gives it.
struct Kept<'o> {
    key: Key,
    /// The base service it belongs to (index in the base, the model's services), and its place
    /// among that service's objects.
    service: usize,
    index: usize,
    base: &'o base::Facts,
    target: Location,
    replicas: Option<u64>,
}

/// What kustomize's transformers do to every kept object before the patches are compared
/// (`replicas:` differs per object and is in [`Kept`]).
struct Edits<'o> {
    namespace: &'o str,
    images: &'o [Image],
}

/// Whether the first pass's patch is the one the second pass would compute for `kept`: the
/// same base object, the same replicas, and no `images:` entry for the base object's images.
fn holds(compared: &Compared, kept: &Kept, edits: &Edits) -> bool {
    compared.base == (kept.service, kept.index)
        && compared.replicas == kept.replicas
        && !edits
            .images
            .iter()
            .any(|image| compared.image_names.contains(&image.name))
}

/// The patch of every kept object that needs one, as (index in `kept`, YAML), in `kept`
/// order: the one compared in the first pass where it holds, else compared again.
fn settle(
    model: &Model,
    environment: &Environment,
    sources: &[Source],
    surveys: &mut [Survey],
    kept: &[Kept],
    edits: &Edits,
    threads: usize,
) -> Vec<(usize, String)> {
    let mut texts: Vec<(usize, String)> = Vec::new();
    let mut again = Vec::new();
    for (index, kept) in kept.iter().enumerate() {
        let compared = surveys
            .get_mut(kept.target.source)
            .and_then(|survey| survey.objects.get_mut(kept.target.object))
            .and_then(|facts| facts.compared.take())
            .filter(|compared| holds(compared, kept, edits));
        match compared {
            Some(compared) => texts.extend(compared.text.map(|text| (index, text))),
            None => again.push(index),
        }
    }
    texts.extend(patches(
        model,
        environment,
        sources,
        kept,
        &again,
        edits,
        threads,
    ));
    texts.sort_by_key(|(index, _)| *index);
    texts
}

/// The JSON Patch of each `wanted` kept object that needs one, as (index in `kept`, YAML).
/// Each file holding their targets is rebuilt once, on up to `threads` threads.
fn patches(
    model: &Model,
    environment: &Environment,
    sources: &[Source],
    kept: &[Kept],
    wanted: &[usize],
    edits: &Edits,
    threads: usize,
) -> Vec<(usize, String)> {
    let mut by_source: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &index in wanted {
        let Some(kept) = kept.get(index) else {
            continue;
        };
        by_source.entry(kept.target.source).or_default().push(index);
    }
    let groups: Vec<(usize, Vec<usize>)> = by_source.into_iter().collect();
    let done = parallel::map(threads, &groups, |(source, members)| {
        let Some((_, objects)) = sources[*source].build(model, environment) else {
            return Vec::new();
        };
        // The base objects these targets replace, rebuilt (usually those of one service).
        let mut rebuilt: BTreeMap<usize, Vec<Object>> = BTreeMap::new();
        members
            .iter()
            .filter_map(|&index| {
                let kept = &kept[index];
                let target = objects.get(kept.target.object)?;
                let service = kept.service;
                let base_objects = rebuilt.entry(service).or_insert_with(|| {
                    model
                        .services
                        .get(service)
                        .map(|declared| base::service_objects(model, declared))
                        .unwrap_or_default()
                });
                let mut value = as_tree(base_objects.get(kept.index)?);
                transforms::set_namespace(&mut value, edits.namespace);
                if let Some(count) = kept.replicas {
                    transforms::set_replicas(&mut value, count);
                }
                for image in edits.images {
                    transforms::set_image_tag(&mut value, &image.name, &image.new_tag);
                }
                let operations = diff::diff(&value, &as_tree(target));
                (!operations.0.is_empty()).then(|| (index, yaml::document_text(&operations)))
            })
            .collect::<Vec<_>>()
    });
    done.into_iter().flatten().collect()
}

/// The overlay being written: its kustomization and each base service's inline patches, in
/// base order.
struct Overlay {
    kustomization: Kustomization,
    by_service: Vec<Vec<Patch>>,
}

impl Overlay {
    fn new(namespace: &str, services: usize) -> Overlay {
        let mut kustomization = Kustomization::new(vec!["../../base".to_string()]);
        kustomization.namespace = Some(namespace.to_string());
        Overlay {
            kustomization,
            by_service: vec![Vec::new(); services],
        }
    }

    /// Deletes a base object (of the base's `service`) the environment does not run.
    fn delete(&mut self, service: usize, object: &base::Facts) {
        let patch = yaml::document_text(&Deletion::of(object));
        self.by_service[service].push(Patch {
            target: None,
            patch,
        });
    }

    /// Patches a base object (of the base's `service`) with JSON Patch operations (`text`,
    /// already YAML).
    fn patch(&mut self, service: usize, (kind, name): &Key, text: String) {
        let target = Target {
            kind: kind.to_string(),
            name: name.clone(),
        };
        self.by_service[service].push(Patch {
            target: Some(target),
            patch: text,
        });
    }

    /// The kustomization's text.
    fn finish(mut self) -> String {
        self.kustomization.patches = self.by_service.into_iter().flatten().collect();
        yaml::document_text(&self.kustomization)
    }
}

/// `replicas:` entries for base Deployments whose replicas the environment changes; notes
/// them in `kept`.
fn replicas<'f>(kept: &mut [Kept], facts: impl Fn(&Location) -> &'f Facts) -> Vec<Replicas> {
    let mut entries = Vec::new();
    for kept in kept.iter_mut() {
        let wanted = facts(&kept.target).replicas;
        if let Some(count) = wanted.filter(|count| kept.base.replicas != Some(*count)) {
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
/// `name:tag` in this environment. Any other image change (to or from a digest, or different
/// tags for one image name) is left to the patches.
fn images<'f>(
    kept: &[Kept],
    facts: impl Fn(&Location) -> &'f Facts,
    extras: impl Iterator<Item = &'f Facts>,
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
    for kept in kept.iter() {
        let target_images = &facts(&kept.target).images;
        for (index, current) in kept.base.images.iter().enumerate() {
            note(current, target_images.get(index));
        }
    }
    for extra in extras {
        for current in &extra.images {
            note(current, Some(current));
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

/// An object as a tree of values, the form the transformers and the diff work on.
fn as_tree(object: &Object) -> Tree {
    Tree::of(object)
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
    fn of(object: &base::Facts) -> Deletion {
        Deletion {
            patch: "delete",
            api_version: object.api_version,
            kind: object.kind,
            metadata: DeletionName {
                name: object.name.clone(),
            },
        }
    }
}
