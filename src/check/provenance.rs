//! Where a value came from: merging bodies field by field, and remembering what each value
//! replaced.
//!
//! A service built from a template, an environment's `defaults` and a per-service `override`
//! all lay one body over another. [`merge`] does that on the syntax tree, keeping every
//! value's own span, and records a [`Shadow`] for each value that replaced another. When a
//! diagnostic points at a value, [`annotate`] adds the chain as secondary labels:
//! "`replicas = 0` set in environment `prod` overrides `replicas = 3` from template `web`".

use super::modules::Sources;
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{Declaration, Entry, Expr, ExprKind, Object};
use std::collections::BTreeMap;

/// One value replacing another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shadow {
    pub winner: Span,
    pub loser: Span,
    /// `replicas = 0`
    pub winner_text: String,
    /// `replicas = 3`
    pub loser_text: String,
    /// The service the replacement applies to, when one value (an environment's defaults)
    /// replaces a different value for each service.
    pub service: Option<String>,
}

/// `overlay` laid over `base`: fields of `overlay` replace those of `base`, blocks (and
/// untagged `{ ... }` values) are merged field by field, labelled blocks match by label, and
/// a block written several times (canary `step`s) replaces all of the base's. `prefix` names
/// the enclosing field in shadow texts (`resources.limits.`).
pub(crate) fn merge(
    base: &Object,
    overlay: &Object,
    prefix: &str,
    shadows: &mut Vec<Shadow>,
) -> Object {
    let repeated = |key: &str| count(base, key) > 1 || count(overlay, key) > 1;
    let mut entries: Vec<Entry> = base
        .entries
        .iter()
        .filter(|entry| !(repeated(&entry.key().text) && has_key(overlay, &entry.key().text)))
        .cloned()
        .collect();
    for entry in &overlay.entries {
        let key = &entry.key().text;
        let position = (!repeated(key))
            .then(|| entries.iter().position(|e| same_field(e, entry)))
            .flatten();
        match position.and_then(|index| entries.get_mut(index)) {
            Some(earlier) => *earlier = combine(earlier, entry, prefix, shadows),
            None => entries.push(entry.clone()),
        }
    }
    Object {
        tag: overlay.tag.clone().or_else(|| base.tag.clone()),
        entries,
        span: overlay.span,
    }
}

fn count(object: &Object, key: &str) -> usize {
    object
        .entries
        .iter()
        .filter(|e| e.key().text == key)
        .count()
}

fn has_key(object: &Object, key: &str) -> bool {
    count(object, key) > 0
}

fn label(entry: &Entry) -> Option<&str> {
    match entry {
        Entry::Block { label, .. } => label.as_ref().map(|l| l.text.as_str()),
        Entry::Attribute { .. } => None,
    }
}

fn same_field(a: &Entry, b: &Entry) -> bool {
    a.key().text == b.key().text && label(a) == label(b)
}

/// The body of a block or of an untagged `{ ... }` value.
pub(crate) fn body_of(entry: &Entry) -> Option<&Object> {
    match entry {
        Entry::Block { body, .. } => Some(body),
        Entry::Attribute {
            value:
                Expr {
                    kind: ExprKind::Object(object),
                    ..
                },
            ..
        } if object.tag.is_none() => Some(object),
        Entry::Attribute { .. } => None,
    }
}

fn with_body(entry: &Entry, body: Object) -> Entry {
    match entry {
        Entry::Block { key, label, .. } => Entry::Block {
            key: key.clone(),
            label: label.clone(),
            body,
        },
        Entry::Attribute { key, value } => Entry::Attribute {
            key: key.clone(),
            value: Expr {
                kind: ExprKind::Object(body),
                span: value.span,
            },
        },
    }
}

fn combine(base: &Entry, overlay: &Entry, prefix: &str, shadows: &mut Vec<Shadow>) -> Entry {
    let field = match label(overlay) {
        Some(label) => format!("{prefix}{} {label}", overlay.key().text),
        None => format!("{prefix}{}", overlay.key().text),
    };
    if let (Some(under), Some(over)) = (body_of(base), body_of(overlay)) {
        return with_body(overlay, merge(under, over, &format!("{field}."), shadows));
    }
    if let (Entry::Attribute { value: lost, .. }, Entry::Attribute { value: won, .. }) =
        (base, overlay)
    {
        shadows.push(Shadow {
            winner: won.span,
            loser: lost.span,
            winner_text: format!("{field} = {}", describe(won)),
            loser_text: format!("{field} = {}", describe(lost)),
            service: None,
        });
    }
    overlay.clone()
}

/// A short rendering of a value for labels: `3`, `"web:1"`, `http { … }`.
pub fn describe(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number(number) => {
            format!("{}{}", number.digits, number.unit.as_deref().unwrap_or(""))
        }
        ExprKind::String(text) if text.chars().count() <= 40 => format!("{text:?}"),
        ExprKind::String(_) => "\"…\"".to_string(),
        ExprKind::Bool(value) => value.to_string(),
        ExprKind::Path(path) => path.dotted(),
        ExprKind::Object(object) => match &object.tag {
            Some(tag) => format!("{} {{ … }}", tag.text),
            None => "{ … }".to_string(),
        },
        ExprKind::List(_) => "[…]".to_string(),
        _ => "…".to_string(),
    }
}

/// The leaf values of a body by field path (`replicas`, `resources.limits.cpu`, `env.X`).
pub fn leaves<'o>(object: &'o Object, prefix: &str, out: &mut Vec<(String, &'o Expr)>) {
    for entry in &object.entries {
        let field = format!("{prefix}{}", entry.key().text);
        match (entry, body_of(entry)) {
            (_, Some(body)) => leaves(body, &format!("{field}."), out),
            (Entry::Attribute { value, .. }, None) => out.push((field, value)),
            (Entry::Block { .. }, None) => {}
        }
    }
}

/// Adds the chain of replaced values to every diagnostic whose primary label is on a value
/// that replaced another.
pub fn annotate(diagnostics: &mut [Diagnostic], shadows: &[Shadow], sources: &Sources) {
    if shadows.is_empty() {
        return;
    }
    let mut by_winner: BTreeMap<Span, Vec<&Shadow>> = BTreeMap::new();
    for shadow in shadows.iter().filter(|s| s.winner != s.loser) {
        by_winner.entry(shadow.winner).or_default().push(shadow);
    }
    for diagnostic in diagnostics.iter_mut() {
        let mut at = diagnostic.primary.span;
        for _ in 0..8 {
            let candidates = by_winner.get(&at).map_or(&[][..], Vec::as_slice);
            let Some(shadow) = replaced(candidates, &diagnostic.message) else {
                break;
            };
            let label = format!(
                "{} set in {} overrides {} from {}",
                shadow.winner_text,
                place(sources, shadow.winner),
                shadow.loser_text,
                place(sources, shadow.loser)
            );
            if !diagnostic.secondary.iter().any(|l| l.span == shadow.loser) {
                diagnostic.secondary.push(crate::diagnostics::Label {
                    span: shadow.loser,
                    message: label,
                });
            }
            at = shadow.loser;
        }
    }
}

/// Of the values the value at one span replaced, the one to show. When one value replaced a
/// different value for each service, the diagnostic's message must name the service.
fn replaced<'a>(candidates: &[&'a Shadow], message: &str) -> Option<&'a Shadow> {
    let first = *candidates.first()?;
    let named = |s: &&&Shadow| {
        s.service
            .as_ref()
            .is_some_and(|name| message.contains(&format!("service `{name}`")))
    };
    if let Some(found) = candidates.iter().find(named) {
        return Some(found);
    }
    candidates
        .iter()
        .all(|s| s.loser == first.loser)
        .then_some(first)
}

/// The declaration (or environment block) a span lies in, in words.
pub fn place(sources: &Sources, span: Span) -> String {
    let Some(module) = sources.modules.get(span.file.0 as usize) else {
        return "the spec".to_string();
    };
    let inside = |outer: Span| outer.start <= span.start && span.end <= outer.end;
    for declaration in &module.declarations {
        let Declaration::Item(item) = declaration else {
            continue;
        };
        if !inside(item.span) {
            continue;
        }
        let name = &item.name.text;
        if item.keyword.text == "environment" {
            if let Some(inner) = environment_block(&item.value, span) {
                return format!("{inner} environment `{name}`");
            }
        }
        return format!("{} `{name}`", item.keyword.text);
    }
    "the spec".to_string()
}

fn environment_block(value: &Expr, span: Span) -> Option<String> {
    let ExprKind::Object(object) = &value.kind else {
        return None;
    };
    object.entries.iter().find_map(|entry| {
        let body = body_of(entry)?;
        let inside = body.span.start <= span.start && span.end <= body.span.end;
        match (entry.key().text.as_str(), label(entry)) {
            ("defaults", _) if inside => Some("the defaults of".to_string()),
            ("override", Some(service)) if inside => {
                Some(format!("the override of `{service}` in"))
            }
            _ => None,
        }
    })
}
