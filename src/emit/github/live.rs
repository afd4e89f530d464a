//! The live track of a canary or blue-green service: the Deployment that serves users
//! between rollouts (`<service>-stable`, `<service>-blue`; see [`crate::emit::tracks`]).
//!
//! The overlay renders both tracks with the same image (in the workflow, this run's digest:
//! see [`super::images`]). If a deploy applied all of it, the live track would move to the new
//! version before the first canary step, and a rollback would return traffic to the version
//! that just failed. So the workflow, and only the workflow, treats the live track apart (the
//! Kubernetes and Kustomize output stay whole):
//!
//! * The deploy job applies the overlay without the live tracks:
//!   `kubectl apply -k <overlay> -l 'version notin (stable,blue)'`. kubectl parses `-l` as a
//!   set-based label selector and drops every object kustomize renders that does not match it
//!   before applying anything; an object without a `version` label matches `notin`, so the
//!   Namespace, ConfigMaps, Services, budgets, autoscalers and the candidate tracks all go in.
//! * It then creates each live track that the cluster does not have yet (the first deploy)
//!   from the same overlay with `-l 'app.kubernetes.io/name=<service>,version=<track>'`. A live
//!   track that exists is left alone; any error other than "not found" fails the step.
//! * Only the promotion at the end of a rollout applies the live track from the overlay, which
//!   moves it to the version (image digest and settings) the candidate has just proved.
//!
//! Names, paths and selectors reach the scripts through `env:`, never spliced into shell text.

use super::types::Step;
use crate::check::model::Deployment;
use crate::emit::tracks;

/// The versions of the live tracks, in the order a selector lists them.
const LIVE_VERSIONS: &[&str] = &["stable", "blue"];

/// The two Deployments of a canary or blue-green service in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveTrack {
    pub service: String,
    pub namespace: String,
    /// The Deployment that serves users between rollouts: `<service>-stable`, `<service>-blue`.
    pub workload: String,
    /// Its `version` label: `stable` or `blue`.
    pub version: &'static str,
    /// The Deployment a rollout tries the new version on: `<service>-canary`, `<service>-green`.
    pub candidate: String,
    /// The directory `kubectl apply -k` reads: the pinned kustomization or the overlay.
    pub overlay: String,
}

impl LiveTrack {
    /// The live track of a deployment, applied from `overlay`; `None` for a strategy with a
    /// single Deployment.
    pub fn of(deployment: &Deployment, overlay: &str) -> Option<LiveTrack> {
        let mut tracks = tracks(deployment).into_iter();
        let live = tracks.next()?;
        let candidate = tracks.next()?;
        let version = live.version?;
        Some(LiveTrack {
            service: deployment.service.clone(),
            namespace: deployment.namespace.clone(),
            workload: live.workload,
            version,
            candidate: candidate.workload,
            overlay: overlay.to_string(),
        })
    }

    /// `app.kubernetes.io/name=<service>,version=<track>`: of everything the overlay renders,
    /// only the live Deployment carries both labels.
    pub fn selector(&self) -> String {
        format!(
            "app.kubernetes.io/name={},version={}",
            self.service, self.version
        )
    }

    /// Creates the live track from the overlay when the cluster does not have it yet.
    pub(crate) fn create_if_missing(&self) -> Step {
        let script = "set -euo pipefail\n\
             existing=\"$(kubectl -n \"$NAMESPACE\" get deployment \"$LIVE\" --ignore-not-found -o name)\"\n\
             if [ -n \"$existing\" ]; then\n  \
             echo \"$LIVE exists: it keeps its version until a rollout promotes the candidate\"\n\
             else\n  \
             kubectl apply -k \"$OVERLAY\" -l \"$SELECTOR\"\n\
             fi\n";
        Step::run(
            format!(
                "{}: create {} if it does not exist yet",
                self.service, self.workload
            ),
            script,
        )
        .env("NAMESPACE", self.namespace.clone())
        .env("LIVE", self.workload.clone())
        .env("OVERLAY", self.overlay.clone())
        .env("SELECTOR", self.selector())
    }
}

/// The selector that leaves out the given live tracks, e.g. `version notin (stable,blue)`;
/// `None` when there are none.
pub(crate) fn without_live_tracks(live: &[LiveTrack]) -> Option<String> {
    let versions: Vec<&str> = LIVE_VERSIONS
        .iter()
        .copied()
        .filter(|version| live.iter().any(|track| track.version == *version))
        .collect();
    (!versions.is_empty()).then(|| format!("version notin ({})", versions.join(",")))
}
