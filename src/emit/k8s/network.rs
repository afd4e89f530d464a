//! The Services: a ClusterIP in front of every track of a service, one port per declared
//! port, each targeting the container port by name. A service without ports gets none.
//!
//! A canary on the Argo Rollouts engine gets two more, `<service>-stable` and
//! `<service>-canary`, with the same ports and the same selector: the Rollout's
//! `stableService` and `canaryService`. Argo Rollouts adds each ReplicaSet's
//! `rollouts-pod-template-hash` to their selectors while it runs, so each reaches one version;
//! the service's own Service keeps selecting every pod for the clients that call it by name.
//! The two carry the label [`ROUTE_LABEL`] (`stable` or `canary`), which the service's own
//! Service does not, so the `prometheus` target's ServiceMonitor can leave them out and scrape
//! each pod once.

use super::{pod, Unit};
use crate::check::model::{ArgoRollouts, Gateway};
use crate::emit::labels;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The label that marks the stable and the canary Service of an Argo Rollouts canary.
pub(crate) const ROUTE_LABEL: &str = labels::COMPONENT;

/// The service's Services, in file order: its own, then for an Argo Rollouts canary the
/// stable and the canary Service.
pub fn services(unit: &Unit) -> Vec<Service> {
    if unit.service.ports.is_empty() {
        return Vec::new();
    }
    let mut services = vec![service(unit, unit.name().to_string(), None)];
    if unit.deployment.strategy.argo_rollouts().is_some() {
        let stable = ArgoRollouts::stable_service(unit.name());
        let canary = ArgoRollouts::canary_service(unit.name());
        services.push(service(unit, stable, Some(ArgoRollouts::STABLE_SUFFIX)));
        services.push(service(unit, canary, Some(ArgoRollouts::CANARY_SUFFIX)));
    }
    services
}

fn service(unit: &Unit, name: String, route: Option<&str>) -> Service {
    let ports = unit
        .service
        .ports
        .iter()
        .map(|port| ServicePort {
            name: Some(port.name.value.clone()),
            port: i32::from(port.number),
            target_port: Some(IntOrString::String(port.name.value.clone())),
            protocol: Some(pod::protocol(port.protocol).to_string()),
            ..ServicePort::default()
        })
        .collect();
    let mut metadata = unit.metadata(name);
    if let (Some(route), Some(labels)) = (route, metadata.labels.as_mut()) {
        labels.insert(ROUTE_LABEL.to_string(), route.to_string());
    }
    Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(unit.selector.clone()),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// The Ingress of a service exposed through one; `None` otherwise.
pub fn ingress(unit: &Unit) -> Option<Ingress> {
    let (exposure, Gateway::Ingress { class }) = unit.deployment.gateway()? else {
        return None;
    };
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: unit.name().to_string(),
            port: Some(ServiceBackendPort {
                name: Some(exposure.port.name.clone()),
                number: None,
            }),
        }),
        resource: None,
    };
    let hosts: Vec<String> = exposure.hosts.iter().map(|h| h.value.clone()).collect();
    let rules = hosts
        .iter()
        .map(|host| IngressRule {
            host: Some(host.clone()),
            http: Some(HTTPIngressRuleValue {
                paths: vec![HTTPIngressPath {
                    path: Some(exposure.path.clone()),
                    path_type: "Prefix".to_string(),
                    backend: backend.clone(),
                }],
            }),
        })
        .collect();
    let tls = exposure.tls.as_ref().map(|secret| {
        vec![IngressTLS {
            hosts: Some(hosts.clone()),
            secret_name: Some(secret.clone()),
        }]
    });
    Some(Ingress {
        metadata: unit.metadata(unit.name()),
        spec: Some(IngressSpec {
            ingress_class_name: class.clone(),
            rules: Some(rules),
            tls,
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    })
}
