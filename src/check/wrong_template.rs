//! SW0211, worded once: a template used where it does not fit (another family, a
//! declaration or module that is not a template, a policy name that is not a policy), a
//! template without a kind, and `from` where no template is taken. Whoever finds one
//! describes it as a [`WrongTemplate`] and reports [`WrongTemplate::diagnostic`], so the
//! code's messages, labels and help live here (they were written in three files).

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A template in the wrong place, or one written wrong, with what the finder knows.
#[derive(Debug, Clone)]
pub(crate) enum WrongTemplate<'a> {
    /// A template of one family (`found`, of kind `kind`) where one of another (`expected`)
    /// goes; the template is declared at `declared`.
    WrongFamily {
        name: &'a str,
        kind: &'a str,
        found: &'a str,
        expected: &'a str,
        span: Span,
        declared: Span,
    },
    /// A name of a declaration (a `keyword`) that is not a template, where a template goes.
    NotATemplate {
        name: &'a str,
        keyword: &'a str,
        span: Span,
        declared: Span,
    },
    /// A module's name where a template goes.
    Module { name: &'a str, span: Span },
    /// A name of a declaration (a `keyword`) in `policies = [...]` that is not a policy.
    NotAPolicy {
        name: &'a str,
        keyword: &'a str,
        span: Span,
        declared: Span,
    },
    /// `template NAME { ... }` with neither a kind nor `from`.
    NeedsKind { template: &'a str, span: Span },
    /// A kind on a template built `from` another; the span is the kind's.
    KindWithFrom {
        template: &'a str,
        from: &'a str,
        span: Span,
    },
    /// `from` on a declaration of a kind (`keyword`) that takes no template.
    FromNotTaken { keyword: &'a str, span: Span },
}

impl WrongTemplate<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            WrongTemplate::WrongFamily {
                name,
                kind,
                found,
                expected,
                span,
                declared,
            } => error(
                format!(
                    "`{name}` is {} template (`{kind}`), not {}",
                    with_article(found),
                    with_article(expected)
                ),
                *span,
                format!("expected {}", with_article(expected)),
            )
            .with_label(*declared, "declared here")
            .with_help(format!("use {} template here", with_article(expected)))
            .with_data("name", *name)
            .with_data("found", *found)
            .with_data("expected", *expected),
            WrongTemplate::NotATemplate {
                name,
                keyword,
                span,
                declared,
            } => error(
                format!("`{name}` is a {keyword}, not a template"),
                *span,
                "not a template",
            )
            .with_label(*declared, "declared here"),
            WrongTemplate::Module { name, span } => error(
                format!("`{name}` is a module, not a template"),
                *span,
                "a module",
            )
            .with_help(format!("name one of its templates: `{name}.<name>`")),
            WrongTemplate::NotAPolicy {
                name,
                keyword,
                span,
                declared,
            } => error(
                format!("`{name}` is a {keyword}, not a policy or a pack"),
                *span,
                "not a policy",
            )
            .with_label(*declared, "declared here"),
            WrongTemplate::NeedsKind { template, span } => error(
                format!("template `{template}` needs a kind"),
                *span,
                "which kind of template?",
            )
            .with_help(format!("write `template {template} = service {{ ... }}` (or a probe, toolchain or strategy kind), or build it from another with `from`")),
            WrongTemplate::KindWithFrom {
                template,
                from,
                span,
            } => error(
                "a template built from another takes its kind",
                *span,
                "remove this kind",
            )
            .with_help(format!("write `template {template} from {from} {{ ... }}`")),
            WrongTemplate::FromNotTaken { keyword, span } => error(
                format!("`{keyword}` declarations cannot be built from a template"),
                *span,
                "no template here",
            )
            .with_help("only services, environments, strategies and templates take `from`"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0211, message, span, label)
}

/// "a probe", "an environment".
fn with_article(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}
