//! SW0204, worded once: a value of the wrong type or form for where it is written. Every
//! reader that meets one describes it as a [`WrongType`] and reports
//! [`WrongType::diagnostic`], so the messages, labels, help and fixes of the code live here
//! and nowhere else (they were written in eight files with seventeen wordings).

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A value of the wrong type or form, with what the reader knows about it.
#[derive(Debug, Clone)]
pub(crate) enum WrongType<'a> {
    /// A value of another type: `expected a duration, found a string`.
    Expected {
        expected: &'a str,
        found: String,
        span: Span,
    },
    /// Something other than a labels block, where one is wanted (`example` shows one).
    NotLabels {
        found: String,
        example: &'a str,
        span: Span,
    },
    /// An entry of `policies = [...]` that is not a name.
    NotPolicyName { found: String, span: Span },
    /// An environment variable's value that is neither a string nor `secret { ... }`.
    NotEnvValue { found: String, span: Span },
    /// An environment variable written as a block.
    EnvBlock { name: &'a str, span: Span },
    /// An environment variable's value written as a number; `text` is the number as written.
    EnvNumber { text: String, span: Span },
    /// A field that takes a value, written as a block; `example` is a value it takes.
    BlockForValue {
        field: &'a str,
        takes: &'a str,
        example: &'a str,
        span: Span,
    },
    /// A field that is a block, written as `field = value`; `found` names the value when it
    /// is worth naming, and `key` is where the field is written.
    ValueForBlock {
        field: &'a str,
        found: Option<String>,
        span: Span,
        key: Option<Span>,
    },
    /// A declaration whose body is not a block; `what` names the declaration in words and
    /// `example` shows one written right.
    DeclarationWithoutBlock {
        what: &'a str,
        example: String,
        span: Span,
    },
    /// Settings given to a keyword that takes none: `manual { }`.
    TakesNoSettings { keyword: &'a str, span: Span },
    /// An override field that can only be turned off, given another value.
    OnlyNone { field: &'a str, span: Span },
    /// A SonarQube project or organisation key with characters SonarQube refuses.
    SonarKey { field: &'a str, span: Span },
    /// A metrics path that does not start with `/`.
    RelativeMetricsPath { path: &'a str, span: Span },
    /// A UDP port named as the port Prometheus scrapes; `declared` is where it is declared.
    UdpScrapePort {
        port: &'a str,
        span: Span,
        declared: Span,
    },
    /// A `prometheus` address that is not an http:// or https:// URL.
    PrometheusUrl { span: Span },
    /// A canary gate that is not a comparison.
    NotAGate { found: String, span: Span },
    /// A canary gate whose left side is not a metric name.
    GateWithoutMetric { span: Span },
    /// A canary gate compared with `==` or `!=`.
    GateEquality { op: &'a str, span: Span },
}

impl WrongType<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            WrongType::Expected {
                expected,
                found,
                span,
            } => error(
                format!("expected {expected}, found {found}"),
                *span,
                format!("expected {expected}"),
            ),
            WrongType::NotLabels {
                found,
                example,
                span,
            } => error(
                format!("expected labels, found {found}"),
                *span,
                "expected `{ label = \"value\" }`",
            )
            .with_help(format!("write `{example}`")),
            WrongType::NotPolicyName { found, span } => error(
                format!("expected a policy or a pack, found {found}"),
                *span,
                "not a name",
            )
            .with_help(
                "name an imported pack (`production`) or one policy (`production.pinned-images`)",
            ),
            WrongType::NotEnvValue { found, span } => error(
                format!("expected a string or a secret reference, found {found}"),
                *span,
                "expected a string or `secret { ... }`",
            ),
            WrongType::EnvBlock { name, span } => error(
                format!("`{name}` takes a value"),
                *span,
                "write `NAME = \"value\"` or `NAME = secret { name = ..., key = ... }`",
            ),
            WrongType::EnvNumber { text, span } => {
                error("environment variables are strings", *span, "a number")
                    .with_help(format!("quote it: `\"{text}\"`"))
                    .with_fix(*span, format!("\"{text}\""))
            }
            WrongType::BlockForValue {
                field,
                takes,
                example,
                span,
            } => error(
                format!("`{field}` takes {takes}, not a block"),
                *span,
                "written as a block",
            )
            .with_help(format!("write `{field} = {example}`")),
            WrongType::ValueForBlock {
                field,
                found,
                span,
                key,
            } => value_for_block(field, found.as_deref(), *span, *key),
            WrongType::DeclarationWithoutBlock {
                what,
                example,
                span,
            } => error(
                format!("a {what} is declared with a block"),
                *span,
                "expected `{ ... }`",
            )
            .with_help(format!("write `{example}`")),
            WrongType::TakesNoSettings { keyword, span } => error(
                format!("`{keyword}` takes no settings"),
                *span,
                "remove this block",
            ),
            WrongType::OnlyNone { field, span } => error(
                format!("an override can only turn `{field}` off"),
                *span,
                "expected `none`",
            )
            .with_help(format!(
                "write `{field} = none` to turn the service's `{field}` off in this environment; to change it, change the service"
            )),
            WrongType::SonarKey { field, span } => error(
                format!("`{field}` is a SonarQube key"),
                *span,
                "not a key",
            )
            .with_help("a key has letters, digits, `-`, `_`, `.` and `:` only, e.g. `acme_shop`"),
            WrongType::RelativeMetricsPath { path, span } => {
                error("a metrics path starts with `/`", *span, "relative path")
                    .with_help(format!("write `path = \"/{path}\"`"))
            }
            WrongType::UdpScrapePort {
                port,
                span,
                declared,
            } => error(
                format!("port `{port}` is UDP; Prometheus scrapes over TCP"),
                *span,
                "not a TCP port",
            )
            .with_label(*declared, "declared here"),
            WrongType::PrometheusUrl { span } => error(
                "`prometheus` is an http:// or https:// URL",
                *span,
                "not a URL",
            )
            .with_help(
                "write e.g. `prometheus = \"http://prometheus-operated.monitoring.svc:9090\"`",
            ),
            WrongType::NotAGate { found, span } => error(
                format!("expected a gate such as `p99_latency < 500ms`, found {found}"),
                *span,
                "not a gate",
            )
            .with_help(
                "a gate compares a metric with a threshold: `p99_latency < 500ms`, `success_rate >= 95%`",
            ),
            WrongType::GateWithoutMetric { span } => {
                error("a gate starts with a metric name", *span, "expected a metric")
            }
            WrongType::GateEquality { op, span } => error(
                format!("a gate needs `<`, `<=`, `>` or `>=`, not `{op}`"),
                *span,
                "equality gate",
            )
            .with_help("metrics are never exactly equal to a threshold; use a bound"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0204, message, span, label)
}

fn value_for_block(field: &str, found: Option<&str>, span: Span, key: Option<Span>) -> Diagnostic {
    let help = format!("write `{field} {{ ... }}`");
    match (found, key) {
        (Some(found), Some(key)) => error(
            format!("`{field}` is a block, found {found}"),
            span,
            "expected `{ ... }`",
        )
        .with_label(key, format!("`{field}` is set here"))
        .with_help(help),
        _ => error(format!("`{field}` is a block"), span, "written as a value").with_help(help),
    }
}
