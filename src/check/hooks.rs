//! `hook NAME { at = before | during | after  image = "..."  command = [...]  timeout = 5m }`
//! in a canary: Jobs the rollout runs before its first step, beside its steps (a load
//! generator) or after its last step. Read here into [`Hook`]s; what each engine does with
//! them is in `emit::k8s::hooks`, `emit::github::script` and `emit::rollouts`.
//!
//! Checked at compile time: a name per hook (unique, a DNS label, and `<service>-<hook>` a
//! Job name Kubernetes takes), an image reference, a positive timeout, and a load generator
//! (`during`) whose timeout outlasts the steps' own waits, since a hook still running at its
//! timeout fails the rollout (SW0360). With Argo Rollouts a failed Job aborts the rollout even
//! under `on_failure = halt` (SW0361, a warning).

use super::invalid_name::InvalidName;
use super::model::{
    Analysis, CanaryStep, Duration, Engine, Hook, HookAt, Model, OnFailure, StrategyKind,
};
use super::names::NameRule;
use super::reader::Reader;
use super::service::image;
use super::wrong_unit::WrongUnit;
use super::{schema, values, Checker};
use crate::check::twice::{Repeated, Twice};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::Object;
use std::collections::BTreeMap;

/// What a hook may run for when the spec says nothing.
const DEFAULT_TIMEOUT: Duration = Duration {
    millis: 5 * 60 * 1000,
};

/// The `hook` blocks of a canary, each read even when another is broken; `None` when any
/// has an error (reported).
pub fn lower(checker: &mut Checker, reader: &Reader) -> Option<Vec<Hook>> {
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let mut hooks = Vec::new();
    let mut broken = false;
    for (key, label, object) in reader.blocks(checker, "hook") {
        let Some(label) = label else {
            checker
                .report(crate::check::missing::Missing::HookName { span: key.span }.diagnostic());
            broken = true;
            continue;
        };
        if let Some(first) = seen.get(&label.text) {
            checker.report(
                Twice {
                    repeated: Repeated::Hook,
                    name: &label.text,
                    span: label.span,
                    first: Some(*first),
                }
                .diagnostic(),
            );
            broken = true;
            continue;
        }
        seen.insert(label.text.clone(), label.span);
        let name = Spanned::new(label.text.clone(), label.span);
        match hook(checker, name, object) {
            Some(hook) => hooks.push(hook),
            None => broken = true,
        }
    }
    (!broken).then_some(hooks)
}

fn hook(checker: &mut Checker, name: Spanned<String>, object: &Object) -> Option<Hook> {
    let reader = Reader::new(checker, object, &schema::HOOK, object.span);
    let named = super::names::check_name(
        checker,
        &name.value,
        name.span,
        NameRule::Dns1123Label,
        "hook name",
    );
    let at = reader
        .required_value(checker, "at")
        .and_then(|expr| values::keyword(checker, expr, "hook time", HookAt::KEYWORDS));
    let image = reader
        .required_value(checker, "image")
        .and_then(|expr| image::lower(checker, expr, None));
    let command = match reader.value(checker, "command") {
        Some(expr) => values::strings(checker, expr),
        None => Some(Vec::new()),
    };
    let resources = reader
        .block(checker, "resources")
        .map(|object| super::service::lower_resources(checker, object))
        .unwrap_or_default();
    let (timeout, timeout_span) = match reader.value(checker, "timeout") {
        Some(expr) => (positive(checker, expr), expr.span),
        None => (Some(DEFAULT_TIMEOUT), object.span),
    };
    named.then_some(())?;
    Some(Hook {
        name,
        at: at?,
        image: image?.reference(),
        command: command?,
        resources,
        timeout: timeout?,
        timeout_span,
        span: object.span,
    })
}

/// A duration of at least one second: Kubernetes counts a Job's deadline in whole seconds.
fn positive(checker: &mut Checker, expr: &crate::syntax::ast::Expr) -> Option<Duration> {
    let duration = values::duration(checker, expr)?;
    if duration.millis >= 1000 {
        return Some(duration);
    }
    checker.report(
        WrongUnit::HookTimeout {
            shown: duration.text(),
            span: expr.span,
        }
        .diagnostic(),
    );
    None
}

/// A load generator runs from the first step on; one whose timeout ends before the steps'
/// own waits would fail a healthy rollout when Kubernetes stops it (SW0360).
pub(crate) fn check_load_lasts(
    checker: &mut Checker,
    hooks: &[Hook],
    steps: &[CanaryStep],
    analysis: Option<&Analysis>,
) -> bool {
    let waits: u64 = steps
        .iter()
        .enumerate()
        .map(|(index, step)| step.waits(analysis, index + 1 == steps.len()).millis)
        .sum();
    let mut fits = true;
    for hook in hooks.iter().filter(|hook| hook.at == HookAt::During) {
        if hook.timeout.millis > waits {
            continue;
        }
        fits = false;
        checker.report(
            Diagnostic::error(
                Code::SW0360,
                format!(
                    "load generator `{}` stops after {}, before the steps it loads have waited {}",
                    hook.name.value,
                    hook.timeout.text(),
                    Duration { millis: waits }.text()
                ),
                hook.timeout_span,
                "stopped here, which fails the rollout",
            )
            .with_label(hook.name.span, "runs `during` the steps")
            .with_help(format!(
                "give it a timeout longer than the steps, such as `timeout = {}`, and room for any approval the rollout waits for",
                Duration { millis: waits + DEFAULT_TIMEOUT.millis }.text()
            )),
        );
    }
    fits
}

/// Per deployment: each hook's Job name `<service>-<hook>` must be a DNS label (at most 63
/// characters), and under Argo Rollouts a failed Job aborts even a canary that halts (SW0361).
pub(crate) fn check_deployments(checker: &mut Checker, model: &Model) {
    for deployment in &model.deployments {
        let StrategyKind::Canary {
            hooks, on_failure, ..
        } = &deployment.strategy.kind
        else {
            continue;
        };
        for hook in hooks {
            let job = hook.job_name(&deployment.service);
            if job.len() > 63 {
                checker.report(
                    InvalidName::HookJob {
                        hook: &hook.name.value,
                        service: &deployment.service,
                        job: &job,
                        span: hook.name.span,
                    }
                    .diagnostic(),
                );
            }
        }
        let argo = matches!(deployment.strategy.engine, Engine::ArgoRollouts(_));
        if let (true, OnFailure::Halt, Some(hook)) = (argo, on_failure, hooks.first()) {
            checker.report(halt_warning(hook));
        }
    }
}

fn halt_warning(hook: &Hook) -> Diagnostic {
    Diagnostic::warning(
        Code::SW0361,
        format!(
            "with Argo Rollouts, a failed hook aborts the rollout although the canary halts on failure: `{}` runs as an analysis Job, which fails rather than pauses",
            hook.name.value
        ),
        hook.name.span,
        "aborts on failure",
    )
    .with_help("accept that a failed hook rolls back, or use `engine = workflow`, whose hooks halt like its gates")
}
