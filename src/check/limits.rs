//! Bounds on the work one check may do, so a spec that asks for too much ends with a coded
//! diagnostic instead of exhausting memory or time (see `docs/reliability.md`).
//!
//! * [`MAX_DEPLOYMENTS`]: every service is deployed to every environment, and each deployment
//!   is a copy of its service with the environment's settings; 800 services in 800
//!   environments made 640,000 of them and took over a gigabyte. Past the limit, no
//!   deployment is built (SW0006) and nothing that reads them runs. The limit leaves room for
//!   the benchmark's largest reference workload (10,000 services in 3 environments).
//! * [`MAX_POLICY_WORK`]: a policy's conditions are evaluated once per subject, so its cost
//!   is the size of its conditions times the number of subjects. The whole spec's policies
//!   share one budget; a policy that would exceed it is not evaluated (SW0505).

use super::model::{Model, Policy};
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};

/// The most deployments (services × environments) a spec may have.
pub(crate) const MAX_DEPLOYMENTS: usize = 50_000;

/// The most condition nodes all policies together may evaluate (the size of a policy's
/// `when` and `require`, counted in operators and tests, times its subjects).
pub(crate) const MAX_POLICY_WORK: usize = 5_000_000;

/// Whether the spec's deployments fit in [`MAX_DEPLOYMENTS`]; reports SW0006 at the
/// environment, in promotion order, that crosses the limit when they do not.
pub(crate) fn deployments_fit(checker: &mut Checker, model: &Model) -> bool {
    let services = model.services.len();
    let mut total = 0usize;
    for name in &model.promotion_order {
        let Some(environment) = model.environment(name) else {
            continue;
        };
        total = total.saturating_add(services);
        if total > MAX_DEPLOYMENTS {
            let environments = model.promotion_order.len();
            checker.report(
                Diagnostic::error(
                    Code::SW0006,
                    format!(
                        "{services} services in {environments} environments make {} deployments; the limit is {MAX_DEPLOYMENTS}",
                        services.saturating_mul(environments)
                    ),
                    environment.name.span,
                    format!("{total} deployments up to this environment"),
                )
                .with_help("split the spec: one spec per group of services that ship together, each with the environments it uses"),
            );
            return false;
        }
    }
    true
}

/// Tracks the policy budget while policies are evaluated.
pub(crate) struct PolicyBudget {
    left: usize,
}

impl Default for PolicyBudget {
    fn default() -> PolicyBudget {
        PolicyBudget {
            left: MAX_POLICY_WORK,
        }
    }
}

impl PolicyBudget {
    /// Takes the work of evaluating `policy` over `subjects` subjects from the budget, or
    /// reports SW0505 and returns false when it does not fit.
    pub fn take(&mut self, checker: &mut Checker, policy: &Policy, subjects: usize) -> bool {
        let size = policy.require.size() + policy.when.as_ref().map_or(0, |c| c.size());
        let work = size.saturating_mul(subjects);
        if work <= self.left {
            self.left -= work;
            return true;
        }
        checker.report(
            Diagnostic::error(
                Code::SW0505,
                format!(
                    "policy `{}` would evaluate {size} condition terms for each of {subjects} subjects, more than the {MAX_POLICY_WORK} the spec may evaluate",
                    policy.name.value
                ),
                policy.name.span,
                "not evaluated",
            )
            .with_label(policy.span, format!("{size} terms"))
            .with_help("write a shorter condition: test a list with `any(...)` or `all(...)` instead of spelling out each case"),
        );
        false
    }
}
