//! Who deploys an environment: the delivery workflow or Argo CD, never both at once.
//!
//! An environment has one owner, the one that applies its objects and whose changes stand.
//! The spec may name it with `deployer = workflow | argocd`; without it, the owner depends on
//! what is compiled: the workflow when the `github` target is (it deploys every environment
//! it reaches, and Argo CD, if compiled too, only observes), Argo CD when only the `argocd`
//! target is. See `docs/semantics.md`, "One owner per environment".

use super::Environment;
use serde::Serialize;

/// The owner of an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Deployer {
    /// The delivery workflow applies the environment (push); Argo CD only observes it.
    Workflow,
    /// Argo CD syncs the environment from the repository (GitOps); the workflow leaves it
    /// alone.
    Argocd,
}

impl Deployer {
    /// The keywords of `deployer = ...`, with their values.
    pub(crate) const KEYWORDS: &'static [(&'static str, Deployer)] = &[
        ("workflow", Deployer::Workflow),
        ("argocd", Deployer::Argocd),
    ];

    pub fn keyword(self) -> &'static str {
        super::spelling_of(Deployer::KEYWORDS, &self)
    }
}

impl Environment {
    /// The deployer the spec names, if it names one.
    pub fn declared_deployer(&self) -> Option<Deployer> {
        self.deployer.as_ref().map(|deployer| deployer.value)
    }

    /// Who deploys the environment when the workflow is compiled (`workflow_compiled`) or
    /// not: the declared deployer, else the workflow if it is compiled, else Argo CD.
    pub fn owner(&self, workflow_compiled: bool) -> Deployer {
        self.declared_deployer().unwrap_or(match workflow_compiled {
            true => Deployer::Workflow,
            false => Deployer::Argocd,
        })
    }

    /// For the `github` target: whether the workflow deploys this environment (it has deploy
    /// jobs) or leaves it to Argo CD (`deployer = argocd`: no deploy job, see
    /// `docs/semantics.md`). The workflow is compiled whenever the `github` target asks.
    pub fn deployed_by_workflow(&self) -> bool {
        self.owner(true) == Deployer::Workflow
    }
}
