//! The hooks of a canary (`hook NAME { at, image, command, timeout }`): Kubernetes Jobs run
//! before the first step, beside the steps (a load generator) or after the last one, by
//! whichever engine runs the canary. A hook that fails, or is still running at its timeout,
//! fails the rollout as a failed gate round beyond the budget does.

use super::{Duration, Resources};
use crate::span::{Span, Spanned};
use serde::Serialize;

/// One hook: a Job the rollout runs at a fixed point and waits for (or, `during`, watches).
#[derive(Debug, Clone, Serialize)]
pub struct Hook {
    pub name: Spanned<String>,
    pub at: HookAt,
    pub image: String,
    /// The container's command; empty for the image's own entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Requests and limits as written; the Job fills in what is missing (see
    /// `emit::k8s::hooks`).
    #[serde(skip_serializing_if = "is_unset")]
    pub resources: Resources,
    /// The Job's `activeDeadlineSeconds`: a hook still running then has failed.
    pub timeout: Duration,
    #[serde(skip)]
    pub timeout_span: Span,
    #[serde(skip)]
    pub span: Span,
}

impl Hook {
    /// The Job's name in the service's namespace: `<service>-<hook>`.
    pub(crate) fn job_name(&self, service: &str) -> String {
        format!("{service}-{}", self.name.value)
    }
}

fn is_unset(resources: &Resources) -> bool {
    *resources == Resources::default()
}

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookAt {
    /// Before the first step sends the canary traffic, with one canary pod up: smoke tests.
    /// The rollout starts only once it completes.
    Before,
    /// From the first step until the rollout ends, beside the steps: a load generator, so
    /// the gates measure requests even where real traffic is thin. It is stopped at the end.
    During,
    /// After the last step, with the canary's final traffic on it and the previous version
    /// still running: the promotion waits for it, and a failure can still roll back.
    After,
}

impl HookAt {
    pub(crate) const KEYWORDS: &'static [(&'static str, HookAt)] = &[
        ("before", HookAt::Before),
        ("during", HookAt::During),
        ("after", HookAt::After),
    ];

    pub fn keyword(self) -> &'static str {
        super::spelling_of(HookAt::KEYWORDS, &self)
    }
}
