//! Per-environment defaults: `defaults { replicas = 3 }` in an environment applies to every
//! service deployed there, below the service's own `override` block.
//!
//! The defaults are folded into the environment's overrides on the syntax tree (each service
//! gets `override name { ... }` with the defaults laid under its own override), so the rest of
//! the checker and every emitter see ordinary overrides. On the way, each override value that
//! replaces a value of the service (or of its template) is remembered, so a diagnostic on it
//! shows the whole chain.

use super::provenance::{body_of, describe, leaves, merge, Shadow};
use super::reader::Reader;
use super::schema;
use super::Checker;
use crate::syntax::ast::{Entry, ExprKind, Ident, Item, Object};
use std::collections::{BTreeMap, BTreeSet};

/// The environment `item` with its defaults applied to every service in `services` (their
/// bodies after templates, by name).
pub fn apply(
    checker: &mut Checker,
    item: &Item,
    services: &BTreeMap<String, &Object>,
    shadows: &mut Vec<Shadow>,
) -> Item {
    let ExprKind::Object(object) = &item.value.kind else {
        return item.clone();
    };
    if object.tag.is_some() {
        return item.clone();
    }
    let defaults = defaults_of(checker, object);
    let mut entries: Vec<Entry> = Vec::with_capacity(object.entries.len());
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut shadows = Recorded::new(shadows);
    for entry in &object.entries {
        let service = override_label(entry)
            .filter(|name| services.contains_key(*name) && !done.contains(name));
        match (service, body_of(entry)) {
            (Some(name), Some(own)) => {
                done.insert(name);
                let service = services.get_key_value(name).map(|(n, s)| (n, *s));
                let body = match &defaults {
                    Some((_, under)) => {
                        record(under, service, &mut shadows);
                        let own_only = Object {
                            entries: own
                                .entries
                                .iter()
                                .filter(|e| {
                                    under.entries.iter().all(|d| d.key().text != e.key().text)
                                })
                                .cloned()
                                .collect(),
                            ..own.clone()
                        };
                        record(&own_only, service, &mut shadows);
                        merge(under, own, "", shadows.all)
                    }
                    None => {
                        record(own, service, &mut shadows);
                        own.clone()
                    }
                };
                entries.push(with_override_body(entry, body));
            }
            _ => entries.push(entry.clone()),
        }
    }
    if let Some((key, under)) = &defaults {
        for (name, service) in services
            .iter()
            .filter(|(name, _)| !done.contains(name.as_str()))
        {
            record(under, Some((name, *service)), &mut shadows);
            let label = Ident {
                text: name.clone(),
                span: key.span,
            };
            entries.push(Entry::Block {
                key: Ident {
                    text: "override".to_string(),
                    span: key.span,
                },
                label: Some(label),
                body: under.clone(),
            });
        }
    }
    let value = crate::syntax::ast::Expr {
        kind: ExprKind::Object(Object {
            entries,
            ..object.clone()
        }),
        span: item.value.span,
    };
    Item {
        value,
        ..item.clone()
    }
}

fn override_label(entry: &Entry) -> Option<&str> {
    match entry {
        Entry::Block {
            key,
            label: Some(label),
            ..
        } if key.text == "override" => Some(label.text.as_str()),
        _ => None,
    }
}

fn with_override_body(entry: &Entry, body: Object) -> Entry {
    match entry {
        Entry::Block { key, label, .. } => Entry::Block {
            key: key.clone(),
            label: label.clone(),
            body,
        },
        other => other.clone(),
    }
}

/// The `defaults` block, checked against its fields; only known fields are kept, so a typo is
/// reported once and not again for every service.
fn defaults_of(checker: &mut Checker, object: &Object) -> Option<(Ident, Object)> {
    let entry = object
        .entries
        .iter()
        .find(|entry| entry.key().text == "defaults")?;
    let body = body_of(entry)?;
    Reader::new(checker, body, &schema::DEFAULTS, entry.key().span);
    let known = body
        .entries
        .iter()
        .filter(|e| schema::DEFAULTS.field(&e.key().text).is_some())
        .cloned()
        .collect();
    Some((
        entry.key().clone(),
        Object {
            entries: known,
            ..body.clone()
        },
    ))
}

/// The shadows found so far, each kept once; a set beside the list keeps that check cheap
/// when every service is overridden.
struct Recorded<'s> {
    all: &'s mut Vec<Shadow>,
    seen: BTreeSet<Shadow>,
    /// How many of `all` are in `seen` (others push to `all` directly).
    synced: usize,
}

impl<'s> Recorded<'s> {
    fn new(all: &'s mut Vec<Shadow>) -> Recorded<'s> {
        Recorded {
            all,
            seen: BTreeSet::new(),
            synced: 0,
        }
    }

    fn push(&mut self, shadow: Shadow) {
        for earlier in self.all.iter().skip(self.synced) {
            self.seen.insert(earlier.clone());
        }
        self.synced = self.all.len();
        if self.seen.insert(shadow.clone()) {
            self.all.push(shadow);
            self.synced += 1;
        }
    }
}

/// Remembers each value of an override that replaces a value of the service.
fn record(body: &Object, service: Option<(&String, &Object)>, shadows: &mut Recorded) {
    let Some((name, service)) = service else {
        return;
    };
    let mut overriding = Vec::new();
    leaves(body, "", &mut overriding);
    let mut base = Vec::new();
    leaves(service, "", &mut base);
    for (field, value) in overriding {
        let Some((_, lost)) = base.iter().find(|(path, _)| *path == field) else {
            continue;
        };
        let shadow = Shadow {
            winner: value.span,
            loser: lost.span,
            winner_text: format!("{field} = {}", describe(value)),
            loser_text: format!("{field} = {}", describe(lost)),
            service: Some(name.clone()),
        };
        shadows.push(shadow);
    }
}
