//! The progressive part of a deployment, as workflow steps: canary steps (apply the step's
//! VirtualService, pause or analyse, roll back or halt when a gate fails, promote at the end)
//! and the blue-green switch (switch to green, keep blue for the scale-down delay, promote).
//!
//! A pause that waits for a person (`pause = approval`, or a blue-green switch without
//! `auto_promote`) cannot happen inside a job, so it becomes a [`Piece::Approval`]: the
//! deploy module starts a new job there, gated by a GitHub environment whose required
//! reviewers give the approval.
//!
//! After a successful rollout the stable track (`-stable`, `-blue`) runs the new image and
//! takes all traffic again, so every rollout starts from the resting VirtualService.

use super::gates::{self, Subject};
use super::types::Step;
use crate::check::model::{Analysis, CanaryStep, Deployment, Duration, OnFailure, Pause};
use crate::emit::istio::Layout;

/// How long `kubectl rollout status` waits for a Deployment.
pub const ROLLOUT_TIMEOUT: &str = "10m";

/// One unit of a rollout.
#[derive(Debug, Clone)]
pub enum Piece {
    /// A step, and how long it waits on purpose (for the job's timeout).
    Step { step: Step, waits: Duration },
    /// The rollout continues in a new job, once the environment's reviewers approve.
    Approval {
        job: String,
        name: String,
        environment: String,
    },
}

fn step(step: Step) -> Piece {
    Piece::Step {
        step,
        waits: Duration { millis: 0 },
    }
}

/// `kubectl -n <namespace> rollout status deployment/<name>`.
pub fn rollout_status(namespace: &str, workload: &str) -> String {
    format!(
        "kubectl -n {namespace} rollout status deployment/{workload} --timeout={ROLLOUT_TIMEOUT}"
    )
}

/// Copies the candidate track's image to the stable track, waits for it, returns all traffic
/// to the stable track and scales the candidate down.
fn promote_script(deployment: &Deployment, resting: &str, candidate: &str, stable: &str) -> String {
    let namespace = &deployment.namespace;
    format!(
        "image=\"$(kubectl -n {namespace} get deployment/{candidate} -o jsonpath='{{.spec.template.spec.containers[0].image}}')\"\n\
         kubectl -n {namespace} set image deployment/{stable} \"*=$image\"\n\
         {}\n\
         kubectl apply -f {resting}\n\
         kubectl -n {namespace} scale deployment/{candidate} --replicas=0\n",
        rollout_status(namespace, stable)
    )
}

/// The canary rollout of one service.
pub fn canary(
    deployment: &Deployment,
    layout: &Layout,
    steps: &[CanaryStep],
    analysis: Option<&Analysis>,
    on_failure: OnFailure,
) -> Vec<Piece> {
    let service = &deployment.service;
    let environment = &deployment.environment;
    let namespace = &deployment.namespace;
    let (stable, canary) = (format!("{service}-stable"), format!("{service}-canary"));
    let resting = layout.virtual_service.clone().unwrap_or_default();
    let mut pieces = Vec::new();
    for (index, canary_step) in steps.iter().enumerate() {
        let weight = canary_step.weight.value;
        let Some(path) = layout.steps.get(index) else {
            continue;
        };
        pieces.push(step(Step::run(
            format!("{service}: send {weight}% of traffic to the canary"),
            format!("kubectl apply -f {path}"),
        )));
        let failure = match on_failure {
            OnFailure::Rollback => format!(
                "echo \"::error::{service}: the canary failed its analysis at {weight}%; rolling back\"\n\
                 kubectl apply -f {resting}\n\
                 kubectl -n {namespace} scale deployment/{canary} --replicas=0\n\
                 exit 1"
            ),
            OnFailure::Halt => format!(
                "echo \"::error::{service}: the canary failed its analysis at {weight}%; halted with {weight}% of traffic on it\"\n\
                 exit 1"
            ),
        };
        match (analysis, canary_step.pause) {
            (Some(analysis), pause) => {
                let duration = match pause {
                    Some(Pause::For(duration)) => duration,
                    _ => analysis.interval,
                };
                let subject = Subject {
                    namespace,
                    workload: &canary,
                };
                let name = format!(
                    "{service}: analyse the canary at {weight}% for {}",
                    duration.text()
                );
                let analysis_step =
                    gates::analysis_step(name, analysis, subject, duration, &failure);
                pieces.push(Piece::Step {
                    step: analysis_step,
                    waits: duration,
                });
            }
            (None, Some(Pause::For(duration))) => pieces.push(Piece::Step {
                step: Step::run(
                    format!("{service}: pause {} at {weight}%", duration.text()),
                    format!("sleep {}", duration.seconds_ceil()),
                ),
                waits: duration,
            }),
            (None, _) => {}
        }
        if canary_step.pause == Some(Pause::UntilApproved) {
            let next = index + 1;
            let (job, what) = match steps.get(next) {
                Some(following) => (
                    format!("deploy-{environment}-{service}-step-{:02}", next + 1),
                    format!(
                        "{service} canary step {} ({}%)",
                        next + 1,
                        following.weight.value
                    ),
                ),
                None => (
                    format!("deploy-{environment}-{service}-promote"),
                    format!("promote {service}"),
                ),
            };
            pieces.push(Piece::Approval {
                job,
                name: format!("{environment}: {what}, approved"),
                environment: format!("{environment}-canary-approval"),
            });
        }
    }
    pieces.push(step(Step::run(
        format!("{service}: promote the canary to stable"),
        format!(
            "set -euo pipefail\n{}",
            promote_script(deployment, &resting, &canary, &stable)
        ),
    )));
    pieces
}

/// The blue-green rollout of one service: green runs the new version behind the preview
/// route, then takes all traffic (after approval unless `auto_promote`).
pub fn blue_green(
    deployment: &Deployment,
    layout: &Layout,
    auto_promote: bool,
    scale_down_delay: Duration,
) -> Vec<Piece> {
    let service = &deployment.service;
    let environment = &deployment.environment;
    let namespace = &deployment.namespace;
    let (blue, green) = (format!("{service}-blue"), format!("{service}-green"));
    let resting = layout.virtual_service.clone().unwrap_or_default();
    let switch = layout.switch.clone().unwrap_or_default();
    let mut pieces = Vec::new();
    if !auto_promote {
        pieces.push(Piece::Approval {
            job: format!("deploy-{environment}-{service}-switch"),
            name: format!("{environment}: switch {service} to green, approved"),
            environment: format!("{environment}-switch-approval"),
        });
    }
    pieces.push(step(Step::run(
        format!("{service}: switch all traffic to green"),
        format!(
            "set -euo pipefail\n{}\nkubectl apply -f {switch}\n",
            rollout_status(namespace, &green)
        ),
    )));
    let delay = scale_down_delay;
    pieces.push(Piece::Step {
        step: Step::run(
            format!(
                "{service}: keep blue for {}, then promote green to blue",
                delay.text()
            ),
            format!(
                "set -euo pipefail\nsleep {}\n{}",
                delay.seconds_ceil(),
                promote_script(deployment, &resting, &green, &blue)
            ),
        ),
        waits: delay,
    });
    pieces
}
