//! When the workflow runs and which events deploy: the `on:` block comes from the triggers of
//! the entry environments (those that follow no other), and each entry environment's deploy
//! job gets an `if:` that matches its own trigger. Pull requests run the build, tests and image
//! build only; every job that pushes or deploys is guarded against them.

use super::types::{Empty, PullRequest, Push, Triggers};
use crate::check::model::{Environment, Trigger};

/// The guard on every job that pushes an image or touches a cluster.
pub(crate) const NOT_PULL_REQUEST: &str = "github.event_name != 'pull_request'";

/// The events of the given entry environments. Pull requests against the deploy branches (or
/// any pull request, when no environment deploys on a branch push) always run the checks.
pub fn triggers(entries: &[&Environment]) -> Triggers {
    let mut push = Push::default();
    let mut manual = false;
    for environment in entries {
        match &environment.trigger {
            Some(Trigger::Push { branches }) => push.branches.extend(branches.iter().cloned()),
            Some(Trigger::Tag { pattern }) => push.tags.push(pattern.clone()),
            Some(Trigger::Manual) | None => manual = true,
        }
    }
    push.branches.sort();
    push.branches.dedup();
    push.tags.sort();
    push.tags.dedup();
    let has_push = !push.branches.is_empty() || !push.tags.is_empty();
    Triggers {
        pull_request: Some(PullRequest {
            branches: push.branches.clone(),
        }),
        push: has_push.then_some(push),
        workflow_dispatch: manual.then_some(Empty {}),
    }
}

/// The `if:` of an entry environment's deploy job: the event of its trigger, and for pushes
/// the branch or tag. An environment without a trigger is deployed by hand.
pub(crate) fn entry_condition(environment: &Environment) -> String {
    match &environment.trigger {
        Some(Trigger::Push { branches }) => {
            let refs: Vec<String> = branches
                .iter()
                .map(|b| ref_matches("refs/heads/", b))
                .collect();
            format!("github.event_name == 'push' && ({})", refs.join(" || "))
        }
        Some(Trigger::Tag { pattern }) => {
            format!(
                "github.event_name == 'push' && {}",
                ref_matches("refs/tags/", pattern)
            )
        }
        Some(Trigger::Manual) | None => "github.event_name == 'workflow_dispatch'".to_string(),
    }
}

/// An expression that holds when `github.ref` is `prefix` + `pattern`. A glob pattern
/// (`release/*`, `v*`) is matched by its literal start; the `on:` filter has already limited
/// the run to refs that match it exactly.
fn ref_matches(prefix: &str, pattern: &str) -> String {
    match pattern.find(['*', '?', '[', '!', '+']) {
        Some(at) => format!(
            "startsWith(github.ref, {})",
            literal(&format!("{prefix}{}", &pattern[..at]))
        ),
        None => format!("github.ref == {}", literal(&format!("{prefix}{pattern}"))),
    }
}

/// A string literal of the expression language: single quotes, doubled inside.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
