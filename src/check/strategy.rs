//! Lowering strategies: `rolling`, `recreate`, `blue_green` and `canary`, named
//! (`strategy safe = canary { ... }`) or inline (`strategy = rolling { max_surge = 1 }`).
//!
//! The rules here make broken manifests unrepresentable: canary weights strictly increase
//! and end at 100% (Argo Rollouts, which promotes after the last step itself, also takes a
//! `0%` first step and an unfinished last one; see [`super::rollouts`]), a recreate strategy
//! has no surge settings, a rolling update can progress.

use super::duplicate_name::DuplicateName;
use super::model::*;
use super::reader::Reader;
use super::schema::STRATEGY_KINDS;
use super::values::{self, Variant};
use super::{
    analysis, canary_shorthand, hooks, item_label, names, rollouts, routing, schema, Checker,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Expr, ExprKind, Item, Object};

/// `strategy name = kind { ... }`
pub(crate) fn lower_named(checker: &mut Checker, item: &Item) -> Option<Strategy> {
    names::check_name(
        checker,
        &item.name.text,
        item.name.span,
        names::NameRule::Dns1123Label,
        "strategy name",
    );
    if STRATEGY_KINDS.contains(&item.name.text.as_str()) {
        checker.report(
            DuplicateName::StrategyKind {
                name: &item.name.text,
                span: item.name.span,
            }
            .diagnostic(),
        );
        return None;
    }
    if let ExprKind::Object(object) = &item.value.kind {
        if object.tag.is_none() {
            checker.report(
                crate::check::missing::Missing::StrategyKind {
                    name: &item.name.text,
                    span: item_label(item),
                }
                .diagnostic(),
            );
            return None;
        }
    }
    let variant = values::variant(
        checker,
        &item.value,
        "a strategy kind such as `canary { ... }`",
    )?;
    let mut strategy = lower_kind(checker, &variant, item.value.span)?;
    strategy.name = Some(item.name.text.clone());
    Some(strategy)
}

/// A strategy value in an environment or override: a named strategy or an inline kind.
pub(crate) fn lower_use(
    checker: &mut Checker,
    expr: &Expr,
    named: &[Strategy],
    declared: &[&str],
) -> Option<Strategy> {
    let variant = values::variant(checker, expr, "a strategy")?;
    if variant.body.is_none() && !STRATEGY_KINDS.contains(&variant.tag) {
        if let Some(strategy) = named
            .iter()
            .find(|s| s.name.as_deref() == Some(variant.tag))
        {
            // The span of a strategy in use is where it is applied, for diagnostics that say
            // "this environment's strategy ...".
            return Some(Strategy {
                span: expr.span,
                ..strategy.clone()
            });
        }
        if !declared.contains(&variant.tag) {
            let candidates = declared
                .iter()
                .copied()
                .chain(STRATEGY_KINDS.iter().copied());
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "strategy",
                    name: variant.tag,
                    span: variant.tag_span,
                    candidates,
                }
                .diagnostic(),
            );
        }
        return None;
    }
    lower_kind(checker, &variant, expr.span)
}

fn lower_kind(checker: &mut Checker, variant: &Variant, span: Span) -> Option<Strategy> {
    let empty = Object {
        tag: None,
        entries: Vec::new(),
        span,
    };
    let body = variant.body.unwrap_or(&empty);
    let (kind, engine) = match variant.tag {
        "rolling" => (rolling(checker, body, variant.tag_span)?, Engine::Workflow),
        "recreate" => (recreate(checker, body)?, Engine::Workflow),
        "blue_green" => (
            blue_green(checker, body, variant.tag_span)?,
            Engine::Workflow,
        ),
        "canary" => return canary_strategy(checker, body, variant.tag_span, span),
        _ => {
            values::unknown_variant(checker, "strategy kind", variant, STRATEGY_KINDS);
            return None;
        }
    };
    Some(Strategy {
        name: None,
        kind,
        engine,
        requests: None,
        span,
    })
}

/// A canary: its steps and gates ([`canary`]) and its routing by request ([`routing`]).
fn canary_strategy(
    checker: &mut Checker,
    body: &Object,
    owner: Span,
    span: Span,
) -> Option<Strategy> {
    let reader = Reader::new(checker, body, &schema::CANARY, owner);
    let (argo, engine) = rollouts::engine(checker, &reader, owner);
    let kind = canary(checker, &reader, argo, engine.as_ref(), owner);
    let requests = routing::requests(checker, &reader, argo);
    Some(Strategy {
        name: None,
        kind: kind?,
        engine: engine?,
        requests: requests?,
        span,
    })
}

fn rolling(checker: &mut Checker, body: &Object, owner: Span) -> Option<StrategyKind> {
    let reader = Reader::new(checker, body, &schema::ROLLING, owner);
    let mut read = |name, default| match reader.value(checker, name) {
        Some(expr) => values::int_or_percent(checker, expr),
        None => Some(default),
    };
    let max_surge = read("max_surge", IntOrPercent::Percent(25));
    let max_unavailable = read("max_unavailable", IntOrPercent::Count(0));
    let (max_surge, max_unavailable) = (max_surge?, max_unavailable?);
    if max_surge.is_zero() && max_unavailable.is_zero() {
        checker.report(
            Diagnostic::error(
                Code::SW0308,
                "a rolling update with no surge and no unavailability can never progress",
                reader.key_span("max_surge").unwrap_or(owner),
                "max_surge is 0",
            )
            .with_help("allow at least one extra pod (`max_surge = 1`) or one unavailable pod (`max_unavailable = 1`)"),
        );
        return None;
    }
    Some(StrategyKind::Rolling {
        max_surge,
        max_unavailable,
    })
}

fn recreate(checker: &mut Checker, body: &Object) -> Option<StrategyKind> {
    for entry in &body.entries {
        let key = entry.key();
        if matches!(key.text.as_str(), "max_surge" | "max_unavailable") {
            checker.report(
                Diagnostic::error(
                    Code::SW0303,
                    format!("a recreate strategy cannot have `{}`", key.text),
                    key.span,
                    "surge setting on recreate",
                )
                .with_help("recreate stops every old pod before starting new ones; use `rolling { ... }` to control surge"),
            );
        }
    }
    let surge_free: Vec<_> = body
        .entries
        .iter()
        .filter(|e| !matches!(e.key().text.as_str(), "max_surge" | "max_unavailable"))
        .cloned()
        .collect();
    let rest = Object {
        tag: None,
        entries: surge_free,
        span: body.span,
    };
    Reader::new(checker, &rest, &schema::RECREATE, body.span);
    (rest.entries.len() == body.entries.len()).then_some(StrategyKind::Recreate)
}

fn blue_green(checker: &mut Checker, body: &Object, owner: Span) -> Option<StrategyKind> {
    let reader = Reader::new(checker, body, &schema::BLUE_GREEN, owner);
    let mut flag = |name, default| match reader.value(checker, name) {
        Some(expr) => values::boolean(checker, expr),
        None => Some(default),
    };
    let preview = flag("preview", true);
    let auto_promote = flag("auto_promote", false);
    let scale_down_delay = match reader.value(checker, "scale_down_delay") {
        Some(expr) => values::duration(checker, expr),
        None => Some(Duration::from_secs(30)),
    };
    Some(StrategyKind::BlueGreen {
        preview: preview?,
        auto_promote: auto_promote?,
        scale_down_delay: scale_down_delay?,
    })
}

/// The steps, gates and failure action of a canary; `argo` when Argo Rollouts runs it.
fn canary(
    checker: &mut Checker,
    reader: &Reader,
    argo: bool,
    engine: Option<&Engine>,
    owner: Span,
) -> Option<StrategyKind> {
    // Every field is read before any is given up on, so an error in one (a bad pause, a
    // missing step) does not hide the errors of its siblings.
    let steps = canary_steps(checker, reader, argo);
    let analysis = match reader.block(checker, "analysis") {
        Some(object) => analysis::lower(checker, object).map(Some),
        None => Some(None),
    };
    let on_failure = match reader.value(checker, "on_failure") {
        Some(expr) => values::keyword(checker, expr, "failure action", OnFailure::KEYWORDS),
        None => Some(OnFailure::Rollback),
    };
    let hooks = hooks::lower(checker, reader);
    let steps = steps.filter(|steps| check_weights(checker, steps, argo))?;
    let traffic_ok =
        engine.is_none_or(|engine| rollouts::check_traffic(checker, engine, &steps, owner));
    if !traffic_ok {
        return None;
    }
    let analysis = analysis?;
    if let Some(analysis) = &analysis {
        if !analysis::check_budget(checker, &steps, analysis) {
            return None;
        }
    }
    let hooks = hooks?;
    if !hooks::check_load_lasts(checker, &hooks, &steps, analysis.as_ref()) {
        return None;
    }
    Some(StrategyKind::Canary {
        steps,
        analysis,
        on_failure: on_failure?,
        hooks,
    })
}

/// The `step` blocks of a canary, each read even when another is broken.
fn canary_steps(checker: &mut Checker, reader: &Reader, argo: bool) -> Option<Vec<CanaryStep>> {
    let blocks = reader.blocks(checker, "step");
    if let Some(expanded) = canary_shorthand::steps(checker, reader, &blocks, argo, pause) {
        return expanded;
    }
    if blocks.is_empty() {
        checker.report(
            reader
                .missing("step")
                .with_help("add steps such as `step { weight = 30%  pause = 5m }` ending with `step { weight = 100% }`, or `step_weight = 10%` to grow by 10% at a time"),
        );
        return None;
    }
    let steps: Vec<CanaryStep> = blocks
        .iter()
        .filter_map(|(key, _, step)| canary_step(checker, step, key.span, argo))
        .collect();
    (steps.len() == blocks.len()).then_some(steps)
}

/// One step. Argo Rollouts also takes `0%` (`setWeight: 0`): the rollout waits before any
/// traffic reaches the new version.
fn canary_step(
    checker: &mut Checker,
    object: &Object,
    owner: Span,
    zero_allowed: bool,
) -> Option<CanaryStep> {
    let reader = Reader::new(checker, object, &schema::CANARY_STEP, owner);
    let weight_expr = reader.required_value(checker, "weight");
    let weight =
        weight_expr.and_then(|e| values::percent(checker, e).map(|w| Spanned::new(w, e.span)));
    let pause_expr = reader.value(checker, "pause");
    let pause = match pause_expr {
        Some(expr) => Some(pause(checker, expr)?),
        None => None,
    };
    let pause_span = pause_expr.map(|expr| expr.span);
    let scale = match reader.value(checker, "scale") {
        Some(expr) => Some(canary_scale(checker, expr, weight.as_ref())?),
        None => None,
    };
    let weight = weight?;
    if weight.value == 0 && !zero_allowed {
        checker.report(
            crate::check::out_of_range::OutOfRange::ZeroStep { span: weight.span }.diagnostic(),
        );
        return None;
    }
    Some(CanaryStep {
        weight,
        pause,
        pause_span,
        scale,
    })
}

/// `scale = 3` (pods) or `scale = 50%` (of the live track's pods): the canary's size in a
/// step, apart from its weight. No pods at all while the step sends traffic is SW0362.
fn canary_scale(
    checker: &mut Checker,
    expr: &Expr,
    weight: Option<&Spanned<u32>>,
) -> Option<IntOrPercent> {
    let scale = values::int_or_percent(checker, expr)?;
    let Some(weight) = weight.filter(|weight| weight.value > 0 && scale.is_zero()) else {
        return Some(scale);
    };
    checker.report(
        Diagnostic::error(
            Code::SW0362,
            format!(
                "this step sends {}% of the traffic to a canary scaled to no pods",
                weight.value
            ),
            expr.span,
            "no canary pods",
        )
        .with_label(weight.span, "traffic to the canary")
        .with_help("give the canary at least one pod (`scale = 1`), or send it no traffic (`weight = 0%`, Argo Rollouts)"),
    );
    None
}

fn pause(checker: &mut Checker, expr: &Expr) -> Option<Pause> {
    match &expr.kind {
        ExprKind::Path(path) if path.dotted() == "approval" => Some(Pause::UntilApproved),
        ExprKind::Path(path) => {
            checker.report(
                crate::check::unknown_variant::UnknownVariant::Pause {
                    written: &path.dotted(),
                    span: expr.span,
                }
                .diagnostic(),
            );
            None
        }
        _ => values::duration(checker, expr).map(Pause::For),
    }
}

/// SW0301 for `after`, which does not increase on `before`; the help names a weight that
/// fits between `before` and the next step (`next`, or 100% after the last step).
fn weight_not_increasing(
    before: &Spanned<u32>,
    after: &Spanned<u32>,
    next: Option<u32>,
) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        Code::SW0301,
        format!(
            "canary weight {}% does not increase on the step before ({}%)",
            after.value, before.value
        ),
        after.span,
        "not above the previous step",
    )
    .with_label(before.span, "previous step");
    let lowest = before.value + 1;
    let highest = next.map_or(100, |next| next.saturating_sub(1));
    if lowest > highest {
        return diagnostic.with_help(format!(
            "each step must send more traffic than the one before, and no weight fits between {}% and {}%: remove this step",
            before.value,
            next.unwrap_or(100)
        ));
    }
    let fitting = fitting_weight(lowest, highest);
    let range = if lowest == highest {
        format!("`{fitting}%`")
    } else {
        format!("a weight from {lowest}% to {highest}%, such as `{fitting}%`")
    };
    diagnostic
        .with_help(format!(
            "each step must send more traffic than the one before: use {range}"
        ))
        .with_suggested_fix(after.span, format!("{fitting}%"))
}

/// A round weight in `lowest..=highest`: the middle, moved to a multiple of 10 or 5 when one
/// is in range.
fn fitting_weight(lowest: u32, highest: u32) -> u32 {
    let middle = (lowest + highest) / 2;
    [10, 5]
        .iter()
        .map(|step| middle / step * step)
        .chain([middle])
        .find(|weight| (lowest..=highest).contains(weight))
        .unwrap_or(middle)
}

/// Weights increase (a step may hold the weight of the one before when one of the two pauses)
/// and the last step reaches 100%, except on Argo Rollouts, which promotes the canary to all
/// of the traffic after its last step by itself.
fn check_weights(checker: &mut Checker, steps: &[CanaryStep], argo: bool) -> bool {
    let mut ok = true;
    for (index, (first, second)) in steps.iter().zip(steps.iter().skip(1)).enumerate() {
        let (before, after) = (&first.weight, &second.weight);
        // A weight may be held for a second step when one of the two pauses: a timed pause
        // and then an approval, say.
        let held = after.value == before.value && (first.pause.is_some() || second.pause.is_some());
        if after.value <= before.value && !held {
            let next = steps.get(index + 2).map(|step| step.weight.value);
            checker.report(weight_not_increasing(before, after, next));
            ok = false;
        }
    }
    if let Some(last) = steps.last().filter(|_| !argo) {
        if last.weight.value != 100 {
            checker.report(
                Diagnostic::error(
                    Code::SW0302,
                    format!(
                        "the last canary step sends {}% of traffic, not 100%",
                        last.weight.value
                    ),
                    last.weight.span,
                    "last step",
                )
                .with_help("end with `step { weight = 100% }` so the rollout completes"),
            );
            ok = false;
        }
    }
    ok
}
