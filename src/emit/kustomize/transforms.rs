//! What kustomize's built-in transformers do to an object, redone on its [`Tree`] so the
//! overlay can predict kustomize's output and patch only what the transformers leave
//! different: `namespace:` sets `metadata.namespace` (every object here is namespaced but the
//! Namespace), `replicas:` sets a named Deployment's `spec.replicas`, and `images:` rewrites
//! every container image whose name matches. What the transformers look at (replicas,
//! images) is read from the typed objects.
//!
//! Image names are split the way kustomize 4.5.4 splits them: at the last `@` when there is a
//! digest, else at the last `:` after the first `/` (a `:` before it is a registry port).

use super::tree::Tree;
use crate::emit::k8s::Object;
use serde_json::Number;

/// `namespace:`: sets `metadata.namespace` of a namespaced object.
pub(crate) fn set_namespace(object: &mut Tree, namespace: &str) {
    if object.get("kind").and_then(Tree::as_str) == Some("Namespace") {
        return;
    }
    if let Some(metadata) = object.get_mut("metadata") {
        metadata.insert("namespace", Tree::String(namespace.to_string()));
    }
}

/// What `work` gives for `object` as `namespace:` and `replicas:` (where `replicas` is given)
/// leave it; the object is put back as it was after, so that one tree of a base object serves
/// every environment.
pub(crate) fn transformed<R>(
    object: &mut Tree,
    namespace: &str,
    replicas: Option<u64>,
    work: impl FnOnce(&Tree) -> R,
) -> R {
    let saved_namespace = object
        .get("metadata")
        .map(|metadata| metadata.get("namespace").cloned());
    let saved_replicas = object.get("spec").map(|spec| spec.get("replicas").cloned());
    set_namespace(object, namespace);
    if let Some(count) = replicas {
        set_replicas(object, count);
    }
    let result = work(object);
    restore(object, "metadata", "namespace", saved_namespace);
    restore(object, "spec", "replicas", saved_replicas);
    result
}

/// Puts field `name` of field `parent` back as it was (`saved`: `None` when there was no
/// parent, `Some(None)` when the parent lacked the field).
fn restore(object: &mut Tree, parent: &str, name: &'static str, saved: Option<Option<Tree>>) {
    let (Some(saved), Some(parent)) = (saved, object.get_mut(parent)) else {
        return;
    };
    match saved {
        Some(value) => parent.insert(name, value),
        None => {
            parent.remove(name);
        }
    }
}

/// `spec.replicas` of a Deployment; `None` for other kinds.
pub fn replicas(object: &Object) -> Option<u64> {
    match object {
        Object::Deployment(deployment) => deployment
            .spec
            .replicas
            .and_then(|count| u64::try_from(count).ok()),
        _ => None,
    }
}

/// `replicas:`: sets `spec.replicas` of a Deployment.
pub(crate) fn set_replicas(object: &mut Tree, count: u64) {
    if let Some(spec) = object.get_mut("spec") {
        spec.insert("replicas", Tree::Number(Number::from(count)));
    }
}

/// The container images of an object's pod template (a Deployment's or a Rollout's), in
/// container order; empty for other kinds.
pub fn images(object: &Object) -> Vec<String> {
    let template = match object {
        Object::Deployment(deployment) => Some(&deployment.spec.template),
        Object::Rollout(rollout) => Some(&rollout.spec.template),
        _ => None,
    };
    template
        .and_then(|template| template.spec.as_ref())
        .map(|pod| {
            pod.containers
                .iter()
                .filter_map(|container| container.image.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// `images:` with `newTag`: every container image named `name` becomes `name:tag`.
pub(crate) fn set_image_tag(object: &mut Tree, name: &str, tag: &str) {
    let Some(Tree::Array(containers)) = containers(object) else {
        return;
    };
    for container in containers {
        let matches = container
            .get("image")
            .and_then(Tree::as_str)
            .is_some_and(|image| split_image(image).0 == name);
        if matches {
            container.insert("image", Tree::String(format!("{name}:{tag}")));
        }
    }
}

/// `spec.template.spec.containers`, where there is one.
fn containers(object: &mut Tree) -> Option<&mut Tree> {
    object
        .get_mut("spec")?
        .get_mut("template")?
        .get_mut("spec")?
        .get_mut("containers")
}

/// The names of the container images `images:` looks at (those [`set_image_tag`] may
/// rewrite), in container order.
pub(crate) fn image_names(object: &Tree) -> Vec<String> {
    let containers = ["spec", "template", "spec", "containers"]
        .into_iter()
        .try_fold(object, |tree, name| tree.get(name));
    let Some(Tree::Array(containers)) = containers else {
        return Vec::new();
    };
    containers
        .iter()
        .filter_map(|container| container.get("image").and_then(Tree::as_str))
        .map(|image| split_image(image).0.to_string())
        .collect()
}

/// Splits an image reference into its name and the rest (`:tag`, `@digest`, or empty).
pub(crate) fn split_image(image: &str) -> (&str, &str) {
    if let Some(at) = image.rfind('@') {
        return image.split_at(at);
    }
    let after_registry = image.find('/').unwrap_or(0);
    match image.get(after_registry..).and_then(|rest| rest.rfind(':')) {
        Some(colon) => image.split_at(after_registry + colon),
        None => (image, ""),
    }
}
