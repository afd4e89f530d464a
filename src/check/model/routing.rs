//! Routing by request: which requests reach a canary besides its weighted share (the
//! `requests` block of a canary). Requests that match a `header` or `cookie` condition go to
//! the canary whatever the step's weight (Argo Rollouts' `setHeaderRoute`, Flagger's A/B
//! `match`), and `mirror` copies a share of the weighted route's requests to the canary, whose
//! responses are thrown away (Istio's `mirror`, Argo Rollouts' `setMirrorRoute`).
//!
//! The routing holds for the whole rollout: from the first step that gives the canary pods
//! until the promotion or the rollback, which both remove it. The checker guarantees header
//! names Istio accepts, regular expressions that compile and do not match every value, cookie
//! names and values that fit a `Cookie` header, and a mirror share of more than 0%.

use crate::span::{Span, Spanned};
use serde::Serialize;

/// The `requests` block of a canary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRouting {
    /// The conditions, each sending the requests that meet it to the canary (any of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<RequestMatch>,
    /// The share of the weighted route's requests copied to the canary, in hundredths of a
    /// percent (1..=10000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Spanned<u32>>,
    /// Where the block is written.
    #[serde(skip)]
    pub span: Span,
}

impl RequestRouting {
    /// The name of the route that sends the matching requests to the canary, next to the
    /// weighted route `primary`.
    pub(crate) fn header_route(primary: &str) -> String {
        format!("{primary}-header")
    }

    /// The name of Argo Rollouts' mirror route, next to the weighted route `primary`.
    pub(crate) fn mirror_route(primary: &str) -> String {
        format!("{primary}-mirror")
    }

    /// The mirrored share as Istio's `mirrorPercentage.value` (a percentage, decimals kept).
    pub(crate) fn mirror_percent(&self) -> Option<f64> {
        self.mirror
            .as_ref()
            .map(|share| f64::from(share.value) / 100.0)
    }
}

/// One condition of `requests`: a request header, or a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RequestMatch {
    /// `header { name = "x-canary"  exact = "always" }`: the header's value passes the test.
    Header { name: String, value: ValueMatch },
    /// `cookie { name = "beta"  value = "yes" }`: the `Cookie` header holds `beta=yes`.
    Cookie { name: String, value: String },
}

/// How a header's value is tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueMatch {
    Exact(String),
    Prefix(String),
    /// An RE2 regular expression that must match the whole value.
    Regex(String),
}

/// The request header a cookie travels in.
pub const COOKIE_HEADER: &str = "cookie";

impl RequestMatch {
    /// The header test this condition is on the wire: a cookie is a regular expression on the
    /// `cookie` header that finds `name=value` as one of its pairs.
    pub(crate) fn header_test(&self) -> (String, ValueMatch) {
        match self {
            RequestMatch::Header { name, value } => (name.clone(), value.clone()),
            RequestMatch::Cookie { name, value } => (
                COOKIE_HEADER.to_string(),
                ValueMatch::Regex(cookie_pattern(name, value)),
            ),
        }
    }
}

/// `^(.*;\s*)?name=value(;.*)?$`: the pair at the start of the header or after a `;`, and
/// followed by its end or another `;`, with the name and value taken literally.
pub fn cookie_pattern(name: &str, value: &str) -> String {
    format!(
        r"^(.*;\s*)?{}={}(;.*)?$",
        regex::escape(name),
        regex::escape(value)
    )
}

#[cfg(test)]
mod tests {
    use super::cookie_pattern;

    #[test]
    fn a_cookie_matches_as_one_pair_of_the_header_only() {
        let pattern = regex::Regex::new(&cookie_pattern("beta", "yes")).unwrap();
        for header in [
            "beta=yes",
            "a=1; beta=yes",
            "beta=yes; a=1",
            "a=1;beta=yes;b=2",
        ] {
            assert!(pattern.is_match(header), "{header}");
        }
        for header in ["beta=yes2", "xbeta=yes", "a=beta=yes", "beta=no; x=beta"] {
            assert!(!pattern.is_match(header), "{header}");
        }
    }

    #[test]
    fn a_cookie_takes_its_name_and_value_literally() {
        let pattern = regex::Regex::new(&cookie_pattern("v.1", "a+b")).unwrap();
        assert!(pattern.is_match("v.1=a+b"));
        assert!(!pattern.is_match("vx1=aab"));
    }
}
