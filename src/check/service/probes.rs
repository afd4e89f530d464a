//! Liveness, readiness and startup probes: `http { path, port }`, `tcp { port }`,
//! `grpc { port }`, `exec { command }`, each with timing settings.

use crate::check::model::{Port, PortRef, Probe, ProbeAction};
use crate::check::reader::Reader;
use crate::check::unknown_field::UnknownField;
use crate::check::{schema, values, Checker};
use crate::diagnostics::{self, Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, Object};

/// The service's declared ports, which probe ports must name.
pub(crate) struct Ports<'a> {
    pub ports: &'a [Port],
    pub declared_at: Option<Span>,
}

pub fn field(checker: &mut Checker, reader: &Reader, name: &str, ports: &Ports) -> Option<Probe> {
    let expr = reader.value(checker, name)?;
    lower(checker, expr, ports)
}

fn lower(checker: &mut Checker, expr: &Expr, ports: &Ports) -> Option<Probe> {
    let variant = values::variant(
        checker,
        expr,
        "a probe such as `http { path = \"/healthz\", port = http }`",
    )?;
    if !schema::PROBE_KINDS.contains(&variant.tag) {
        values::unknown_variant(checker, "probe kind", &variant, schema::PROBE_KINDS);
        return None;
    }
    let Some(body) = variant.body else {
        checker.report(
            crate::check::missing::Missing::ProbeSettings {
                kind: variant.tag,
                span: variant.tag_span,
            }
            .diagnostic(),
        );
        return None;
    };
    let reader = Reader::new(checker, body, &schema::PROBE, variant.tag_span);
    let action = action(checker, &reader, variant.tag, body, ports);
    let duration = |checker: &mut Checker, name| {
        reader
            .value(checker, name)
            .and_then(|e| values::duration(checker, e))
    };
    let initial_delay = duration(checker, "initial_delay");
    let period = duration(checker, "period");
    let timeout = duration(checker, "timeout");
    for name in ["period", "timeout"] {
        let value = if name == "period" { period } else { timeout };
        if let (Some(value), Some(span)) = (value, reader.key_span(name)) {
            if value.millis < 1000 {
                checker.report(
                    crate::check::out_of_range::OutOfRange::ProbeTiming { field: name, span }
                        .diagnostic(),
                );
            }
        }
    }
    let threshold = |checker: &mut Checker, name| {
        reader
            .value(checker, name)
            .and_then(|e| values::integer_u32(checker, e, 1, 1000))
    };
    let success_threshold = threshold(checker, "success_threshold");
    let failure_threshold = threshold(checker, "failure_threshold");
    Some(Probe {
        action: action?,
        initial_delay,
        period,
        timeout,
        success_threshold,
        failure_threshold,
        span: expr.span,
    })
}

fn action(
    checker: &mut Checker,
    reader: &Reader,
    kind: &str,
    body: &Object,
    ports: &Ports,
) -> Option<ProbeAction> {
    let allowed: &[&str] = match kind {
        "http" => &["path", "port"],
        "exec" => &["command"],
        _ => &["port"],
    };
    for field in ["path", "port", "command"] {
        if let Some(span) = reader.key_span(field).filter(|_| !allowed.contains(&field)) {
            checker.report(
                UnknownField::NotForProbe {
                    field,
                    kind,
                    allowed,
                    span,
                }
                .diagnostic(),
            );
        }
    }
    let port = |checker: &mut Checker| {
        let expr = reader.required_value(checker, "port")?;
        resolve_port(checker, expr, ports)
    };
    match kind {
        "http" => {
            let path = reader
                .value(checker, "path")
                .and_then(|e| values::string(checker, e))
                .map_or_else(|| "/".to_string(), |s| s.value);
            if !path.starts_with('/') {
                let span = reader.key_span("path").unwrap_or(body.span);
                checker.report(
                    crate::check::out_of_range::OutOfRange::ProbePath { span }.diagnostic(),
                );
            }
            Some(ProbeAction::Http {
                path,
                port: port(checker)?,
            })
        }
        "tcp" => Some(ProbeAction::Tcp {
            port: port(checker)?,
        }),
        "grpc" => Some(ProbeAction::Grpc {
            port: port(checker)?,
        }),
        _ => {
            let expr = reader.required_value(checker, "command")?;
            let command = values::strings(checker, expr)?;
            if command.is_empty() {
                checker.report(
                    crate::check::out_of_range::OutOfRange::EmptyCommand { span: expr.span }
                        .diagnostic(),
                );
                return None;
            }
            Some(ProbeAction::Exec { command })
        }
    }
}

/// A probe port names a declared port (`http`), or gives the number of one (`8080`).
fn resolve_port(checker: &mut Checker, expr: &Expr, ports: &Ports) -> Option<PortRef> {
    let found = match &expr.kind {
        ExprKind::Number(_) => {
            let number = values::integer(checker, expr, 1, 65535)?;
            ports.ports.iter().find(|p| u64::from(p.number) == number)
        }
        _ => {
            let name = values::name(checker, expr)?;
            ports.ports.iter().find(|p| p.name.value == name.value)
        }
    };
    if let Some(port) = found {
        return Some(PortRef {
            name: port.name.value.clone(),
            number: port.number,
        });
    }
    let written = match &expr.kind {
        ExprKind::Path(path) => path.dotted(),
        ExprKind::Number(number) => number.digits.clone(),
        other => other.describe(),
    };
    checker.report(undeclared_port(&written, expr.span, ports));
    None
}

/// SW0304: the help names the port to write instead: the close one for a typo (a safe
/// fix when it is the only close one), the only declared port, or the list of them.
fn undeclared_port(written: &str, span: Span, ports: &Ports) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(
        Code::SW0304,
        format!("probe port `{written}` is not a declared port"),
        span,
        "not in `ports`",
    );
    if let Some(declared_at) = ports.declared_at {
        diagnostic = diagnostic.with_label(declared_at, "ports are declared here");
    }
    let names = ports.ports.iter().map(|p| p.name.value.as_str());
    let typo = diagnostics::closest(written, names);
    let only_port = match ports.ports {
        [only] => Some(only),
        _ => None,
    };
    let meant = typo
        .and_then(|found| ports.ports.iter().find(|p| p.name.value == found.name))
        .or(only_port);
    match meant {
        Some(port) => {
            let help = format!(
                "did you mean `port = {}` ({})?",
                port.name.value, port.number
            );
            let diagnostic = diagnostic.with_help(help);
            if typo.is_some_and(|found| found.only) {
                diagnostic.with_fix(span, port.name.value.clone())
            } else {
                diagnostic.with_suggested_fix(span, port.name.value.clone())
            }
        }
        None if ports.ports.is_empty() => {
            diagnostic.with_help("declare the port in `ports { name = number }` and name it here")
        }
        None => {
            let listed: Vec<String> = ports
                .ports
                .iter()
                .map(|p| format!("`{}` ({})", p.name.value, p.number))
                .collect();
            diagnostic.with_help(format!(
                "name one of the declared ports: {}, or declare `{written}` in `ports`",
                listed.join(", ")
            ))
        }
    }
}
