//! Top-level declarations: sorting them by kind, finding duplicates, and lowering each kind
//! with the names of the others in scope.

use super::duplicate_name::DuplicateName;
use super::memo::Memo;
use super::model::{App, Model};
use super::reader::Reader;
use super::{environment, item_label, names, policy, schema, strategy, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Declaration, ExprKind, Item, Object};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Declarations by kind, each map sorted by name so results never depend on file order.
#[derive(Default)]
pub struct Declared<'a> {
    pub apps: Vec<&'a Item>,
    pub services: BTreeMap<&'a str, &'a Item>,
    pub environments: BTreeMap<&'a str, &'a Item>,
    pub strategies: BTreeMap<&'a str, &'a Item>,
    pub policies: BTreeMap<&'a str, &'a Item>,
    /// `(kind, name)` of declarations that failed to parse.
    pub broken: Vec<(&'a str, &'a str)>,
    /// Every declaration of a name declared more than once. None of them enters the model
    /// (the name stays known, as a broken declaration's does): which of them comes first
    /// depends on the order of the files, and nothing the check reports may. Each is still
    /// checked for its own problems.
    pub duplicates: Vec<&'a Item>,
}

impl<'a> Declared<'a> {
    /// Names of one kind, including declarations that failed to parse or check.
    pub fn names(&self, kind: &str) -> Vec<&'a str> {
        let table = match kind {
            "service" => &self.services,
            "environment" => &self.environments,
            "strategy" => &self.strategies,
            _ => &self.policies,
        };
        let mut names: Vec<&'a str> = table.keys().copied().collect();
        names.extend(
            self.broken
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, name)| *name),
        );
        names.sort_unstable();
        names.dedup();
        names
    }
}

pub fn collect<'a>(
    checker: &mut Checker,
    declarations: &'a [Cow<'_, Declaration>],
) -> Declared<'a> {
    let mut declared = Declared::default();
    let mut named = Named::default();
    for declaration in declarations {
        match &**declaration {
            Declaration::Item(item) => sort_by_kind(checker, &mut declared, &mut named, item),
            Declaration::Import(import) => checker.report(
                Diagnostic::error(
                    Code::SW0101,
                    "imports are not supported by this version of Slipway",
                    import.span,
                    "import",
                )
                .with_help("put all declarations of a spec in files of one directory; they are checked together"),
            ),
            Declaration::Error(broken) => {
                if let (Some(keyword), Some(name)) = (&broken.keyword, &broken.name) {
                    declared.broken.push((&keyword.text, &name.text));
                }
            }
        }
    }
    named.enter(checker, &mut declared);
    declared
}

/// The named declarations, in the order they are written, and the same by kind.
#[derive(Default)]
struct Named<'a> {
    in_order: Vec<&'a Item>,
    services: Vec<&'a Item>,
    environments: Vec<&'a Item>,
    strategies: Vec<&'a Item>,
    policies: Vec<&'a Item>,
}

impl<'a> Named<'a> {
    /// Enters every named declaration into the table of its kind. When no two of a kind share
    /// a name (the usual case), each table is built from its sorted list at once: inserting
    /// thousands of services one by one into an ordered map was a seventh of a language
    /// server's edit, in string comparisons. Otherwise they are entered one by one in the
    /// order they are written, and the names taken twice reported.
    fn enter(self, checker: &mut Checker, declared: &mut Declared<'a>) {
        let sorted = [
            sorted_if_distinct(&self.services),
            sorted_if_distinct(&self.environments),
            sorted_if_distinct(&self.strategies),
            sorted_if_distinct(&self.policies),
        ];
        let [Some(services), Some(environments), Some(strategies), Some(policies)] = sorted else {
            for item in self.in_order {
                add(checker, declared, item);
            }
            return;
        };
        declared.services = services.into_iter().collect();
        declared.environments = environments.into_iter().collect();
        declared.strategies = strategies.into_iter().collect();
        declared.policies = policies.into_iter().collect();
    }
}

/// `items` by name, when no two share one.
fn sorted_if_distinct<'a>(items: &[&'a Item]) -> Option<Vec<(&'a str, &'a Item)>> {
    let mut sorted: Vec<(&'a str, &'a Item)> = items
        .iter()
        .map(|item| (item.name.text.as_str(), *item))
        .collect();
    sorted.sort_by_key(|(name, _)| *name);
    let distinct = sorted
        .windows(2)
        .all(|pair| matches!(pair, [(name, _), (next, _)] if name != next));
    distinct.then_some(sorted)
}

/// Puts `item` with the declarations of its kind; an unknown kind is reported.
fn sort_by_kind<'a>(
    checker: &mut Checker,
    declared: &mut Declared<'a>,
    named: &mut Named<'a>,
    item: &'a Item,
) {
    let list = match item.keyword.text.as_str() {
        "app" => {
            declared.apps.push(item);
            return;
        }
        "service" => &mut named.services,
        "environment" => &mut named.environments,
        "strategy" => &mut named.strategies,
        "policy" => &mut named.policies,
        other => {
            let kinds = schema::DECLARATIONS.iter().map(|(kind, _)| *kind);
            let diagnostic = Diagnostic::error(
                Code::SW0101,
                format!("unknown declaration kind `{}`", names::shorten(other)),
                item.keyword.span,
                "not a declaration kind",
            )
            .with_suggestion(other, kinds);
            let diagnostic = if diagnostic.help.is_none() {
                diagnostic.with_help(
                    "declarations are `app`, `service`, `environment`, `strategy` and `policy`",
                )
            } else {
                diagnostic
            };
            checker.report(diagnostic);
            return;
        }
    };
    list.push(item);
    named.in_order.push(item);
}

/// The table of the declarations of `kind`; `None` for a kind that has none.
fn table_of<'d, 'a>(
    declared: &'d mut Declared<'a>,
    kind: &str,
) -> Option<&'d mut BTreeMap<&'a str, &'a Item>> {
    match kind {
        "service" => Some(&mut declared.services),
        "environment" => Some(&mut declared.environments),
        "strategy" => Some(&mut declared.strategies),
        "policy" => Some(&mut declared.policies),
        _ => None,
    }
}

/// Enters one named declaration into its table, reporting it when its name is taken.
fn add<'a>(checker: &mut Checker, declared: &mut Declared<'a>, item: &'a Item) {
    let kind = item.keyword.text.as_str();
    let name = item.name.text.as_str();
    let Some(table) = table_of(declared, kind) else {
        return;
    };
    let earlier = table.get(name).copied().or_else(|| {
        declared
            .duplicates
            .iter()
            .copied()
            .find(|d| d.keyword.text == kind && d.name.text == name)
    });
    let Some(first) = earlier else {
        if let Some(table) = table_of(declared, kind) {
            table.insert(name, item);
        }
        return;
    };
    checker.report(
        DuplicateName::Declaration {
            keyword: &item.keyword.text,
            name: &item.name.text,
            span: item.name.span,
            first: first.name.span,
        }
        .diagnostic(),
    );
    if let Some(first) = table_of(declared, kind).and_then(|table| table.remove(name)) {
        declared.duplicates.push(first);
        declared
            .broken
            .push((&first.keyword.text, &first.name.text));
    }
    declared.duplicates.push(item);
}

/// Checks the declarations whose name was taken, as the kept ones are, and drops them.
fn check_duplicates(
    checker: &mut Checker,
    declared: &Declared,
    registry: Option<&str>,
    scope: &environment::Scope,
    memo: &mut Memo,
) {
    for item in &declared.duplicates {
        match item.keyword.text.as_str() {
            "service" => drop(memo.service(checker, item, registry)),
            "environment" => drop(environment::lower(checker, item, scope)),
            "strategy" => drop(strategy::lower_named(checker, item)),
            _ => drop(policy::lower(checker, item)),
        }
    }
}

/// Lowers every declaration; services the memo knows are taken from it.
pub fn lower(checker: &mut Checker, declared: &Declared, memo: &mut Memo) -> Model {
    let anchor = declared
        .services
        .values()
        .chain(declared.environments.values())
        .map(|item| item_label(item))
        .min();
    let app = lower_app(checker, &declared.apps, anchor);
    let registry = app.as_ref().and_then(|app| app.registry.clone());
    let strategies: Vec<_> = declared
        .strategies
        .values()
        .filter_map(|item| strategy::lower_named(checker, item))
        .collect();
    // Sized once: a service is large, and a vector grown by doubling held up to twice the
    // services' size at the peak of a large check.
    let mut services = Vec::with_capacity(declared.services.len());
    services.extend(
        declared
            .services
            .values()
            .filter_map(|item| memo.service(checker, item, registry.as_deref())),
    );
    let scope = environment::Scope {
        services: &services,
        declared_services: declared.names("service"),
        strategies: &strategies,
        declared_strategies: declared.names("strategy"),
    };
    let environments: Vec<_> = declared
        .environments
        .values()
        .filter_map(|item| environment::lower(checker, item, &scope))
        .collect();
    check_duplicates(checker, declared, registry.as_deref(), &scope, memo);
    let policies = declared
        .policies
        .values()
        .filter_map(|item| policy::lower(checker, item))
        .collect();
    Model {
        app,
        services,
        environments,
        strategies,
        policies,
        ..Model::default()
    }
}

fn lower_app(checker: &mut Checker, apps: &[&Item], anchor: Option<Span>) -> Option<App> {
    let Some(first) = apps.first() else {
        if let Some(span) = anchor {
            checker.report(
                Diagnostic::warning(Code::SW0104, "the spec declares no `app`", span, "no app in this spec")
                    .with_help("add `app my-app { repository = \"...\"  registry = \"...\" }`; without it, objects are labelled `part-of: app` and images need a full registry"),
            );
        }
        return None;
    };
    for again in apps.iter().skip(1) {
        checker.report(
            Diagnostic::error(
                Code::SW0104,
                "the app is declared twice",
                again.name.span,
                "declared again here",
            )
            .with_label(first.name.span, "first declared here")
            .with_help("a spec describes one app; remove one `app` declaration"),
        );
    }
    // Every declaration is checked, and with more than one the model has no app: which one
    // comes first depends on the order of the files, and nothing the check reports may.
    let read: Vec<Option<App>> = apps.iter().map(|app| read_app(checker, app)).collect();
    match read.as_slice() {
        [only] => only.clone(),
        _ => None,
    }
}

/// Checks one `app` declaration and reads it.
fn read_app(checker: &mut Checker, app: &Item) -> Option<App> {
    names::check_name(
        checker,
        &app.name.text,
        app.name.span,
        names::NameRule::Dns1123Label,
        "app name",
    );
    let object = body(checker, app)?;
    let reader = Reader::new(checker, object, &schema::APP, item_label(app));
    let repository = reader
        .value(checker, "repository")
        .and_then(|v| super::values::string(checker, v))
        .map(|s| s.value);
    let registry = reader
        .value(checker, "registry")
        .and_then(|v| super::values::string(checker, v))
        .map(|s| s.value.trim_end_matches('/').to_string());
    let prometheus = match reader.value(checker, "prometheus") {
        Some(expr) => prometheus_url(checker, expr),
        None => None,
    };
    let pull_secrets = reader
        .value(checker, "pull_secrets")
        .map(|expr| super::service::scheduling::pull_secrets(checker, expr))
        .unwrap_or_default();
    let quality_gate = reader
        .value(checker, "quality_gate")
        .and_then(|e| super::gates::quality_gate(checker, e, &app.name.text));
    Some(App {
        name: Spanned::new(app.name.text.clone(), app.name.span),
        repository,
        registry,
        prometheus,
        pull_secrets,
        quality_gate,
        span: app.span,
    })
}

/// `prometheus = "http://..."`: an HTTP(S) URL, written into AnalysisTemplates as the address.
fn prometheus_url(checker: &mut Checker, expr: &crate::syntax::ast::Expr) -> Option<String> {
    let url = super::values::string(checker, expr)?;
    let rest = url
        .value
        .strip_prefix("https://")
        .or_else(|| url.value.strip_prefix("http://"));
    if rest.is_none_or(|host| {
        host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control())
    }) {
        checker.report(
            crate::check::wrong_type::WrongType::PrometheusUrl { span: url.span }.diagnostic(),
        );
        return None;
    }
    Some(url.value)
}

/// The `{ ... }` body of a declaration such as `service web { ... }`.
pub fn body<'a>(checker: &mut Checker, item: &'a Item) -> Option<&'a Object> {
    match &item.value.kind {
        ExprKind::Object(object) if object.tag.is_none() => Some(object),
        _ => {
            checker.report(
                crate::check::wrong_type::WrongType::DeclarationWithoutBlock {
                    what: &item.keyword.text,
                    example: format!("{} {} {{ ... }}", item.keyword.text, item.name.text),
                    span: item.value.span,
                }
                .diagnostic(),
            );
            None
        }
    }
}
