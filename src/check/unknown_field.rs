//! SW0201, worded once: a field a block does not take, or one that does not apply to the kind
//! or the other settings chosen (`path` on a `tcp` probe, `selector` beside `name`). Every
//! reader that finds one describes it as an [`UnknownField`] and reports
//! [`UnknownField::diagnostic`], so the code's messages, labels and help live here (they were
//! written in six files).

use crate::diagnostics::{quoted_list, Code, Diagnostic, Listed};
use crate::span::Span;

/// A field that is not taken where it is written, with what the reader knows about it.
#[derive(Debug, Clone)]
pub(crate) enum UnknownField<'a> {
    /// A field the block's schema does not list; `what` names the block (`a service`) and
    /// `candidates` are the fields it takes, for "did you mean" or the list of them.
    InBlock {
        field: &'a str,
        what: &'a str,
        candidates: Vec<&'a str>,
        span: Span,
    },
    /// A setting of an Argo Rollouts canary on a canary the workflow runs.
    ArgoRolloutsOnly { field: &'a str, span: Span },
    /// A field of another trigger kind (`pattern` on a `push` trigger).
    NotForTrigger {
        field: &'a str,
        trigger: &'a str,
        span: Span,
    },
    /// A field of another probe kind; `allowed` are the fields this kind takes.
    NotForProbe {
        field: &'a str,
        kind: &'a str,
        allowed: &'a [&'a str],
        span: Span,
    },
    /// A version field of another toolchain; `wanted` is the one this toolchain takes.
    NotForToolchain {
        field: &'a str,
        toolchain: &'a str,
        wanted: &'a str,
        span: Span,
    },
    /// `tls` on an exposure through an existing Istio gateway, named at `gateway_span`.
    TlsWithNamedGateway {
        gateway: &'a str,
        span: Span,
        gateway_span: Span,
    },
    /// `selector` beside `name` in an Istio gateway.
    SelectorWithName { span: Span },
}

impl UnknownField<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        let described = self.described().with_data("field", self.field());
        match self.expected() {
            Some(expected) => described.with_data("expected", Listed(expected)),
            None => described,
        }
    }

    /// The field written where it is not taken.
    fn field(&self) -> &str {
        match self {
            UnknownField::InBlock { field, .. }
            | UnknownField::ArgoRolloutsOnly { field, .. }
            | UnknownField::NotForTrigger { field, .. }
            | UnknownField::NotForProbe { field, .. }
            | UnknownField::NotForToolchain { field, .. } => field,
            UnknownField::TlsWithNamedGateway { .. } => "tls",
            UnknownField::SelectorWithName { .. } => "selector",
        }
    }

    /// The fields taken where this one is written, when the reader knows them.
    fn expected(&self) -> Option<Vec<&str>> {
        match self {
            UnknownField::InBlock { candidates, .. } => Some(candidates.clone()),
            UnknownField::NotForProbe { allowed, .. } => Some(allowed.to_vec()),
            UnknownField::NotForToolchain { wanted, .. } => Some(vec![*wanted]),
            _ => None,
        }
    }

    fn described(&self) -> Diagnostic {
        match self {
            UnknownField::InBlock {
                field,
                what,
                candidates,
                span,
            } => in_block(field, what, candidates, *span),
            UnknownField::ArgoRolloutsOnly { field, span } => error(
                format!("`{field}` applies only to an Argo Rollouts canary"),
                *span,
                "not used by the workflow engine",
            )
            .with_help("add `engine = argo_rollouts`, or remove this setting"),
            UnknownField::NotForTrigger {
                field,
                trigger,
                span,
            } => error(
                format!("`{field}` does not apply to a `{trigger}` trigger"),
                *span,
                "not used here",
            ),
            UnknownField::NotForProbe {
                field,
                kind,
                allowed,
                span,
            } => error(
                format!("`{field}` does not apply to a `{kind}` probe"),
                *span,
                "not used by this probe",
            )
            .with_help(format!("a `{kind}` probe takes {}", quoted_list(allowed.iter().copied()))),
            UnknownField::NotForToolchain {
                field,
                toolchain,
                wanted,
                span,
            } => error(
                format!("`{field}` does not apply to the `{toolchain}` toolchain"),
                *span,
                "not used by this toolchain",
            )
            .with_help(format!("the `{toolchain}` toolchain takes `{wanted}`")),
            UnknownField::TlsWithNamedGateway {
                gateway,
                span,
                gateway_span,
            } => error("`tls` does not apply to an existing gateway", *span, "not used")
                .with_label(
                    *gateway_span,
                    format!("the gateway `{gateway}` holds its own certificates"),
                )
                .with_help("remove `tls`, or let Slipway write the Gateway (`gateway = istio`)"),
            UnknownField::SelectorWithName { span } => {
                error("`selector` does not apply with `name`", *span, "not used")
                    .with_help("an existing gateway has its own selector: remove `selector`, or `name` to let Slipway write the Gateway")
            }
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0201, message, span, label)
}

/// A field the schema does not list: "did you mean" the closest field, or else the list of
/// the fields the block takes.
fn in_block(field: &str, what: &str, candidates: &[&str], span: Span) -> Diagnostic {
    let diagnostic = error(
        format!("unknown field `{field}` in {what}"),
        span,
        "unknown field",
    );
    let with_suggestion = diagnostic
        .clone()
        .with_suggestion(field, candidates.iter().copied());
    if with_suggestion.help.is_some() || candidates.is_empty() {
        return with_suggestion;
    }
    diagnostic.with_help(format!(
        "{what} takes {}",
        quoted_list(candidates.iter().copied())
    ))
}
