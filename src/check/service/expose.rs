//! `expose { hosts, path, port, tls, gateway }`: how outside traffic reaches a service, in a
//! service or in an environment's override. Hosts must be DNS names (SW0331), the TLS
//! certificate is named by its Secret, never written in (SW0333), and the gateway is one of
//! `istio`, `istio { selector }`, `istio { name }`, `ingress` or `ingress { class }`.

use crate::check::model::{Exposure, Gateway, Port, PortRef, Protocol};
use crate::check::names::{check_name, NameRule};
use crate::check::reader::Reader;
use crate::check::unknown_field::UnknownField;
use crate::check::{schema, values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Expr, ExprKind, Object};
use std::collections::BTreeMap;

/// The exposure written in `object`; `owner` is where "missing field" errors point.
pub fn lower(
    checker: &mut Checker,
    object: &Object,
    ports: &[Port],
    owner: Span,
) -> Option<Exposure> {
    let errors_before = checker.error_count();
    let reader = Reader::new(checker, object, &schema::EXPOSE, owner);
    let hosts = reader
        .required_value(checker, "hosts")
        .map(|expr| hosts(checker, expr))
        .unwrap_or_default();
    let path = match reader.value(checker, "path") {
        Some(expr) => path(checker, expr),
        None => Some("/".to_string()),
    };
    let port = port(checker, &reader, ports, owner);
    let tls = reader.value(checker, "tls").and_then(|e| tls(checker, e));
    let gateway = reader.value(checker, "gateway").and_then(|expr| {
        gateway(checker, expr).map(|gateway| Spanned::new(gateway, gateway_span(expr)))
    });
    if let (Some(gateway), Some(span)) = (&gateway, reader.key_span("tls")) {
        if let Gateway::IstioNamed { name, .. } = &gateway.value {
            checker.report(
                UnknownField::TlsWithNamedGateway {
                    gateway: name,
                    span,
                    gateway_span: gateway.span,
                }
                .diagnostic(),
            );
        }
    }
    if checker.error_count() > errors_before || hosts.is_empty() {
        return None;
    }
    Some(Exposure {
        hosts,
        path: path?,
        port: port?,
        tls,
        gateway,
        span: object.span,
    })
}

/// The span of the gateway's kind (`istio` in `istio { ... }`), where mistakes about it point.
fn gateway_span(expr: &Expr) -> Span {
    match &expr.kind {
        ExprKind::Object(object) => object.tag.as_ref().map_or(expr.span, |tag| tag.span),
        _ => expr.span,
    }
}

fn hosts(checker: &mut Checker, expr: &Expr) -> Vec<Spanned<String>> {
    let items: Vec<&Expr> = match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![expr],
    };
    let mut hosts: Vec<Spanned<String>> = Vec::new();
    for item in items {
        let Some(host) = values::string(checker, item) else {
            continue;
        };
        if let Some(problem) = host_problem(&host.value) {
            checker.report(
                Diagnostic::error(Code::SW0331, format!("`{}` is not a host name: {problem}", host.value), host.span, "invalid host")
                    .with_help("write a lowercase DNS name such as `shop.example.com`; a wildcard only as the leftmost label (`*.example.com`), without scheme, port or path"),
            );
            continue;
        }
        if !hosts.iter().any(|h| h.value == host.value) {
            hosts.push(host);
        }
    }
    hosts
}

/// Why `host` is not a DNS name an Istio Gateway and an Ingress both accept (RFC 1123
/// labels, lowercase, at most 253 characters, `*` only as the whole leftmost label, not an
/// IP address); `None` when it is one.
pub(crate) fn host_problem(host: &str) -> Option<&'static str> {
    if host.contains("://") || host.contains('/') {
        return Some("a host has no scheme or path");
    }
    if host.contains(':') {
        return Some("a host has no port");
    }
    if host.is_empty() || host.len() > 253 {
        return Some("a host has 1 to 253 characters");
    }
    let labels: Vec<&str> = host.split('.').collect();
    for (index, label) in labels.iter().enumerate() {
        if *label == "*" {
            if index > 0 {
                return Some("a wildcard is only allowed as the leftmost label");
            }
            continue;
        }
        if label.contains('*') {
            return Some("a wildcard is a whole label, `*.example.com`");
        }
        if label.is_empty() || label.len() > 63 {
            return Some("each label has 1 to 63 characters");
        }
        let valid = label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Some("labels are lowercase letters, digits and `-`");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("a label starts and ends with a letter or digit");
        }
    }
    if host == "*" {
        return Some("a host needs more than a wildcard");
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("an IP address is not a host name");
    }
    None
}

fn path(checker: &mut Checker, expr: &Expr) -> Option<String> {
    let path = values::string(checker, expr)?;
    let valid = path.value.starts_with('/')
        && path
            .value
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '?' | '#' | '*'));
    if !valid {
        checker.report(
            crate::check::out_of_range::OutOfRange::ExposedPath { span: path.span }.diagnostic(),
        );
        return None;
    }
    Some(path.value)
}

/// The port named by `port`, else the port named `http`, else the only TCP port.
fn port(checker: &mut Checker, reader: &Reader, ports: &[Port], owner: Span) -> Option<PortRef> {
    let reference = |port: &Port| PortRef {
        name: port.name.value.clone(),
        number: port.number,
    };
    if let Some(expr) = reader.value(checker, "port") {
        let name = values::name(checker, expr)?;
        let found = ports.iter().find(|p| p.name.value == name.value);
        if found.is_none_or(|p| p.protocol != Protocol::Tcp) {
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "TCP port",
                    name: &name.value,
                    span: name.span,
                    candidates: ports
                        .iter()
                        .filter(|p| p.protocol == Protocol::Tcp)
                        .map(|p| p.name.value.as_str()),
                }
                .diagnostic(),
            );
        }
        return found.map(reference);
    }
    let tcp: Vec<&Port> = ports
        .iter()
        .filter(|p| p.protocol == Protocol::Tcp)
        .collect();
    let chosen = tcp
        .iter()
        .find(|p| p.name.value == "http")
        .or(if tcp.len() == 1 { tcp.first() } else { None });
    if chosen.is_none() {
        checker.report(
            crate::check::missing::Missing::ExposedPort {
                has_tcp_ports: !tcp.is_empty(),
                span: owner,
            }
            .diagnostic(),
        );
    }
    chosen.map(|p| reference(p))
}

/// `secret { name = "shop-tls" }`; a string is refused (SW0333): a certificate or a key does
/// not belong in a spec, and a Secret's name is written as a reference.
fn tls(checker: &mut Checker, expr: &Expr) -> Option<String> {
    if let ExprKind::String(text) = &expr.kind {
        checker.report(tls_literal(text, expr.span));
        return None;
    }
    let variant = values::variant(
        checker,
        expr,
        "a Secret reference: `secret { name = \"shop-tls\" }`",
    )?;
    if variant.tag != "secret" {
        values::unknown_variant(checker, "TLS secret reference", &variant, &["secret"]);
        return None;
    }
    let Some(body) = variant.body else {
        checker.report(
            crate::check::missing::Missing::TlsSecretName {
                span: variant.tag_span,
            }
            .diagnostic(),
        );
        return None;
    };
    let reader = Reader::new(checker, body, &schema::TLS_SECRET, variant.tag_span);
    let name = reader
        .required_value(checker, "name")
        .and_then(|e| values::string(checker, e))?;
    check_name(
        checker,
        &name.value,
        name.span,
        NameRule::Dns1123Subdomain,
        "secret name",
    )
    .then_some(name.value)
}

fn tls_literal(text: &str, span: Span) -> Diagnostic {
    let material = text.contains("-----BEGIN") || text.contains('\n') || text.len() > 253;
    if material {
        return Diagnostic::error(Code::SW0333, "TLS key material written in the spec", span, "certificate or key")
            .with_help("store the certificate and key in a `kubernetes.io/tls` Secret and name it: `tls = secret { name = \"shop-tls\" }`");
    }
    let fix = format!("secret {{ name = \"{text}\" }}");
    Diagnostic::error(
        Code::SW0333,
        "`tls` takes a Secret reference, not a string",
        span,
        "a string",
    )
    .with_help(format!(
        "name the Secret that holds the certificate: `tls = {fix}`"
    ))
    .with_fix(span, fix)
}

fn gateway(checker: &mut Checker, expr: &Expr) -> Option<Gateway> {
    let variant = values::variant(
        checker,
        expr,
        "a gateway: `istio` or `ingress { class = \"nginx\" }`",
    )?;
    match variant.tag {
        "istio" => {
            let Some(body) = variant.body else {
                return Some(Gateway::default_istio());
            };
            let reader = Reader::new(checker, body, &schema::ISTIO_GATEWAY, variant.tag_span);
            if let (Some(_), Some(span)) = (reader.key_span("name"), reader.key_span("selector")) {
                checker.report(UnknownField::SelectorWithName { span }.diagnostic());
                return None;
            }
            if let Some(expr) = reader.value(checker, "name") {
                return named_gateway(checker, expr);
            }
            match reader.value(checker, "selector") {
                Some(expr) => selector(checker, expr).map(|selector| Gateway::Istio { selector }),
                None => Some(Gateway::default_istio()),
            }
        }
        "ingress" => {
            let Some(body) = variant.body else {
                return Some(Gateway::Ingress { class: None });
            };
            let reader = Reader::new(checker, body, &schema::INGRESS, variant.tag_span);
            let class = match reader.value(checker, "class") {
                Some(expr) => {
                    let class = values::string(checker, expr)?;
                    if !check_name(
                        checker,
                        &class.value,
                        class.span,
                        NameRule::Dns1123Subdomain,
                        "ingress class",
                    ) {
                        return None;
                    }
                    Some(class.value)
                }
                None => None,
            };
            Some(Gateway::Ingress { class })
        }
        _ => {
            values::unknown_variant(checker, "gateway", &variant, Gateway::KINDS);
            None
        }
    }
}

/// `"istio-system/public"` or `"public"`.
fn named_gateway(checker: &mut Checker, expr: &Expr) -> Option<Gateway> {
    let written = values::string(checker, expr)?;
    let (namespace, name) = match written.value.split_once('/') {
        Some((namespace, name)) => (Some(namespace), name),
        None => (None, written.value.as_str()),
    };
    let namespace_ok = namespace.is_none_or(|namespace| {
        check_name(
            checker,
            namespace,
            written.span,
            NameRule::Dns1123Label,
            "gateway namespace",
        )
    });
    let name_ok = check_name(
        checker,
        name,
        written.span,
        NameRule::Dns1123Subdomain,
        "gateway name",
    );
    (namespace_ok && name_ok).then(|| Gateway::IstioNamed {
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    })
}

/// `{ istio = "ingressgateway" }`: label keys to label values, at least one.
fn selector(checker: &mut Checker, expr: &Expr) -> Option<BTreeMap<String, String>> {
    values::label_map(
        checker,
        expr,
        "a gateway selector",
        "selects every pod",
        "selector = { istio = \"ingressgateway\" }",
    )
}

#[cfg(test)]
mod tests {
    use super::host_problem;

    #[test]
    fn hosts_follow_rfc_1123_with_a_leftmost_wildcard() {
        for good in [
            "shop.example.com",
            "*.example.com",
            "a-1.b2.io",
            "localhost",
        ] {
            assert_eq!(host_problem(good), None, "{good}");
        }
        for bad in [
            "Shop.example.com",
            "shop.*.com",
            "*shop.example.com",
            "https://shop.example.com",
            "shop.example.com:443",
            "-shop.example.com",
            "shop..com",
            "10.0.0.1",
            "*",
            "",
        ] {
            assert!(host_problem(bad).is_some(), "{bad}");
        }
    }
}
