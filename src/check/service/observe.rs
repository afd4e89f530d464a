//! A service's `slo { ... }` and `metrics { ... }` blocks: the objectives the `prometheus`
//! target alerts on, and where Prometheus scrapes the service's own metrics.

use crate::check::model::{AlertSeverity, Duration, Gate, Port, PortRef, Protocol, Scrape, Slo};
use crate::check::reader::Reader;
use crate::check::{analysis, schema, values, Checker};
use crate::syntax::ast::{Expr, ExprKind, Object};

/// `slo { objectives = [...]  window = 5m  for = 5m  severity = warning  runbook = "..." }`
pub fn slo(checker: &mut Checker, object: &Object) -> Option<Slo> {
    let reader = Reader::new(checker, object, &schema::SLO, object.span);
    let objectives = reader
        .required_value(checker, "objectives")
        .and_then(|expr| objectives(checker, expr));
    let mut duration = |name: &str, default: u64| match reader.value(checker, name) {
        Some(expr) => at_least_one_second(checker, expr, name),
        None => Some(Duration::from_secs(default)),
    };
    let window = duration("window", Slo::DEFAULT_WINDOW_SECS);
    let pending = duration("for", Slo::DEFAULT_FOR_SECS);
    let severity = match reader.value(checker, "severity") {
        Some(expr) => values::keyword(checker, expr, "alert severity", AlertSeverity::ALL),
        None => Some(AlertSeverity::Warning),
    };
    let runbook = match reader.value(checker, "runbook") {
        Some(expr) => Some(values::string(checker, expr)?.value),
        None => None,
    };
    Some(Slo {
        objectives: objectives?,
        window: window?,
        pending: pending?,
        severity: severity?,
        runbook,
        span: object.span,
    })
}

fn objectives(checker: &mut Checker, expr: &Expr) -> Option<Vec<Gate>> {
    let items: Vec<&Expr> = match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![expr],
    };
    if items.is_empty() {
        checker
            .report(crate::check::missing::Missing::SloObjectives { span: expr.span }.diagnostic());
        return None;
    }
    let gates: Vec<Gate> = items
        .iter()
        .filter_map(|item| analysis::gate(checker, item))
        .collect();
    (gates.len() == items.len()).then_some(gates)
}

/// A duration of at least a second: Prometheus rule windows and `for:` below that say nothing.
fn at_least_one_second(checker: &mut Checker, expr: &Expr, name: &str) -> Option<Duration> {
    let duration = values::duration(checker, expr)?;
    if duration.millis < 1000 {
        checker.report(
            crate::check::out_of_range::OutOfRange::AlertDuration {
                field: name,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    }
    Some(duration)
}

/// `metrics { port = metrics  path = "/metrics"  interval = 30s }`
pub fn metrics(checker: &mut Checker, object: &Object, ports: &[Port]) -> Option<Scrape> {
    let reader = Reader::new(checker, object, &schema::METRICS, object.span);
    let port = match reader.value(checker, "port") {
        Some(expr) => port(checker, expr, ports),
        None => match ports
            .iter()
            .find(|p| p.name.value == Scrape::CONVENTIONAL_PORT)
        {
            Some(found) => tcp(checker, found, Some(object.span)),
            None => {
                checker.report(reader.missing("port").with_help(
                    "name the port Prometheus scrapes, e.g. `port = metrics` (the service has no port named `metrics`)",
                ));
                None
            }
        },
    };
    let path = match reader.value(checker, "path") {
        Some(expr) => {
            let path = values::string(checker, expr)?;
            if !path.value.starts_with('/') {
                checker.report(
                    crate::check::wrong_type::WrongType::RelativeMetricsPath {
                        path: &path.value,
                        span: path.span,
                    }
                    .diagnostic(),
                );
                return None;
            }
            path.value
        }
        None => Scrape::DEFAULT_PATH.to_string(),
    };
    let interval = match reader.value(checker, "interval") {
        Some(expr) => at_least_one_second(checker, expr, "interval"),
        None => Some(Duration::from_secs(Scrape::DEFAULT_INTERVAL_SECS)),
    };
    Some(Scrape {
        port: port?,
        path,
        interval: interval?,
    })
}

fn port(checker: &mut Checker, expr: &Expr, ports: &[Port]) -> Option<PortRef> {
    let name = values::name(checker, expr)?;
    match ports.iter().find(|p| p.name.value == name.value) {
        Some(found) => tcp(checker, found, Some(name.span)),
        None => {
            let declared = ports.iter().map(|p| p.name.value.as_str());
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "port",
                    name: &name.value,
                    span: name.span,
                    candidates: declared,
                }
                .diagnostic(),
            );
            None
        }
    }
}

/// Prometheus scrapes over HTTP, so the port must be TCP.
fn tcp(checker: &mut Checker, port: &Port, at: Option<crate::span::Span>) -> Option<PortRef> {
    if port.protocol != Protocol::Tcp {
        checker.report(
            crate::check::wrong_type::WrongType::UdpScrapePort {
                port: &port.name.value,
                span: at.unwrap_or(port.name.span),
                declared: port.name.span,
            }
            .diagnostic(),
        );
        return None;
    }
    Some(PortRef {
        name: port.name.value.clone(),
        number: port.number,
    })
}
