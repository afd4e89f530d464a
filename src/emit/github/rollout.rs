//! The progressive part of a deployment, as workflow steps that call the service's rollout
//! script ([`super::script`]): `run FIRST LAST` for each run of canary steps between two
//! approvals, `switch` for a blue-green switch, then `promote`; and an `abort` that runs when a
//! job fails or is cancelled, so a rollout that stops halfway leaves the resting state.
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

use super::live::LiveTrack;
use super::prometheus::PrometheusAccess;
use super::types::Step;
use crate::check::model::{
    Analysis, CanaryStep, Deployment, Duration, HookAt, OnFailure, Pause, StrategyKind,
};

/// How long `kubectl rollout status` waits for a Deployment.
pub(crate) const ROLLOUT_TIMEOUT: &str = "10m";

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
pub(crate) fn rollout_status(namespace: &str, workload: &str) -> String {
    format!(
        "kubectl -n {namespace} rollout status deployment/{workload} --timeout={ROLLOUT_TIMEOUT}"
    )
}

/// A step that runs one command of the rollout script at `script` (a repository path).
fn script_step(name: String, script: &str, command: &str) -> Step {
    Step::run(name, format!("bash \"$ROLLOUT\" {command}")).env("ROLLOUT", script)
}

/// The canary rollout of one service: its steps in runs between approvals, then the promotion.
pub fn canary(
    deployment: &Deployment,
    live: &LiveTrack,
    script: &str,
    steps: &[CanaryStep],
    analysis: Option<&Analysis>,
    prometheus: &PrometheusAccess,
) -> Vec<Piece> {
    let service = &deployment.service;
    let environment = &deployment.environment;
    let mut pieces = Vec::new();
    let mut first = 0;
    for (index, canary_step) in steps.iter().enumerate() {
        let approval = canary_step.pause == Some(Pause::UntilApproved);
        if !approval && index + 1 < steps.len() {
            continue;
        }
        let run = steps.get(first..=index).unwrap_or_default();
        let hooks_before = match first {
            0 => hook_timeouts(deployment, HookAt::Before),
            _ => 0,
        };
        let waits = Duration {
            millis: hooks_before
                + run
                    .iter()
                    .enumerate()
                    .map(|(offset, s)| s.waits(analysis, first + offset + 1 == steps.len()).millis)
                    .sum::<u64>(),
        };
        let weights: Vec<String> = run.iter().map(|s| format!("{}%", s.weight.value)).collect();
        let mut step = script_step(
            format!(
                "{service}: canary step{} {} ({})",
                if run.len() == 1 { "" } else { "s" },
                match run.len() {
                    1 => (first + 1).to_string(),
                    _ => format!("{} to {}", first + 1, index + 1),
                },
                weights.join(", ")
            ),
            script,
            &format!("run {} {}", first + 1, index + 1),
        );
        if analysis.is_some() {
            step = prometheus.pass_to(step);
        }
        pieces.push(Piece::Step { step, waits });
        first = index + 1;
        if approval {
            let (job, what) = match steps.get(index + 1) {
                Some(following) => (
                    format!("deploy-{environment}-{service}-step-{:02}", index + 2),
                    format!(
                        "{service} canary step {} ({}%)",
                        index + 2,
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
    pieces.push(Piece::Step {
        step: script_step(
            format!("{service}: promote the canary to {}", live.version),
            script,
            "promote",
        )
        .env("OVERLAY", live.overlay.clone()),
        waits: Duration {
            millis: hook_timeouts(deployment, HookAt::After),
        },
    });
    pieces
}

/// The longest the hooks at `at` may run together, in milliseconds (they run one by one).
fn hook_timeouts(deployment: &Deployment, at: HookAt) -> u64 {
    match &deployment.strategy.kind {
        StrategyKind::Canary { hooks, .. } => hooks
            .iter()
            .filter(|hook| hook.at == at)
            .map(|hook| hook.timeout.millis)
            .sum(),
        _ => 0,
    }
}

/// The blue-green rollout of one service: green runs the new version behind the preview
/// route, then takes all traffic (after approval unless `auto_promote`).
pub fn blue_green(
    deployment: &Deployment,
    live: &LiveTrack,
    script: &str,
    auto_promote: bool,
    scale_down_delay: Duration,
) -> Vec<Piece> {
    let service = &deployment.service;
    let environment = &deployment.environment;
    let mut pieces = Vec::new();
    if !auto_promote {
        pieces.push(Piece::Approval {
            job: format!("deploy-{environment}-{service}-switch"),
            name: format!("{environment}: switch {service} to green, approved"),
            environment: format!("{environment}-switch-approval"),
        });
    }
    pieces.push(step(script_step(
        format!("{service}: switch all traffic to green"),
        script,
        "switch",
    )));
    pieces.push(Piece::Step {
        step: script_step(
            format!(
                "{service}: keep blue for {}, then promote green to blue",
                scale_down_delay.text()
            ),
            script,
            "promote",
        )
        .env("OVERLAY", live.overlay.clone()),
        waits: scale_down_delay,
    });
    pieces
}

/// The step that restores the resting state when the job fails or is cancelled: always for a
/// rollback, only on cancel for `on_failure = halt` (a halted canary waits for a person).
pub(crate) fn abort_step(deployment: &Deployment, live: &LiveTrack, script: &str) -> Step {
    let halts = matches!(
        deployment.strategy.kind,
        StrategyKind::Canary {
            on_failure: OnFailure::Halt,
            ..
        }
    );
    let mut step = script_step(
        format!(
            "{}: on failure or cancel, all traffic back to {}",
            deployment.service, live.workload
        ),
        script,
        "abort",
    );
    step.condition = Some(
        match halts {
            true => "cancelled()",
            false => "failure() || cancelled()",
        }
        .to_string(),
    );
    step
}
