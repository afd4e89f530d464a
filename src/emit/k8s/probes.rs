//! Probes: `http` is an `httpGet` and `tcp` a `tcpSocket` on the named container port;
//! `grpc` takes the port number (Kubernetes' gRPC probe accepts no name); `exec` runs the
//! command as written. Durations become whole seconds, rounded up; thresholds are copied.

use super::int32;
use crate::check::model::{Duration, Probe, ProbeAction};
use k8s_openapi::api::core::v1::{
    self as core, ExecAction, GRPCAction, HTTPGetAction, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The Kubernetes probe of a checked probe.
pub fn probe(probe: &Probe) -> core::Probe {
    let seconds = |duration: Option<Duration>| duration.map(|d| int32(d.seconds_ceil()));
    let mut out = core::Probe {
        initial_delay_seconds: seconds(probe.initial_delay),
        period_seconds: seconds(probe.period),
        timeout_seconds: seconds(probe.timeout),
        success_threshold: probe.success_threshold.map(int32),
        failure_threshold: probe.failure_threshold.map(int32),
        ..core::Probe::default()
    };
    match &probe.action {
        ProbeAction::Http { path, port } => {
            out.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::String(port.name.clone()),
                ..HTTPGetAction::default()
            });
        }
        ProbeAction::Tcp { port } => {
            out.tcp_socket = Some(TCPSocketAction {
                port: IntOrString::String(port.name.clone()),
                ..TCPSocketAction::default()
            });
        }
        ProbeAction::Grpc { port } => {
            out.grpc = Some(GRPCAction {
                port: i32::from(port.number),
                ..GRPCAction::default()
            });
        }
        ProbeAction::Exec { command } => {
            out.exec = Some(ExecAction {
                command: Some(command.clone()),
            });
        }
    }
    out
}
