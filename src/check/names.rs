//! Name rules: which names are valid where (Kubernetes DNS-1123 and DNS-1035 labels, IANA
//! port names, environment variable names), checked once so every emitted object is valid.

use super::invalid_name::InvalidName;
use super::Checker;
use crate::span::Span;

/// The Kubernetes name rule a value must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameRule {
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
    pub(super) fn max_len(self) -> usize {
        match self {
            NameRule::Dns1035Label | NameRule::Dns1123Label => 63,
            NameRule::Dns1123Subdomain => 253,
            NameRule::PortName => 15,
            NameRule::EnvVar => 1024,
        }
    }

    pub(crate) fn is_valid(self, name: &str) -> bool {
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
pub(crate) fn check_name(
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
        checker.report(
            InvalidName::TooLong {
                name,
                what,
                rule,
                span,
            }
            .diagnostic(),
        );
        return false;
    }
    let lowered = name.to_ascii_lowercase().replace('_', "-");
    let suggestion = (rule.is_valid(&lowered) && lowered != name).then_some(lowered);
    checker.report(
        InvalidName::BreaksRule {
            name,
            what,
            rule,
            suggestion,
            span,
        }
        .diagnostic(),
    );
    false
}

pub use crate::diagnostics::shorten;

/// `name` cut to at most `limit` characters at a `-` (or `.`) boundary when there is one in
/// the second half, and never ending with `-` or `.`.
pub(super) fn shortened(name: &str, limit: usize) -> String {
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
    use super::shortened;

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
