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
mod diff;
mod kustomization;
mod overlay;
mod scalars;
mod survey;
mod transforms;
mod tree;

use super::{yaml, Options, Sink};
use crate::check::model::Model;
use kustomization::Kustomization;
pub use survey::Oracle;

/// The base and the overlays are rendered on up to `threads` threads and handed to `sink` a
/// batch at a time.
pub fn emit(model: &Model, options: &Options, sink: &mut dyn Sink, threads: usize) {
    let header = super::header(options);
    // The base's files a batch of services at a time; only the objects' facts are kept.
    let mut base = Vec::with_capacity(model.services.len());
    let mut resources = Vec::with_capacity(model.services.len());
    for batch in model.services.chunks(BASE_BATCH) {
        let done = super::parallel::map(threads, batch, |service| {
            let objects = base::service_objects(model, service);
            let facts: Vec<base::Facts> = objects.iter().map(base::Facts::of).collect();
            (facts, format!("{header}{}", yaml::documents(&objects)))
        });
        let mut files = Vec::with_capacity(batch.len());
        for (service, (facts, text)) in batch.iter().zip(done) {
            let file = format!("{}.yaml", service.name.value);
            files.push((format!("kustomize/base/{file}"), text));
            resources.push(file);
            base.push(facts);
        }
        sink.take(files);
    }
    let kustomization = yaml::document_text(&Kustomization::new(resources));
    sink.put(
        "kustomize/base/kustomization.yaml".to_string(),
        format!("{header}{kustomization}"),
    );
    // The first pass over every environment at once, spread over the threads by service (a
    // service's base objects serve all its environments); then each overlay's kustomization.
    let environments: Vec<_> = super::environments(model, options).collect();
    let directories: Vec<String> = environments
        .iter()
        .map(|environment| format!("kustomize/overlays/{}", environment.name.value))
        .collect();
    let surveys = survey::survey(model, &environments, &base, threads, &mut |index, files| {
        if let Some(dir) = directories.get(index) {
            let mut overlay_sink = OverlayFiles {
                dir: dir.clone(),
                header: &header,
                sink: &mut *sink,
            };
            overlay_sink.take(files);
        }
    });
    for ((environment, surveys), dir) in environments.iter().zip(surveys).zip(&directories) {
        let mut overlay_sink = OverlayFiles {
            dir: dir.clone(),
            header: &header,
            sink,
        };
        overlay::render(
            model,
            environment,
            &base,
            surveys,
            threads,
            &mut overlay_sink,
        );
    }
}

/// The test oracle of the overlays' short cuts: every patch the first pass computes for the
/// environments `options` selects, against the plain diff of the whole objects (see
/// `tests/kustomize_scalars_equal_diff.rs`).
pub fn patch_oracle(model: &Model, options: &Options) -> Oracle {
    let environments: Vec<_> = super::environments(model, options).collect();
    survey::oracle(model, &environments)
}

/// How many services' base files are rendered before the sink takes them.
const BASE_BATCH: usize = 512;

/// The sink of one overlay's files: names them under the overlay's directory and puts the
/// header in front.
struct OverlayFiles<'s> {
    dir: String,
    header: &'s str,
    sink: &'s mut dyn Sink,
}

impl Sink for OverlayFiles<'_> {
    fn take(&mut self, files: Vec<(String, String)>) {
        let files = files
            .into_iter()
            .map(|(file, text)| {
                (
                    format!("{}/{file}", self.dir),
                    format!("{}{text}", self.header),
                )
            })
            .collect();
        self.sink.take(files);
    }
}
