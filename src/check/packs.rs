//! Policy packs: the policies of an imported module, enabled per environment.
//!
//! `policies = [production]` in an environment enables every policy of the module imported as
//! `production` there; `policies = [production.pinned-images]` enables one. Policies declared
//! in the spec itself apply everywhere and need no enabling. Every policy of every imported
//! module is type-checked, enabled or not, so a broken pack is reported where it is written.

use super::model::Policy;
use super::scope::{Declared, Found, ScopeId, Scopes};
use super::wrong_template::WrongTemplate;
use super::{policy, Checker};
use crate::span::FileId;
use crate::syntax::ast::{Entry, Expr, ExprKind, Item};
use std::collections::BTreeMap;

/// Where each imported policy is enabled: environments by policy.
type Enabled = BTreeMap<(FileId, String), Vec<String>>;

/// The imported policies enabled by `environments` (root environment declarations, templates
/// applied), lowered, with the environments they apply to.
pub fn lower(checker: &mut Checker, scopes: &Scopes, environments: &[&Item]) -> Vec<Policy> {
    let mut enabled = Enabled::new();
    for environment in environments {
        for expr in listed(environment) {
            enable(checker, scopes, expr, &environment.name.text, &mut enabled);
        }
    }
    let mut policies = Vec::new();
    for (index, unit) in scopes.sources().units.iter().enumerate() {
        let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        if scopes.scope_of(file) == ScopeId::Root {
            continue;
        }
        let pack = pack_name(&unit.path);
        for declared in scopes.policies_of(file) {
            let Some(mut lowered) = policy::lower(checker, declared.item) else {
                continue;
            };
            let Some(where_) = enabled.get(&(file, declared.item.name.text.clone())) else {
                continue;
            };
            lowered.environments = where_.clone();
            lowered.pack = Some(pack.clone());
            policies.push(lowered);
        }
    }
    policies
}

/// The short name of a pack: `production` for `std/policies/production`.
fn pack_name(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.strip_suffix(".slip").unwrap_or(last).to_string()
}

/// The values of an environment's `policies = [...]`.
fn listed(environment: &Item) -> Vec<&Expr> {
    let ExprKind::Object(object) = &environment.value.kind else {
        return Vec::new();
    };
    let value = object.entries.iter().find_map(|entry| match entry {
        Entry::Attribute { key, value } if key.text == "policies" => Some(value),
        _ => None,
    });
    match value.map(|v| (&v.kind, v)) {
        Some((ExprKind::List(items), _)) => items.iter().collect(),
        Some((_, value)) => vec![value],
        None => Vec::new(),
    }
}

fn enable(
    checker: &mut Checker,
    scopes: &Scopes,
    expr: &Expr,
    environment: &str,
    enabled: &mut Enabled,
) {
    let ExprKind::Path(path) = &expr.kind else {
        checker.report(
            crate::check::wrong_type::WrongType::NotPolicyName {
                found: expr.kind.describe(),
                span: expr.span,
            }
            .diagnostic(),
        );
        return;
    };
    let name = path.dotted();
    let scope = scopes.scope_of(expr.span.file);
    let mut add = |declared: Declared| {
        let places = enabled
            .entry((declared.file, declared.item.name.text.clone()))
            .or_default();
        if !places.iter().any(|e| e == environment) {
            places.push(environment.to_string());
            places.sort();
        }
    };
    match scopes.lookup_policy(scope, &name) {
        Some(Found::Module(file)) => scopes.policies_of(file).into_iter().for_each(add),
        Some(Found::Item(declared)) if declared.item.keyword.text == "policy" => {
            if scopes.scope_of(declared.file) != ScopeId::Root {
                add(declared);
            }
        }
        Some(Found::Unresolved) => {}
        Some(Found::Item(declared)) => checker.report(
            WrongTemplate::NotAPolicy {
                name: &name,
                keyword: &declared.item.keyword.text,
                span: expr.span,
                declared: declared.item.name.span,
            }
            .diagnostic(),
        ),
        None => {
            let candidates = scopes.candidates(scope, &name, &["policy"]);
            checker.report(
                crate::diagnostics::UnknownReference::PolicyOrPack {
                    name: &name,
                    span: expr.span,
                    candidates: candidates.iter().map(String::as_str),
                }
                .diagnostic(),
            );
        }
    }
}
