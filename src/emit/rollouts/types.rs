//! Our own serde types for the Argo Rollouts objects Slipway writes: `Rollout` and
//! `AnalysisTemplate` of `argoproj.io/v1alpha1`, with only the fields we emit. Unset options
//! are skipped, lists keep their order, so the YAML is small and byte-stable.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// One Argo Rollouts object: the envelope shared by both kinds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Object<Spec> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

pub type Rollout = Object<RolloutSpec>;
pub type AnalysisTemplate = Object<AnalysisTemplateSpec>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutSpec {
    /// Unset when an autoscaler scales the Rollout (Argo Rollouts then starts at 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    pub strategy: RolloutStrategy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutStrategy {
    pub canary: CanaryStrategy,
}

/// A canary with Istio host-level traffic splitting: the route goes to `stableService` and
/// `canaryService`, whose selectors Argo Rollouts narrows to one ReplicaSet each.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStrategy {
    pub canary_service: String,
    pub stable_service: String,
    pub traffic_routing: TrafficRouting,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficRouting {
    pub istio: IstioRouting,
}

/// Host-level traffic splitting: the Rollout sets the weights of `routes` of one
/// VirtualService between the canary and the stable Service (no DestinationRule).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioRouting {
    pub virtual_service: VirtualServiceRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VirtualServiceRef {
    pub name: String,
    pub routes: Vec<String>,
}

/// One canary step: exactly one of its fields is set (see the constructors).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<StepAnalysis>,
}

impl Step {
    pub fn set_weight(weight: u32) -> Step {
        Step {
            set_weight: Some(weight),
            pause: None,
            analysis: None,
        }
    }

    pub fn pause(duration: Option<String>) -> Step {
        Step {
            set_weight: None,
            pause: Some(Pause { duration }),
            analysis: None,
        }
    }

    pub fn analysis(analysis: StepAnalysis) -> Step {
        Step {
            set_weight: None,
            pause: None,
            analysis: Some(analysis),
        }
    }
}

/// `pause: {duration: 5m}`, or `pause: {}` until someone promotes the rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pause {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepAnalysis {
    pub templates: Vec<TemplateRef>,
    pub args: Vec<Argument>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRef {
    pub template_name: String,
}

/// An argument: declared without a value in a template, passed with one by a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Argument {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisTemplateSpec {
    pub args: Vec<Argument>,
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub name: String,
    /// How long after the step starts the first measurement is taken: one `interval`, so
    /// the first query's window holds only requests the canary received.
    pub initial_delay: String,
    pub interval: String,
    /// `{{args.rounds}}`: each step says how many rounds it measures.
    pub count: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<u32>,
    pub success_condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_condition: Option<String>,
    pub provider: Provider,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provider {
    pub prometheus: PrometheusProvider,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrometheusProvider {
    pub address: String,
    pub query: String,
}
