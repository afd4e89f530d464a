//! Templates: reusable bodies, expanded on the syntax tree before anything is lowered.
//!
//! `template web = service { ... }` declares a template of a kind: `service`, `environment`,
//! a probe kind (`http`, `tcp`, `grpc`, `exec`), a toolchain kind (`maven`, `npm`, ...) or a
//! strategy kind (`canary`, ...). `template api-base from web { ... }` builds one template
//! from another. A service or environment uses one with `service api from web { ... }`; a
//! probe, toolchain or strategy template is named where such a value is expected
//! (`liveness = probes.http-health`), optionally with the settings that differ
//! (`liveness = probes.http-health { port = admin }`). Strategies declared in a module are used
//! the same way. Fields given at the use replace the template's, blocks merge field by field,
//! and every replaced value is remembered (see [`super::provenance`]).
//!
//! Names inside a template are resolved where the template is declared, so a module's
//! templates may use the module's own imports.

use super::provenance::{merge, Shadow};
use super::scope::{Declared, Found, ScopeId, Scopes};
use super::wrong_template::WrongTemplate;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};
use crate::syntax::ast::{Entry, Expr, ExprKind, Ident, Item, Object};
use std::borrow::Cow;
use std::collections::BTreeMap;

use super::schema::{template_family, PROBE_KINDS, STRATEGY_KINDS, TOOLCHAIN_KINDS};

/// The fields whose values may name a template, and the kinds they accept.
pub(crate) const SITES: &[(&str, &[&str])] = &[
    ("liveness", PROBE_KINDS),
    ("readiness", PROBE_KINDS),
    ("startup", PROBE_KINDS),
    ("toolchain", TOOLCHAIN_KINDS),
    ("strategy", STRATEGY_KINDS),
];

fn site_kinds(key: &str) -> Option<&'static [&'static str]> {
    SITES
        .iter()
        .find(|(site, _)| *site == key)
        .map(|(_, kinds)| *kinds)
}

fn is_kind(text: &str) -> bool {
    template_family(text).is_some()
}

/// What a kind is, in words, for "expected a probe" messages.
pub(crate) fn family(kind: &str) -> &'static str {
    template_family(kind).unwrap_or("service")
}

/// The longest chain of templates built from one another. Building a template builds its
/// base first, recursively: a chain of 20,000 templates, each `from` the next, overflowed
/// the stack. No spec needs more than a few.
pub(crate) const MAX_TEMPLATE_DEPTH: usize = 64;

/// A template with its `from` chain applied and its names resolved.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub kind: String,
    pub body: Object,
    /// How many templates the chain of `from`s holds, this one included. Kept with the built
    /// template because a base built earlier (declared first) is not on the open stack.
    pub depth: usize,
}

/// Expands templates, remembering each one once it is built.
pub(crate) struct Expander<'s> {
    pub scopes: &'s Scopes<'s>,
    built: BTreeMap<(FileId, String), Option<Template>>,
    open: Vec<(FileId, String, Span)>,
    pub shadows: Vec<Shadow>,
    /// Strategies named where a strategy is expected, by the span of the reference, so the
    /// lowered strategy keeps the name it was used by.
    pub strategy_names: Vec<(Span, String)>,
}

/// How much an expander has done so far: names looked up, templates built, values replaced
/// and strategies named. The memo compares two of these around an expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Done {
    pub lookups: u64,
    built: usize,
    shadows: usize,
    strategy_names: usize,
}

impl Done {
    /// Whether nothing but lookups happened between `self` and `later`: no template built,
    /// no value replaced, no strategy named.
    pub fn same_work(&self, later: &Done) -> bool {
        (self.built, self.shadows, self.strategy_names)
            == (later.built, later.shadows, later.strategy_names)
    }
}

impl<'s> Expander<'s> {
    /// What this expander has done so far.
    pub fn state(&self) -> Done {
        Done {
            lookups: self.scopes.lookups(),
            built: self.built.len(),
            shadows: self.shadows.len(),
            strategy_names: self.strategy_names.len(),
        }
    }

    pub fn new(scopes: &'s Scopes<'s>) -> Expander<'s> {
        Expander {
            scopes,
            built: BTreeMap::new(),
            open: Vec::new(),
            shadows: Vec::new(),
            strategy_names: Vec::new(),
        }
    }

    /// The kind of the template (or module strategy) `name` of `file`, once built.
    pub fn built_kind(&self, file: FileId, name: &str) -> Option<&str> {
        let built = self.built.get(&(file, name.to_string()))?;
        built.as_ref().map(|template| template.kind.as_str())
    }

    /// The template (or module strategy) `declared`, built.
    pub fn template(&mut self, checker: &mut Checker, declared: Declared<'s>) -> Option<Template> {
        let key = (declared.file, declared.item.name.text.clone());
        if let Some(built) = self.built.get(&key) {
            return built.clone();
        }
        if let Some(at) = self
            .open
            .iter()
            .position(|(file, name, _)| (*file, name) == (key.0, &key.1))
        {
            checker.report(self.cycle(at, declared.item));
            return None;
        }
        if self.open.len() >= MAX_TEMPLATE_DEPTH {
            checker.report(too_deep(declared.item));
            self.built.insert(key, None);
            return None;
        }
        self.open
            .push((key.0, key.1.clone(), declared.item.name.span));
        let mut built = self.build(checker, declared);
        self.open.pop();
        if built
            .as_ref()
            .is_some_and(|template| template.depth > MAX_TEMPLATE_DEPTH)
        {
            checker.report(too_deep(declared.item));
            built = None;
        }
        self.built.insert(key, built.clone());
        built
    }

    /// The cycle closed by `item`. The primary label goes on the template most likely just
    /// written, the last in file order, and the path in the message starts there.
    fn cycle(&self, at: usize, item: &Item) -> Diagnostic {
        let mut members: Vec<(&str, Span)> = self
            .open
            .iter()
            .skip(at)
            .map(|(_, name, span)| (name.as_str(), *span))
            .collect();
        if members.is_empty() {
            members.push((item.name.text.as_str(), item.name.span));
        }
        let last = members
            .iter()
            .enumerate()
            .max_by_key(|(_, (_, span))| *span)
            .map_or(0, |(index, _)| index);
        members.rotate_left(last);
        let first = members
            .first()
            .copied()
            .unwrap_or((item.name.text.as_str(), item.name.span));
        let (first_name, first_span) = first;
        let names: Vec<String> = members
            .iter()
            .chain(std::iter::once(&first))
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        let mut diagnostic = Diagnostic::error(
            Code::SW0404,
            format!("template cycle: {}", names.join(" → ")),
            first_span,
            match members.get(1) {
                None => format!("`{first_name}` is built from itself"),
                Some((second, _)) => format!("`{first_name}` is built from `{second}`"),
            },
        );
        for (index, (name, span)) in members.iter().enumerate().skip(1) {
            // The last member is built from the first, which closes the cycle.
            let next = members.get(index + 1).unwrap_or(&first).0;
            diagnostic = diagnostic.with_label(*span, format!("`{name}` is built from `{next}`"));
        }
        diagnostic.with_help(
            "a template cannot be built, directly or not, from itself; break the chain of `from`s",
        )
    }

    fn build(&mut self, checker: &mut Checker, declared: Declared<'s>) -> Option<Template> {
        let item = declared.item;
        let scope = self.scopes.scope_of(declared.file);
        if let Some(from) = &item.from {
            let base = self.named(checker, scope, &from.dotted(), from.span, &[])?;
            let ExprKind::Object(object) = &item.value.kind else {
                return None;
            };
            if let Some(tag) = &object.tag {
                checker.report(
                    WrongTemplate::KindWithFrom {
                        template: &item.name.text,
                        from: &from.dotted(),
                        span: tag.span,
                    }
                    .diagnostic(),
                );
                return None;
            }
            let body = self.expand_object(checker, scope, object);
            let merged = merge(&base.body, &body, "", &mut self.shadows);
            return Some(Template {
                kind: base.kind,
                body: merged,
                depth: base.depth + 1,
            });
        }
        self.value_template(checker, scope, item)
    }

    /// `template x = kind { ... }`, `template x = other { ... }` or `template x = kind`.
    fn value_template(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        item: &Item,
    ) -> Option<Template> {
        let (name, span, body) = match &item.value.kind {
            ExprKind::Object(object) => match &object.tag {
                Some(tag) => (tag.text.clone(), tag.span, Some(object)),
                None => {
                    checker.report(needs_kind(item));
                    return None;
                }
            },
            ExprKind::Path(path) => (path.dotted(), path.span, None),
            _ => {
                checker.report(needs_kind(item));
                return None;
            }
        };
        let empty = Object {
            tag: None,
            entries: Vec::new(),
            span,
        };
        let body = body.unwrap_or(&empty);
        let untagged = Object {
            tag: None,
            ..body.clone()
        };
        let expanded = self.expand_object(checker, scope, &untagged);
        if is_kind(&name) {
            return Some(Template {
                kind: name,
                body: expanded,
                depth: 1,
            });
        }
        let base = self.named(checker, scope, &name, span, &[])?;
        let merged = merge(&base.body, &expanded, "", &mut self.shadows);
        Some(Template {
            kind: base.kind,
            body: merged,
            depth: base.depth + 1,
        })
    }

    /// The template named `name` in `scope`; reports why there is none. `kinds` limits the
    /// kinds accepted (empty: any).
    pub fn named(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        name: &str,
        span: Span,
        kinds: &[&str],
    ) -> Option<Template> {
        match self.scopes.lookup(scope, name) {
            Some(Found::Item(declared))
                if matches!(declared.item.keyword.text.as_str(), "template" | "strategy") =>
            {
                let template = self.template(checker, declared)?;
                if kinds.is_empty() || kinds.contains(&template.kind.as_str()) {
                    return Some(template);
                }
                checker.report(wrong_kind(name, span, &template.kind, kinds, declared.item));
                None
            }
            Some(Found::Item(declared)) => {
                checker.report(
                    WrongTemplate::NotATemplate {
                        name,
                        keyword: &declared.item.keyword.text,
                        span,
                        declared: declared.item.name.span,
                    }
                    .diagnostic(),
                );
                None
            }
            Some(Found::Unresolved) => None,
            Some(Found::Module(_)) => {
                checker.report(WrongTemplate::Module { name, span }.diagnostic());
                None
            }
            None => {
                checker.report(self.unknown(scope, name, span));
                None
            }
        }
    }

    /// An unknown template name: no import by its first part, or no such template.
    fn unknown(&self, scope: ScopeId, name: &str, span: Span) -> Diagnostic {
        let aliases = self.scopes.aliases(scope);
        if let Some((alias, _)) = name.split_once('.') {
            if !aliases.iter().any(|a| a == alias) {
                return crate::diagnostics::UnknownReference::ImportAlias {
                    alias,
                    span,
                    aliases: aliases.iter().map(String::as_str),
                }
                .diagnostic();
            }
        }
        let candidates = self
            .scopes
            .candidates(scope, name, &["template", "strategy"]);
        crate::diagnostics::UnknownReference::Name {
            what: "template",
            name,
            span,
            candidates: candidates.iter().map(String::as_str),
        }
        .diagnostic()
    }

    /// A copy of `object` with every template named in a value field expanded. Fields whose
    /// template cannot be found are left out (the problem is reported).
    pub(crate) fn expand_object(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        object: &Object,
    ) -> Object {
        self.expand_shared(checker, scope, object).into_owned()
    }

    /// `object` with its templates expanded, as [`Expander::expand_object`], but borrowed
    /// when the expansion changes nothing: most bodies name no template, and copying every
    /// service's tree doubled the memory a check holds.
    fn expand_shared<'o>(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        object: &'o Object,
    ) -> Cow<'o, Object> {
        // The entries so far, once one of them has changed (or been left out).
        let mut changed: Option<Vec<Entry>> = None;
        for (index, entry) in object.entries.iter().enumerate() {
            let expanded = self.expand_entry(checker, scope, entry);
            match (&mut changed, expanded) {
                (None, Some(Cow::Borrowed(_))) => {}
                (None, expanded) => {
                    let mut entries: Vec<Entry> =
                        object.entries.iter().take(index).cloned().collect();
                    entries.extend(expanded.map(Cow::into_owned));
                    changed = Some(entries);
                }
                (Some(entries), expanded) => entries.extend(expanded.map(Cow::into_owned)),
            }
        }
        match changed {
            None => Cow::Borrowed(object),
            Some(entries) => Cow::Owned(Object {
                tag: object.tag.clone(),
                entries,
                span: object.span,
            }),
        }
    }

    /// One entry with its templates expanded; borrowed when nothing changed, `None` when its
    /// template cannot be found.
    fn expand_entry<'o>(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        entry: &'o Entry,
    ) -> Option<Cow<'o, Entry>> {
        match entry {
            Entry::Block { key, label, body } => {
                Some(match self.expand_shared(checker, scope, body) {
                    Cow::Borrowed(_) => Cow::Borrowed(entry),
                    Cow::Owned(body) => Cow::Owned(Entry::Block {
                        key: key.clone(),
                        label: label.clone(),
                        body,
                    }),
                })
            }
            Entry::Attribute { key, value } => {
                let expanded = match (site_kinds(&key.text), &value.kind) {
                    (Some(kinds), _) => self.site(checker, scope, &key.text, value, kinds)?,
                    (None, ExprKind::Object(object)) => {
                        self.object_value(checker, scope, value, object)
                    }
                    (None, _) => Cow::Borrowed(value),
                };
                Some(match expanded {
                    Cow::Borrowed(_) => Cow::Borrowed(entry),
                    Cow::Owned(value) => Cow::Owned(Entry::Attribute {
                        key: key.clone(),
                        value,
                    }),
                })
            }
        }
    }

    /// `value`, whose kind is `object`, with the object's templates expanded.
    fn object_value<'o>(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        value: &'o Expr,
        object: &'o Object,
    ) -> Cow<'o, Expr> {
        match self.expand_shared(checker, scope, object) {
            Cow::Borrowed(_) => Cow::Borrowed(value),
            Cow::Owned(object) => Cow::Owned(Expr {
                kind: ExprKind::Object(object),
                span: value.span,
            }),
        }
    }

    /// The value of a field that may name a template (`liveness`, `toolchain`, `strategy`).
    pub(crate) fn expand_site(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        key: &str,
        value: &Expr,
        kinds: &[&str],
    ) -> Option<Expr> {
        self.site(checker, scope, key, value, kinds)
            .map(Cow::into_owned)
    }

    /// [`Expander::expand_site`], borrowed when the value names no template.
    fn site<'o>(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        key: &str,
        value: &'o Expr,
        kinds: &[&str],
    ) -> Option<Cow<'o, Expr>> {
        let (name, name_span, given) = match &value.kind {
            ExprKind::Path(path) => (path.dotted(), path.span, None),
            ExprKind::Object(object) => match &object.tag {
                Some(tag) => (tag.text.clone(), tag.span, Some(object)),
                None => return Some(Cow::Borrowed(value)),
            },
            _ => return Some(Cow::Borrowed(value)),
        };
        let single = !name.contains('.');
        let keep_named_strategy = key == "strategy"
            && given.is_none()
            && scope == ScopeId::Root
            && self.scopes.is_root_strategy(&name);
        if single
            && (kinds.contains(&name.as_str())
                || keep_named_strategy
                || self.scopes.lookup(scope, &name).is_none())
        {
            return Some(match given {
                Some(object) => self.object_value(checker, scope, value, object),
                None => Cow::Borrowed(value),
            });
        }
        let template = self.named(checker, scope, &name, name_span, kinds)?;
        let is_strategy = matches!(self.scopes.lookup(scope, &name), Some(Found::Item(d)) if d.item.keyword.text == "strategy");
        if given.is_none() && is_strategy {
            self.strategy_names.push((value.span, name.clone()));
        }
        let body = match given {
            Some(object) => {
                let untagged = Object {
                    tag: None,
                    ..object.clone()
                };
                let expanded = self.expand_object(checker, scope, &untagged);
                merge(
                    &template.body,
                    &expanded,
                    &format!("{key}."),
                    &mut self.shadows,
                )
            }
            None => Object {
                span: value.span,
                ..template.body
            },
        };
        let tag = Ident {
            text: template.kind,
            span: name_span,
        };
        let object = Object {
            tag: Some(tag),
            entries: body.entries,
            span: value.span,
        };
        Some(Cow::Owned(Expr {
            kind: ExprKind::Object(object),
            span: value.span,
        }))
    }

    /// A service, environment or strategy with its `from` template applied and its values
    /// expanded; `None` when the template cannot be used (the problem is reported). Borrowed
    /// when nothing changed: no `from` and no template named inside.
    pub fn declaration<'o>(
        &mut self,
        checker: &mut Checker,
        item: &'o Item,
    ) -> Option<Cow<'o, Item>> {
        let ExprKind::Object(object) = &item.value.kind else {
            return Some(Cow::Borrowed(item));
        };
        if object.tag.is_some() {
            return Some(Cow::Borrowed(item));
        }
        let body = self.expand_shared(checker, ScopeId::Root, object);
        let strategy = item.keyword.text == "strategy";
        let (merged, tag) = match (&item.from, body) {
            (None, Cow::Borrowed(_)) => return Some(Cow::Borrowed(item)),
            (None, Cow::Owned(body)) => (body, None),
            (Some(from), body) => {
                let own = [item.keyword.text.as_str()];
                let kinds: &[&str] = if strategy { STRATEGY_KINDS } else { &own };
                let template =
                    self.named(checker, ScopeId::Root, &from.dotted(), from.span, kinds)?;
                let tag = strategy.then(|| Ident {
                    text: template.kind.clone(),
                    span: from.span,
                });
                (merge(&template.body, &body, "", &mut self.shadows), tag)
            }
        };
        let value = Expr {
            kind: ExprKind::Object(Object { tag, ..merged }),
            span: item.value.span,
        };
        Some(Cow::Owned(item.with_value(value)))
    }
}

fn too_deep(item: &Item) -> Diagnostic {
    crate::syntax::TooDeep::Templates {
        limit: MAX_TEMPLATE_DEPTH,
        span: item.name.span,
    }
    .diagnostic()
}

fn needs_kind(item: &Item) -> Diagnostic {
    WrongTemplate::NeedsKind {
        template: &item.name.text,
        span: item.name.span,
    }
    .diagnostic()
}

fn wrong_kind(name: &str, span: Span, kind: &str, kinds: &[&str], item: &Item) -> Diagnostic {
    WrongTemplate::WrongFamily {
        name,
        kind,
        found: family(kind),
        expected: kinds.first().map_or("value", |k| family(k)),
        span,
        declared: item.name.span,
    }
    .diagnostic()
}
