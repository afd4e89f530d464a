//! What kustomize's built-in transformers do to an object, redone on JSON values so the
//! overlay can predict kustomize's output and patch only what the transformers leave
//! different: `namespace:` sets `metadata.namespace` (every object here is namespaced but the
//! Namespace), `replicas:` sets a named Deployment's `spec.replicas`, and `images:` rewrites
//! every container image whose name matches. What the transformers look at (replicas,
//! images) is read from the typed objects.
//!
//! Image names are split the way kustomize 4.5.4 splits them: at the last `@` when there is a
//! digest, else at the last `:` after the first `/` (a `:` before it is a registry port).

use crate::emit::k8s::Object;
use serde_json::Value;

/// `namespace:`: sets `metadata.namespace` of a namespaced object.
pub(crate) fn set_namespace(object: &mut Value, namespace: &str) {
    if object.get("kind").and_then(Value::as_str) == Some("Namespace") {
        return;
    }
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert(
            "namespace".to_string(),
            Value::String(namespace.to_string()),
        );
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
pub(crate) fn set_replicas(object: &mut Value, count: u64) {
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("replicas".to_string(), Value::from(count));
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
pub(crate) fn set_image_tag(object: &mut Value, name: &str, tag: &str) {
    let Some(containers) = object
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for container in containers {
        let matches = container
            .get("image")
            .and_then(Value::as_str)
            .is_some_and(|image| split_image(image).0 == name);
        if matches {
            if let Some(fields) = container.as_object_mut() {
                fields.insert("image".to_string(), Value::String(format!("{name}:{tag}")));
            }
        }
    }
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
