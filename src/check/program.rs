//! The module phase: from every loaded file to the spec the checker lowers.
//!
//! After [`super::modules::load`] has followed the imports, this builds the scopes, checks
//! every template on its own, expands templates in the spec's own declarations, folds each
//! environment's defaults into its overrides, and sets aside what the rest of the checker does
//! not lower itself: waivers and the policies enabled from imported packs. The result is the
//! root files' declarations, plain: no imports, no templates, no `from`. Those it leaves as
//! written are borrowed from the parsed trees, not copied.

use super::memo::{DeclarationKey, Memo};
use super::model::Policy;
use super::modules::{Parsed, Role, Sources};
use super::provenance::Shadow;
use super::schema::{PROBE_KINDS, STRATEGY_KINDS, TOOLCHAIN_KINDS};
use super::scope::{Declared, Scopes};
use super::templates::{Expander, Template};
use super::wrong_template::WrongTemplate;
use super::{defaults, environment, packs, service, strategy, Checker};
use crate::diagnostics::Code;
use crate::span::{FileId, Span};
use crate::syntax::ast::{
    BrokenDeclaration, Declaration, Entry, Expr, ExprKind, Ident, Item, Object,
};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The spec as the checker lowers it.
#[derive(Debug, Default)]
pub(crate) struct Program<'s> {
    /// The declarations of the root files, rewritten, in file order. A declaration the module
    /// phase leaves as it is (no template, no defaults) is borrowed from the parsed tree.
    pub declarations: Vec<Cow<'s, Declaration>>,
    /// The `waive` declarations.
    pub waivers: Vec<Item>,
    /// Values that replaced others, for the chains in diagnostics.
    pub shadows: Vec<Shadow>,
    /// Policies of imported packs, with the environments that enable them.
    pub policies: Vec<Policy>,
    /// Imported strategies by the span where they are used, to name them in the model.
    pub strategy_names: Vec<(Span, String)>,
    /// The memo key of each of `declarations` that is the parsed declaration as written.
    pub keys: Vec<Option<DeclarationKey>>,
}

/// A root file's declaration as the checker sees it, with its memo key when it is the parsed
/// declaration as written.
type Written<'s> = (Cow<'s, Declaration>, Option<DeclarationKey>);

pub(crate) fn prepare<'s>(
    checker: &mut Checker,
    sources: &'s Sources,
    memo: &mut Memo,
) -> Program<'s> {
    let scopes = Scopes::build(checker, sources.parsed());
    let mut expander = Expander::new(&scopes);
    check_templates(checker, &mut expander, sources.parsed());
    let mut program = Program::default();
    let rewritten = rewrite_roots(checker, &mut expander, sources, &mut program.waivers, memo);
    let mut shadows = std::mem::take(&mut expander.shadows);
    program.strategy_names = std::mem::take(&mut expander.strategy_names);
    let services = service_bodies(&rewritten);
    let environments: Vec<Vec<Option<Item>>> = rewritten
        .iter()
        .map(|declarations| {
            declarations
                .iter()
                .map(|(declaration, _)| match &**declaration {
                    Declaration::Item(item) if item.keyword.text == "environment" => {
                        Some(defaults::apply(checker, item, &services, &mut shadows))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    let total = rewritten.iter().map(Vec::len).sum();
    program.declarations.reserve_exact(total);
    program.keys.reserve_exact(total);
    for (declarations, applied) in rewritten.into_iter().zip(environments) {
        for ((declaration, key), applied) in declarations.into_iter().zip(applied) {
            let (declaration, key) = match applied {
                Some(item) => (Cow::Owned(Declaration::Item(Box::new(item))), None),
                None => (declaration, key),
            };
            program.declarations.push(declaration);
            program.keys.push(key);
        }
    }
    for (declaration, key) in program.declarations.iter().zip(&program.keys) {
        if let Declaration::Item(item) = &**declaration {
            memo.scan(checker, *key, |checker| {
                super::injection::check(checker, item);
                super::secrets::check(checker, item);
            });
            if let Some(key) = key {
                memo.lowered_as_parsed(item, *key);
            }
        }
    }
    let environments = items_of(&program.declarations, "environment");
    program.policies = packs::lower(checker, &scopes, &environments);
    program.shadows = shadows;
    program
}

/// The declarations of every root file, rewritten; waivers are set aside.
/// Each comes with its memo key when it is the parsed declaration as written.
fn rewrite_roots<'s>(
    checker: &mut Checker,
    expander: &mut Expander,
    sources: &'s Sources,
    waivers: &mut Vec<Item>,
    memo: &mut Memo,
) -> Vec<Vec<Written<'s>>> {
    let mut out = Vec::new();
    for (index, module) in sources.modules.iter().enumerate() {
        let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        if sources.role(file) != Role::Root {
            continue;
        }
        // Sized once: a declaration is large, and growing the list copied each one up to
        // several times (4 M instructions of an edit in the 53-file workspace).
        let mut declarations = Vec::with_capacity(module.declarations.len());
        declarations.extend(module.declarations.iter().enumerate().filter_map(
            |(position, declaration)| {
                let key = memo.key(index, position);
                let found = rewrite(checker, expander, declaration, waivers, memo, key)?;
                let as_parsed = matches!(found, Cow::Borrowed(_));
                Some((found, key.filter(|_| as_parsed)))
            },
        ));
        out.push(declarations);
    }
    out
}

/// Each service's body after templates, by name (the first of duplicates).
fn service_bodies<'r>(rewritten: &'r [Vec<Written<'_>>]) -> BTreeMap<String, &'r Object> {
    let mut services = BTreeMap::new();
    for (declaration, _) in rewritten.iter().flatten() {
        let Declaration::Item(item) = &**declaration else {
            continue;
        };
        if let (true, ExprKind::Object(body)) = (item.keyword.text == "service", &item.value.kind) {
            services.entry(item.name.text.clone()).or_insert(body);
        }
    }
    services
}

/// The items of one kind among `declarations`.
fn items_of<'d>(declarations: &'d [Cow<'_, Declaration>], kind: &str) -> Vec<&'d Item> {
    declarations
        .iter()
        .filter_map(|declaration| match &**declaration {
            Declaration::Item(item) if item.keyword.text == kind => Some(&**item),
            _ => None,
        })
        .collect()
}

/// One declaration of a root file as the checker sees it, borrowed when it stays as written;
/// `None` to leave it out.
fn rewrite<'s>(
    checker: &mut Checker,
    expander: &mut Expander,
    declaration: &'s Declaration,
    waivers: &mut Vec<Item>,
    memo: &mut Memo,
    key: Option<DeclarationKey>,
) -> Option<Cow<'s, Declaration>> {
    let item = match declaration {
        Declaration::Import(_) => return None,
        Declaration::Error(_) => return Some(Cow::Borrowed(declaration)),
        Declaration::Item(item) => item,
    };
    match item.keyword.text.as_str() {
        "template" => None,
        "waive" => {
            waivers.push(Item::clone(item));
            None
        }
        "service" | "environment" => Some(match memo.expand(checker, expander, key, item) {
            Some(Cow::Borrowed(_)) => Cow::Borrowed(declaration),
            Some(Cow::Owned(expanded)) => Cow::Owned(Declaration::Item(Box::new(expanded))),
            None => Cow::Owned(broken(item)),
        }),
        "strategy" => {
            let value = match &item.from {
                Some(_) => expander
                    .declaration(checker, item)
                    .map(|built| built.into_owned().value),
                None => expander.expand_site(
                    checker,
                    super::scope::ScopeId::Root,
                    "strategy",
                    &item.value,
                    STRATEGY_KINDS,
                ),
            };
            Some(Cow::Owned(match value {
                Some(value) => Declaration::Item(Box::new(Item {
                    from: item.from.clone(),
                    ..item.with_value(value)
                })),
                None => broken(item),
            }))
        }
        _ => {
            if let Some(from) = &item.from {
                checker.report(
                    WrongTemplate::FromNotTaken {
                        keyword: &item.keyword.text,
                        span: from.span,
                    }
                    .diagnostic(),
                );
            }
            Some(Cow::Borrowed(declaration))
        }
    }
}

/// A declaration whose template could not be used: its name stays declared, so references to
/// it are not reported as unknown too.
fn broken(item: &Item) -> Declaration {
    Declaration::Error(Box::new(BrokenDeclaration {
        keyword: Some(item.keyword.clone()),
        name: Some(item.name.clone()),
        span: item.span,
    }))
}

/// Checks every template (and every strategy of a module) on its own, as an instance of its
/// kind, so a mistake in an unused template is still reported. Fields the template leaves to
/// its users (a service's image, a probe's port) are not required here.
pub(crate) fn check_templates<'s>(
    checker: &mut Checker,
    expander: &mut Expander<'s>,
    sources: Parsed<'s>,
) {
    for (index, module) in sources.modules.iter().enumerate() {
        let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        for declaration in &module.declarations {
            let Declaration::Item(item) = declaration else {
                continue;
            };
            let reusable = item.keyword.text == "template"
                || (item.keyword.text == "strategy" && sources.role(file) == Role::Module);
            if !reusable {
                continue;
            }
            if let Some(template) = expander.template(checker, Declared { file, item }) {
                check_instance(checker, item, template);
            }
        }
    }
}

/// Codes that only mean "the template leaves this to its users".
const LEFT_TO_USERS: &[Code] = &[Code::SW0203, Code::SW0304, Code::SW0103, Code::SW0105];

fn check_instance(checker: &mut Checker, item: &Item, template: Template) {
    let mut scratch = Checker::default();
    let span = item.name.span;
    let tagged = |kind: &str, body: Object| Expr {
        kind: ExprKind::Object(Object {
            tag: Some(ident(kind, span)),
            ..body
        }),
        span,
    };
    match template.kind.as_str() {
        "service" => {
            service::lower(
                &mut scratch,
                &instance("service", item, template.body),
                None,
            );
        }
        "environment" => {
            let scope = environment::Scope {
                services: &[],
                declared_services: Vec::new(),
                strategies: &[],
                declared_strategies: Vec::new(),
            };
            environment::lower(
                &mut scratch,
                &instance("environment", item, template.body),
                &scope,
            );
        }
        kind if STRATEGY_KINDS.contains(&kind) => {
            let value = tagged(kind, template.body);
            strategy::lower_named(
                &mut scratch,
                &Item {
                    value,
                    ..instance("strategy", item, empty(span))
                },
            );
        }
        kind if PROBE_KINDS.contains(&kind) => {
            let body = with_image(
                span,
                vec![attribute("liveness", tagged(kind, template.body), span)],
            );
            service::lower(&mut scratch, &instance("service", item, body), None);
        }
        kind if TOOLCHAIN_KINDS.contains(&kind) => {
            let build = Object {
                tag: None,
                entries: vec![attribute("toolchain", tagged(kind, template.body), span)],
                span,
            };
            let body = with_image(
                span,
                vec![Entry::Block {
                    key: ident("build", span),
                    label: None,
                    body: build,
                }],
            );
            service::lower(&mut scratch, &instance("service", item, body), None);
        }
        _ => {}
    }
    let kept = scratch
        .into_diagnostics()
        .into_iter()
        .filter(|d| !LEFT_TO_USERS.contains(&d.code));
    checker.report_all(kept);
}

fn ident(text: &str, span: Span) -> Ident {
    Ident {
        text: text.to_string(),
        span,
    }
}

fn empty(span: Span) -> Object {
    Object {
        tag: None,
        entries: Vec::new(),
        span,
    }
}

fn attribute(key: &str, value: Expr, span: Span) -> Entry {
    Entry::Attribute {
        key: ident(key, span),
        value,
    }
}

/// A service body with a placeholder image around `entries`.
fn with_image(span: Span, mut entries: Vec<Entry>) -> Object {
    let image = Expr {
        kind: ExprKind::String("template/check:1".to_string()),
        span,
    };
    entries.insert(0, attribute("image", image, span));
    Object {
        tag: None,
        entries,
        span,
    }
}

fn instance(keyword: &str, item: &Item, body: Object) -> Item {
    let span = item.name.span;
    Item {
        keyword: ident(keyword, item.keyword.span),
        name: item.name.clone(),
        from: None,
        value: Expr {
            kind: ExprKind::Object(body),
            span,
        },
        doc: None,
        span: item.span,
    }
}

/// Adds what the module phase set aside to the lowered model: the enabled pack policies and
/// the waivers (whose names are checked against the spec).
pub(crate) fn attach(
    checker: &mut Checker,
    model: &mut super::model::Model,
    program: &Program,
    names: &super::DeclaredNames,
) {
    name_strategies(model, &program.strategy_names);
    model.policies.extend(program.policies.iter().cloned());
    model
        .policies
        .sort_by(|a, b| a.name.value.cmp(&b.name.value));
    model.waivers = super::waivers::lower(checker, &program.waivers);
    super::waivers::check_names(checker, model, &names.services, &names.environments);
}

/// The checks that need the policies evaluated: waivers that covered nothing.
pub(crate) fn conclude(
    checker: &mut Checker,
    model: &super::model::Model,
    declared: &super::DeclaredNames,
) {
    let mut known: Vec<&str> = model
        .policies
        .iter()
        .map(|p| p.name.value.as_str())
        .collect();
    known.extend(model.policies.iter().filter_map(|p| p.pack.as_deref()));
    super::waivers::report_unused(checker, model, &known, declared);
}

/// Gives strategies used by an imported name (`strategies.progressive-canary`) that name.
fn name_strategies(model: &mut super::model::Model, names: &[(Span, String)]) {
    let name_of = |strategy: &super::model::Strategy| {
        names
            .iter()
            .find(|(span, _)| *span == strategy.span)
            .map(|(_, name)| name.clone())
    };
    for environment in &mut model.environments {
        if environment.strategy.name.is_none() {
            std::sync::Arc::make_mut(&mut environment.strategy).name =
                name_of(&environment.strategy);
        }
        for strategy in environment
            .overrides
            .iter_mut()
            .filter_map(|o| o.strategy.as_mut())
        {
            if strategy.name.is_none() {
                std::sync::Arc::make_mut(strategy).name = name_of(strategy);
            }
        }
    }
}
