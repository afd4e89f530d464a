//! The Job of a canary hook (`hook NAME { at, image, command, timeout }`), shared by the two
//! engines: the workflow applies it as a file (`rollout/<env>/<service>-<hook>.yaml`, see
//! `emit::github::script`), Argo Rollouts creates it from an AnalysisTemplate's Job provider
//! (see `emit::rollouts`).
//!
//! The Job runs once (`backoffLimit: 0`: a failure is a failure, not a retry) for at most the
//! hook's timeout (`activeDeadlineSeconds`), on the pod placement and pull secrets of the
//! service, under the same secure defaults as the service's pods. Its pod gets Istio's native
//! sidecar (`sidecar.istio.io/nativeSidecar: "true"`): the hook's requests go through the mesh
//! like a client's, so a load generator's traffic is split by the canary's weights, and the
//! proxy stops when the hook's container ends, so the Job completes (with a classic sidecar
//! it would never finish). Its labels name the hook, not the service, so the service's
//! Services never select it.

use super::scheduling;
use crate::check::model::{Deployment, Hook, Model, Resources};
use crate::emit::labels;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EnvVar, PodSecurityContext, PodSpec, PodTemplateSpec, SeccompProfile,
    SecurityContext,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// The annotation that gives the hook's pod a native sidecar, which ends with the hook.
pub(crate) const NATIVE_SIDECAR: &str = "sidecar.istio.io/nativeSidecar";

/// The user hooks run as: an unprivileged, non-root user.
const HOOK_USER: i64 = 65532;

/// The whole Job object, for the workflow to apply.
pub(crate) fn job(model: &Model, deployment: &Deployment, hook: &Hook) -> Job {
    Job {
        metadata: ObjectMeta {
            name: Some(hook.job_name(&deployment.service)),
            namespace: Some(deployment.namespace.clone()),
            labels: Some(hook_labels(model, deployment, hook)),
            ..ObjectMeta::default()
        },
        spec: Some(job_spec(model, deployment, hook)),
        status: None,
    }
}

/// The labels of a hook's Job and pod: the hook's own name and instance, the app and the
/// environment's, and `app.kubernetes.io/component: hook`.
pub(crate) fn hook_labels(
    model: &Model,
    deployment: &Deployment,
    hook: &Hook,
) -> BTreeMap<String, String> {
    let job = hook.job_name(&deployment.service);
    BTreeMap::from([
        (
            "app.kubernetes.io/name".to_string(),
            labels::label_value(&job),
        ),
        (
            "app.kubernetes.io/instance".to_string(),
            labels::label_value(&format!("{job}-{}", deployment.environment)),
        ),
        (labels::COMPONENT.to_string(), "hook".to_string()),
        (
            "app.kubernetes.io/part-of".to_string(),
            model.app_name().to_string(),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            labels::MANAGED_BY.to_string(),
        ),
    ])
}

/// The Job's spec: one try, the hook's deadline, one container.
pub(crate) fn job_spec(model: &Model, deployment: &Deployment, hook: &Hook) -> JobSpec {
    JobSpec {
        backoff_limit: Some(0),
        active_deadline_seconds: Some(
            i64::try_from(hook.timeout.seconds_ceil()).unwrap_or(i64::MAX),
        ),
        template: PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(hook_labels(model, deployment, hook)),
                annotations: Some(BTreeMap::from([(
                    NATIVE_SIDECAR.to_string(),
                    "true".to_string(),
                )])),
                ..ObjectMeta::default()
            }),
            spec: Some(pod_spec(deployment, hook)),
        },
        ..JobSpec::default()
    }
}

fn pod_spec(deployment: &Deployment, hook: &Hook) -> PodSpec {
    PodSpec {
        restart_policy: Some("Never".to_string()),
        automount_service_account_token: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(HOOK_USER),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_string(),
                localhost_profile: None,
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![container(deployment, hook)],
        node_selector: (!deployment.scheduling.node_selector.is_empty())
            .then(|| deployment.scheduling.node_selector.clone()),
        tolerations: scheduling::tolerations(&deployment.scheduling),
        image_pull_secrets: scheduling::pull_secrets(&deployment.pull_secrets),
        ..PodSpec::default()
    }
}

fn container(deployment: &Deployment, hook: &Hook) -> Container {
    let variables = [
        ("SLIPWAY_SERVICE", deployment.service.as_str()),
        ("SLIPWAY_NAMESPACE", deployment.namespace.as_str()),
        ("SLIPWAY_ENVIRONMENT", deployment.environment.as_str()),
        ("SLIPWAY_HOOK", hook.at.keyword()),
    ];
    Container {
        name: "hook".to_string(),
        resources: Some(resources(&hook.resources)),
        image: Some(hook.image.clone()),
        command: (!hook.command.is_empty()).then(|| hook.command.clone()),
        env: Some(
            variables
                .iter()
                .map(|(name, value)| EnvVar {
                    name: (*name).to_string(),
                    value: Some((*value).to_string()),
                    value_from: None,
                })
                .collect(),
        ),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            privileged: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_string()]),
                add: None,
            }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}

/// The request and limit of CPU when the spec sets neither: enough for a smoke test or a
/// modest load generator.
const CPU_DEFAULTS: (&str, &str) = ("100m", "1");

/// The request and limit of memory when the spec sets neither.
const MEMORY_DEFAULTS: (&str, &str) = ("128Mi", "256Mi");

/// The spec's requests and limits. For CPU and memory each: a request without a limit is also
/// the limit, a limit without a request also the request, and neither gives the defaults, so
/// a request never exceeds its limit.
fn resources(resources: &Resources) -> ResourceRequirements {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    let pairs = [
        (
            "cpu",
            &resources.requests.cpu,
            &resources.limits.cpu,
            CPU_DEFAULTS,
        ),
        (
            "memory",
            &resources.requests.memory,
            &resources.limits.memory,
            MEMORY_DEFAULTS,
        ),
    ];
    for (name, request, limit, defaults) in pairs {
        let (request, limit) = match (request, limit) {
            (Some(request), Some(limit)) => (request.value.text.clone(), limit.value.text.clone()),
            (Some(only), None) | (None, Some(only)) => {
                (only.value.text.clone(), only.value.text.clone())
            }
            (None, None) => (defaults.0.to_string(), defaults.1.to_string()),
        };
        requests.insert(name.to_string(), Quantity(request));
        limits.insert(name.to_string(), Quantity(limit));
    }
    ResourceRequirements {
        requests: Some(requests),
        limits: Some(limits),
        ..ResourceRequirements::default()
    }
}
