//! Name rules: which names are valid where (Kubernetes DNS-1123 and DNS-1035 labels, IANA
//! port names, environment variable names), checked once so every emitted object is valid.

use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// The Kubernetes name rule a value must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// Lowercase letters, digits and `-`; starts with a letter; at most 63 (Service names).
    Dns1035Label,
    /// Lowercase letters, digits and `-`; starts and ends alphanumeric; at most 63.
    Dns1123Label,
    /// Like a label, but `.`-separated and at most 253 (Secret names).
    Dns1123Subdomain,
    /// IANA service name: at most 15, lowercase alphanumeric and `-`, at least one letter.
    PortName,
    /// `[A-Za-z_][A-Za-z0-9_.-]*`
    EnvVar,
}

impl NameRule {
    fn max_len(self) -> usize {
        match self {
            NameRule::Dns1035Label | NameRule::Dns1123Label => 63,
            NameRule::Dns1123Subdomain => 253,
            NameRule::PortName => 15,
            NameRule::EnvVar => 1024,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            NameRule::Dns1035Label => "lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit, at most 63 characters",
            NameRule::Dns1123Label => "lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters",
            NameRule::Dns1123Subdomain => "lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit, at most 253 characters",
            NameRule::PortName => "at most 15 lowercase letters, digits and `-`, with at least one letter and no `--`",
            NameRule::EnvVar => "letters, digits, `_`, `.` and `-`, not starting with a digit",
        }
    }

    pub fn is_valid(self, name: &str) -> bool {
        if name.is_empty() || name.len() > self.max_len() {
            return false;
        }
        match self {
            NameRule::Dns1035Label => {
                name.starts_with(|c: char| c.is_ascii_lowercase()) && is_label(name)
            }
            NameRule::Dns1123Label => is_label(name),
            NameRule::Dns1123Subdomain => name.split('.').all(is_label),
            NameRule::PortName => {
                is_label(name)
                    && name.len() <= 15
                    && name.chars().any(|c| c.is_ascii_lowercase())
                    && !name.contains("--")
            }
            NameRule::EnvVar => {
                !name.starts_with(|c: char| c.is_ascii_digit())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            }
        }
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

fn is_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Reports `name` when it breaks `rule`; `what` says what the name is for.
pub fn check_name(
    checker: &mut Checker,
    name: &str,
    span: Span,
    rule: NameRule,
    what: &str,
) -> bool {
    if rule.is_valid(name) {
        return true;
    }
    if name.len() > rule.max_len() && rule.is_valid(&shortened(name, rule.max_len())) {
        checker.report(too_long(name, span, rule, what));
        return false;
    }
    let lowered = name.to_ascii_lowercase().replace('_', "-");
    let mut diagnostic = Diagnostic::error(
        Code::SW0105,
        format!("`{}` is not a valid {what}", shorten(name)),
        span,
        problem(rule, name),
    );
    if rule.is_valid(&lowered) && lowered != name {
        diagnostic = diagnostic
            .with_help(format!(
                "did you mean `{lowered}`? {what}s must be {}",
                rule.describe()
            ))
            // Only the declaration is renamed, not its references: a person decides.
            .with_suggested_fix(span, lowered);
    } else {
        diagnostic = diagnostic.with_help(format!("{what}s must be {}", rule.describe()));
    }
    checker.report(diagnostic);
    false
}

pub use crate::diagnostics::shorten;

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
    let shorter = shortened(name, limit);
    Diagnostic::error(
        Code::SW0105,
        format!(
            "the {what} `{shown}` is {} characters long; the limit is {limit}",
            name.len()
        ),
        span,
        match name.len() - limit {
            1 => "1 character over the limit".to_string(),
            over => format!("{over} characters over the limit"),
        },
    )
    .with_help(format!(
        "shorten it to at most {limit} characters, e.g. `{shorter}`"
    ))
    .with_suggested_fix(span, shorter)
}

/// `name` cut to at most `limit` characters at a `-` (or `.`) boundary when there is one in
/// the second half, and never ending with `-` or `.`.
fn shortened(name: &str, limit: usize) -> String {
    let end = (0..=limit.min(name.len()))
        .rev()
        .find(|at| name.is_char_boundary(*at))
        .unwrap_or(0);
    let head = &name[..end];
    let cut = head
        .rfind(['-', '.'])
        .filter(|at| *at >= limit / 2)
        .map_or(head, |at| &head[..at]);
    cut.trim_end_matches(['-', '.']).to_string()
}

#[cfg(test)]
mod tests {
    use super::{problem, shortened, NameRule};

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

    #[test]
    fn long_names_are_shortened_at_a_word() {
        let name = "payment-processing-service-for-european-customers-with-extra-long-suffix";
        assert_eq!(
            shortened(name, 63),
            "payment-processing-service-for-european-customers-with-extra"
        );
        assert_eq!(shortened("health-metrics-port", 15), "health-metrics");
        assert_eq!(shortened(&"a".repeat(70), 63), "a".repeat(63));
    }
}
