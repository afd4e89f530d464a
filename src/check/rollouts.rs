//! The canary `engine`: `workflow` (the default) or `argo_rollouts`, and the routing setting
//! of an Argo Rollouts canary (`route`).
//!
//! Slipway writes the VirtualService and the two Services that a Rollout drives, so the
//! run-time failures Argo Rollouts users know (a route without a name, route weights that add
//! up to 0) can only come from settings in the spec. They are checked here, where those
//! settings are read:
//!
//! * `SW0312`: `route` must name the route, as a DNS-1123 label. An empty name would give the
//!   VirtualService an unnamed route that the Rollout cannot point at.
//! * `SW0314`: the steps must send the canary some traffic. Argo Rollouts accepts `0%` steps
//!   and promotes after the last step whatever its weight, so a canary whose every step is `0%`
//!   would leave the canary's share of the route at a total of 0 and then switch everything at
//!   once.
//! * `SW0323` (a warning): `subsets` is no longer used. The route splits between the Services
//!   `<service>-stable` and `<service>-canary` (host-level splitting), which is what lets the
//!   canary's metrics be selected by Service; the setting is ignored. `SW0313`, which checked
//!   the subset list, is retired with it.

use super::model::{ArgoRollouts, CanaryStep, Engine};
use super::names::NameRule;
use super::reader::Reader;
use super::unknown_field::UnknownField;
use super::{values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};

/// The settings that only an Argo Rollouts canary takes.
const ARGO_ONLY: &[&str] = &["route", "subsets"];

/// A setting an Argo Rollouts canary took once and ignores now.
const RETIRED_SUBSETS: &str = "subsets";

/// Reads `engine` (and, for Argo Rollouts, `route`; `subsets` only to warn that it is
/// ignored): whether Argo Rollouts was asked for, and the engine (`None` after an error).
pub fn engine(checker: &mut Checker, reader: &Reader, owner: Span) -> (bool, Option<Engine>) {
    let (keyword, at) = match reader.value(checker, "engine") {
        Some(expr) => {
            let choices = [("workflow", false), ("argo_rollouts", true)];
            match values::keyword(checker, expr, "canary engine", &choices) {
                Some(argo) => (argo, expr.span),
                None => return (false, None),
            }
        }
        None => (false, owner),
    };
    (keyword, settings(checker, reader, keyword, at))
}

fn settings(checker: &mut Checker, reader: &Reader, keyword: bool, at: Span) -> Option<Engine> {
    if !keyword {
        for field in ARGO_ONLY {
            if let Some(span) = reader.key_span(field) {
                checker.report(UnknownField::ArgoRolloutsOnly { field, span }.diagnostic());
            }
        }
        return Some(Engine::Workflow);
    }
    warn_retired_subsets(checker, reader);
    let route = route(checker, reader, at)?;
    Some(Engine::ArgoRollouts(ArgoRollouts { route }))
}

/// `subsets` once named the DestinationRule subsets the route split between; the route now
/// splits between two Services, so the setting is read only to say it is ignored.
fn warn_retired_subsets(checker: &mut Checker, reader: &Reader) {
    let Some(key) = reader.key_span(RETIRED_SUBSETS) else {
        return;
    };
    let Some(expr) = reader.value(checker, RETIRED_SUBSETS) else {
        return;
    };
    let [stable, canary] = [ArgoRollouts::STABLE_SUFFIX, ArgoRollouts::CANARY_SUFFIX];
    checker.report(
        Diagnostic::warning(
            Code::SW0323,
            "`subsets` is no longer used: Argo Rollouts splits the route between two Services",
            key.to(expr.span),
            "ignored",
        )
        .with_help(format!(
            "remove it; the route now goes to the Services `<service>-{stable}` and `<service>-{canary}`, which Slipway writes"
        ))
        .with_fix(key.to(expr.span), ""),
    );
}

fn route(checker: &mut Checker, reader: &Reader, default_at: Span) -> Option<Spanned<String>> {
    let Some(expr) = reader.value(checker, "route") else {
        return Some(Spanned::new(
            ArgoRollouts::DEFAULT_ROUTE.to_string(),
            default_at,
        ));
    };
    let route = values::string(checker, expr)?;
    if route.value.is_empty() || !NameRule::Dns1123Label.is_valid(&route.value) {
        let (message, why) = match route.value.is_empty() {
            true => (
                "the route Argo Rollouts shifts needs a name".to_string(),
                "an empty route name",
            ),
            false => (
                format!(
                    "`{}` is not a route name Argo Rollouts can match",
                    crate::diagnostics::shorten(&route.value)
                ),
                "not a DNS-1123 label",
            ),
        };
        checker.report(
            Diagnostic::error(Code::SW0312, message, route.span, why)
                .with_help("name it with lowercase letters, digits and `-`, e.g. `route = \"primary\"` (the default)"),
        );
        return None;
    }
    Some(route)
}

/// An Argo Rollouts canary must give the canary some traffic at some step.
pub(crate) fn check_traffic(
    checker: &mut Checker,
    engine: &Engine,
    steps: &[CanaryStep],
    owner: Span,
) -> bool {
    if engine.argo_rollouts().is_none() || steps.iter().any(|step| step.weight.value > 0) {
        return true;
    }
    let mut diagnostic = Diagnostic::error(
        Code::SW0314,
        "this canary never sends traffic to the new version: the route's canary weights add up to 0",
        steps.first().map_or(owner, |step| step.weight.span),
        "0% here",
    );
    for step in steps.iter().skip(1) {
        diagnostic = diagnostic.with_label(step.weight.span, "and 0% here");
    }
    checker.report(diagnostic.with_help(
        "give a step some traffic, e.g. `step { weight = 10%  pause = 5m }`; after the last step Argo Rollouts switches all traffic at once",
    ));
    false
}
