//! Our own serde types for the Argo Rollouts objects Slipway writes: `Rollout` and
//! `AnalysisTemplate` of `argoproj.io/v1alpha1`, with only the fields we emit. Unset options
//! are skipped, lists keep their order, so the YAML is small and byte-stable.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

pub(crate) const API_VERSION: &str = "argoproj.io/v1alpha1";

/// One Argo Rollouts object, with the Kubernetes metadata of the service it belongs to.
pub type Object<Spec> = crate::emit::object::Object<Spec, ObjectMeta>;

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
    /// Background analysis over the whole rollout: the load generators (`during` hooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<BackgroundAnalysis>,
    pub steps: Vec<Step>,
}

/// `analysis` of a canary: templates that run from `startingStep` until the rollout ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundAnalysis {
    pub templates: Vec<TemplateRef>,
    pub starting_step: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficRouting {
    /// The routes Argo Rollouts adds above the weighted one while a rollout runs (a canary's
    /// header and mirror routes), in the order they take precedence; removed at the end.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_routes: Vec<ManagedRoute>,
    pub istio: IstioRouting,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagedRoute {
    pub name: String,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_weight: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_canary_scale: Option<CanaryScale>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<StepAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_header_route: Option<HeaderRoute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_mirror_route: Option<MirrorRoute>,
}

/// `setHeaderRoute`: requests whose header passes any of `match` go to the canary Service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderRoute {
    pub name: String,
    #[serde(rename = "match")]
    pub matches: Vec<HeaderMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderMatch {
    pub header_name: String,
    pub header_value: ValueTest,
}

/// `exact`, `prefix` or `regex` (one of them is set): Argo Rollouts' string test has the
/// shape of Istio's.
pub use crate::emit::istio::StringMatch as ValueTest;

/// `setMirrorRoute`: `percentage` of the requests that meet `match` are copied to the canary
/// Service, while the route keeps the weighted route's split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MirrorRoute {
    pub name: String,
    pub percentage: u32,
    #[serde(rename = "match")]
    pub matches: Vec<MirrorMatch>,
}

/// A request condition of a mirror route: here only the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MirrorMatch {
    pub path: ValueTest,
}

impl Step {
    pub(crate) fn header_route(route: HeaderRoute) -> Step {
        Step {
            set_header_route: Some(route),
            ..Step::default()
        }
    }

    pub(crate) fn mirror_route(route: MirrorRoute) -> Step {
        Step {
            set_mirror_route: Some(route),
            ..Step::default()
        }
    }

    pub fn set_weight(weight: u32) -> Step {
        Step {
            set_weight: Some(weight),
            ..Step::default()
        }
    }

    pub fn pause(duration: Option<String>) -> Step {
        Step {
            pause: Some(Pause { duration }),
            ..Step::default()
        }
    }

    pub fn analysis(analysis: StepAnalysis) -> Step {
        Step {
            analysis: Some(analysis),
            ..Step::default()
        }
    }

    pub(crate) fn set_canary_scale(scale: CanaryScale) -> Step {
        Step {
            set_canary_scale: Some(scale),
            ..Step::default()
        }
    }
}

/// `setCanaryScale`: a fixed number of canary pods, whatever the weight, or back to pods in
/// proportion to the weight (`matchTrafficWeight`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryScale {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// A percentage of the Rollout's replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_traffic_weight: Option<bool>,
}

impl CanaryScale {
    pub fn replicas(replicas: u32) -> CanaryScale {
        CanaryScale {
            replicas: Some(replicas),
            weight: None,
            match_traffic_weight: None,
        }
    }

    pub fn weight(percent: u32) -> CanaryScale {
        CanaryScale {
            replicas: None,
            weight: Some(percent),
            match_traffic_weight: None,
        }
    }

    pub(crate) fn match_traffic_weight() -> CanaryScale {
        CanaryScale {
            replicas: None,
            weight: None,
            match_traffic_weight: Some(true),
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Argument>,
    pub metrics: Vec<AnyMetric>,
}

/// A metric of either kind: a gate measured in Prometheus, or a hook's Job.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyMetric {
    Prometheus(Metric),
    Job(Box<JobMetric>),
}

/// A metric whose measurement is a Job: it succeeds when the Job completes, fails when it
/// fails (or passes its `activeDeadlineSeconds`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobMetric {
    pub name: String,
    pub provider: JobProvider,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobProvider {
    pub job: JobTemplate,
}

/// The Job Argo Rollouts creates: its labels and annotations, and its spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobTemplate {
    pub metadata: ObjectMeta,
    pub spec: k8s_openapi::api::batch::v1::JobSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub name: String,
    /// How long after the step starts the first measurement is taken: one `interval`, so
    /// the first query's window holds only requests the canary received.
    pub initial_delay: String,
    pub interval: String,
    /// `{{args.rounds}}`: each step says how many rounds it measures; none in a background
    /// analysis (`over = rollout`), which measures until the rollout ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
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
