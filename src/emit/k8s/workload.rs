//! The Deployments of a service: one per track (see [`crate::emit::tracks`]).
//!
//! * `rolling` is a `RollingUpdate` with the spec's `maxSurge`/`maxUnavailable` (a count, or
//!   a percentage such as `"25%"`); `recreate` is `type: Recreate` with no `rollingUpdate`.
//! * `canary` and `blue_green` run two Deployments whose pods carry `version: <track>`; the
//!   label is part of each Deployment's selector, so the two never adopt each other's pods.
//!   Each track updates itself with the Kubernetes `RollingUpdate` defaults (25%/25%), written
//!   out so the manifest shows what runs; traffic between the tracks is the mesh's job.
//!
//! Replicas of the tracks: the live track (`-stable`, `-blue`) runs the service's replicas,
//! and so does blue-green's `-green`, which serves the preview and then takes all traffic at
//! once. A canary's `-canary` track rests at **zero** pods: the rollout script scales it to its
//! share of the live track's pods before each weight shift (see `docs/semantics.md`), so that
//! traffic outside the mesh, which a Service splits by ready pods, follows the weights too, and
//! a deploy that applies the manifests puts it back to rest.
//!
//! An autoscaled service's Deployments have no `spec.replicas` at all: each has an autoscaler
//! of its own ([`super::scaling`]), which owns the count. Writing a count would make every
//! `kubectl apply` (or Argo CD sync) reset what the autoscaler chose, as the Kubernetes
//! autoscaling documentation warns; without one, an apply leaves the live count alone.

use super::{int32, pod, Unit};
use crate::check::model::{IntOrPercent, StrategyKind};
use crate::emit::{tracks, Track};
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The `version` of a canary's candidate track, which rests at zero pods.
const CANARY_TRACK: &str = "canary";

/// The Deployments of the unit, primary track first.
pub fn deployments(unit: &Unit) -> Vec<Deployment> {
    tracks(unit.deployment)
        .iter()
        .map(|track| deployment(unit, track))
        .collect()
}

/// `spec.replicas` of a workload: the service's replicas, or none when an autoscaler owns the
/// count (the Argo Rollouts `Rollout` follows the same rule).
pub fn replicas(unit: &Unit) -> Option<i32> {
    if unit.deployment.autoscaling.is_some() {
        return None;
    }
    Some(int32(unit.deployment.replicas.value))
}

fn deployment(unit: &Unit, track: &Track) -> Deployment {
    let mut selector = unit.selector.clone();
    let mut labels = unit.labels.clone();
    if let Some(version) = track.version {
        selector.insert("version".to_string(), version.to_string());
        labels.insert("version".to_string(), version.to_string());
    }
    let mut metadata = unit.metadata(track.workload.clone());
    metadata.labels = Some(labels.clone());
    Deployment {
        metadata,
        spec: DeploymentSpec {
            replicas: match track.version {
                Some(CANARY_TRACK) => Some(0),
                _ => replicas(unit),
            },
            selector: LabelSelector {
                match_labels: Some(selector),
                ..LabelSelector::default()
            },
            strategy: Some(strategy(&unit.deployment.strategy.kind)),
            template: pod::template(unit, labels),
            ..DeploymentSpec::default()
        },
        ..Deployment::default()
    }
}

fn strategy(kind: &StrategyKind) -> DeploymentStrategy {
    match kind {
        StrategyKind::Recreate => DeploymentStrategy {
            type_: Some("Recreate".to_string()),
            rolling_update: None,
        },
        StrategyKind::Rolling {
            max_surge,
            max_unavailable,
        } => rolling(*max_surge, *max_unavailable),
        StrategyKind::Canary { .. } | StrategyKind::BlueGreen { .. } => {
            rolling(IntOrPercent::Percent(25), IntOrPercent::Percent(25))
        }
    }
}

fn rolling(max_surge: IntOrPercent, max_unavailable: IntOrPercent) -> DeploymentStrategy {
    DeploymentStrategy {
        type_: Some("RollingUpdate".to_string()),
        rolling_update: Some(RollingUpdateDeployment {
            max_surge: Some(int_or_string(max_surge)),
            max_unavailable: Some(int_or_string(max_unavailable)),
        }),
    }
}

fn int_or_string(value: IntOrPercent) -> IntOrString {
    match value {
        IntOrPercent::Count(count) => IntOrString::Int(int32(count)),
        IntOrPercent::Percent(percent) => IntOrString::String(format!("{percent}%")),
    }
}
