//! Which names each part of a spec can see.
//!
//! The root files of a spec share one scope: their own templates, strategies and policies,
//! plus what any of them imports. Every imported module has a scope of its own: its
//! declarations and its imports. An import makes the module's names available through its
//! alias (`strategies.progressive-canary`) and, when it lists names
//! (`import std/probes { http-health }`), also without it. Two imports under one alias, or a
//! listed name that is also declared or listed elsewhere, are a clash. Modules declare only
//! reusable things (templates, strategies, policies); services and environments belong to the
//! spec.

use super::duplicate_name::DuplicateName;
use super::modules::{Parsed, Role};
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};
use crate::syntax::ast::{Declaration, Item};
use std::collections::BTreeMap;

/// The declaration kinds a module may declare and another scope may use.
pub(crate) const EXPORTED: &[&str] = &["template", "strategy", "policy"];

/// A scope: the spec's root files, or one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ScopeId {
    Root,
    Module(FileId),
}

/// A declaration found by name, with the file it is declared in.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'s> {
    pub file: FileId,
    pub item: &'s Item,
}

#[derive(Debug, Clone, Copy)]
pub enum Found<'s> {
    Item(Declared<'s>),
    Module(FileId),
    /// A name from an import that could not be resolved (already reported).
    Unresolved,
}

#[derive(Debug, Default)]
struct Scope<'s> {
    local: BTreeMap<String, Declared<'s>>,
    /// The spec's own policies, which may share a name with a template or strategy.
    policies: BTreeMap<String, Declared<'s>>,
    aliases: BTreeMap<String, (FileId, Span)>,
    listed: BTreeMap<String, (Declared<'s>, Span)>,
    /// Aliases and listed names of imports that could not be resolved.
    unresolved: Vec<String>,
}

/// Every scope of a spec.
pub struct Scopes<'s> {
    sources: Parsed<'s>,
    /// How many names have been looked up (the memo keeps work that looked none up apart).
    lookups: std::cell::Cell<u64>,
    scopes: BTreeMap<ScopeId, Scope<'s>>,
    exports: BTreeMap<FileId, BTreeMap<String, Declared<'s>>>,
}

impl<'s> Scopes<'s> {
    pub fn build(checker: &mut Checker, sources: Parsed<'s>) -> Scopes<'s> {
        let mut scopes = Scopes {
            sources,
            lookups: std::cell::Cell::new(0),
            scopes: BTreeMap::new(),
            exports: BTreeMap::new(),
        };
        // Where two declarations or imports take one name, the first one wins; files are taken
        // in the order of their paths, not of the list they came in, so which one is first
        // does not depend on the order of the files (found by the check fuzz target).
        let path = |index: usize| {
            sources
                .units
                .get(index)
                .map_or("", |unit| unit.path.as_str())
        };
        let mut order: Vec<usize> = (0..sources.modules.len().max(sources.units.len())).collect();
        order.sort_by(|a, b| path(*a).cmp(path(*b)).then(a.cmp(b)));
        for &index in &order {
            let Some(module) = sources.modules.get(index) else {
                continue;
            };
            let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            let scope = scopes.scope_of(file);
            for declaration in &module.declarations {
                if let Declaration::Item(item) = declaration {
                    scopes.declare(checker, scope, Declared { file, item });
                }
            }
        }
        for &index in &order {
            let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            scopes.bind_imports(checker, file);
        }
        scopes
    }

    pub fn sources(&self) -> Parsed<'s> {
        self.sources
    }

    /// How many names have been looked up so far.
    pub(crate) fn lookups(&self) -> u64 {
        self.lookups.get()
    }

    pub(crate) fn scope_of(&self, file: FileId) -> ScopeId {
        match self.sources.role(file) {
            Role::Root => ScopeId::Root,
            Role::Module => ScopeId::Module(file),
        }
    }

    fn declare(&mut self, checker: &mut Checker, scope: ScopeId, declared: Declared<'s>) {
        let item = declared.item;
        let kind = item.keyword.text.as_str();
        if let ScopeId::Module(file) = scope {
            if !EXPORTED.contains(&kind) {
                checker.report(self.not_in_module(file, item));
                return;
            }
            self.exports
                .entry(file)
                .or_default()
                .insert(item.name.text.clone(), declared);
        }
        if !EXPORTED.contains(&kind) {
            return;
        }
        let entry = self.scopes.entry(scope).or_default();
        if scope == ScopeId::Root && kind == "policy" {
            entry
                .policies
                .entry(item.name.text.clone())
                .or_insert(declared);
            return;
        }
        let local = &mut entry.local;
        match local.get(&item.name.text) {
            Some(first)
                if first.item.keyword.text != kind
                    || kind == "template"
                    || scope != ScopeId::Root =>
            {
                checker.report(
                    DuplicateName::InScope {
                        name: &item.name.text,
                        span: item.name.span,
                        first_keyword: &first.item.keyword.text,
                        first: first.item.name.span,
                    }
                    .diagnostic(),
                )
            }
            Some(_) => {}
            None => {
                local.insert(item.name.text.clone(), declared);
            }
        }
    }

    fn not_in_module(&self, file: FileId, item: &Item) -> Diagnostic {
        let path = self
            .sources
            .unit(file)
            .map_or("", |unit| unit.path.as_str());
        let mut diagnostic = Diagnostic::error(
            Code::SW0110,
            format!("a module cannot declare {} {}", if item.keyword.text.starts_with(['a', 'e']) { "an" } else { "a" }, item.keyword.text),
            item.keyword.span.to(item.name.span),
            format!("`{path}` is imported, so this is never deployed"),
        )
        .with_help("modules hold templates, strategies and policies; declare services, environments and waivers in the spec's own files");
        for (span, label) in self
            .sources
            .chain(file)
            .into_iter()
            .take(1)
            .chain(self.importers(file))
        {
            diagnostic = diagnostic.with_label(span, label);
        }
        diagnostic
    }

    /// Labels on the imports of `file` made by root files (for files the spec itself lists).
    fn importers(&self, file: FileId) -> Vec<(Span, String)> {
        if !self.sources.chain(file).is_empty() {
            return Vec::new();
        }
        let path = self
            .sources
            .unit(file)
            .map_or("", |unit| unit.path.as_str());
        self.sources
            .units
            .iter()
            .flat_map(|unit| unit.imports.iter())
            .filter(|import| import.target == Some(file))
            .take(1)
            .map(|import| (import.import.span, format!("`{path}` is imported here")))
            .collect()
    }

    fn bind_imports(&mut self, checker: &mut Checker, file: FileId) {
        let Some(unit) = self.sources.unit(file) else {
            return;
        };
        let scope = self.scope_of(file);
        for resolved in &unit.imports {
            let Some(target) = resolved.target else {
                let entry = self.scopes.entry(scope).or_default();
                entry.unresolved.extend(resolved.alias.iter().cloned());
                entry
                    .unresolved
                    .extend(resolved.import.names.iter().map(|name| name.text.clone()));
                continue;
            };
            if let Some(alias) = &resolved.alias {
                self.bind_alias(checker, scope, alias, target, resolved.import.span);
            }
            for name in &resolved.import.names {
                let Some(declared) = self
                    .exports
                    .get(&target)
                    .and_then(|names| names.get(&name.text))
                    .copied()
                else {
                    let candidates = self
                        .exports
                        .get(&target)
                        .map(|names| names.keys().map(String::as_str).collect::<Vec<_>>())
                        .unwrap_or_default();
                    let module = &self.sources.unit(target).map_or("", |u| u.path.as_str());
                    checker.report(
                        crate::diagnostics::UnknownReference::NotInModule {
                            module,
                            name: &name.text,
                            span: name.span,
                            candidates,
                        }
                        .diagnostic(),
                    );
                    continue;
                };
                self.bind_listed(checker, scope, &name.text, declared, name.span);
            }
        }
    }

    fn bind_alias(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        alias: &str,
        target: FileId,
        span: Span,
    ) {
        let entry = self.scopes.entry(scope).or_default();
        match entry.aliases.get(alias) {
            Some((first, _)) if *first == target => {}
            Some((_, first_span)) => checker.report(
                Diagnostic::error(
                    Code::SW0109,
                    format!("two imports are named `{alias}`"),
                    span,
                    "imported again here",
                )
                .with_label(*first_span, format!("`{alias}` first names this import"))
                .with_help("give one of them another name with `as`"),
            ),
            None => {
                let own = entry.local.get(alias).or_else(|| entry.policies.get(alias));
                if let Some(own) = own {
                    checker.report(shadows_import(own.item, alias, span));
                }
                entry.aliases.insert(alias.to_string(), (target, span));
            }
        }
    }

    fn bind_listed(
        &mut self,
        checker: &mut Checker,
        scope: ScopeId,
        name: &str,
        declared: Declared<'s>,
        span: Span,
    ) {
        let entry = self.scopes.entry(scope).or_default();
        let own = entry.local.get(name).or_else(|| entry.policies.get(name));
        let clash = match (own, entry.listed.get(name)) {
            (Some(local), _) => Some((
                local.item.name.span,
                "declared here in the spec".to_string(),
            )),
            (None, Some((other, _))) if std::ptr::eq(other.item, declared.item) => return,
            (None, Some((_, other_span))) => Some((*other_span, "also imported here".to_string())),
            (None, None) => None,
        };
        match clash {
            Some((other, label)) => checker.report(
                Diagnostic::error(Code::SW0109, format!("`{name}` is imported but the name is already taken"), span, "imported here")
                    .with_label(other, label)
                    .with_help("leave the name out of the list and use it through the module name, or rename your declaration"),
            ),
            None => {
                entry.listed.insert(name.to_string(), (declared, span));
            }
        }
    }

    /// The names imported into `scope` (module aliases), for suggestions.
    pub fn aliases(&self, scope: ScopeId) -> Vec<String> {
        self.lookups.set(self.lookups.get() + 1);
        self.scopes
            .get(&scope)
            .map(|s| s.aliases.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Looks `name` (`x` or `module.x`) up in `scope`.
    pub fn lookup(&self, scope: ScopeId, name: &str) -> Option<Found<'s>> {
        self.lookups.set(self.lookups.get() + 1);
        let entry = self.scopes.get(&scope)?;
        let first = name.split('.').next().unwrap_or(name);
        if entry.unresolved.iter().any(|u| u == first)
            && !entry.aliases.contains_key(first)
            && !entry.local.contains_key(first)
        {
            return Some(Found::Unresolved);
        }
        match name.split_once('.') {
            None => entry
                .local
                .get(name)
                .copied()
                .or_else(|| entry.listed.get(name).map(|(declared, _)| *declared))
                .map(Found::Item)
                .or_else(|| {
                    entry
                        .aliases
                        .get(name)
                        .map(|(file, _)| Found::Module(*file))
                }),
            Some((alias, rest)) => {
                let (file, _) = entry.aliases.get(alias)?;
                self.exports.get(file)?.get(rest).copied().map(Found::Item)
            }
        }
    }

    /// Like [`Scopes::lookup`], but a policy of the spec's own files wins over a template or
    /// strategy of the same name.
    pub(crate) fn lookup_policy(&self, scope: ScopeId, name: &str) -> Option<Found<'s>> {
        let own = self
            .scopes
            .get(&scope)
            .and_then(|entry| entry.policies.get(name));
        own.copied()
            .map(Found::Item)
            .or_else(|| self.lookup(scope, name))
    }

    /// Whether `name` is a strategy declared by the spec's own files.
    pub(crate) fn is_root_strategy(&self, name: &str) -> bool {
        self.lookups.set(self.lookups.get() + 1);
        self.scopes
            .get(&ScopeId::Root)
            .and_then(|scope| scope.local.get(name))
            .is_some_and(|declared| declared.item.keyword.text == "strategy")
    }

    /// Names that could have been meant in `scope`, for suggestions.
    pub fn candidates(&self, scope: ScopeId, written: &str, kinds: &[&str]) -> Vec<String> {
        self.lookups.set(self.lookups.get() + 1);
        let Some(entry) = self.scopes.get(&scope) else {
            return Vec::new();
        };
        let wanted = |item: &Item| kinds.is_empty() || kinds.contains(&item.keyword.text.as_str());
        if let Some((alias, _)) = written.split_once('.') {
            let Some((file, _)) = entry.aliases.get(alias) else {
                return entry.aliases.keys().cloned().collect();
            };
            let exports = self
                .exports
                .get(file)
                .into_iter()
                .flat_map(|names| names.iter());
            return exports
                .filter(|(_, d)| wanted(d.item))
                .map(|(name, _)| format!("{alias}.{name}"))
                .collect();
        }
        let local = entry
            .local
            .iter()
            .chain(&entry.policies)
            .map(|(n, d)| (n, d.item));
        let listed = entry.listed.iter().map(|(n, (d, _))| (n, d.item));
        let mut names: Vec<String> = local
            .chain(listed)
            .filter(|(_, item)| wanted(item))
            .map(|(name, _)| name.clone())
            .collect();
        if kinds.contains(&"policy") {
            names.extend(entry.aliases.keys().cloned());
        }
        names
    }

    /// The template, strategy or policy module `file` declares as `name`.
    pub(crate) fn exported(&self, file: FileId, name: &str) -> Option<Declared<'s>> {
        self.exports.get(&file)?.get(name).copied()
    }

    /// The policies a module declares, in source order.
    pub(crate) fn policies_of(&self, file: FileId) -> Vec<Declared<'s>> {
        let mut found: Vec<Declared<'s>> = self
            .exports
            .get(&file)
            .into_iter()
            .flat_map(|names| names.values())
            .filter(|declared| declared.item.keyword.text == "policy")
            .copied()
            .collect();
        found.sort_by_key(|declared| declared.item.span);
        found
    }
}

/// "`std/probes` declares no `http-helth`".
/// SW0109 where a template, strategy or policy is declared under the name of an imported
/// module: `probes` would then mean the declaration, and `probes.x` the module.
fn shadows_import(item: &Item, alias: &str, import: Span) -> Diagnostic {
    Diagnostic::error(
        Code::SW0109,
        format!(
            "the {} `{alias}` takes the name of an imported module",
            item.keyword.text
        ),
        item.name.span,
        "declared here",
    )
    .with_label(import, format!("`{alias}` names this import"))
    .with_help(format!(
        "rename the {}, or import the module under another name with `as`",
        item.keyword.text
    ))
}
