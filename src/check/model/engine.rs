//! Who runs a canary's steps. By default the delivery workflow does ([`Engine::Workflow`]): it
//! applies one VirtualService per step, pauses and queries the gates itself. With
//! `engine = argo_rollouts` an Argo Rollouts controller in the cluster does it instead
//! ([`Engine::ArgoRollouts`]): the service runs as one `Rollout` that shifts the weights of a
//! named route of the service's VirtualService between two Services, `<service>-stable` and
//! `<service>-canary` (Istio host-level traffic splitting).

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
    pub(crate) const KEYWORDS: &'static [&'static str] = &["workflow", "argo_rollouts"];

    pub(crate) fn is_workflow(&self) -> bool {
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

/// How an Argo Rollouts canary finds its traffic: the route it shifts. The route splits
/// between the Services `<service>-stable` and `<service>-canary`, whose selectors Argo
/// Rollouts narrows to each ReplicaSet's pod-template hash while it runs. The checker
/// guarantees a route name that is a DNS-1123 label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgoRollouts {
    /// The name of the VirtualService HTTP route whose weights Argo Rollouts sets.
    pub route: Spanned<String>,
}

impl ArgoRollouts {
    pub(crate) const DEFAULT_ROUTE: &'static str = "primary";
    /// The suffix of the Service that reaches only the stable pods.
    pub(crate) const STABLE_SUFFIX: &'static str = "stable";
    /// The suffix of the Service that reaches only the canary pods.
    pub(crate) const CANARY_SUFFIX: &'static str = "canary";

    /// `<service>-stable`: the Service the route sends the stable share to.
    pub(crate) fn stable_service(service: &str) -> String {
        format!("{service}-{}", Self::STABLE_SUFFIX)
    }

    /// `<service>-canary`: the Service the route sends the canary share to, and the one the
    /// canary's metrics are selected by.
    pub fn canary_service(service: &str) -> String {
        format!("{service}-{}", Self::CANARY_SUFFIX)
    }
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
