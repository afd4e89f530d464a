//! The overlays' first pass, over every environment at once: each file the environment's
//! objects come from is built, and each object noted for kustomize's fields (its key,
//! replicas and images), written out if the base lacks it, and compared with the base object
//! of its key as `namespace:` and `replicas:` leave that object ([`Compared`]).
//!
//! The work is grouped by base service: a service's base objects are built and turned into
//! trees once, and serve the files of that service in every environment (the trees are put
//! back as they were after each comparison). Building them once per environment was a sixth of
//! the full compile's instructions with the trees.

use super::base;
use super::diff;
use super::scalars;
use super::transforms;
use super::tree::Tree;
use crate::check::model::{Deployment, Environment, Model};
use crate::emit::k8s::{self, Object};
use crate::emit::{parallel, yaml};
use k8s_openapi::api::core::v1::PodSpec;
use rustc_hash::FxBuildHasher;
use std::collections::{BTreeMap, HashMap};

/// An object's identity within one environment.
pub type Key = (&'static str, String);

pub fn key(object: &Object) -> Key {
    (object.kind(), object.name().to_string())
}

pub fn base_key(object: &base::Facts) -> Key {
    (object.kind, object.name.clone())
}

/// Where the environment's files come from, in file order: the Namespace, then one file per
/// deployment.
#[derive(Clone, Copy)]
pub enum Source<'m> {
    Namespace,
    Deployment(&'m Deployment),
}

impl Source<'_> {
    pub fn build(&self, model: &Model, environment: &Environment) -> Option<(String, Vec<Object>)> {
        match self {
            Source::Namespace => Some(k8s::namespace_file(model, environment)),
            Source::Deployment(deployment) => k8s::deployment_file(model, deployment),
        }
    }
}

pub fn sources<'m>(model: &'m Model, environment: &'m Environment) -> Vec<Source<'m>> {
    std::iter::once(Source::Namespace)
        .chain(
            model
                .deployments_in(&environment.name.value)
                .map(Source::Deployment),
        )
        .collect()
}

/// What the overlay needs to know of one file of the environment.
#[derive(Default)]
pub struct Survey {
    /// The name of the file of its objects the base lacks, if any (already handed over).
    pub missing: Option<String>,
    /// Each object's facts, in file order.
    pub objects: Vec<Facts>,
}

/// What kustomize's fields need of one object of the environment.
pub struct Facts {
    pub key: Key,
    pub replicas: Option<u64>,
    pub images: Vec<String>,
    /// Whether the base lacks it.
    pub missing: bool,
    /// Its patch against the base object of its key, if that key is the base's once.
    pub compared: Option<Compared>,
}

/// An object's patch, computed in the first pass from what is known there: the base object
/// after `namespace:` and the `replicas:` its own replicas call for, before `images:`, which
/// only the whole environment decides.
pub struct Compared {
    /// The base object compared with: its service and place.
    pub base: (usize, usize),
    /// The replicas `replicas:` was taken to give it.
    pub replicas: Option<u64>,
    /// The names of the base object's container images, any of which `images:` may rewrite.
    pub image_names: Vec<String>,
    /// The patch's YAML, `None` when nothing differs.
    pub text: Option<String>,
}

/// How many groups of files the first pass surveys before handing their extra resources over.
const SURVEY_BATCH: usize = 256;

/// The surveys of every environment (in `environments` order), one per source of
/// [`sources`] in source order, empty for a source with no file. The files of objects the base
/// lacks go to `sink` (the environment's index, its files) a batch at a time.
pub fn survey(
    model: &Model,
    environments: &[&Environment],
    base: &[Vec<base::Facts>],
    threads: usize,
    sink: &mut dyn FnMut(usize, Vec<(String, String)>),
) -> Vec<Vec<Survey>> {
    let places = base_places(base);
    let sources: Vec<Vec<Source>> = environments
        .iter()
        .map(|environment| sources(model, environment))
        .collect();
    let groups = groups(model, &sources);
    let mut surveys: Vec<Vec<Survey>> = sources
        .iter()
        .map(|sources| sources.iter().map(|_| Survey::default()).collect())
        .collect();
    for batch in groups.chunks(SURVEY_BATCH) {
        let done = parallel::map(threads, batch, |group| {
            // The trees of the base objects compared with, built once per service.
            let mut rebuilt: BTreeMap<usize, Vec<(Object, Tree)>> = BTreeMap::new();
            group
                .iter()
                .map(|&(environment, source)| {
                    let before = Before {
                        model,
                        namespace: environments[environment].namespace.value.as_str(),
                        places: &places,
                    };
                    let survey = sources[environment][source]
                        .build(model, environments[environment])
                        .map(|(file, objects)| Survey::of(file, objects, &before, &mut rebuilt))
                        .unwrap_or_default();
                    ((environment, source), survey)
                })
                .collect::<Vec<_>>()
        });
        let mut done: Vec<_> = done.into_iter().flatten().collect();
        done.sort_by_key(|(place, _)| *place);
        let mut files: Vec<Vec<(String, String)>> = vec![Vec::new(); environments.len()];
        for ((environment, source), (mut survey, file)) in done {
            if let Some((name, text)) = file {
                survey.missing = Some(name.clone());
                files[environment].push((name, text));
            }
            surveys[environment][source] = survey;
        }
        for (environment, files) in files.into_iter().enumerate() {
            if !files.is_empty() {
                sink(environment, files);
            }
        }
    }
    surveys
}

/// The sources of every environment, as (environment, source) places, grouped by the base
/// service of their deployment; each Namespace alone.
fn groups(model: &Model, sources: &[Vec<Source>]) -> Vec<Vec<(usize, usize)>> {
    let services: HashMap<&str, usize> = model
        .services
        .iter()
        .enumerate()
        .map(|(index, service)| (service.name.value.as_str(), index))
        .collect();
    let mut by_service: Vec<Vec<(usize, usize)>> = vec![Vec::new(); model.services.len()];
    let mut alone = Vec::new();
    for (environment, sources) in sources.iter().enumerate() {
        for (index, source) in sources.iter().enumerate() {
            let service = match source {
                Source::Deployment(deployment) => services.get(deployment.service.as_str()),
                Source::Namespace => None,
            };
            match service.and_then(|&service| by_service.get_mut(service)) {
                Some(group) => group.push((environment, index)),
                None => alone.push(vec![(environment, index)]),
            }
        }
    }
    alone
        .into_iter()
        .chain(by_service.into_iter().filter(|group| !group.is_empty()))
        .collect()
}

/// Where each key of the base is (its service's index and its place among that service's
/// objects), `None` for a key the base has more than once, and what the first pass needs to
/// compare objects with them.
struct Before<'a> {
    model: &'a Model,
    namespace: &'a str,
    places: &'a Places,
}

/// Each key of the base: its service's index and its place among that service's objects,
/// `None` for a key the base has more than once. Only looked up, so hashed.
type Places = HashMap<Key, Option<(usize, usize)>, FxBuildHasher>;

fn base_places(base: &[Vec<base::Facts>]) -> Places {
    let mut places = Places::default();
    for (service, objects) in base.iter().enumerate() {
        for (index, object) in objects.iter().enumerate() {
            places
                .entry(base_key(object))
                .and_modify(|place| *place = None)
                .or_insert(Some((service, index)));
        }
    }
    places
}

impl Survey {
    /// The survey of one file, and the file of its objects the base lacks (name and YAML).
    fn of(
        file: String,
        mut objects: Vec<Object>,
        before: &Before,
        rebuilt: &mut BTreeMap<usize, Vec<(Object, Tree)>>,
    ) -> (Survey, Option<(String, String)>) {
        let objects: Vec<(Facts, &Object)> = objects
            .iter_mut()
            .map(|object| {
                let key = key(object);
                let place = before.places.get(&key);
                let replicas = transforms::replicas(object);
                let images = transforms::images(object);
                let compared = place
                    .copied()
                    .flatten()
                    .and_then(|place| compare(before, rebuilt, place, object, replicas));
                let facts = Facts {
                    missing: place.is_none(),
                    key,
                    replicas,
                    images,
                    compared,
                };
                (facts, &*object)
            })
            .collect();
        let missing: Vec<&Object> = objects
            .iter()
            .filter(|(facts, _)| facts.missing)
            .map(|(_, object)| *object)
            .collect();
        let file = (!missing.is_empty()).then(|| (file, yaml::documents(&missing)));
        let survey = Survey {
            missing: None,
            objects: objects.into_iter().map(|(facts, _)| facts).collect(),
        };
        (survey, file)
    }
}

/// An object's patch against the base object at `place`, with `namespace:` and the
/// `replicas:` the object's `replicas` call for applied to the base object.
///
/// A Deployment's pod spec, most of its tree, is usually the base's as it is: where the typed
/// values are equal, it is left out of both trees (the same field missing from both gives no
/// operation, as the same value in both does) and put back after.
fn compare(
    before: &Before,
    rebuilt: &mut BTreeMap<usize, Vec<(Object, Tree)>>,
    (service, index): (usize, usize),
    object: &mut Object,
    replicas: Option<u64>,
) -> Option<Compared> {
    let base_objects = rebuilt.entry(service).or_insert_with(|| {
        before
            .model
            .services
            .get(service)
            .map(|declared| base::service_objects(before.model, declared))
            .unwrap_or_default()
            .into_iter()
            .map(|object| {
                let tree = Tree::of(&object);
                (object, tree)
            })
            .collect()
    });
    let (base_object, base_tree) = base_objects.get_mut(index)?;
    let base_replicas = transforms::replicas(base_object);
    let replicas = replicas.filter(|count| base_replicas != Some(*count));
    let image_names = transforms::image_names(base_tree);
    let same_pod = pod_spec(base_object).is_some_and(|spec| Some(spec) == pod_spec(object));
    let held = same_pod.then(|| (take_pod_spec(object), take_tree_pod_spec(base_tree)));
    let operations = transforms::transformed(base_tree, before.namespace, replicas, |value| {
        scalars::changes(value, &*object).unwrap_or_else(|| diff::diff(value, &Tree::of(&*object)))
    });
    if let Some((spec, tree)) = held {
        put_pod_spec(object, spec);
        put_tree_pod_spec(base_tree, tree);
    }
    Some(Compared {
        base: (service, index),
        replicas,
        image_names,
        text: (!operations.0.is_empty()).then(|| yaml::document_text(&operations)),
    })
}

/// A Deployment's pod spec.
fn pod_spec(object: &Object) -> Option<&PodSpec> {
    match object {
        Object::Deployment(deployment) => deployment.spec.template.spec.as_ref(),
        _ => None,
    }
}

fn take_pod_spec(object: &mut Object) -> Option<PodSpec> {
    match object {
        Object::Deployment(deployment) => deployment.spec.template.spec.take(),
        _ => None,
    }
}

fn put_pod_spec(object: &mut Object, spec: Option<PodSpec>) {
    if let Object::Deployment(deployment) = object {
        deployment.spec.template.spec = spec;
    }
}

/// `spec.template.spec` of an object's tree, taken out.
fn take_tree_pod_spec(tree: &mut Tree) -> Option<Tree> {
    tree.get_mut("spec")?.get_mut("template")?.remove("spec")
}

fn put_tree_pod_spec(tree: &mut Tree, spec: Option<Tree>) {
    let template = tree
        .get_mut("spec")
        .and_then(|deployment_spec| deployment_spec.get_mut("template"));
    if let (Some(template), Some(spec)) = (template, spec) {
        template.insert("spec", spec);
    }
}

/// How the first pass's patches compare with the plain diff's: the test oracle of
/// [`compare`]'s short cuts (the pod spec left out, the scalars serialised against the base
/// tree), over every object of every environment that replaces a base object the base has
/// once.
#[derive(Debug, Default)]
pub struct Oracle {
    /// How many objects were compared both ways.
    pub compared: usize,
    /// How many of them the scalars' route answered (the others were diffed as trees).
    pub by_scalars: usize,
    /// Each object whose patches differ: its environment, kind and name, and both texts.
    pub differing: Vec<String>,
}

/// [`Oracle`] for `environments`: each object's patch as the overlay computes it, against
/// the diff of the whole trees with `namespace:` and `replicas:` applied to the base object.
pub fn oracle(model: &Model, environments: &[&Environment]) -> Oracle {
    let base: Vec<Vec<Object>> = model
        .services
        .iter()
        .map(|service| base::service_objects(model, service))
        .collect();
    let facts: Vec<Vec<base::Facts>> = base
        .iter()
        .map(|objects| objects.iter().map(base::Facts::of).collect())
        .collect();
    let places = base_places(&facts);
    let mut oracle = Oracle::default();
    for environment in environments {
        let namespace = environment.namespace.value.as_str();
        let before = Before {
            model,
            namespace,
            places: &places,
        };
        let mut rebuilt = BTreeMap::new();
        for source in sources(model, environment) {
            let Some((_, mut objects)) = source.build(model, environment) else {
                continue;
            };
            for object in &mut objects {
                let Some(Some(place)) = places.get(&key(object)).copied() else {
                    continue;
                };
                let replicas = transforms::replicas(object);
                let Some(compared) = compare(&before, &mut rebuilt, place, object, replicas) else {
                    continue;
                };
                let Some(base_object) = base.get(place.0).and_then(|objects| objects.get(place.1))
                else {
                    continue;
                };
                let mut value = Tree::of(base_object);
                transforms::set_namespace(&mut value, namespace);
                if let Some(count) = compared.replicas {
                    transforms::set_replicas(&mut value, count);
                }
                let plain = diff::diff(&value, &Tree::of(&*object));
                let plain = (!plain.0.is_empty()).then(|| yaml::document_text(&plain));
                oracle.compared += 1;
                if scalars::changes(&value, &*object).is_some() {
                    oracle.by_scalars += 1;
                }
                if plain != compared.text {
                    oracle.differing.push(format!(
                        "{} {} {}: the overlay's patch\n{}\nthe diff's\n{}",
                        environment.name.value,
                        object.kind(),
                        object.name(),
                        compared.text.unwrap_or_default(),
                        plain.unwrap_or_default()
                    ));
                }
            }
        }
    }
    oracle
}
