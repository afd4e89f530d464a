//! The progressive part of a deployment, as workflow steps: canary steps (apply the step's
//! VirtualService, pause or analyse, roll back or halt when a gate fails, promote at the end)
//! and the blue-green switch (switch to green, keep blue for the scale-down delay, promote).
//!
//! A pause that waits for a person (`pause = approval`, or a blue-green switch without
//! `auto_promote`) cannot happen inside a job, so it becomes a [`Piece::Approval`]: the
//! deploy module starts a new job there, gated by a GitHub environment whose required
//! reviewers give the approval.
//!
//! The live track (`-stable`, `-blue`) keeps the previous version until the promotion at the
//! end (see [`super::live`]): a rollback only gives it all traffic back and scales the candidate
//! down. The promotion applies the live track from the overlay the deploy applied (with the
//! built images pinned to this run's digests, see [`super::images`]), so after a successful
//! rollout it runs the digest the candidate ran and takes all traffic again, and every rollout
//! starts from the resting VirtualService.

use super::gates;
use super::live::LiveTrack;
use super::types::Step;
use crate::check::model::{Analysis, CanaryStep, Deployment, Duration, OnFailure, Pause};
use crate::emit::istio::Layout;
use crate::emit::metrics::Subject;

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

/// The canary rollout of one service.
pub fn canary(
    deployment: &Deployment,
    live: &LiveTrack,
    layout: &Layout,
    steps: &[CanaryStep],
    analysis: Option<&Analysis>,
    on_failure: OnFailure,
) -> Vec<Piece> {
    let service = &deployment.service;
    let environment = &deployment.environment;
    let resting = layout.virtual_service.clone().unwrap_or_default();
    let subject = Subject::canary(deployment);
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
                "echo \"::error::{service}: the canary failed its analysis at {weight}%; rolling back to {}\"\n\
                 {}\n\
                 exit 1",
                live.workload,
                live.rollback_lines()
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
                let name = format!(
                    "{service}: analyse the canary at {weight}% for {}",
                    duration.text()
                );
                let mut analysis_step =
                    gates::analysis_step(name, analysis, &subject, duration, &failure);
                if matches!(on_failure, OnFailure::Rollback) {
                    analysis_step = live.back_to_live(analysis_step, &resting);
                }
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
    pieces.push(step(live.promote(
        format!("{service}: promote the canary to stable"),
        &resting,
        None,
    )));
    pieces
}

/// The blue-green rollout of one service: green runs the new version behind the preview
/// route, then takes all traffic (after approval unless `auto_promote`).
pub fn blue_green(
    deployment: &Deployment,
    live: &LiveTrack,
    layout: &Layout,
    auto_promote: bool,
    scale_down_delay: Duration,
) -> Vec<Piece> {
    let service = &deployment.service;
    let environment = &deployment.environment;
    let namespace = &deployment.namespace;
    let green = &live.candidate;
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
            rollout_status(namespace, green)
        ),
    )));
    let delay = scale_down_delay;
    pieces.push(Piece::Step {
        step: live.promote(
            format!(
                "{service}: keep blue for {}, then promote green to blue",
                delay.text()
            ),
            &resting,
            Some(delay.seconds_ceil()),
        ),
        waits: delay,
    });
    pieces
}
