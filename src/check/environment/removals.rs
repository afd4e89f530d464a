//! `FIELD = none` in an override (or in an environment's `defaults`, which are folded into the
//! overrides): the settings of a service an environment turns off. `autoscaling`, `traffic`,
//! the three probes and `expose` can be removed; `none` anywhere else in an override is
//! SW0334, and `none { ... }` takes no settings (SW0201). Probes and traffic can only be
//! turned off per environment, not changed.

use crate::check::model::Removable;
use crate::check::reader::Reader;
use crate::check::{schema, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Entry, Expr, ExprKind, Object};
use std::collections::BTreeSet;

/// Fields of an override that only take `none`.
const ONLY_NONE: &[&str] = &["traffic", "liveness", "readiness", "startup"];

/// What an override removes, and the fields written as `none` that must not be read as
/// values.
#[derive(Default)]
pub(crate) struct Removals {
    pub removed: Vec<Spanned<Removable>>,
    skipped: BTreeSet<String>,
}

impl Removals {
    /// Whether `field` was written as `none` (and is reported or removed already).
    pub fn skips(&self, field: &str) -> bool {
        self.skipped.contains(field)
    }
}

/// Reads every `FIELD = none` of an override body.
pub fn read(checker: &mut Checker, object: &Object) -> Removals {
    let mut removals = Removals::default();
    for entry in &object.entries {
        let key = entry.key();
        let Entry::Attribute { value, .. } = entry else {
            if ONLY_NONE.contains(&key.text.as_str()) {
                checker.report(only_none(&key.text, key.span));
            }
            continue;
        };
        let removable = Removable::ALL
            .iter()
            .find(|(field, _)| *field == key.text)
            .map(|(_, removable)| *removable);
        if !is_none(value) {
            if ONLY_NONE.contains(&key.text.as_str()) {
                checker.report(only_none(&key.text, value.span));
                removals.skipped.insert(key.text.clone());
            }
            continue;
        }
        if schema::OVERRIDE.field(&key.text).is_none() {
            continue; // an unknown field, reported by the reader
        }
        removals.skipped.insert(key.text.clone());
        let Some(removable) = removable else {
            checker.report(cannot_remove(&key.text, value));
            continue;
        };
        if let ExprKind::Object(body) = &value.kind {
            let tag_span = body.tag.as_ref().map_or(value.span, |tag| tag.span);
            Reader::new(checker, body, &schema::NONE, tag_span);
        }
        if !removals.removed.iter().any(|r| r.value == removable) {
            removals.removed.push(Spanned::new(removable, value.span));
        }
    }
    removals
}

/// `none`, or `none { ... }`.
pub fn is_none(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Path(path) => path.segments.len() == 1 && path.dotted() == "none",
        ExprKind::Object(object) => object.tag.as_ref().is_some_and(|tag| tag.text == "none"),
        _ => false,
    }
}

fn removable_fields() -> String {
    let names: Vec<String> = Removable::ALL
        .iter()
        .map(|(field, _)| format!("`{field}`"))
        .collect();
    names.join(", ")
}

fn cannot_remove(field: &str, value: &Expr) -> Diagnostic {
    let keep = match field {
        "strategy" => "the environment's strategy applies without one",
        "replicas" => "the service's replicas apply without one",
        "image_tag" => "the service's image applies without one",
        _ => "the service's settings apply without one",
    };
    Diagnostic::error(
        Code::SW0334,
        format!("`{field}` cannot be removed"),
        value.span,
        "`none` is not a value here",
    )
    .with_help(format!(
        "`none` turns off {}; leave `{field}` out of the override ({keep})",
        removable_fields()
    ))
}

fn only_none(field: &str, span: Span) -> Diagnostic {
    crate::check::wrong_type::WrongType::OnlyNone { field, span }.diagnostic()
}
