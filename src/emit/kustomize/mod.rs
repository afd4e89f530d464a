//! The `kustomize` target: `kustomize/base/` holds every service as declared, and
//! `kustomize/overlays/<env>/` turns it into one environment. `kustomize build` of an overlay
//! gives exactly the objects of the `k8s` target for that environment (the
//! `kustomize_equals_direct` test runs the real kustomize to hold this).
//!
//! Both halves come from the `k8s` target's object functions: the base renders a deployment
//! built from the service declaration alone ([`base`]); each overlay is the difference
//! between the base and the environment's objects, expressed first with kustomize's own
//! fields (`namespace`, `replicas`, `images`, extra `resources`) and then with generated
//! patches for the rest, inline in the overlay's kustomization ([`overlay`]). Only fields kustomize 4.5.4 accepts are written.

mod base;
mod kustomization;
mod overlay;
mod transforms;

use super::{yaml, Options, Output};
use crate::check::model::{Environment, Model};
use kustomization::Kustomization;

/// The base and the overlays are rendered on up to `threads` threads.
pub fn emit(model: &Model, options: &Options, output: &mut Output, threads: usize) {
    let header = super::header(options);
    let base = base::render(model);
    let mut resources = Vec::new();
    for (service, objects) in &base {
        let file = format!("{service}.yaml");
        output.insert(
            format!("kustomize/base/{file}"),
            format!("{header}{}", yaml::documents(objects)),
        );
        resources.push(file);
    }
    let kustomization = yaml::document_text(&Kustomization::new(resources));
    output.insert(
        "kustomize/base/kustomization.yaml",
        format!("{header}{kustomization}"),
    );
    // One environment after the other, each spread over the threads by service: there are
    // fewer environments than cores to keep busy, and one overlay's work varies little.
    let environments: Vec<&Environment> = super::environments(model, options).collect();
    let overlays = environments
        .iter()
        .map(|environment| overlay::render(model, environment, &base, threads));
    for (environment, files) in environments.iter().zip(overlays) {
        for (file, text) in files {
            let path = format!("kustomize/overlays/{}/{file}", environment.name.value);
            output.insert(path, format!("{header}{text}"));
        }
    }
}
