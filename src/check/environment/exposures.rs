//! Checks over every deployment's exposure, once the environments have applied their
//! overrides: the gateway must be one the environment's cluster can route (SW0330), and no
//! two services of one environment may claim the same host and path (SW0332).

use crate::check::model::{Deployment, Environment, Exposure, Gateway, Model, StrategyKind};
use crate::check::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// One host an exposure claims in an environment.
struct Claim<'m> {
    host: &'m str,
    path: &'m str,
    /// Through an Istio gateway: its VirtualService is bound to the mesh as well, where Istio
    /// allows one VirtualService per host (IST0109), whatever the paths.
    istio: bool,
    service: &'m str,
    span: Span,
}

pub fn check(checker: &mut Checker, model: &Model) {
    for environment in &model.environments {
        let mut claims: Vec<Claim> = Vec::new();
        for deployment in model.deployments_in(&environment.name.value) {
            let Some((exposure, gateway)) = deployment.gateway() else {
                continue;
            };
            check_gateway(checker, environment, deployment, exposure);
            for host in &exposure.hosts {
                let claim = Claim {
                    host: &host.value,
                    path: &exposure.path,
                    istio: gateway.is_istio(),
                    service: &deployment.service,
                    span: host.span,
                };
                if let Some(first) = claims.iter().find(|first| clashes(first, &claim)) {
                    checker.report(claimed_twice(environment, first, &claim));
                    continue;
                }
                claims.push(claim);
            }
        }
    }
}

fn clashes(first: &Claim, second: &Claim) -> bool {
    first.host == second.host && (first.istio || second.istio || first.path == second.path)
}

fn claimed_twice(environment: &Environment, first: &Claim, second: &Claim) -> Diagnostic {
    let (message, help) = match first.istio || second.istio {
        true => (
            format!("`{}` and `{}` both claim host `{}` in `{}`", first.service, second.service, second.host, environment.name.value),
            "through an Istio gateway each host belongs to one service (its VirtualService is bound to the mesh too, where Istio leaves the order of two VirtualServices for one host undefined): give each service its own host",
        ),
        false => (
            format!("`{}` and `{}` both claim `{}{}` in `{}`", first.service, second.service, second.host, second.path, environment.name.value),
            "an ingress controller would send the requests to one of them, unpredictably: give each service its own host or path",
        ),
    };
    Diagnostic::error(Code::SW0332, message, second.span, "claimed again here")
        .with_label(first.span, format!("claimed by `{}`", first.service))
        .with_help(help)
}

/// An Istio gateway needs Istio in the cluster; an Ingress in a meshed environment reaches the
/// pods past the VirtualServices, so it cannot carry a blue-green service's traffic (both
/// colours are behind its Service).
fn check_gateway(
    checker: &mut Checker,
    environment: &Environment,
    deployment: &Deployment,
    exposure: &Exposure,
) {
    let Some(gateway) = &exposure.gateway else {
        return;
    };
    if gateway.value.is_istio() && !environment.has_istio() {
        checker.report(
            Diagnostic::error(
                Code::SW0330,
                format!("`{}` is exposed through an Istio gateway, and `{}` has `mesh = none`", deployment.service, environment.name.value),
                gateway.span,
                "needs Istio",
            )
            .with_label(environment.mesh.span, "no mesh in this cluster")
            .with_help(format!(
                "expose `{}` through an Ingress in `{}` (`gateway = ingress`, or leave `gateway` out and each environment uses what its cluster has)",
                deployment.service, environment.name.value
            )),
        );
        return;
    }
    let blue_green = matches!(deployment.strategy.kind, StrategyKind::BlueGreen { .. });
    if matches!(gateway.value, Gateway::Ingress { .. }) && environment.has_istio() && blue_green {
        checker.report(
            Diagnostic::error(
                Code::SW0330,
                format!("`{}` is blue-green in `{}`, and an Ingress would send traffic to both colours", deployment.service, environment.name.value),
                gateway.span,
                "bypasses the VirtualService",
            )
            .with_label(deployment.strategy.span, "switches traffic in the mesh")
            .with_help("expose it through the Istio gateway (`gateway = istio`), whose traffic follows the switch"),
        );
    }
}
