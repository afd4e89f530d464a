//! `step_weight = 10%  max_weight = 50%  step_pause = 5m`: Flagger's way of writing canary
//! steps, expanded into the steps it stands for (10%, 20%, ... up to 50%, each followed by
//! the pause; then 100% unless Argo Rollouts promotes by itself). Every later rule (weights,
//! the failure budget of the gates, Argo Rollouts' traffic) then judges the expanded steps,
//! and their diagnostics point at `step_weight`. Writing `step` blocks as well is SW0346.

use super::model::{CanaryStep, Pause};
use super::reader::Reader;
use super::{values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::Ident;

/// The fields that belong to the shorthand.
pub const FIELDS: &[&str] = &["step_weight", "max_weight", "step_pause"];

/// The steps `step_weight` stands for; `None` when the canary does not use the shorthand
/// (`Some(None)` when it does, with errors, reported).
pub fn steps(
    checker: &mut Checker,
    reader: &Reader,
    blocks: &[(&Ident, Option<&Ident>, &crate::syntax::ast::Object)],
    argo: bool,
    pause: impl Fn(&mut Checker, &crate::syntax::ast::Expr) -> Option<Pause>,
) -> Option<Option<Vec<CanaryStep>>> {
    let Some(step_expr) = reader.value(checker, "step_weight") else {
        for field in FIELDS.iter().skip(1) {
            if let Some(span) = reader.key_span(field) {
                checker.report(
                    crate::check::missing::Missing::StepWeight { field, span }.diagnostic(),
                );
            }
        }
        return None;
    };
    if let Some((first, _, _)) = blocks.first() {
        checker.report(
            Diagnostic::error(
                Code::SW0346,
                "a canary's steps are written twice: `step_weight` and `step` blocks",
                step_expr.span,
                "steps from `step_weight`",
            )
            .with_label(first.span, "steps written out")
            .with_help(
                "keep one: `step_weight` with `max_weight` and `step_pause`, or the `step` blocks",
            ),
        );
        return Some(None);
    }
    let step = values::percent(checker, step_expr);
    let max_expr = reader.value(checker, "max_weight");
    let max = match max_expr {
        Some(expr) => values::percent(checker, expr).map(|max| Spanned::new(max, expr.span)),
        None => Some(Spanned::new(100, step_expr.span)),
    };
    let pause_expr = reader.value(checker, "step_pause");
    let step_pause = match pause_expr {
        Some(expr) => pause(checker, expr).map(Some),
        None => Some(None),
    };
    let (Some(step), Some(max), Some(step_pause)) = (step, max, step_pause) else {
        return Some(None);
    };
    if !sizes_fit(checker, step, step_expr.span, &max) {
        return Some(None);
    }
    Some(Some(expand(
        Spanned::new(step, step_expr.span),
        max.value,
        step_pause.map(|p| (p, pause_expr.map_or(step_expr.span, |e| e.span))),
        argo,
    )))
}

/// SW0206 for a step of 0% or one larger than `max_weight`.
fn sizes_fit(checker: &mut Checker, step: u32, step_span: Span, max: &Spanned<u32>) -> bool {
    if step == 0 {
        checker.report(
            crate::check::out_of_range::OutOfRange::ZeroStepWeight { span: step_span }.diagnostic(),
        );
        return false;
    }
    if max.value < step {
        checker.report(
            crate::check::out_of_range::OutOfRange::MaxBelowStep {
                max: max.value,
                step,
                span: max.span,
                step_span,
            }
            .diagnostic(),
        );
        return false;
    }
    true
}

/// 1×, 2×, ... `step` up to `max`, each below 100% with the pause; then 100% (the workflow's
/// last step) unless Argo Rollouts promotes after the last step by itself or `max` is already
/// reached 100%.
fn expand(
    step: Spanned<u32>,
    max: u32,
    pause: Option<(Pause, Span)>,
    argo: bool,
) -> Vec<CanaryStep> {
    let mut steps: Vec<CanaryStep> = (1..=max / step.value)
        .map(|multiple| multiple * step.value)
        .map(|weight| {
            // At 100% the rollout is done: there is nothing to pause before.
            let pause = pause.filter(|_| weight < 100);
            CanaryStep {
                weight: Spanned::new(weight, step.span),
                pause: pause.map(|(pause, _)| pause),
                pause_span: pause.map(|(_, span)| span),
                scale: None,
            }
        })
        .collect();
    if !argo && steps.last().is_none_or(|last| last.weight.value < 100) {
        steps.push(CanaryStep {
            weight: Spanned::new(100, step.span),
            pause: None,
            pause_span: None,
            scale: None,
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::expand;
    use crate::check::model::Pause;
    use crate::span::{Span, Spanned};

    fn weights(step: u32, max: u32, argo: bool) -> Vec<u32> {
        expand(Spanned::new(step, Span::default()), max, None, argo)
            .iter()
            .map(|step| step.weight.value)
            .collect()
    }

    #[test]
    fn steps_grow_by_the_step_weight_up_to_the_maximum_then_promote() {
        assert_eq!(weights(10, 50, false), [10, 20, 30, 40, 50, 100]);
        assert_eq!(weights(20, 100, false), [20, 40, 60, 80, 100]);
        assert_eq!(weights(30, 100, false), [30, 60, 90, 100]);
        assert_eq!(weights(10, 50, true), [10, 20, 30, 40, 50]);
        assert_eq!(weights(50, 50, false), [50, 100]);
    }

    #[test]
    fn the_last_step_does_not_pause() {
        let pause = Some((Pause::UntilApproved, Span::default()));
        let steps = expand(Spanned::new(25, Span::default()), 50, pause, false);
        let pauses: Vec<bool> = steps.iter().map(|step| step.pause.is_some()).collect();
        assert_eq!(pauses, [true, true, false]);
        let steps = expand(Spanned::new(50, Span::default()), 100, pause, false);
        let pauses: Vec<bool> = steps.iter().map(|step| step.pause.is_some()).collect();
        assert_eq!(pauses, [true, false]);
    }
}
