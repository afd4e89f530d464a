//! The deployment audit trail: the last step of every deploy job records who triggered and who
//! approved the job, which commit, which images now run, when, and the job's result, in the
//! job summary (kept with the run) and as annotations on the environment's Deployments (kept
//! with the cluster, where `kubectl describe` shows them). It runs whatever happened before
//! (`if: always()`) and never fails the job: a record that cannot be written is reported as
//! a warning.
//!
//! Who approved comes from GitHub's API (`GET /repos/{repo}/actions/runs/{run}/approvals`,
//! the reviews of the run's environments, read with the job's token, which needs
//! `actions: read`); everything else from the runner's environment and the cluster.

use super::types::Step;

/// The record step of a job running in the GitHub environment `gate` (the environment's own,
/// or one of its approval environments), for the Deployments of `app` in `namespace`.
pub(crate) fn record_step(app: &str, environment: &str, gate: &str, namespace: &str) -> Step {
    Step::run(
        "Record the deployment (audit trail)",
        super::without_header(SCRIPT),
    )
    .when("always()")
    .env("ENVIRONMENT", environment)
    .env("GATE", gate)
    .env("NAMESPACE", namespace)
    .env("SELECTOR", format!("app.kubernetes.io/part-of={app}"))
    .env("RESULT", "${{ job.status }}")
    .env("GH_TOKEN", "${{ github.token }}")
}

/// The step's script (a file of its own, so shellcheck reads it as shell).
const SCRIPT: &str = include_str!("audit.sh");
