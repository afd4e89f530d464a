//! One owner per environment: reading `deployer`, and `SW0322` when the spec asks two
//! deployers to own the same environment.
//!
//! Two owners fight: Argo CD's self-heal undoes what the workflow applies (its digest pins,
//! its canary steps and track scaling), and the workflow re-applies what Argo CD synced. A
//! spec can ask for that in two ways, both reported here:
//!
//! * naming both, `deployer = [workflow, argocd]`;
//! * `deployer = argocd` on an environment whose rollout the workflow runs: a canary on the
//!   `workflow` engine (its steps are VirtualServices the workflow applies one by one, and its
//!   `-canary` Deployment is scaled by the workflow) or a blue-green switch. Argo CD syncs the
//!   resting state and would revert each step; and since the workflow does not deploy an
//!   environment Argo CD owns, the steps would never run at all.
//!
//! Which owner an environment gets when the spec names none depends on the compiled targets,
//! which the checker does not know: see [`crate::check::model::Environment::owner`].

use super::model::{Deployer, Model, Strategy, StrategyKind};
use super::{values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Expr, ExprKind};

/// Reads `deployer = workflow | argocd`; `None` after an error (a list naming two deployers
/// is `SW0322`).
pub fn deployer(checker: &mut Checker, expr: &Expr) -> Option<Spanned<Deployer>> {
    if let ExprKind::List(items) = &expr.kind {
        return one_of_list(checker, expr, items);
    }
    values::keyword(checker, expr, "deployer", Deployer::KEYWORDS)
        .map(|deployer| Spanned::new(deployer, expr.span))
}

/// A list is accepted only when it names one deployer.
fn one_of_list(checker: &mut Checker, expr: &Expr, items: &[Expr]) -> Option<Spanned<Deployer>> {
    let read: Vec<Spanned<Deployer>> = items
        .iter()
        .filter_map(|item| {
            values::keyword(checker, item, "deployer", Deployer::KEYWORDS)
                .map(|deployer| Spanned::new(deployer, item.span))
        })
        .collect();
    if read.len() < items.len() {
        return None;
    }
    match read.as_slice() {
        [only] => Some(only.clone()),
        [first, rest @ ..] if rest.iter().all(|d| d.value == first.value) => Some(first.clone()),
        _ => {
            checker.report(
                Diagnostic::error(
                    Code::SW0322,
                    "an environment has one deployer: the workflow and Argo CD would undo each other's changes",
                    expr.span,
                    "two deployers",
                )
                .with_help(
                    "choose one: `deployer = workflow` (the workflow applies, Argo CD only observes) or `deployer = argocd` (Argo CD syncs, the workflow does not deploy here)",
                ),
            );
            None
        }
    }
}

/// `SW0322` for every environment that Argo CD deploys but whose rollout the workflow runs.
pub(crate) fn check_rollouts_owned_by_workflow(checker: &mut Checker, model: &Model) {
    let mut conflicts: Vec<Conflict> = Vec::new();
    for deployment in &model.deployments {
        let Some(environment) = model.environment(&deployment.environment) else {
            continue;
        };
        let Some(deployer) = &environment.deployer else {
            continue;
        };
        if deployer.value != Deployer::Argocd {
            continue;
        }
        let Some(what) = workflow_rollout(&deployment.strategy) else {
            continue;
        };
        let at = deployment.strategy.span;
        match conflicts
            .iter_mut()
            .find(|c| c.environment == deployment.environment && c.strategy == at)
        {
            Some(conflict) => conflict.services.push(deployment.service.clone()),
            None => conflicts.push(Conflict {
                environment: deployment.environment.clone(),
                deployer: deployer.span,
                strategy: at,
                what,
                services: vec![deployment.service.clone()],
            }),
        }
    }
    for conflict in conflicts {
        checker.report(conflict.diagnostic());
    }
}

const CANARY: &str = "the workflow runs this canary's steps";
const BLUE_GREEN: &str = "the workflow switches this blue-green";

/// The rollouts the workflow runs step by step, in words; `None` for the others.
fn workflow_rollout(strategy: &Strategy) -> Option<&'static str> {
    match strategy.kind {
        StrategyKind::Canary { .. } if strategy.engine.is_workflow() => Some(CANARY),
        StrategyKind::BlueGreen { .. } => Some(BLUE_GREEN),
        _ => None,
    }
}

/// One environment and strategy that two deployers would own.
struct Conflict {
    environment: String,
    deployer: Span,
    strategy: Span,
    what: &'static str,
    services: Vec<String>,
}

impl Conflict {
    fn diagnostic(&self) -> Diagnostic {
        let services: Vec<String> = self.services.iter().map(|s| format!("`{s}`")).collect();
        Diagnostic::error(
            Code::SW0322,
            format!(
                "Argo CD deploys `{}`, but the workflow would roll out {} there: two deployers",
                self.environment,
                services.join(", ")
            ),
            self.strategy,
            self.what,
        )
        .with_label(self.deployer, "Argo CD owns the environment")
        .with_help(match self.what {
            CANARY => "let Argo Rollouts run the canary in the cluster (`engine = argo_rollouts`), use `rolling`, or let the workflow deploy the environment (`deployer = workflow`)",
            _ => "let the workflow deploy the environment (`deployer = workflow`), or use `rolling` or an Argo Rollouts canary (`canary { engine = argo_rollouts ... }`)",
        })
    }
}
