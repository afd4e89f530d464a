//! The workload of a service on the Argo Rollouts engine: one `Rollout` (`argoproj.io/v1alpha1`)
//! in place of the `-stable`/`-canary` Deployments, with the same pod template, replicas and
//! selector a Deployment would have (no replicas when an autoscaler scales the Rollout, whose
//! count then drives the canary's ReplicaSet sizes); its AnalysisTemplate when the canary has
//! `analysis`; and the resting VirtualService it drives, with a DestinationRule per Service the
//! route reaches when the service has a circuit breaker (see
//! [`crate::emit::istio::rollout_routing`]). Its stable and canary Services are written with
//! the service's own Service (`network`).
//!
//! The routing is written here, next to the Rollout, rather than by the `istio` target: the
//! Rollout cannot start without it, and Argo CD deploys the Kustomize overlay, which the `k8s`
//! objects make up. The `istio` target writes nothing for such a service.

use super::{pod, workload, Object, Unit};
use crate::check::model::Model;
use crate::emit::istio;
use crate::emit::rollouts::{self, types};

/// The Rollout; `None` unless Argo Rollouts runs the unit.
pub fn rollout(unit: &Unit) -> Option<types::Rollout> {
    let deployment = unit.deployment;
    let canary = rollouts::canary_strategy(deployment)?;
    Some(types::Rollout {
        api_version: types::API_VERSION,
        kind: "Rollout",
        metadata: unit.metadata(rollouts::name(deployment)),
        spec: types::RolloutSpec {
            replicas: workload::replicas(unit),
            selector: unit.pod_selector(),
            template: pod::template(unit, unit.labels.clone()),
            strategy: types::RolloutStrategy { canary },
        },
    })
}

/// What the Rollout needs besides the service's Services, in file order: the
/// AnalysisTemplate (with `analysis`), the DestinationRules (with a circuit breaker) and the
/// VirtualService.
pub(crate) fn companions(model: &Model, unit: &Unit) -> Vec<Object> {
    let deployment = unit.deployment;
    if deployment.strategy.argo_rollouts().is_none() {
        return Vec::new();
    }
    let metadata = unit.metadata(rollouts::name(deployment));
    let mut objects: Vec<Object> = rollouts::analysis_template(model, deployment, metadata)
        .map(|template| Object::AnalysisTemplate(Box::new(template)))
        .into_iter()
        .collect();
    objects.extend(
        rollouts::hook_templates(model, deployment, |name| unit.metadata(name))
            .into_iter()
            .map(|template| Object::AnalysisTemplate(Box::new(template))),
    );
    if let Some((rules, service)) = istio::rollout_routing(model, deployment) {
        objects.extend(
            rules
                .into_iter()
                .map(|rule| Object::DestinationRule(Box::new(rule))),
        );
        objects.push(Object::VirtualService(Box::new(service)));
    }
    objects
}
