//! How the deploy jobs wait for the jobs before them once some of those may be skipped on
//! purpose: with change detection ([`super::changes`]), the supply-chain jobs of an unchanged
//! service and the approval jobs of an unchanged service's rollout are skipped.
//!
//! GitHub skips a job whose `needs` include a skipped job unless its `if:` uses a status
//! function. So every deploy job's `if:` starts with `!cancelled()` and
//! `!contains(needs.*.result, 'failure')` (nothing it waits for failed) and then names what
//! must have succeeded: an entry environment's first job needs `sign-<service>` to have
//! succeeded for every changed service, and at least one changed service; every later job
//! needs the first job of its environment (or of the environments it comes after, and their
//! DAST scans) to have succeeded. Given that, a job it waits for can only have been skipped
//! because its services did not change. Without change detection (nothing is built) the jobs
//! wait for each other plainly, as GitHub does by default.

use super::changes;
use super::supply::{self, SIGN};
use super::triggers::NOT_PULL_REQUEST;

/// Whether the workflow detects changes (some service is built), and which services it builds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Detection {
    pub built: Vec<String>,
}

impl Detection {
    pub(crate) fn detects(&self) -> bool {
        !self.built.is_empty()
    }

    /// Whether `service` is built, so its jobs and steps run only when it changed.
    pub(crate) fn watches(&self, service: &str) -> bool {
        self.built.iter().any(|built| built == service)
    }

    /// The `if:` that runs a step (or job) of these services only when one of them changed;
    /// `None` when one of them is not built (it always runs) or there are none.
    pub(crate) fn when_changed<'a>(
        &self,
        services: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        let mut checks = Vec::new();
        for service in services {
            if !self.watches(service) {
                return None;
            }
            checks.push(changes::changed(service));
        }
        match checks.len() {
            0 => None,
            1 => checks.pop(),
            _ => Some(format!("({})", checks.join(" || "))),
        }
    }
}

/// What one environment's jobs leave for the environments after it.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Its last job (its DAST scan, if any), which the next environment needs without detection.
    pub last: String,
    /// All its jobs, which the next environment needs with detection.
    pub all: Vec<String>,
    /// Those of them that must have succeeded: the first deploy job and the DAST scan.
    pub succeeded: Vec<String>,
}

/// What the first job of an environment waits for.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub needs: Vec<String>,
    succeeded: Vec<String>,
    conditions: Vec<String>,
}

impl Start {
    /// After the supply chain of every built service, on `trigger` (an entry environment's
    /// event, or "not a pull request").
    pub(crate) fn after_supply_chain(detection: &Detection, trigger: String) -> Start {
        let mut start = Start::default();
        if detection.detects() {
            start.needs.push(changes::CHANGES_JOB.to_string());
            start.conditions.push(changes::any_changed());
        }
        for service in &detection.built {
            let sign = supply::job_id(SIGN, service);
            start.conditions.push(format!(
                "({} || needs.{sign}.result == 'success')",
                changes::unchanged(service)
            ));
            start.needs.push(sign);
        }
        start.conditions.push(trigger);
        start
    }

    /// After the environments that finished with `finished`.
    pub(crate) fn after_environments(detection: &Detection, finished: &[&Finished]) -> Start {
        let mut start = Start::default();
        for environment in finished {
            match detection.detects() {
                true => {
                    start.needs.extend(environment.all.iter().cloned());
                    start
                        .succeeded
                        .extend(environment.succeeded.iter().cloned());
                }
                false => start.needs.push(environment.last.clone()),
            }
        }
        start.conditions.push(NOT_PULL_REQUEST.to_string());
        start
    }

    /// A later job of an environment: after every job of it before this one, of which the
    /// first must have succeeded, when one of `services` changed.
    pub(crate) fn within_environment(
        detection: &Detection,
        earlier: &[String],
        services: &[&str],
    ) -> Start {
        let mut start = Start::default();
        match detection.detects() {
            true => {
                start.needs.extend(earlier.iter().cloned());
                start.succeeded.extend(earlier.first().cloned());
                start.conditions.push(NOT_PULL_REQUEST.to_string());
                start
                    .conditions
                    .extend(detection.when_changed(services.iter().copied()));
            }
            false => {
                start.needs.extend(earlier.last().cloned());
                start.conditions.push(NOT_PULL_REQUEST.to_string());
            }
        }
        start
    }

    /// Merges another start into this one (an environment after several).
    pub(crate) fn merge(&mut self, other: Start) {
        for need in other.needs {
            if !self.needs.contains(&need) {
                self.needs.push(need);
            }
        }
        self.succeeded.extend(other.succeeded);
        for condition in other.conditions {
            if !self.conditions.contains(&condition) {
                self.conditions.push(condition);
            }
        }
    }

    /// The job's `if:`.
    pub fn condition(&self, detection: &Detection) -> String {
        if !detection.detects() && self.conditions.len() == 1 {
            return self.conditions.join("");
        }
        let mut parts = Vec::new();
        if detection.detects() {
            parts.push("!cancelled()".to_string());
            parts.push("!contains(needs.*.result, 'failure')".to_string());
            parts.extend(
                self.succeeded
                    .iter()
                    .map(|job| format!("needs.{job}.result == 'success'")),
            );
        }
        parts.extend(self.conditions.iter().map(|c| {
            match c.contains(" || ") && !c.starts_with('(') {
                true => format!("({c})"),
                false => c.clone(),
            }
        }));
        parts.join(" && ")
    }
}
