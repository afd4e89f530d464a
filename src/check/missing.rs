//! SW0203, worded once: something a spec must say and does not: a required field, a block's
//! name, a kind's settings, a list's first item. Every reader that notices describes it as a
//! [`Missing`] and reports [`Missing::diagnostic`], so the code's messages, labels and help
//! live here (they were written in twelve files).

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// What is missing, and where the spec should have said it.
#[derive(Debug, Clone)]
pub enum Missing<'a> {
    /// A required field of a block; `what` names the block (`a service`), `doc` is the
    /// field's documentation, if the schema has it.
    Field {
        what: &'a str,
        field: &'a str,
        doc: Option<&'a str>,
        span: Span,
    },
    /// An empty labels block; `what` names it, `label` says what is empty, `example` shows one.
    Labels {
        what: &'a str,
        label: &'a str,
        example: &'a str,
        span: Span,
    },
    /// `override { ... }` without the service's name.
    OverrideName { span: Span },
    /// `hook { ... }` without a name.
    HookName { span: Span },
    /// `strategy NAME = { ... }` without a kind.
    StrategyKind { name: &'a str, span: Span },
    /// `ci_secret` or `ci_variable` without `{ name = ... }`; `default` is a usual name.
    CiReferenceName {
        kind: &'a str,
        default: &'a str,
        span: Span,
    },
    /// A secret store reference without its store and path.
    SecretSource { kind: &'a str, span: Span },
    /// A probe kind without its settings.
    ProbeSettings { kind: &'a str, span: Span },
    /// An exposed service with no port to expose; `has_tcp_ports` says whether it has TCP
    /// ports to choose from.
    ExposedPort { has_tcp_ports: bool, span: Span },
    /// `tls = secret` without the Secret's name.
    TlsSecretName { span: Span },
    /// `objectives = []`.
    SloObjectives { span: Span },
    /// A canary shorthand field (`max_weight`, `interval`) without `step_weight`.
    StepWeight { field: &'a str, span: Span },
}

impl Missing<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            Missing::Field {
                what,
                field,
                doc,
                span,
            } => error(
                format!("{what} needs `{field}`"),
                *span,
                format!("`{field}` is missing"),
            )
            .with_help(match doc {
                Some(doc) => format!("add `{field}`: {doc}"),
                None => format!("add `{field}`"),
            }),
            Missing::Labels {
                what,
                label,
                example,
                span,
            } => error(format!("{what} needs at least one label"), *span, *label)
                .with_help(format!("write `{example}`")),
            Missing::OverrideName { span } => {
                error("an override names its service", *span, "which service?")
                    .with_help("write `override service-name { ... }`")
            }
            Missing::HookName { span } => error("a hook needs a name", *span, "which hook?")
                .with_help("write `hook smoke-test { at = before  image = \"...\" }`"),
            Missing::StrategyKind { name, span } => error(
                "a strategy needs a kind",
                *span,
                "which kind of strategy?",
            )
            .with_help(format!(
                "write `strategy {name} = canary {{ ... }}` (or rolling, recreate, blue_green)"
            )),
            Missing::CiReferenceName {
                kind,
                default,
                span,
            } => error(
                "a CI reference names its secret or variable",
                *span,
                "which one?",
            )
            .with_help(format!("write `{kind} {{ name = \"{default}\" }}`")),
            Missing::SecretSource { kind, span } => error(
                format!("`{kind}` needs `name` and `path`"),
                *span,
                "no store or path",
            )
            .with_help(format!(
                "write `{kind} {{ name = \"vault\"  path = \"shop/db\" }}`"
            )),
            Missing::ProbeSettings { kind, span } => probe_settings(kind, *span),
            Missing::ExposedPort {
                has_tcp_ports,
                span,
            } => error(
                "an exposed service needs a port for the traffic",
                *span,
                "which port?",
            )
            .with_help(match has_tcp_ports {
                false => "declare the port traffic arrives on: `ports { http = 8080 }`",
                true => "name the port: `port = ...`",
            }),
            Missing::TlsSecretName { span } => error(
                "a TLS secret reference names its Secret",
                *span,
                "which Secret?",
            )
            .with_help("write `secret { name = \"shop-tls\" }`"),
            Missing::SloObjectives { span } => error(
                "an slo block needs at least one objective",
                *span,
                "no objectives",
            )
            .with_help("write `objectives = [p99_latency < 500ms, success_rate >= 99.9%]`"),
            Missing::StepWeight { field, span } => error(
                format!("`{field}` needs `step_weight`"),
                *span,
                "steps of what size?",
            )
            .with_help("add `step_weight = 10%` (the canary grows by it up to `max_weight`), or write `step` blocks instead"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0203, message, span, label)
}

fn probe_settings(kind: &str, span: Span) -> Diagnostic {
    let article = if kind == "http" || kind == "exec" {
        "an"
    } else {
        "a"
    };
    error(
        format!("{article} `{kind}` probe needs settings"),
        span,
        "no settings",
    )
    .with_help(match kind {
        "exec" => "write `exec { command = [\"...\"] }`",
        "http" => "write `http { path = \"/healthz\", port = http }`",
        _ => "write `{ port = <port name> }`",
    })
}
