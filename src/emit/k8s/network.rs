//! The Service: a ClusterIP in front of every track of a service, one port per declared
//! port, each targeting the container port by name. A service without ports gets none.

use super::{pod, Unit};
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub fn service(unit: &Unit) -> Option<Service> {
    if unit.service.ports.is_empty() {
        return None;
    }
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
    Some(Service {
        metadata: unit.metadata(unit.name()),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(unit.selector.clone()),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    })
}
