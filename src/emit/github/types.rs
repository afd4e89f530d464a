//! Our own serde types for a GitHub Actions workflow, holding only the keys we write. Struct
//! fields serialise in declaration order, which is the order people expect to read a
//! workflow in (`name`, `on`, `permissions`, `jobs`; in a job `name`, `needs`, `if`, ...);
//! jobs keep the order they were added in and every other map is a `BTreeMap`.

use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// `permissions:` of a workflow or job: scope to `read`/`write`. Empty means none at all.
pub type Permissions = BTreeMap<&'static str, &'static str>;

#[derive(Debug, Clone, Serialize)]
pub struct Workflow {
    pub name: String,
    pub on: Triggers,
    pub permissions: Permissions,
    pub jobs: IndexMap<String, Job>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Triggers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<Push>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_dispatch: Option<Empty>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Push {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct PullRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
}

/// A key that is present without settings (`workflow_dispatch: {}`).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Empty {}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Job {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub runs_on: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
    pub permissions: Permissions,
    pub timeout_minutes: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
    pub steps: Vec<Step>,
}

/// The runner every job uses: a fixed image version rather than `ubuntu-latest`.
pub(crate) const RUNNER: &str = "ubuntu-24.04";

impl Job {
    /// A job with no dependencies, condition, environment or outputs.
    pub fn new(name: impl Into<String>, permissions: Permissions, steps: Vec<Step>) -> Job {
        Job {
            name: name.into(),
            needs: Vec::new(),
            condition: None,
            runs_on: RUNNER,
            environment: None,
            concurrency: None,
            permissions,
            timeout_minutes: 30,
            outputs: BTreeMap::new(),
            steps,
        }
    }

    pub fn needs(mut self, needs: Vec<String>) -> Job {
        self.needs = needs;
        self
    }

    pub fn when(mut self, condition: impl Into<String>) -> Job {
        self.condition = Some(condition.into());
        self
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Concurrency {
    pub group: String,
    pub cancel_in_progress: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Step {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub with: BTreeMap<String, Input>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// An action input: text, or a boolean written as YAML `true`/`false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Input {
    Text(String),
    Flag(bool),
}

impl Step {
    /// A shell step. Values from the spec never go into `script`; pass them with [`Step::env`].
    pub fn run(name: impl Into<String>, script: impl Into<String>) -> Step {
        Step {
            name: name.into(),
            run: Some(script.into()),
            ..Step::default()
        }
    }

    /// A step that runs an action, given as its pinned `owner/repo@sha` reference.
    pub fn uses(name: impl Into<String>, reference: String) -> Step {
        Step {
            name: name.into(),
            uses: Some(reference),
            ..Step::default()
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Step {
        self.with.insert(key.to_string(), Input::Text(value.into()));
        self
    }

    pub fn flag(mut self, key: &str, value: bool) -> Step {
        self.with.insert(key.to_string(), Input::Flag(value));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Step {
        self.env.insert(key.to_string(), value.into());
        self
    }

    pub fn id(mut self, id: impl Into<String>) -> Step {
        self.id = Some(id.into());
        self
    }

    pub fn when(mut self, condition: impl Into<String>) -> Step {
        self.condition = Some(condition.into());
        self
    }

    pub(crate) fn working_directory(mut self, directory: Option<String>) -> Step {
        self.working_directory = directory;
        self
    }
}
