//! Evaluating policies over the model, and reporting (or waiving) their violations.
//!
//! A policy enabled for some environments only (a pack in `policies = [...]`) is checked for
//! the deployments and environments there; one declared in the spec is checked everywhere. A
//! violation points at the value that made the rule fail (for `all`, in the first element
//! that fails), with the rule as a secondary label. A waiver that matches the policy and the
//! subject suppresses the violation and counts it.

use super::fields::{self, Element, Subject};
use super::{Condition, Literal};
use crate::check::limits::PolicyBudget;
use crate::check::model::{Model, Policy, PolicySeverity, Waiver};
use crate::check::Checker;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::span::Span;

/// Evaluates every policy over the model, reports violations that no waiver covers, and
/// counts on each waiver the violations it covered.
pub fn run(checker: &mut Checker, model: &mut Model) {
    let mut waived = vec![0usize; model.waivers.len()];
    let mut budget = PolicyBudget::default();
    for policy in &model.policies {
        let subjects = fields::subjects(model, policy);
        if !budget.take(checker, policy, subjects.len()) {
            continue;
        }
        for subject in subjects {
            if let Some(when) = &policy.when {
                if !evaluate(when, &subject, None) {
                    continue;
                }
            }
            if evaluate(&policy.require, &subject, None) {
                continue;
            }
            let waiver = model
                .waivers
                .iter()
                .position(|waiver| covers(waiver, policy, &subject));
            match waiver.and_then(|index| waived.get_mut(index)) {
                Some(count) => *count += 1,
                None => checker.report(violation(policy, &subject)),
            }
        }
    }
    for (waiver, count) in model.waivers.iter_mut().zip(waived) {
        waiver.waived = count;
    }
}

/// Whether `waiver` covers a violation of `policy` by `subject`.
pub fn covers(waiver: &Waiver, policy: &Policy, subject: &Subject) -> bool {
    let named = waiver.policy.value == policy.name.value
        || policy.pack.as_deref() == Some(waiver.policy.value.as_str());
    let service_matches = waiver.services.is_empty()
        || subject
            .service_name()
            .is_some_and(|name| waiver.services.iter().any(|s| s.value == name));
    let environment_matches = waiver.environments.is_empty()
        || subject
            .environment_name()
            .is_some_and(|name| waiver.environments.iter().any(|e| e.value == name));
    named && service_matches && environment_matches
}

fn evaluate(condition: &Condition, subject: &Subject, element: Option<&Element>) -> bool {
    match condition {
        Condition::Literal(value) => *value,
        Condition::Field(name) => subject.read(name, element).0 == Some(Literal::Bool(true)),
        Condition::Has(name) => subject.read(name, element).0.is_some(),
        Condition::Compare { field, op, value } => {
            let Some(actual) = subject.read(field, element).0 else {
                return op == "!=";
            };
            compare(&actual, op, value)
        }
        Condition::And(a, b) => evaluate(a, subject, element) && evaluate(b, subject, element),
        Condition::Or(a, b) => evaluate(a, subject, element) || evaluate(b, subject, element),
        Condition::Not(inner) => !evaluate(inner, subject, element),
        Condition::All { list, condition } => subject
            .elements(list)
            .iter()
            .all(|e| evaluate(condition, subject, Some(e))),
        Condition::Any { list, condition } => subject
            .elements(list)
            .iter()
            .any(|e| evaluate(condition, subject, Some(e))),
    }
}

fn compare(actual: &Literal, op: &str, value: &Literal) -> bool {
    let ordering = match (actual, value) {
        (Literal::Int(a), Literal::Int(b)) => a.cmp(b),
        (Literal::Milli(a), Literal::Milli(b)) => a.cmp(b),
        (Literal::Millis(a), Literal::Millis(b)) => a.cmp(b),
        _ => return (actual == value) == (op == "=="),
    };
    match op {
        "==" => ordering.is_eq(),
        "!=" => ordering.is_ne(),
        "<" => ordering.is_lt(),
        "<=" => ordering.is_le(),
        ">" => ordering.is_gt(),
        _ => ordering.is_ge(),
    }
}

/// The span of the value that makes a failing condition fail: the failing side of an `and`,
/// the first element that breaks an `all`, the field a comparison reads.
fn blame(condition: &Condition, subject: &Subject, element: Option<&Element>) -> Option<Span> {
    match condition {
        Condition::Literal(_) => None,
        Condition::Field(name) | Condition::Has(name) | Condition::Compare { field: name, .. } => {
            subject.read(name, element).1
        }
        Condition::And(a, b) if !evaluate(a, subject, element) => blame(a, subject, element),
        Condition::And(_, b) => blame(b, subject, element),
        Condition::Or(a, b) => blame(a, subject, element).or_else(|| blame(b, subject, element)),
        Condition::Not(inner) => blame(inner, subject, element),
        Condition::All { list, condition } => {
            let elements = subject.elements(list);
            let failing = elements
                .iter()
                .find(|e| !evaluate(condition, subject, Some(e)));
            failing.and_then(|e| blame(condition, subject, Some(e)).or(Some(e.span())))
        }
        Condition::Any { list, .. } => subject.read(list, element).1,
    }
}

fn violation(policy: &Policy, subject: &Subject) -> Diagnostic {
    let span = blame(&policy.require, subject, None).unwrap_or_else(|| subject.span());
    let name = match &policy.pack {
        Some(pack) => format!("`{}` (pack `{pack}`)", policy.name.value),
        None => format!("`{}`", policy.name.value),
    };
    let mut diagnostic = Diagnostic::error(
        Code::SW0502,
        format!("{} ({})", policy.message, subject.describe()),
        span,
        format!("violates policy {name}"),
    )
    .with_label(policy.span, format!("required by policy {name}"));
    diagnostic.severity = match policy.severity {
        PolicySeverity::Deny => Severity::Error,
        PolicySeverity::Warn => Severity::Warning,
    };
    match &policy.help {
        Some(help) => diagnostic.with_help(help.clone()),
        None => diagnostic,
    }
}
