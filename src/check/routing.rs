//! Reading a canary's routing by request, the `requests` block (see
//! [`crate::check::model::RequestRouting`]), and checking it where the mesh would only fail at
//! run time, or route more than the spec meant:
//!
//! * `SW0347`: `mirror` must copy some requests (`0%` copies none), and with Argo Rollouts,
//!   whose `setMirrorRoute` takes an integer, a whole percentage.
//! * `SW0348`: a header test that every value passes (an empty `prefix`, a `regex` such as
//!   `.*`) would send every request carrying the header to the canary, shadowing the weights.
//! * `SW0349`: a `regex` must compile. Istio hands it to Envoy's RE2; the `regex` crate reads
//!   the same syntax (no look-around, no back-references), so what it refuses RE2 refuses.
//! * `SW0355`: a header name Istio accepts: lowercase letters, digits, `-` and `_`; no
//!   pseudo-header (`:authority`, `:path`).
//! * `SW0356`: a cookie whose name is a token and whose value fits a `Cookie` header.
//! * `SW0358`: a header condition tests its value exactly one way, and a `requests` block
//!   routes something.
//!
//! Once the deployments are known, [`check_deployments`] refuses what depends on the
//! environment: `SW0357`, Argo Rollouts' header and mirror routes for a service exposed through
//! an Istio gateway below a path (Argo Rollouts writes them without the gateway's path, so
//! they would catch the host's other paths). Routing by request where there is no mesh is the
//! canary's own `SW0321`, which names the `requests` block too.

use super::model::{Gateway, Model, RequestMatch, RequestRouting, ValueMatch};
use super::reader::Reader;
use super::{schema, values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::Object;

/// The ways a header condition tests a value.
const TESTS: &[&str] = &["exact", "prefix", "regex"];

/// The `requests` block of a canary: `Some(None)` without one, `None` after an error.
pub fn requests(
    checker: &mut Checker,
    reader: &Reader,
    argo: bool,
) -> Option<Option<RequestRouting>> {
    let Some(body) = reader.block(checker, "requests") else {
        return Some(None);
    };
    let key = reader.key_span("requests").unwrap_or(body.span);
    let block = Reader::new(checker, body, &schema::REQUESTS, key);
    let headers: Vec<Option<RequestMatch>> = block
        .blocks(checker, "header")
        .into_iter()
        .map(|(key, _, object)| header(checker, object, key.span))
        .collect();
    let cookies: Vec<Option<RequestMatch>> = block
        .blocks(checker, "cookie")
        .into_iter()
        .map(|(key, _, object)| cookie(checker, object, key.span))
        .collect();
    let mirror = match block.value(checker, "mirror") {
        Some(expr) => mirror(checker, expr, argo).map(Some),
        None => Some(None),
    };
    if headers.is_empty() && cookies.is_empty() && block.key_span("mirror").is_none() {
        checker.report(
            Diagnostic::error(Code::SW0358, "this `requests` block routes nothing", key, "no condition and no mirror")
                .with_help("add `header { name = \"x-canary\"  exact = \"always\" }`, `cookie { name = \"beta\"  value = \"yes\" }` or `mirror = 10%`, or remove the block"),
        );
        return None;
    }
    let matches: Option<Vec<RequestMatch>> = headers.into_iter().chain(cookies).collect();
    Some(Some(RequestRouting {
        matches: matches?,
        mirror: mirror?,
        span: key,
    }))
}

/// `header { name = "x-canary"  exact = "always" }`
fn header(checker: &mut Checker, object: &Object, owner: Span) -> Option<RequestMatch> {
    let reader = Reader::new(checker, object, &schema::HEADER_MATCH, owner);
    let name = reader
        .required_value(checker, "name")
        .and_then(|expr| values::string(checker, expr))
        .filter(|name| header_name(checker, name));
    let value = value_test(checker, &reader, owner);
    Some(RequestMatch::Header {
        name: name?.value,
        value: value?,
    })
}

/// The one test of a header condition, checked.
fn value_test(checker: &mut Checker, reader: &Reader, owner: Span) -> Option<ValueMatch> {
    let written: Vec<&str> = TESTS
        .iter()
        .copied()
        .filter(|test| reader.key_span(test).is_some())
        .collect();
    let [test] = written.as_slice() else {
        checker.report(tests_count(reader, &written, owner));
        return None;
    };
    let expr = reader.value(checker, test)?;
    let text = values::string(checker, expr)?;
    match *test {
        "exact" => Some(ValueMatch::Exact(text.value)),
        "prefix" if text.value.is_empty() => {
            checker.report(matches_every_value(text.span, "an empty prefix"));
            None
        }
        "prefix" => Some(ValueMatch::Prefix(text.value)),
        _ => regex(checker, &text).map(ValueMatch::Regex),
    }
}

/// SW0358 for a header condition with no test or with several.
fn tests_count(reader: &Reader, written: &[&str], owner: Span) -> Diagnostic {
    let Some((first, others)) = written.split_first() else {
        return Diagnostic::error(
            Code::SW0358,
            "a header condition needs a test of its value",
            owner,
            "which values?",
        )
        .with_help("add one of `exact = \"always\"`, `prefix = \"beta-\"` or `regex = \"...\"`");
    };
    let mut diagnostic = Diagnostic::error(
        Code::SW0358,
        format!(
            "a header condition tests its value one way, and this one has `{}`",
            written.join("` and `")
        ),
        others
            .first()
            .and_then(|second| reader.key_span(second))
            .unwrap_or(owner),
        "a second test",
    )
    .with_label(reader.key_span(first).unwrap_or(owner), "first test");
    for other in others.iter().skip(1) {
        diagnostic = diagnostic.with_label(reader.key_span(other).unwrap_or(owner), "another");
    }
    diagnostic.with_help(
        "keep one test; for requests that pass either, write two `header` blocks (any condition routes)",
    )
}

/// A regex that compiles and that not every value passes.
fn regex(checker: &mut Checker, pattern: &Spanned<String>) -> Option<String> {
    if pattern.value.is_empty() {
        checker.report(
            Diagnostic::error(
                Code::SW0349,
                "an empty regular expression",
                pattern.span,
                "empty",
            )
            .with_help(
                "write the pattern the whole header value must match, e.g. `regex = \"^beta-.*\"`",
            ),
        );
        return None;
    }
    let compiled = match regex::Regex::new(&format!("^(?:{})$", pattern.value)) {
        Ok(compiled) => compiled,
        Err(error) => {
            checker.report(invalid_regex(pattern, &error));
            return None;
        }
    };
    if matches_everything(&compiled) {
        checker.report(matches_every_value(
            pattern.span,
            &format!("`{}` matches any value", pattern.value),
        ));
        return None;
    }
    Some(pattern.value.clone())
}

fn invalid_regex(pattern: &Spanned<String>, error: &regex::Error) -> Diagnostic {
    // The crate's message spans several lines (pattern, caret, reason): the last line says why.
    let reason = match error {
        regex::Error::Syntax(text) => text.lines().last().unwrap_or(text).trim().to_string(),
        other => other.to_string(),
    };
    Diagnostic::error(
        Code::SW0349,
        format!("`{}` is not a regular expression Istio accepts", crate::diagnostics::shorten(&pattern.value)),
        pattern.span,
        reason.trim_start_matches("error: ").to_string(),
    )
    .with_help("Istio matches header values with RE2: no look-around, no back-references; escape `.`, `(`, `[` and the like with `\\\\` to match them literally")
}

/// Values that differ in every way a header value can: when a pattern passes all of them, it
/// passes any value.
const PROBES: &[&str] = &[
    "a",
    "Z",
    "0",
    "always",
    "x-canary",
    "beta=yes; session=1f2e",
    " ",
    "*/*",
    "Mozilla/5.0 (X11; Linux x86_64)",
    "\u{e9}\u{4e2d}",
];

fn matches_everything(compiled: &regex::Regex) -> bool {
    PROBES.iter().all(|probe| compiled.is_match(probe))
}

/// SW0348: a test that every value of the header passes.
fn matches_every_value(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::SW0348,
        format!("{what}: every request that carries this header would go to the canary"),
        span,
        "passes every value",
    )
    .with_help("the header route comes before the weighted one, so it would take that traffic whatever the step's weight; test for the value that marks canary requests, e.g. `exact = \"always\"` or `prefix = \"beta-\"`")
}

/// A header name Istio matches on: lowercase letters, digits, `-` and `_`, not a pseudo-header.
fn header_name(checker: &mut Checker, name: &Spanned<String>) -> bool {
    let text = name.value.as_str();
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if !text.is_empty() && text.chars().all(valid) {
        return true;
    }
    let lowered = text.to_ascii_lowercase();
    let diagnostic = if text.starts_with(':') {
        Diagnostic::error(Code::SW0355, format!("`{text}` is a pseudo-header, which Istio does not match on"), name.span, "pseudo-header")
            .with_help("route by a request header such as `x-canary`; the host and path are the service's exposure, not a canary condition")
    } else if text.is_empty() {
        Diagnostic::error(
            Code::SW0355,
            "a header condition needs a header name",
            name.span,
            "empty",
        )
        .with_help("name the request header, e.g. `name = \"x-canary\"`")
    } else if !lowered.is_empty() && lowered.chars().all(valid) {
        Diagnostic::error(Code::SW0355, format!("Istio matches header names in lowercase, not `{text}`"), name.span, "uppercase letters")
            .with_help(format!("write `\"{lowered}\"`; HTTP header names are case-insensitive, and Envoy sees them in lowercase"))
            .with_fix(name.span, format!("\"{lowered}\""))
    } else {
        Diagnostic::error(
            Code::SW0355,
            format!(
                "`{}` is not a header name Istio accepts",
                crate::diagnostics::shorten(text)
            ),
            name.span,
            "not a header name",
        )
        .with_help("header names are lowercase letters, digits, `-` and `_`, e.g. `x-canary`")
    };
    checker.report(diagnostic);
    false
}

/// `cookie { name = "beta"  value = "yes" }`
fn cookie(checker: &mut Checker, object: &Object, owner: Span) -> Option<RequestMatch> {
    let reader = Reader::new(checker, object, &schema::COOKIE_MATCH, owner);
    let name = reader
        .required_value(checker, "name")
        .and_then(|expr| values::string(checker, expr))
        .filter(|name| cookie_part(checker, name, CookiePart::Name));
    let value = reader
        .required_value(checker, "value")
        .and_then(|expr| values::string(checker, expr))
        .filter(|value| cookie_part(checker, value, CookiePart::Value));
    Some(RequestMatch::Cookie {
        name: name?.value,
        value: value?.value,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CookiePart {
    Name,
    Value,
}

/// RFC 6265: a cookie name is a token (visible ASCII but separators), a value is visible ASCII
/// but space, `"`, `,`, `;` and `\`.
fn cookie_part(checker: &mut Checker, text: &Spanned<String>, part: CookiePart) -> bool {
    let allowed = |c: char| match part {
        CookiePart::Name => c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(c),
        CookiePart::Value => c.is_ascii_graphic() && !"\",;\\".contains(c),
    };
    let what = match part {
        CookiePart::Name => "name",
        CookiePart::Value => "value",
    };
    if text.value.is_empty() {
        checker.report(
            Diagnostic::error(Code::SW0356, format!("a cookie condition needs a {what}"), text.span, "empty")
                .with_help("name the cookie and the value that marks canary requests, e.g. `cookie { name = \"beta\"  value = \"yes\" }`"),
        );
        return false;
    }
    let Some(bad) = text.value.chars().find(|c| !allowed(*c)) else {
        return true;
    };
    checker.report(
        Diagnostic::error(
            Code::SW0356,
            format!("a cookie {what} cannot hold {}", shown(bad)),
            text.span,
            format!("not allowed in a cookie {what}"),
        )
        .with_help(match part {
            CookiePart::Name => "a cookie name is letters, digits and symbols such as `-`, `_` and `.`, without spaces or separators (`=`, `;`, `,`, `/`, brackets, quotes)",
            CookiePart::Value => "a cookie value is visible ASCII without spaces, `\"`, `,`, `;` or `\\`; a browser never sends the cookie as written",
        }),
    );
    false
}

fn shown(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

/// `mirror = 10%`: more than 0%; a whole percentage with Argo Rollouts.
fn mirror(
    checker: &mut Checker,
    expr: &crate::syntax::ast::Expr,
    argo: bool,
) -> Option<Spanned<u32>> {
    let hundredths = values::percent_hundredths(checker, expr)?;
    if hundredths == 0 {
        checker.report(
            Diagnostic::error(
                Code::SW0347,
                "`mirror = 0%` copies no request to the canary",
                expr.span,
                "0%",
            )
            .with_help("mirror a share from 1% to 100%, e.g. `mirror = 10%`, or remove `mirror`"),
        );
        return None;
    }
    if argo && hundredths % 100 != 0 {
        let whole = hundredths.div_ceil(100);
        checker.report(
            Diagnostic::error(
                Code::SW0347,
                "Argo Rollouts mirrors a whole percentage of requests",
                expr.span,
                "a fraction of a percent",
            )
            .with_help(format!(
                "its `setMirrorRoute` takes an integer: write `mirror = {whole}%`"
            ))
            .with_suggested_fix(expr.span, format!("{whole}%")),
        );
        return None;
    }
    Some(Spanned::new(hundredths, expr.span))
}

/// SW0357: an Argo Rollouts canary that routes by request, for a service exposed through an
/// Istio gateway below a path. Argo Rollouts writes its header and mirror routes with the
/// request conditions only, so through the gateway they would also catch requests for the
/// host's other paths, which other services may serve.
pub(crate) fn check_deployments(checker: &mut Checker, model: &Model) {
    for deployment in &model.deployments {
        let strategy = &deployment.strategy;
        let (Some(_), Some(requests)) = (strategy.argo_rollouts(), strategy.requests.as_ref())
        else {
            continue;
        };
        if let Some(service) = model.service(&deployment.service) {
            check_managed_route_settings(checker, deployment, service, requests);
        }
        let Some((exposure, gateway)) = deployment.gateway() else {
            continue;
        };
        if matches!(gateway, Gateway::Ingress { .. }) || exposure.path == "/" {
            continue;
        }
        checker.report(
            Diagnostic::error(
                Code::SW0357,
                format!(
                    "Argo Rollouts would route requests to `{}`'s canary on every path of its hosts, not only below `{}`",
                    deployment.service, exposure.path
                ),
                requests.span,
                "header or mirror routes, without the path",
            )
            .with_label(exposure.span, format!("exposed below `{}` in `{}`", exposure.path, deployment.environment))
            .with_help("Argo Rollouts writes its managed routes with the request conditions only; use `engine = workflow` (its routes keep the path), or expose the service at `path = \"/\"` on hosts of its own"),
        );
    }
}

/// SW0359 (a warning): Argo Rollouts writes its header and mirror routes with their
/// destinations only, so the requests they take lose the service's `traffic` timeout and
/// retries while the rollout runs; with a mirror, whose route matches every request, that is
/// all of the service's traffic.
fn check_managed_route_settings(
    checker: &mut Checker,
    deployment: &crate::check::model::Deployment,
    service: &crate::check::model::Service,
    requests: &crate::check::model::RequestRouting,
) {
    let Some(traffic) = deployment.traffic(service) else {
        return;
    };
    if traffic.timeout.is_none() && traffic.retries.is_none() {
        return;
    }
    let who = match requests.mirror {
        Some(_) => "every request (the mirror route matches them all)",
        None => "the requests its header and cookie routes take",
    };
    checker.report(
        Diagnostic::warning(
            Code::SW0359,
            format!(
                "while Argo Rollouts runs `{}`'s canary in `{}`, {who} go without the service's timeout and retries",
                deployment.service, deployment.environment
            ),
            requests.span,
            "managed routes without `timeout` or `retries`",
        )
        .with_help("Argo Rollouts copies only the destinations into its managed routes; use `engine = workflow` (its step routes keep the service's timeout and retries), or accept the gap for the rollout's length"),
    );
}
