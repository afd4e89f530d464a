//! The pod template: one container running the service's image, with its ports, variables,
//! probes, resources and the secure defaults, placed where `scheduling` says (see
//! `scheduling.rs`).
//!
//! Secure defaults: the pod runs as a non-root user (`security.run_as_user`) under the
//! `RuntimeDefault` seccomp profile and shares no host namespace; the container cannot gain
//! privileges, drops every capability, is not privileged and has a read-only root filesystem
//! unless the spec says otherwise. With a read-only root, an `emptyDir` is mounted at `/tmp`
//! so programs that write temporary files still work.

use super::{config, probes, scheduling, Unit};
use crate::check::model::{Protocol, ResourceList, Resources};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// The name of the scratch volume mounted at `/tmp`.
const TMP_VOLUME: &str = "tmp";

/// The pod template of one track; `labels` are the pod labels (the standard labels, plus
/// `version` on canary and blue-green tracks).
pub fn template(unit: &Unit, labels: BTreeMap<String, String>) -> PodTemplateSpec {
    let read_only_root = unit.service.security.read_only_root_filesystem;
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(unit.name().to_string()),
            automount_service_account_token: Some(
                unit.service.security.mount_service_account_token,
            ),
            host_network: Some(false),
            host_pid: Some(false),
            host_ipc: Some(false),
            security_context: Some(pod_security(unit)),
            containers: vec![container(unit)],
            node_selector: non_empty(unit.deployment.scheduling.node_selector.clone()),
            tolerations: scheduling::tolerations(&unit.deployment.scheduling),
            topology_spread_constraints: scheduling::spread(unit),
            priority_class_name: unit.deployment.scheduling.priority_class.clone(),
            image_pull_secrets: scheduling::pull_secrets(&unit.deployment.pull_secrets),
            volumes: read_only_root.then(|| {
                vec![Volume {
                    name: TMP_VOLUME.to_string(),
                    empty_dir: Some(EmptyDirVolumeSource::default()),
                    ..Volume::default()
                }]
            }),
            ..PodSpec::default()
        }),
    }
}

fn non_empty(map: BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    (!map.is_empty()).then_some(map)
}

fn container(unit: &Unit) -> Container {
    let probes = unit.deployment.probes(unit.service);
    Container {
        name: unit.name().to_string(),
        image: Some(unit.deployment.image.reference()),
        ports: ports(unit),
        env_from: config::env_from(unit),
        env: config::env(unit),
        resources: resources(&unit.deployment.resources),
        liveness_probe: probes.liveness.as_ref().map(probes::probe),
        readiness_probe: probes.readiness.as_ref().map(probes::probe),
        startup_probe: probes.startup.as_ref().map(probes::probe),
        security_context: Some(container_security(unit)),
        volume_mounts: unit.service.security.read_only_root_filesystem.then(|| {
            vec![VolumeMount {
                name: TMP_VOLUME.to_string(),
                mount_path: "/tmp".to_string(),
                ..VolumeMount::default()
            }]
        }),
        ..Container::default()
    }
}

fn ports(unit: &Unit) -> Option<Vec<ContainerPort>> {
    let ports: Vec<ContainerPort> = unit
        .service
        .ports
        .iter()
        .map(|port| ContainerPort {
            name: Some(port.name.value.clone()),
            container_port: i32::from(port.number),
            protocol: Some(protocol(port.protocol).to_string()),
            ..ContainerPort::default()
        })
        .collect();
    (!ports.is_empty()).then_some(ports)
}

/// The Kubernetes spelling of a protocol.
pub fn protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
    }
}

/// Requests and limits as written in the spec; `None` when the spec sets neither.
fn resources(resources: &Resources) -> Option<ResourceRequirements> {
    let requests = quantities(&resources.requests);
    let limits = quantities(&resources.limits);
    if requests.is_none() && limits.is_none() {
        return None;
    }
    Some(ResourceRequirements {
        requests,
        limits,
        ..ResourceRequirements::default()
    })
}

fn quantities(list: &ResourceList) -> Option<BTreeMap<String, Quantity>> {
    let entries: BTreeMap<String, Quantity> = [("cpu", &list.cpu), ("memory", &list.memory)]
        .into_iter()
        .filter_map(|(name, quantity)| {
            let quantity = quantity.as_ref()?;
            Some((name.to_string(), Quantity(quantity.value.text.clone())))
        })
        .collect();
    (!entries.is_empty()).then_some(entries)
}

fn pod_security(unit: &Unit) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(i64::from(unit.service.security.run_as_user)),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            localhost_profile: None,
        }),
        ..PodSecurityContext::default()
    }
}

fn container_security(unit: &Unit) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(unit.service.security.read_only_root_filesystem),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            add: None,
        }),
        ..SecurityContext::default()
    }
}
