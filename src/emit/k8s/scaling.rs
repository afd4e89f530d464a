//! Capacity objects: the HorizontalPodAutoscalers (`autoscaling/v2`, CPU utilisation) when
//! the service autoscales, and the PodDisruptionBudget (`policy/v1`) when it runs more than
//! one replica.
//!
//! Every workload of an autoscaled service has an autoscaler of its own, named after it: the
//! only Deployment, each track of a canary or blue-green service (`<service>-stable` and
//! `<service>-canary`, `<service>-blue` and `<service>-green`), or the Argo Rollouts `Rollout`.
//! Each track's autoscaler sizes that track by the load its own pods see (the track's selector
//! includes its `version` label), so the candidate grows with the traffic it is given. Those
//! workloads carry no `spec.replicas` (see [`super::workload`]): the autoscaler owns the count,
//! and an apply never resets it. docs/semantics.md ("HPA and replicas") says what the workflow
//! does with the candidate's autoscaler during a rollout.
//!
//! The budget selects the same pods as the Service (every track) and lets one pod at a time be
//! evicted: voluntary disruptions such as node drains never take out more than one replica,
//! yet can always make progress. An autoscaled service counts its autoscaling `min` as its
//! replicas here, since its `replicas` no longer sizes anything.

use super::{int32, Unit};
use crate::emit::{rollouts, tracks};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::Resource;

/// The autoscalers of the unit, one per workload in workload order; empty without autoscaling.
pub fn autoscalers(unit: &Unit) -> Vec<HorizontalPodAutoscaler> {
    let Some(autoscaling) = unit.deployment.autoscaling.as_ref() else {
        return Vec::new();
    };
    scale_targets(unit)
        .into_iter()
        .map(|target| HorizontalPodAutoscaler {
            metadata: unit.metadata(target.name.clone()),
            spec: HorizontalPodAutoscalerSpec {
                scale_target_ref: target,
                min_replicas: Some(int32(autoscaling.min.value)),
                max_replicas: int32(autoscaling.max.value),
                metrics: Some(vec![cpu_utilisation(autoscaling.cpu_percent)]),
                ..HorizontalPodAutoscalerSpec::default()
            },
            ..HorizontalPodAutoscaler::default()
        })
        .collect()
}

/// The metric: average CPU utilisation of the target's pods, as a percentage of their requests.
fn cpu_utilisation(percent: u32) -> MetricSpec {
    MetricSpec {
        type_: "Resource".to_string(),
        resource: Some(ResourceMetricSource {
            name: "cpu".to_string(),
            target: MetricTarget {
                type_: "Utilization".to_string(),
                average_utilization: Some(int32(percent)),
                ..MetricTarget::default()
            },
        }),
        ..MetricSpec::default()
    }
}

/// Every workload of the unit: its Deployments (one per track), or the Rollout on the Argo
/// Rollouts engine (which has the scale subresource an autoscaler needs).
fn scale_targets(unit: &Unit) -> Vec<CrossVersionObjectReference> {
    if unit.deployment.strategy.argo_rollouts().is_some() {
        return vec![CrossVersionObjectReference {
            api_version: Some(rollouts::types::API_VERSION.to_string()),
            kind: "Rollout".to_string(),
            name: rollouts::name(unit.deployment),
        }];
    }
    tracks(unit.deployment)
        .into_iter()
        .map(|track| CrossVersionObjectReference {
            api_version: Some(Deployment::API_VERSION.to_string()),
            kind: Deployment::KIND.to_string(),
            name: track.workload,
        })
        .collect()
}

/// The fewest pods the service runs: the autoscaling `min` when it autoscales, else `replicas`.
fn fewest_replicas(unit: &Unit) -> u32 {
    unit.deployment
        .autoscaling
        .as_ref()
        .map_or(unit.deployment.replicas.value, |autoscaling| {
            autoscaling.min.value
        })
}

pub fn disruption_budget(unit: &Unit) -> Option<PodDisruptionBudget> {
    if fewest_replicas(unit) <= 1 {
        return None;
    }
    Some(PodDisruptionBudget {
        metadata: unit.metadata(unit.name()),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(unit.pod_selector()),
            ..PodDisruptionBudgetSpec::default()
        }),
        ..PodDisruptionBudget::default()
    })
}
