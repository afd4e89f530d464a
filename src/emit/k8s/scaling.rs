//! Capacity objects: the HorizontalPodAutoscaler (`autoscaling/v2`, CPU utilisation) when
//! the service autoscales, and the PodDisruptionBudget (`policy/v1`) when it runs more than
//! one replica.
//!
//! The autoscaler scales the primary workload (the only Deployment, the `stable`/`blue`
//! track, or the Argo Rollouts `Rollout`). The budget selects the same pods as the Service (every track) and lets one pod
//! at a time be evicted: voluntary disruptions such as node drains never take out more than
//! one replica, yet can always make progress.

use super::{int32, workload, Unit};
use crate::emit::rollouts;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::Resource;

pub fn autoscaler(unit: &Unit) -> Option<HorizontalPodAutoscaler> {
    let autoscaling = unit.deployment.autoscaling.as_ref()?;
    let cpu = MetricSpec {
        type_: "Resource".to_string(),
        resource: Some(ResourceMetricSource {
            name: "cpu".to_string(),
            target: MetricTarget {
                type_: "Utilization".to_string(),
                average_utilization: Some(int32(autoscaling.cpu_percent)),
                ..MetricTarget::default()
            },
        }),
        ..MetricSpec::default()
    };
    Some(HorizontalPodAutoscaler {
        metadata: unit.metadata(unit.name()),
        spec: HorizontalPodAutoscalerSpec {
            scale_target_ref: scale_target(unit),
            min_replicas: Some(int32(autoscaling.min.value)),
            max_replicas: int32(autoscaling.max.value),
            metrics: Some(vec![cpu]),
            ..HorizontalPodAutoscalerSpec::default()
        },
        ..HorizontalPodAutoscaler::default()
    })
}

/// The primary Deployment, or the Rollout on the Argo Rollouts engine (which has the scale
/// subresource an autoscaler needs).
fn scale_target(unit: &Unit) -> CrossVersionObjectReference {
    if unit.deployment.strategy.argo_rollouts().is_some() {
        return CrossVersionObjectReference {
            api_version: Some(rollouts::types::API_VERSION.to_string()),
            kind: "Rollout".to_string(),
            name: rollouts::name(unit.deployment),
        };
    }
    CrossVersionObjectReference {
        api_version: Some(Deployment::API_VERSION.to_string()),
        kind: Deployment::KIND.to_string(),
        name: workload::primary_workload(unit),
    }
}

pub fn disruption_budget(unit: &Unit) -> Option<PodDisruptionBudget> {
    if unit.deployment.replicas.value <= 1 {
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
