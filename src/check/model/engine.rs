//! Who runs a canary's steps. By default the delivery workflow does ([`Engine::Workflow`]): it
//! applies one VirtualService per step, pauses and queries the gates itself. With
//! `engine = argo_rollouts` an Argo Rollouts controller in the cluster does it instead
//! ([`Engine::ArgoRollouts`]): the service runs as one `Rollout` that shifts the weights of a
//! named route of the service's VirtualService between two DestinationRule subsets.

use crate::span::Spanned;
use serde::Serialize;

/// The engine of a strategy. Only canaries choose one; every other kind runs as Deployments
/// that the workflow applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    #[default]
    Workflow,
    ArgoRollouts(ArgoRollouts),
}

impl Engine {
    pub const KEYWORDS: &'static [&'static str] = &["workflow", "argo_rollouts"];

    pub fn is_workflow(&self) -> bool {
        matches!(self, Engine::Workflow)
    }

    /// The Argo Rollouts settings, when Argo Rollouts runs the canary.
    pub fn argo_rollouts(&self) -> Option<&ArgoRollouts> {
        match self {
            Engine::ArgoRollouts(settings) => Some(settings),
            Engine::Workflow => None,
        }
    }

    pub fn keyword(&self) -> &'static str {
        match self {
            Engine::Workflow => "workflow",
            Engine::ArgoRollouts(_) => "argo_rollouts",
        }
    }
}

/// How an Argo Rollouts canary finds its traffic: the route it shifts and the two subsets the
/// route splits between. The checker guarantees a non-empty route name and two different
/// subset names, each a DNS-1123 label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgoRollouts {
    /// The name of the VirtualService HTTP route whose weights Argo Rollouts sets.
    pub route: Spanned<String>,
    /// The DestinationRule subset that serves between rollouts.
    pub stable_subset: Spanned<String>,
    /// The DestinationRule subset the new version runs in during a rollout.
    pub canary_subset: Spanned<String>,
}

impl ArgoRollouts {
    pub const DEFAULT_ROUTE: &'static str = "primary";
    pub const DEFAULT_SUBSETS: [&'static str; 2] = ["stable", "canary"];
}

impl super::Strategy {
    /// The Argo Rollouts settings when Argo Rollouts runs this strategy (a canary with
    /// `engine = argo_rollouts`); `None` when the workflow runs it.
    pub fn argo_rollouts(&self) -> Option<&ArgoRollouts> {
        match self.kind {
            super::StrategyKind::Canary { .. } => self.engine.argo_rollouts(),
            _ => None,
        }
    }
}
