//! Waivers: accepting a policy violation explicitly, with a written reason.
//!
//! ```text
//! waive pinned-images {
//!   service     = legacy-api
//!   environment = staging
//!   reason      = "the vendor ships only `latest`; pinned in ticket OPS-142"
//! }
//! ```
//!
//! The name is a policy's (or a pack's, to waive all of its rules); `service` and
//! `environment` narrow the waiver (each a name or a list). A waiver without a reason is an
//! error. A waiver that covers no violation is a warning, so waivers do not outlive the
//! problem they were written for. `slipway check --waivers` lists them all.

use super::model::{Model, Waiver};
use super::reader::Reader;
use super::{item_label, schema, values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Spanned;
use crate::syntax::ast::{ExprKind, Item};

/// Reads the `waive` declarations of the spec.
pub fn lower(checker: &mut Checker, items: &[Item]) -> Vec<Waiver> {
    items
        .iter()
        .filter_map(|item| lower_one(checker, item))
        .collect()
}

fn lower_one(checker: &mut Checker, item: &Item) -> Option<Waiver> {
    let ExprKind::Object(object) = &item.value.kind else {
        checker.report(
            crate::check::wrong_type::WrongType::DeclarationWithoutBlock {
                what: "waiver",
                example: format!("waive {} {{ reason = \"...\" }}", item.name.text),
                span: item.value.span,
            }
            .diagnostic(),
        );
        return None;
    };
    let reader = Reader::new(checker, object, &schema::WAIVER, item_label(item));
    let services = reader
        .value(checker, "service")
        .map(|e| values::names(checker, e))
        .unwrap_or_default();
    let environments = reader
        .value(checker, "environment")
        .map(|e| values::names(checker, e))
        .unwrap_or_default();
    let reason = match reader.value(checker, "reason") {
        Some(expr) => values::string(checker, expr),
        None => {
            checker.report(no_reason(item, None));
            return None;
        }
    }?;
    if reason.value.trim().is_empty() {
        checker.report(no_reason(item, Some(reason.span)));
        return None;
    }
    Some(Waiver {
        policy: Spanned::new(item.name.text.clone(), item.name.span),
        services,
        environments,
        reason: reason.value,
        waived: 0,
        span: item.span,
    })
}

fn no_reason(item: &Item, empty: Option<crate::span::Span>) -> Diagnostic {
    let (span, label) = match empty {
        Some(span) => (span, "the reason is empty"),
        None => (item_label(item), "no `reason`"),
    };
    Diagnostic::error(
        Code::SW0503,
        format!("the waiver of `{}` gives no reason", item.name.text),
        span,
        label,
    )
    .with_help("say why the rule may be broken here, and until when: `reason = \"...\"`")
}

/// Reports waivers that name no known policy, service or environment.
pub(crate) fn check_names(
    checker: &mut Checker,
    model: &Model,
    services: &[&str],
    environments: &[&str],
) {
    let mut policies: Vec<&str> = model
        .policies
        .iter()
        .map(|p| p.name.value.as_str())
        .collect();
    policies.extend(model.policies.iter().filter_map(|p| p.pack.as_deref()));
    policies.sort_unstable();
    policies.dedup();
    for waiver in &model.waivers {
        if !policies.contains(&waiver.policy.value.as_str()) {
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "policy",
                    name: &waiver.policy.value,
                    span: waiver.policy.span,
                    candidates: policies.iter().copied(),
                }
                .diagnostic(),
            );
        }
        for service in waiver
            .services
            .iter()
            .filter(|s| !services.contains(&s.value.as_str()))
        {
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "service",
                    name: &service.value,
                    span: service.span,
                    candidates: services.iter().copied(),
                }
                .diagnostic(),
            );
        }
        for environment in waiver
            .environments
            .iter()
            .filter(|e| !environments.contains(&e.value.as_str()))
        {
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "environment",
                    name: &environment.value,
                    span: environment.span,
                    candidates: environments.iter().copied(),
                }
                .diagnostic(),
            );
        }
    }
}

/// Warns about waivers that covered no violation (their policy holds, so they can go). A
/// waiver is only judged where the policies ran: a service or environment with errors is
/// left out of the model, so its policies never ran and a waiver of it may still be needed.
pub(crate) fn report_unused(
    checker: &mut Checker,
    model: &Model,
    known: &[&str],
    declared: &super::DeclaredNames,
) {
    for waiver in model.waivers.iter().filter(|w| {
        w.waived == 0
            && known.contains(&w.policy.value.as_str())
            && policies_ran_for(w, model, declared)
    }) {
        checker.report(
            Diagnostic::warning(
                Code::SW0504,
                format!(
                    "the waiver of `{}` covers no violation",
                    waiver.policy.value
                ),
                waiver.policy.span,
                "nothing to waive",
            )
            .with_help("the policy holds where this waiver applies; remove the waiver"),
        );
    }
}

/// Whether the policies ran for every service and environment `waiver` applies to: each is
/// in the model (it had no errors), and the deployments were computed at all.
fn policies_ran_for(waiver: &Waiver, model: &Model, declared: &super::DeclaredNames) -> bool {
    let services: Vec<&str> = if waiver.services.is_empty() {
        declared.services.clone()
    } else {
        waiver.services.iter().map(|s| s.value.as_str()).collect()
    };
    let environments: Vec<&str> = if waiver.environments.is_empty() {
        declared.environments.clone()
    } else {
        waiver
            .environments
            .iter()
            .map(|e| e.value.as_str())
            .collect()
    };
    let lowered_service = |name: &&str| model.services.iter().any(|s| s.name.value == *name);
    let lowered_environment =
        |name: &&str| model.environments.iter().any(|e| e.name.value == *name);
    let deployed =
        model.services.is_empty() || model.environments.is_empty() || !model.deployments.is_empty();
    deployed && services.iter().all(lowered_service) && environments.iter().all(lowered_environment)
}
