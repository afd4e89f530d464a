//! SW0102, worded once: a name taken twice (two declarations of a kind, a template and a
//! strategy of one module, a strategy named like a kind, a service named like another's
//! Deployment). Whoever finds one describes it as a [`DuplicateName`] and reports
//! [`DuplicateName::diagnostic`], so the code's messages, labels and help live here (they were
//! written in four files).

use crate::diagnostics::{shorten, Code, Diagnostic};
use crate::span::Span;

/// A name used twice, with where it was taken first.
#[derive(Debug, Clone)]
pub(crate) enum DuplicateName<'a> {
    /// A second declaration of a kind (`keyword`) with the name of one declared at `first`.
    Declaration {
        keyword: &'a str,
        name: &'a str,
        span: Span,
        first: Span,
    },
    /// A second template or strategy of one scope with a name declared first as a
    /// `first_keyword` at `first`.
    InScope {
        name: &'a str,
        span: Span,
        first_keyword: &'a str,
        first: Span,
    },
    /// A strategy named like a built-in strategy kind.
    StrategyKind { name: &'a str, span: Span },
    /// A service (at `span`) named `workload`, the name `service` runs as under the strategy
    /// of kind `strategy_kind` at `strategy_span`, as its `track`.
    Workload {
        workload: &'a str,
        service: &'a str,
        track: &'a str,
        strategy_kind: &'a str,
        span: Span,
        strategy_span: Span,
    },
}

impl DuplicateName<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        let (name, kind) = match self {
            DuplicateName::Declaration { keyword, name, .. } => (*name, *keyword),
            DuplicateName::InScope { name, .. } => (*name, "template or strategy"),
            DuplicateName::StrategyKind { name, .. } => (*name, "strategy"),
            DuplicateName::Workload { workload, .. } => (*workload, "service"),
        };
        self.described()
            .with_data("name", name)
            .with_data("kind", kind)
    }

    fn described(&self) -> Diagnostic {
        match self {
            DuplicateName::Declaration {
                keyword,
                name,
                span,
                first,
            } => error(
                format!("{keyword} `{}` is declared twice", shorten(name)),
                *span,
                "declared again here",
            )
            .with_label(*first, "first declared here")
            .with_help(format!("rename one of them or merge them into one {keyword}")),
            DuplicateName::InScope {
                name,
                span,
                first_keyword,
                first,
            } => error(
                format!("`{name}` is declared twice"),
                *span,
                "declared again here",
            )
            .with_label(
                *first,
                format!("first declared here, as a {first_keyword}"),
            )
            .with_help("templates and strategies share one set of names; rename one of them"),
            DuplicateName::StrategyKind { name, span } => error(
                format!("`{name}` is a strategy kind and cannot name a strategy"),
                *span,
                "taken by a built-in kind",
            )
            .with_help(format!("rename it, e.g. `{name}-default`")),
            DuplicateName::Workload {
                workload,
                service,
                track,
                strategy_kind,
                span,
                strategy_span,
            } => error(
                format!("service `{workload}` has the name of a Deployment of `{service}`"),
                *span,
                "this name is taken",
            )
            .with_label(
                *strategy_span,
                format!("`{service}` runs as `{workload}` under this strategy"),
            )
            .with_help(format!(
                "rename `{workload}`; Deployments of a {strategy_kind} strategy are named `<service>-{track}`"
            )),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0102, message, span, label)
}
