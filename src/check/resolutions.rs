//! What each name in a spec refers to, as the checker resolves it: the declarations of every
//! parsed file and, for every place that names one, the declaration it names. The language
//! server navigates by this table (`src/lsp/index.rs`), so the editor and `slipway check`
//! cannot disagree about what a name means.
//!
//! The places that name a declaration are those the checker resolves: a field the schema
//! marks with [`Field::names`] (`after` names environments, `depends_on` and `override NAME`
//! services, `strategy` a strategy unless it is a kind such as `canary`), a template named
//! where a template may be used (`from web`, `liveness = probes.http-health`, `strategy =
//! strategies.progressive-canary { ... }`) and each name an import lists
//! (`import std/probes { http-health }`). Template and strategy names are looked up in the
//! scope of the file they are written in with [`Scopes::lookup`], the lookup the template
//! expander makes, so a listed name, a module's alias and a clash (the first import wins)
//! resolve here exactly as they do when the spec is checked. Services and environments are
//! the spec's own: a name of one resolves among the root files' declarations of its kind,
//! wherever it is written (in a module's template too), to every declaration of the name
//! (two when it is declared twice, which is reported elsewhere).
//!
//! The table is built in one walk over the parsed trees, as written (templates are not
//! expanded into them), so each reference is recorded once, at the place it is written, even
//! when the template that holds it is expanded into many services; the walk does not depend
//! on a declaration lowering without errors. It holds spans and names only, no part of a tree.
//! A check does not build it: only the language server reads it, and only for navigation, so
//! it is made from a checked spec's trees when first asked for ([`resolve`], through
//! `Checked::resolutions`), with the scopes and templates built again as the check built
//! them, and an edit does not pay for it.

use super::modules::{Parsed, Role};
use super::schema::{self, Field, Schema, Shape, STRATEGY_KINDS};
use super::scope::{Found, ScopeId, Scopes};
use super::templates::{Expander, SITES};
use super::Checker;
use crate::diagnostics::SuggestionBudget;
use crate::span::{FileId, Span};
use crate::syntax::ast::{Declaration, Entry, Expr, ExprKind, Ident, Item, Object, Path};
use std::borrow::Cow;

/// The declaration kinds that can be named or navigated to.
pub const KINDS: &[&str] = &[
    "app",
    "environment",
    "service",
    "strategy",
    "policy",
    "template",
];

/// A declaration's name, where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredName {
    pub kind: &'static str,
    pub name: String,
    /// The name's span (its file included).
    pub span: Span,
}

/// A place that names a declaration, and the name of the declaration it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resolution {
    /// The name as written; for a dotted name (`strategies.careful`), its last segment.
    pub reference: Span,
    /// The span of the declaration's name; [`Resolutions::declaration`] finds the rest.
    pub declaration: Span,
}

/// Every declaration of the spec's parsed files (those that did not parse too, when their
/// kind and name could be read) and every resolved reference, each sorted by span.
#[derive(Debug, Clone, Default)]
pub struct Resolutions {
    pub declarations: Vec<DeclaredName>,
    pub references: Vec<Resolution>,
}

impl Resolutions {
    /// The declaration whose name is at `span`.
    pub fn declaration(&self, span: Span) -> Option<&DeclaredName> {
        let index = self
            .declarations
            .binary_search_by(|declared| declared.span.cmp(&span))
            .ok()?;
        self.declarations.get(index)
    }

    /// The declarations the name at `reference` resolves to (none when it is not a reference
    /// the checker resolved; two when the name is declared twice).
    pub fn targets(&self, reference: Span) -> impl Iterator<Item = &DeclaredName> {
        let start = self
            .references
            .partition_point(|resolution| resolution.reference < reference);
        self.references
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |resolution| resolution.reference == reference)
            .filter_map(|resolution| self.declaration(resolution.declaration))
    }
}

/// The declarations and resolutions of every file of `parsed`: the scopes and templates are
/// built as a check builds them (what they report is dropped: the check reported it), then
/// the trees are walked.
pub fn resolve(parsed: Parsed<'_>) -> Resolutions {
    let _budget = SuggestionBudget::for_one_check();
    let mut scratch = Checker::default();
    let scopes = Scopes::build(&mut scratch, parsed);
    let mut expander = Expander::new(&scopes);
    super::program::check_templates(&mut scratch, &mut expander, parsed);
    record(&scopes, &expander, parsed)
}

/// Records the declarations and resolutions of every file in `sources`. `expander` has built
/// every template, so the kind of a template built `from` another is known.
fn record<'s>(scopes: &Scopes<'s>, expander: &Expander<'s>, sources: Parsed<'s>) -> Resolutions {
    let mut walk = Walk {
        scopes,
        expander,
        own: own_declarations(sources),
        scope: ScopeId::Root,
        file: FileId(0),
        path: Vec::new(),
        found: Resolutions::default(),
    };
    for (index, module) in sources.modules.iter().enumerate() {
        walk.file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        walk.scope = scopes.scope_of(walk.file);
        for declaration in &module.declarations {
            walk.declaration(declaration);
        }
        walk.imports(sources);
    }
    let mut found = walk.found;
    found.declarations.sort_by_key(|declared| declared.span);
    found.references.sort_unstable();
    found.references.dedup();
    found
}

/// The root files' services, environments and strategies (kind, name and the name's span),
/// the names of declarations that did not parse included, sorted by kind and name.
fn own_declarations(sources: Parsed<'_>) -> Vec<(&str, &str, Span)> {
    let mut own = Vec::new();
    for (index, module) in sources.modules.iter().enumerate() {
        let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        if sources.role(file) != Role::Root {
            continue;
        }
        for (keyword, name) in module.declarations.iter().filter_map(named) {
            if matches!(
                keyword.text.as_str(),
                "service" | "environment" | "strategy"
            ) {
                own.push((keyword.text.as_str(), name.text.as_str(), name.span));
            }
        }
    }
    own.sort_unstable();
    own
}

/// The keyword and name of a declaration, if it has both.
fn named(declaration: &Declaration) -> Option<(&Ident, &Ident)> {
    match declaration {
        Declaration::Item(item) => Some((&item.keyword, &item.name)),
        Declaration::Error(broken) => Some((broken.keyword.as_ref()?, broken.name.as_ref()?)),
        Declaration::Import(_) => None,
    }
}

struct Walk<'a, 's> {
    scopes: &'a Scopes<'s>,
    expander: &'a Expander<'s>,
    own: Vec<(&'s str, &'s str, Span)>,
    scope: ScopeId,
    file: FileId,
    /// The block path of the object being read, from the declaration kind down.
    path: Vec<&'s str>,
    found: Resolutions,
}

impl<'s> Walk<'_, 's> {
    fn declaration(&mut self, declaration: &'s Declaration) {
        if let Some((keyword, name)) = named(declaration) {
            if let Some(kind) = KINDS.iter().find(|kind| **kind == keyword.text) {
                self.found.declarations.push(DeclaredName {
                    kind,
                    name: name.text.clone(),
                    span: name.span,
                });
            }
        }
        if let Declaration::Item(item) = declaration {
            self.item(item);
        }
    }

    fn item(&mut self, item: &'s Item) {
        if let Some(from) = &item.from {
            self.template_name(&from.dotted(), last_segment(from));
        }
        let keyword = item.keyword.text.as_str();
        if matches!(keyword, "template" | "strategy") && item.from.is_none() {
            self.site_value(keyword, &item.value);
        }
        self.path.clear();
        match (keyword, &item.value.kind) {
            ("template", _) => {
                let path = self.template_path(item);
                self.path.extend(path);
            }
            ("strategy", ExprKind::Object(object)) => {
                self.path.push(keyword);
                self.path
                    .extend(object.tag.iter().map(|tag| tag.text.as_str()));
            }
            _ => self.path.push(keyword),
        }
        if let ExprKind::Object(object) = &item.value.kind {
            self.object(object);
        }
    }

    /// The block path a template's body is read with: its kind's (`service`, `strategy
    /// canary`), or none when the kind takes no names.
    fn template_path(&self, item: &Item) -> Vec<&'static str> {
        let written = match &item.value.kind {
            ExprKind::Object(object) => object.tag.as_ref().map(|tag| tag.text.as_str()),
            _ => None,
        };
        match written.filter(|kind| schema::template_family(kind).is_some()) {
            Some(kind) => path_of_kind(kind),
            None => self
                .expander
                .built_kind(self.file, &item.name.text)
                .map_or_else(Vec::new, path_of_kind),
        }
    }

    /// The entries of `object`, at the block path [`Walk::path`]. The block's schema is looked
    /// up only when an entry could name a declaration.
    fn object(&mut self, object: &'s Object) {
        let mut schema = None;
        for entry in &object.entries {
            match entry {
                Entry::Attribute { key, value } => self.attribute(&mut schema, key, value),
                Entry::Block { key, label, body } => {
                    if let Some(label) = label {
                        let field = self.schema(&mut schema).and_then(|s| s.field(&key.text));
                        if let Some(kind) = names(field, Shape::Repeated) {
                            self.own_name(kind, &label.text, label.span);
                        }
                    }
                    self.path.push(&key.text);
                    self.object(body);
                    self.path.pop();
                }
            }
        }
    }

    /// The schema of the block at [`Walk::path`], looked up once per block.
    fn schema(&self, known: &mut Option<Option<&'static Schema>>) -> Option<&'static Schema> {
        *known.get_or_insert_with(|| schema::for_path(&self.path))
    }

    /// `key = value`. Only a name, a list or a tagged body can name a declaration, so other
    /// values are not looked at.
    fn attribute(
        &mut self,
        schema: &mut Option<Option<&'static Schema>>,
        key: &'s Ident,
        value: &'s Expr,
    ) {
        let is_site = || SITES.iter().any(|(site, _)| *site == key.text);
        match &value.kind {
            ExprKind::Path(_) if is_site() => self.site_value(&key.text, value),
            ExprKind::Path(_) | ExprKind::List(_) => {
                let field = self.schema(schema).and_then(|s| s.field(&key.text));
                if let Some(kind) = names(field, Shape::Value) {
                    self.listed_names(kind, value);
                }
            }
            ExprKind::Object(object) => {
                if object.tag.is_some() && is_site() {
                    self.site_value(&key.text, value);
                }
                let depth = self.path.len();
                self.path.push(&key.text);
                self.path
                    .extend(object.tag.iter().map(|tag| tag.text.as_str()));
                self.object(object);
                self.path.truncate(depth);
            }
            _ => {}
        }
    }

    /// The names of declarations of `kind` in `value`: one name or a list of them.
    fn listed_names(&mut self, kind: &str, value: &Expr) {
        let written = match &value.kind {
            ExprKind::List(items) => items.as_slice(),
            _ => std::slice::from_ref(value),
        };
        for expr in written {
            if let ExprKind::Path(path) = &expr.kind {
                if let [only] = path.segments.as_slice() {
                    self.own_name(kind, &only.text, only.span);
                }
            }
        }
    }

    /// The value of a field that may name a template or strategy (`liveness`, `toolchain`,
    /// `strategy`): a name, or a name adjusted in place (`name { ... }`). A kind is no name.
    fn site_value(&mut self, key: &str, value: &Expr) {
        let (written, span) = match &value.kind {
            ExprKind::Path(path) => match path.segments.as_slice() {
                [only] => (Cow::Borrowed(only.text.as_str()), only.span),
                _ => (Cow::Owned(path.dotted()), last_segment(path)),
            },
            ExprKind::Object(object) => match &object.tag {
                Some(tag) => (Cow::Borrowed(tag.text.as_str()), last_part(tag)),
                None => return,
            },
            _ => return,
        };
        if schema::template_family(&written).is_some() {
            return;
        }
        let is_own_strategy = key == "strategy"
            && self.scope == ScopeId::Root
            && self.own_spans("strategy", &written).next().is_some();
        if is_own_strategy {
            self.own_name("strategy", &written, span);
        } else if !(key == "strategy" && STRATEGY_KINDS.contains(&written.as_ref())) {
            self.template_name(&written, span);
        }
    }

    /// A template or strategy named `written` at `span`, looked up in the file's scope.
    fn template_name(&mut self, written: &str, span: Span) {
        if let Some(Found::Item(declared)) = self.scopes.lookup(self.scope, written) {
            self.resolved(span, declared.item.name.span);
        }
    }

    /// The spans of the root declarations of `kind` named `name`.
    fn own_spans<'w>(&'w self, kind: &'w str, name: &'w str) -> impl Iterator<Item = Span> + 'w {
        let start = self
            .own
            .partition_point(|(k, n, _)| (*k, *n) < (kind, name));
        self.own
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(k, n, _)| (*k, *n) == (kind, name))
            .map(|(_, _, span)| *span)
    }

    /// A service, environment or (in the spec's own files) strategy named at `span`: every
    /// root declaration of that kind and name.
    fn own_name(&mut self, kind: &str, name: &str, span: Span) {
        let found: Vec<Span> = self.own_spans(kind, name).collect();
        for declaration in found {
            self.resolved(span, declaration);
        }
    }

    fn resolved(&mut self, reference: Span, declaration: Span) {
        self.found.references.push(Resolution {
            reference,
            declaration,
        });
    }

    /// The names the file's imports list, each in the module it is imported from.
    fn imports(&mut self, sources: Parsed<'_>) {
        let Some(unit) = sources.unit(self.file) else {
            return;
        };
        for resolved in &unit.imports {
            let Some(target) = resolved.target else {
                continue;
            };
            for name in &resolved.import.names {
                if let Some(declared) = self.scopes.exported(target, &name.text) {
                    self.resolved(name.span, declared.item.name.span);
                }
            }
        }
    }
}

/// The block path of a template of `kind`: `service`, `environment`, `strategy canary`;
/// empty for kinds whose settings name nothing (probes, toolchains).
fn path_of_kind(kind: &str) -> Vec<&'static str> {
    match schema::template_family(kind) {
        Some("service") => vec!["service"],
        Some("environment") => vec!["environment"],
        Some("strategy") => STRATEGY_KINDS
            .iter()
            .find(|strategy| **strategy == kind)
            .map_or_else(Vec::new, |strategy| vec!["strategy", strategy]),
        _ => Vec::new(),
    }
}

/// The kind of declaration `field` names, when it is written as `shape`.
fn names(field: Option<&Field>, shape: Shape) -> Option<&'static str> {
    field?.names_when(shape)
}

/// The span of a dotted name's last segment.
fn last_segment(path: &Path) -> Span {
    path.segments
        .last()
        .map_or(path.span, |segment| segment.span)
}

/// The span of the last segment of a dotted tag (`strategies.careful` in
/// `strategies.careful { ... }`).
fn last_part(tag: &Ident) -> Span {
    let last = tag.text.rsplit('.').next().unwrap_or(&tag.text);
    let length = u32::try_from(last.len()).unwrap_or(0);
    Span {
        start: tag.span.end.saturating_sub(length).max(tag.span.start),
        ..tag.span
    }
}
