//! The kustomize base: every service as declared, before any environment changes it.
//!
//! The base is rendered by the `k8s` target's own functions from a deployment built from the
//! service declaration alone: its image, replicas, resources, variables and autoscaling, the
//! language's default strategy (`rolling`, surge 25%, none unavailable) and no namespace (each
//! overlay sets it). It belongs to no environment, so its `app.kubernetes.io/instance` label
//! is the service name; the overlays patch it to `<service>-<environment>`.
//!
//! The base's objects are not held while the overlays are written: each overlay keeps their
//! [`Facts`] and rebuilds a service's objects when it computes that service's patches.

use super::transforms;
use crate::check::model::{Deployment, Gateway, Model, Service, Strategy};
use crate::emit::k8s::{self, Object, Unit};
use crate::emit::labels;
use crate::span::Span;

const INSTANCE: &str = "app.kubernetes.io/instance";

/// The base objects of one service, in file order.
pub fn service_objects(model: &Model, service: &Service) -> Vec<Object> {
    let deployment = declared(model, service);
    let mut unit = Unit {
        service,
        deployment: &deployment,
        namespace: None,
        labels: labels::standard(model, &deployment),
        selector: labels::selector(&deployment),
    };
    for labels in [&mut unit.labels, &mut unit.selector] {
        labels.insert(INSTANCE.to_string(), service.name.value.clone());
    }
    k8s::service_objects(model, &unit)
}

/// What an overlay needs to know of one base object, so that the base need not be held:
/// what names it, and what kustomize's transformers look at. Patches rebuild the object.
pub struct Facts {
    pub kind: &'static str,
    pub name: String,
    pub api_version: &'static str,
    pub replicas: Option<u64>,
    pub images: Vec<String>,
}

impl Facts {
    pub fn of(object: &Object) -> Facts {
        Facts {
            kind: object.kind(),
            name: object.name().to_string(),
            api_version: object.api_version(),
            replicas: transforms::replicas(object),
            images: transforms::images(object),
        }
    }
}

/// The service as declared, outside any environment.
fn declared(model: &Model, service: &Service) -> Deployment {
    Deployment {
        service: service.name.value.clone(),
        environment: String::new(),
        namespace: String::new(),
        image: service.image.clone(),
        replicas: service.replicas.clone(),
        resources: service.resources.clone(),
        env: service.env.clone(),
        strategy: std::sync::Arc::new(Strategy::default_rolling(Span::default())),
        autoscaling: service.autoscaling.clone(),
        expose: service.expose.clone().map(|mut exposure| {
            // Outside any environment, an exposure without a gateway gets no Ingress; each
            // overlay adds the one its environment has.
            exposure.gateway.get_or_insert_with(|| {
                crate::span::Spanned::new(Gateway::default_istio(), exposure.span)
            });
            exposure
        }),
        scheduling: service.scheduling.clone(),
        pull_secrets: model
            .app
            .as_ref()
            .map(|app| app.pull_secrets.clone())
            .unwrap_or_default(),
        removed: Vec::new(),
    }
}
