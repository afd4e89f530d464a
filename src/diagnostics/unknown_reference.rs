//! SW0103, worded once: a name that refers to nothing declared (a service, environment,
//! strategy, template, port, policy or pack; an import alias; a name a module does not
//! declare). The checker and the graph phase both find them, so the type lives here, below
//! both: whoever finds one builds an [`UnknownReference`] and reports
//! [`UnknownReference::diagnostic`], and the code's messages, labels, help and fixes are
//! written in this file only.

use super::{quoted_list, shorten, Code, Diagnostic};
use crate::span::Span;

/// An unknown name, with the names it could have meant. `candidates` is any iterator of
/// names: only the first eight are listed, and the rest are walked by the suggestion alone,
/// which stops once the check's budget is spent (see `suggest`), so thousands of unknown
/// references among thousands of names stay cheap.
#[derive(Debug, Clone)]
pub enum UnknownReference<'a, C> {
    /// A name of a kind of thing (`what`: `service`, `TCP port`) that none of that kind has.
    Name {
        what: &'a str,
        name: &'a str,
        span: Span,
        candidates: C,
    },
    /// A name in `policies = [...]` that is neither a policy nor an imported pack.
    PolicyOrPack {
        name: &'a str,
        span: Span,
        candidates: C,
    },
    /// `alias.name` where no import is named `alias`; `span` starts with the alias.
    ImportAlias {
        alias: &'a str,
        span: Span,
        aliases: C,
    },
    /// A name listed from a module (its path `module`) that the module does not declare.
    NotInModule {
        module: &'a str,
        name: &'a str,
        span: Span,
        candidates: C,
    },
}

impl<'c, C: IntoIterator<Item = &'c str>> UnknownReference<'_, C> {
    pub fn diagnostic(self) -> Diagnostic {
        match self {
            UnknownReference::Name {
                what,
                name,
                span,
                candidates,
            } => unknown_name(what, name, span, candidates)
                .with_data("name", name)
                .with_data("kind", what),
            UnknownReference::PolicyOrPack {
                name,
                span,
                candidates,
            } => {
                let mut candidates = candidates.into_iter().peekable();
                let none = candidates.peek().is_none();
                let diagnostic = unknown_name("policy or pack", name, span, candidates)
                    .with_data("name", name)
                    .with_data("kind", "policy or pack");
                if name.contains('.') || !none {
                    return diagnostic;
                }
                diagnostic.with_help(format!(
                    "import the pack first, e.g. `import std/policies/{name}`"
                ))
            }
            UnknownReference::ImportAlias {
                alias,
                span,
                aliases,
            } => import_alias(alias, span, aliases)
                .with_data("name", alias)
                .with_data("kind", "import"),
            UnknownReference::NotInModule {
                module,
                name,
                span,
                candidates,
            } => not_in_module(module, name, span, candidates)
                .with_data("name", name)
                .with_data("module", module),
        }
    }
}

fn unknown_name<'c>(
    what: &str,
    name: &str,
    span: Span,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let mut candidates = candidates.into_iter();
    let first: Vec<&str> = candidates.by_ref().take(8).collect();
    let diagnostic = Diagnostic::error(
        Code::SW0103,
        format!("unknown {what} `{}`", shorten(name)),
        span,
        format!("no {what} has this name"),
    )
    .with_suggestion(name, first.iter().copied().chain(candidates));
    if diagnostic.help.is_some() {
        return diagnostic;
    }
    if first.is_empty() {
        diagnostic.with_help(format!("declare a {what} named `{}`", shorten(name)))
    } else {
        let listed = quoted_list(first.iter().copied());
        diagnostic.with_help(format!("known {}: {listed}", plural(what)))
    }
}

fn plural(what: &str) -> String {
    match what.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{what}s"),
    }
}

fn import_alias<'c>(
    alias: &str,
    span: Span,
    aliases: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        Code::SW0103,
        format!("no import is named `{alias}`"),
        span,
        "unknown module",
    );
    // A path is written without spaces, so the module is its first characters.
    let alias_span = Span {
        end: span.start + u32::try_from(alias.len()).unwrap_or(0),
        ..span
    };
    let diagnostic = diagnostic.with_suggestion_at(alias_span, alias, aliases);
    if diagnostic.help.is_some() {
        return diagnostic;
    }
    diagnostic.with_help(format!(
        "import the module first, e.g. `import std/{alias}`, or `import \"{alias}.slip\"`"
    ))
}

fn not_in_module<'c>(
    module: &str,
    name: &str,
    span: Span,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Diagnostic {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let diagnostic = Diagnostic::error(
        Code::SW0103,
        format!("`{module}` declares no `{name}`"),
        span,
        "not in the module",
    )
    .with_suggestion(name, candidates.iter().copied());
    if diagnostic.help.is_some() || candidates.is_empty() {
        return diagnostic;
    }
    let listed = quoted_list(candidates.iter().take(8).copied());
    diagnostic.with_help(format!("it declares {listed}"))
}
