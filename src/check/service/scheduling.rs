//! `scheduling { node_selector, toleration..., spread, priority_class }` of a service or an
//! override, and the app's `pull_secrets`. What Kubernetes would reject at apply time is an
//! error here: a toleration with a value but no key, `for` on a toleration whose effect is not
//! `no_execute` (SW0345), label keys and values that are not labels (SW0105), and names that
//! are not DNS subdomains.

use crate::check::invalid_name::InvalidName;
use crate::check::model::{Scheduling, Spread, SpreadTopology, TaintEffect, Toleration};
use crate::check::names::NameRule;
use crate::check::reader::Reader;
use crate::check::twice::{Repeated, Twice};
use crate::check::{schema, values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Spanned;
use crate::syntax::ast::{Entry, Expr, ExprKind, Object};

/// The scheduling block; `None` when it has errors (reported).
pub fn lower(checker: &mut Checker, object: &Object) -> Option<Scheduling> {
    let errors_before = checker.error_count();
    let reader = Reader::new(checker, object, &schema::SCHEDULING, object.span);
    let node_selector = reader
        .value(checker, "node_selector")
        .and_then(|expr| {
            values::label_map(
                checker,
                expr,
                "a node selector",
                "selects every node",
                "node_selector = { \"kubernetes.io/arch\" = \"arm64\" }",
            )
        })
        .unwrap_or_default();
    let architecture = reader
        .value(checker, "node_selector")
        .and_then(|expr| selected_architecture(expr, &node_selector));
    let tolerations: Vec<Toleration> = reader
        .blocks(checker, "toleration")
        .into_iter()
        .filter_map(|(key, _, body)| toleration(checker, body, key.span))
        .collect();
    let spread = reader
        .value(checker, "spread")
        .and_then(|expr| spread(checker, expr));
    let priority_class = reader
        .value(checker, "priority_class")
        .and_then(|expr| {
            values::kubernetes_name(
                checker,
                expr,
                NameRule::Dns1123Subdomain,
                "PriorityClass name",
            )
        })
        .map(|name| name.value);
    (checker.error_count() == errors_before).then_some(Scheduling {
        node_selector,
        tolerations,
        spread,
        priority_class,
        architecture,
    })
}

/// The node selector's `kubernetes.io/arch` value with the span of its string.
fn selected_architecture(
    expr: &Expr,
    node_selector: &std::collections::BTreeMap<String, String>,
) -> Option<Spanned<String>> {
    let value = node_selector.get(ARCH_LABEL)?;
    let ExprKind::Object(object) = &expr.kind else {
        return None;
    };
    object.entries.iter().find_map(|entry| match entry {
        Entry::Attribute {
            key,
            value: written,
            ..
        } if key.text == ARCH_LABEL => Some(Spanned::new(value.clone(), written.span)),
        _ => None,
    })
}

/// The node label that names a node's CPU architecture.
pub(crate) const ARCH_LABEL: &str = "kubernetes.io/arch";

fn toleration(
    checker: &mut Checker,
    body: &Object,
    owner: crate::span::Span,
) -> Option<Toleration> {
    let errors_before = checker.error_count();
    let reader = Reader::new(checker, body, &schema::TOLERATION, owner);
    let key = reader
        .value(checker, "key")
        .and_then(|expr| values::string(checker, expr));
    let value = reader
        .value(checker, "value")
        .and_then(|expr| values::string(checker, expr));
    let key_valid = |text: &str| values::label_part_valid(text);
    let value_valid = |text: &str| text.is_empty() || values::label_part_valid(text);
    let invalid = [(&key, key_valid as fn(&str) -> bool), (&value, value_valid)]
        .into_iter()
        .filter_map(|(part, valid)| part.as_ref().filter(|part| !valid(&part.value)));
    for part in invalid {
        checker.report(
            InvalidName::Taint {
                part: &part.value,
                span: part.span,
            }
            .diagnostic(),
        );
    }
    let effect = reader.value(checker, "effect").and_then(|expr| {
        values::keyword_of(
            checker,
            expr,
            "taint effect",
            TaintEffect::KEYWORDS,
            TaintEffect::from_keyword,
        )
    });
    let for_seconds = reader.value(checker, "for").and_then(|expr| {
        let duration = values::duration(checker, expr)?;
        Some((expr, duration.millis.div_ceil(1000)))
    });
    if let (Some(value), None) = (&value, &key) {
        checker.report(
            Diagnostic::error(
                Code::SW0345,
                "a toleration with a `value` needs a `key`",
                value.span,
                "a value of which key?",
            )
            .with_help("add `key = \"...\"`, or remove `value` to tolerate every taint"),
        );
    }
    if let Some((expr, _)) = for_seconds {
        if effect != Some(TaintEffect::NoExecute) {
            checker.report(
                Diagnostic::error(Code::SW0345, "`for` applies only to a `no_execute` toleration", expr.span, "only no_execute taints evict")
                    .with_help("write `effect = no_execute`, or remove `for`: other taints never evict a running pod"),
            );
        }
    }
    (checker.error_count() == errors_before).then_some(Toleration {
        key: key.map(|key| key.value),
        value: value.map(|value| value.value),
        effect,
        for_seconds: for_seconds.map(|(_, seconds)| seconds),
    })
}

/// `zone`, `host`, or either with `{ strict = true }`.
fn spread(checker: &mut Checker, expr: &Expr) -> Option<Spread> {
    let variant = values::variant(checker, expr, "`zone` or `host`")?;
    let Some(across) = SpreadTopology::from_keyword(variant.tag) else {
        values::unknown_variant(checker, "spread", &variant, SpreadTopology::KEYWORDS);
        return None;
    };
    let strict = match variant.body {
        Some(body) => {
            let reader = Reader::new(checker, body, &schema::SPREAD, variant.tag_span);
            match reader.value(checker, "strict") {
                Some(expr) => values::boolean(checker, expr)?,
                None => false,
            }
        }
        None => false,
    };
    Some(Spread { across, strict })
}

/// The app's `pull_secrets`: a list of Secret names, each once.
pub(crate) fn pull_secrets(checker: &mut Checker, expr: &Expr) -> Vec<String> {
    let items: Vec<&Expr> = match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![expr],
    };
    let mut names: Vec<String> = Vec::new();
    for item in items {
        let Some(name) =
            values::kubernetes_name(checker, item, NameRule::Dns1123Subdomain, "Secret name")
        else {
            continue;
        };
        if names.contains(&name.value) {
            checker.report(
                Twice {
                    repeated: Repeated::ListItem,
                    name: &name.value,
                    span: name.span,
                    first: None,
                }
                .diagnostic(),
            );
            continue;
        }
        names.push(name.value);
    }
    names
}
