//! SW0105, worded once: a name that breaks the Kubernetes rule for where it goes (a service,
//! port, Secret or variable name, a label, a taint, the Job a hook runs as). [`names`] says
//! which names are valid; whoever finds an invalid one describes it as an [`InvalidName`] and
//! reports [`InvalidName::diagnostic`], so the code's messages, labels, help and fixes live
//! here (they were written in four files).
//!
//! [`names`]: super::names

use super::names::{self, NameRule};
use crate::diagnostics::{shorten, Code, Diagnostic};
use crate::span::Span;

/// An invalid name, with what the finder knows about it.
#[derive(Debug, Clone)]
pub(crate) enum InvalidName<'a> {
    /// A name that breaks `rule`; `what` says what the name is for (`service name`), and
    /// `suggestion` is the name lowercased with `-` for `_`, when that is valid.
    BreaksRule {
        name: &'a str,
        what: &'a str,
        rule: NameRule,
        suggestion: Option<String>,
        span: Span,
    },
    /// A name that would be valid but for its length.
    TooLong {
        name: &'a str,
        what: &'a str,
        rule: NameRule,
        span: Span,
    },
    /// A label whose key or value breaks the label rules; the span is the value's.
    Label {
        key: &'a str,
        value: &'a str,
        span: Span,
    },
    /// A toleration's taint key or value that is not written like a label.
    Taint { part: &'a str, span: Span },
    /// A hook whose Job, named `<service>-<hook>`, would be longer than 63 characters.
    HookJob {
        hook: &'a str,
        service: &'a str,
        job: &'a str,
        span: Span,
    },
}

impl InvalidName<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        let described = self.described();
        match self {
            InvalidName::BreaksRule {
                name, what, rule, ..
            }
            | InvalidName::TooLong {
                name, what, rule, ..
            } => described
                .with_data("name", *name)
                .with_data("kind", *what)
                .with_data("rule", rule_id(*rule)),
            InvalidName::Label { key, value, .. } => described
                .with_data("name", format!("{key}={value}"))
                .with_data("kind", "label"),
            InvalidName::Taint { part, .. } => described
                .with_data("name", *part)
                .with_data("kind", "taint"),
            InvalidName::HookJob { job, .. } => described
                .with_data("name", *job)
                .with_data("kind", "hook Job"),
        }
    }

    fn described(&self) -> Diagnostic {
        match self {
            InvalidName::BreaksRule {
                name,
                what,
                rule,
                suggestion,
                span,
            } => breaks_rule(name, what, *rule, suggestion.as_deref(), *span),
            InvalidName::TooLong {
                name,
                what,
                rule,
                span,
            } => too_long(name, *span, *rule, what),
            InvalidName::Label { key, value, span } => error(format!("`{key} = \"{value}\"` is not a valid label"), *span, "invalid label")
                .with_help("label keys and values are at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (a key may have a `prefix/`)"),
            InvalidName::Taint { part, span } => error(format!("`{part}` is not a taint key or value"), *span, "invalid")
                .with_help("taint keys and values are written like labels: at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (a key may have a `prefix/`)"),
            InvalidName::HookJob {
                hook,
                service,
                job,
                span,
            } => error(
                format!(
                    "the Job of hook `{hook}` for `{service}` would be named `{job}`, {} characters; Kubernetes takes at most 63",
                    job.len()
                ),
                *span,
                "named after the service and this hook",
            )
            .with_help("shorten the hook's name"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0105, message, span, label)
}

/// A name that breaks its rule: the first problem as the label, the rule as the help, and
/// the lowercased name as a suggested fix when that is valid.
fn breaks_rule(
    name: &str,
    what: &str,
    rule: NameRule,
    suggestion: Option<&str>,
    span: Span,
) -> Diagnostic {
    let diagnostic = error(
        format!("`{}` is not a valid {what}", shorten(name)),
        span,
        problem(rule, name),
    );
    let rule = rule_in_words(rule);
    match suggestion {
        Some(lowered) => diagnostic
            .with_help(format!("did you mean `{lowered}`? {what}s must be {rule}"))
            // Only the declaration is renamed, not its references: a person decides.
            .with_suggested_fix(span, lowered),
        None => diagnostic.with_help(format!("{what}s must be {rule}")),
    }
}

/// A rule in words, for the help line.
fn rule_in_words(rule: NameRule) -> &'static str {
    match rule {
        NameRule::Dns1035Label => "lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit, at most 63 characters",
        NameRule::Dns1123Label => "lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters",
        NameRule::Dns1123Subdomain => "lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit, at most 253 characters",
        NameRule::PortName => "at most 15 lowercase letters, digits and `-`, with at least one letter and no `--`",
        NameRule::EnvVar => "letters, digits, `_`, `.` and `-`, not starting with a digit",
    }
}

/// A rule's name for tools (the `rule` of the diagnostic's data).
fn rule_id(rule: NameRule) -> &'static str {
    match rule {
        NameRule::Dns1035Label => "rfc1035-label",
        NameRule::Dns1123Label => "rfc1123-label",
        NameRule::Dns1123Subdomain => "rfc1123-subdomain",
        NameRule::PortName => "port-name",
        NameRule::EnvVar => "env-var",
    }
}

/// The first thing wrong with `name`, short enough for a label.
fn problem(rule: NameRule, name: &str) -> String {
    let allowed = |c: char| match rule {
        NameRule::EnvVar => c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'),
        NameRule::Dns1123Subdomain => {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.')
        }
        _ => c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    };
    if name.is_empty() {
        return "empty name".to_string();
    }
    if name.len() > rule.max_len() {
        return format!("longer than {} characters", rule.max_len());
    }
    if rule != NameRule::EnvVar && name.chars().any(|c| c.is_ascii_uppercase()) {
        return "uppercase letters are not allowed".to_string();
    }
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return format!("`{}` is not allowed", c.escape_debug());
    }
    let first = name.chars().next().unwrap_or('a');
    let problem = match rule {
        NameRule::EnvVar => "must not start with a digit",
        NameRule::Dns1035Label if !first.is_ascii_lowercase() => "must start with a letter",
        NameRule::PortName if name.contains("--") => "`--` is not allowed",
        NameRule::PortName if !name.chars().any(|c| c.is_ascii_lowercase()) => {
            "needs at least one letter"
        }
        _ if name.starts_with(['-', '.']) => "must start with a letter or digit",
        _ => "must end with a letter or digit",
    };
    problem.to_string()
}

/// Names this long are shown whole in messages; longer ones (hostile input) are cut.
const SHOWN_WHOLE: usize = 300;

/// A name that would be valid but for its length: the message gives the length and the
/// limit and shows the name whole, and the help suggests a shortening.
fn too_long(name: &str, span: Span, rule: NameRule, what: &str) -> Diagnostic {
    let limit = rule.max_len();
    let shown = if name.len() <= SHOWN_WHOLE {
        name.to_string()
    } else {
        shorten(name)
    };
    let shorter = names::shortened(name, limit);
    error(
        format!(
            "the {what} `{shown}` is {} characters long; the limit is {limit}",
            name.len()
        ),
        span,
        match name.len().saturating_sub(limit) {
            1 => "1 character over the limit".to_string(),
            over => format!("{over} characters over the limit"),
        },
    )
    .with_help(format!(
        "shorten it to at most {limit} characters, e.g. `{shorter}`"
    ))
    .with_suggested_fix(span, shorter)
}

#[cfg(test)]
mod tests {
    use super::{problem, NameRule};

    #[test]
    fn labels_name_the_first_problem() {
        assert_eq!(
            problem(NameRule::Dns1035Label, "Web"),
            "uppercase letters are not allowed"
        );
        assert_eq!(
            problem(NameRule::Dns1035Label, "web_api"),
            "`_` is not allowed"
        );
        assert_eq!(
            problem(NameRule::Dns1035Label, "1web"),
            "must start with a letter"
        );
        assert_eq!(
            problem(NameRule::Dns1123Label, "web-"),
            "must end with a letter or digit"
        );
        assert_eq!(
            problem(NameRule::Dns1123Label, "-web"),
            "must start with a letter or digit"
        );
        assert_eq!(
            problem(NameRule::PortName, "8080"),
            "needs at least one letter"
        );
        assert_eq!(problem(NameRule::PortName, "a--b"), "`--` is not allowed");
        assert_eq!(
            problem(NameRule::PortName, "health-metrics-port"),
            "longer than 15 characters"
        );
        assert_eq!(
            problem(NameRule::EnvVar, "1PATH"),
            "must not start with a digit"
        );
        assert_eq!(problem(NameRule::EnvVar, "MY VAR"), "` ` is not allowed");
    }
}
