//! `from` in a secret reference: the External Secrets Operator store a Secret is synced from,
//! `store { ... }` (a `SecretStore` in the environment's namespace) or `cluster_store { ... }`
//! (a `ClusterSecretStore`), with the path of the value there. An empty path or property reads
//! nothing (SW0340); an unknown kind of store is SW0208, a store name that is no Kubernetes
//! name SW0105. Whether the references to one Secret agree is checked per environment, once
//! overrides are applied (`environment/secret_sources.rs`).

use crate::check::model::{Duration, SecretSource, StoreKind, StoreRef};
use crate::check::names::NameRule;
use crate::check::reader::Reader;
use crate::check::{schema, values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Spanned;
use crate::syntax::ast::Expr;

/// Lowers `from = ...` of a reference to `key`; `None` when it reported an error.
pub fn lower(checker: &mut Checker, expr: &Expr, key: &str) -> Option<SecretSource> {
    let variant = values::variant(
        checker,
        expr,
        "a secret store such as `cluster_store { name = \"vault\"  path = \"shop/db\" }`",
    )?;
    let Some((_, kind)) = StoreKind::ALL.iter().find(|(name, _)| *name == variant.tag) else {
        let names: Vec<&str> = StoreKind::ALL.iter().map(|(name, _)| *name).collect();
        values::unknown_variant(checker, "secret store kind", &variant, &names);
        return None;
    };
    let Some(body) = variant.body else {
        checker.report(
            crate::check::missing::Missing::SecretSource {
                kind: variant.tag,
                span: variant.tag_span,
            }
            .diagnostic(),
        );
        return None;
    };
    let reader = Reader::new(checker, body, &schema::SECRET_SOURCE, variant.tag_span);
    let name = reader.required_value(checker, "name").and_then(|expr| {
        values::kubernetes_name(
            checker,
            expr,
            NameRule::Dns1123Subdomain,
            "secret store name",
        )
    });
    let path = reader
        .required_value(checker, "path")
        .and_then(|expr| values::string(checker, expr))
        .and_then(|path| not_empty(checker, path, "path"));
    let property = match reader.value(checker, "property") {
        Some(expr) => values::string(checker, expr)
            .and_then(|property| not_empty(checker, property, "property")),
        None => Some(key.to_string()),
    };
    let refresh = match reader.value(checker, "refresh") {
        Some(expr) => values::duration(checker, expr),
        None => Some(Duration::from_secs(SecretSource::DEFAULT_REFRESH_SECS)),
    };
    Some(SecretSource {
        store: StoreRef {
            kind: *kind,
            name: name?.value,
        },
        path: path?,
        property: property?,
        refresh: refresh?,
        span: expr.span,
    })
}

/// A path or property that names something: not empty, not only spaces, no spaces around it.
fn not_empty(checker: &mut Checker, text: Spanned<String>, field: &str) -> Option<String> {
    let trimmed = text.value.trim();
    if !trimmed.is_empty() && trimmed.len() == text.value.len() {
        return Some(text.value);
    }
    let (message, help) = match trimmed.is_empty() {
        true => (
            format!("the secret store {field} is empty"),
            format!("write the {field} of the value in the store, e.g. `{field} = \"shop/db\"`"),
        ),
        false => (
            format!("the secret store {field} has spaces around it"),
            format!("write `\"{trimmed}\"`"),
        ),
    };
    let mut diagnostic = Diagnostic::error(
        Code::SW0340,
        message,
        text.span,
        "reads nothing from the store",
    )
    .with_help(help);
    if !trimmed.is_empty() && !trimmed.contains(['"', '\\']) {
        diagnostic = diagnostic.with_fix(text.span, format!("\"{trimmed}\""));
    }
    checker.report(diagnostic);
    None
}
