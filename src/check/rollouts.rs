//! The canary `engine`: `workflow` (the default) or `argo_rollouts`, and the routing settings
//! of an Argo Rollouts canary (`route`, `subsets`).
//!
//! Slipway writes the VirtualService and DestinationRule that a Rollout drives, so the
//! run-time failures Argo Rollouts users know (a route without a name, a route with more or
//! fewer than two destinations, route weights that add up to 0) can only come from settings
//! in the spec. They are checked here, where those settings are read:
//!
//! * `SW0312`: `route` must name the route, as a DNS-1123 label. An empty name would give the
//!   VirtualService an unnamed route that the Rollout cannot point at.
//! * `SW0313`: `subsets` must list exactly two different subsets, stable first, because the
//!   route gets one destination per subset and Argo Rollouts sets the weights of exactly two.
//! * `SW0314`: the steps must send the canary some traffic. Argo Rollouts accepts `0%` steps
//!   and promotes after the last step whatever its weight, so a canary whose every step is `0%`
//!   would leave the canary's share of the route at a total of 0 and then switch everything at
//!   once.

use super::model::{ArgoRollouts, CanaryStep, Engine};
use super::names::{check_name, NameRule};
use super::reader::Reader;
use super::{values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};

/// The settings that only an Argo Rollouts canary takes.
const ARGO_ONLY: &[&str] = &["route", "subsets"];

/// Reads `engine` (and, for Argo Rollouts, `route` and `subsets`): whether Argo Rollouts was
/// asked for, and the engine (`None` after an error).
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
                checker.report(
                    Diagnostic::error(
                        Code::SW0201,
                        format!("`{field}` applies only to an Argo Rollouts canary"),
                        span,
                        "not used by the workflow engine",
                    )
                    .with_help("add `engine = argo_rollouts`, or remove this setting"),
                );
            }
        }
        return Some(Engine::Workflow);
    }
    let route = route(checker, reader, at);
    let subsets = subsets(checker, reader, at);
    let (route, (stable_subset, canary_subset)) = (route?, subsets?);
    Some(Engine::ArgoRollouts(ArgoRollouts {
        route,
        stable_subset,
        canary_subset,
    }))
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

fn subsets(
    checker: &mut Checker,
    reader: &Reader,
    default_at: Span,
) -> Option<(Spanned<String>, Spanned<String>)> {
    let Some(expr) = reader.value(checker, "subsets") else {
        let [stable, canary] = ArgoRollouts::DEFAULT_SUBSETS;
        return Some((
            Spanned::new(stable.to_string(), default_at),
            Spanned::new(canary.to_string(), default_at),
        ));
    };
    let names = values::names(checker, expr);
    let valid = names.iter().all(|name| {
        check_name(
            checker,
            &name.value,
            name.span,
            NameRule::Dns1123Label,
            "subset name",
        )
    });
    let distinct = match names.as_slice() {
        [stable, canary] => stable.value != canary.value,
        _ => false,
    };
    if !distinct {
        let message = match names.as_slice() {
            [stable, _] => format!("the route Argo Rollouts shifts needs two different destinations; both subsets are `{}`", stable.value),
            _ => format!("the route Argo Rollouts shifts needs exactly two destinations, and `subsets` gives it {}", names.len()),
        };
        checker.report(
            Diagnostic::error(
                Code::SW0313,
                message,
                expr.span,
                "one destination per subset",
            )
            .with_help(
                "list two different subsets, the stable one first: `subsets = [stable, canary]`",
            ),
        );
        return None;
    }
    let mut names = names.into_iter();
    match (valid, names.next(), names.next()) {
        (true, Some(stable), Some(canary)) => Some((stable, canary)),
        _ => None,
    }
}

/// An Argo Rollouts canary must give the canary some traffic at some step.
pub fn check_traffic(
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
