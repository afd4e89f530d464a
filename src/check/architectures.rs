//! Pods scheduled onto nodes their image cannot run on (SW0365): a deployment whose
//! `node_selector` asks for a CPU architecture (`"kubernetes.io/arch" = "arm64"`) while the
//! workflow builds the service's image for other platforms only (`build { platforms }`, or
//! the runner's linux/amd64 without it). Kubernetes would schedule the pods and the container
//! would die at start with `exec format error`. A service without `build` runs an image built
//! elsewhere, which the compiler cannot judge.

use super::model::Model;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};

/// Reports every deployment scheduled onto an architecture its built image lacks.
pub fn check(checker: &mut Checker, model: &Model) {
    for deployment in &model.deployments {
        let Some(architecture) = &deployment.scheduling.architecture else {
            continue;
        };
        let Some(build) = model
            .service(&deployment.service)
            .and_then(|service| service.build.as_ref())
        else {
            continue;
        };
        let built_for = build.architectures();
        if built_for.contains(&architecture.value.as_str()) {
            continue;
        }
        let wanted = format!("linux/{}", architecture.value);
        let mut diagnostic = Diagnostic::error(
            Code::SW0365,
            format!(
                "`{}` runs on {} nodes in `{}`, but its image is built for {} only",
                deployment.service,
                architecture.value,
                deployment.environment,
                built_for.join(", ")
            ),
            architecture.span,
            format!(
                "pods of `{}` land on {} nodes here",
                deployment.service, architecture.value
            ),
        )
        .with_help(format!(
            "add \"{wanted}\" to the `platforms` of `{}`'s build, or schedule it onto nodes of {}",
            deployment.service,
            built_for.join(", ")
        ));
        diagnostic = match build.platforms.first() {
            Some(first) => {
                diagnostic.with_label(first.span, "the platforms the image is built for")
            }
            None => diagnostic.with_label(build.span, "built for the runner's linux/amd64 only"),
        };
        checker.report(diagnostic);
    }
}
