//! SW0206, worded once: a value of the right type outside what its field allows (a negative
//! number, an integer beyond its bounds, a percentage above 100%, a step of 0%, a duration
//! shorter than a second, an empty command). Readers describe what they found as an
//! [`OutOfRange`] and report [`OutOfRange::diagnostic`]; the wording lives here only.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A value outside its field's range, with what the reader knows about it.
#[derive(Debug, Clone)]
pub(crate) enum OutOfRange<'a> {
    /// A negative number; `positive` is the number without its sign, unit included.
    Negative { positive: String, span: Span },
    /// An integer outside `min..=max`, as written (`shown`).
    Integer {
        shown: &'a str,
        min: u64,
        max: u64,
        span: Span,
    },
    /// A percentage above 100%, its digits as written.
    Percentage { digits: &'a str, span: Span },
    /// A canary step of 0%.
    ZeroStep { span: Span },
    /// `step_weight = 0%`.
    ZeroStepWeight { span: Span },
    /// `max_weight` below `step_weight`.
    MaxBelowStep {
        max: u32,
        step: u32,
        span: Span,
        step_span: Span,
    },
    /// A probe timing below one second.
    ProbeTiming { field: &'a str, span: Span },
    /// An alerting duration (`window`, `for`) below one second.
    AlertDuration { field: &'a str, span: Span },
    /// A liveness or startup probe with `success_threshold` other than 1.
    SuccessThreshold { probe: &'a str, span: Span },
    /// An http probe path that does not start with `/`.
    ProbePath { span: Span },
    /// An exec probe with an empty command.
    EmptyCommand { span: Span },
    /// An exposed path that is not an absolute path prefix.
    ExposedPath { span: Span },
}

impl OutOfRange<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            OutOfRange::Negative { positive, span } => error(
                "negative values are not allowed here",
                *span,
                "must not be negative",
            )
            .with_help(format!("write a value of 0 or more, such as `{positive}`"))
            .with_suggested_fix(*span, positive.clone()),
            OutOfRange::Integer {
                shown,
                min,
                max,
                span,
            } => integer(shown, *min, *max, *span),
            OutOfRange::Percentage { digits, span } => error(
                format!("{digits}% is out of range: a percentage is between 0% and 100%"),
                *span,
                "above 100%",
            )
            .with_help("write a percentage from `0%` to `100%`"),
            OutOfRange::ZeroStep { span } => {
                error("a canary step must send some traffic", *span, "0%")
                    .with_help("weights are between 1% and 100%")
            }
            OutOfRange::ZeroStepWeight { span } => {
                error("`step_weight` must send some traffic", *span, "0%")
                    .with_help("steps are between 1% and 100%, e.g. `step_weight = 10%`")
            }
            OutOfRange::MaxBelowStep {
                max,
                step,
                span,
                step_span,
            } => error(
                format!("`max_weight` ({max}%) is below `step_weight` ({step}%)"),
                *span,
                "below the first step",
            )
            .with_label(*step_span, "the first step")
            .with_help("`max_weight` is the last weight before promotion: at least `step_weight`; swap them if they are reversed"),
            OutOfRange::ProbeTiming { field, span } => error(
                format!("probe `{field}` must be at least 1s"),
                *span,
                "too short",
            )
            .with_help("Kubernetes counts probe timings in whole seconds"),
            OutOfRange::AlertDuration { field, span } => error(
                format!("`{field}` must be at least 1s"),
                *span,
                "too short",
            )
            .with_help("Prometheus evaluates rules every few seconds; use `1m` or more"),
            OutOfRange::SuccessThreshold { probe, span } => error(
                format!("a {probe} probe's `success_threshold` must be 1"),
                *span,
                "success_threshold is not 1",
            )
            .with_help("Kubernetes only accepts 1 here; remove `success_threshold` or move it to the readiness probe"),
            OutOfRange::ProbePath { span } => error(
                "an http probe path must start with `/`",
                *span,
                "relative path",
            ),
            OutOfRange::EmptyCommand { span } => {
                error("an exec probe needs a command", *span, "empty command")
            }
            OutOfRange::ExposedPath { span } => error(
                "an exposed path is an absolute path prefix",
                *span,
                "not a path prefix",
            )
            .with_help("write a path that starts with `/`, without spaces, query, fragment or wildcard, e.g. `\"/api\"`"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0206, message, span, label)
}

/// An integer out of bounds, with the likely slip as a fix: a minus sign too many, or one
/// digit too many (`80800` for `8080`).
fn integer(shown: &str, min: u64, max: u64, span: Span) -> Diagnostic {
    let range = if max == u64::from(u32::MAX) || max == u64::MAX {
        format!("at least {min}")
    } else {
        format!("between {min} and {max}")
    };
    let diagnostic = error(
        format!("{shown} is out of range: must be {range}"),
        span,
        format!("must be {range}"),
    );
    let in_range = |text: &str| text.parse::<u64>().is_ok_and(|v| (min..=max).contains(&v));
    let likely = match shown.strip_prefix('-') {
        Some(positive) => Some(positive),
        None => shown.get(..shown.len().saturating_sub(1)),
    }
    .filter(|text| !text.is_empty() && in_range(text));
    let bound = if shown.starts_with('-') || shown.parse::<u64>().is_ok_and(|v| v < min) {
        format!("the smallest allowed value is `{min}`")
    } else {
        format!("the largest allowed value is `{max}`")
    };
    match likely {
        Some(likely) => diagnostic
            .with_help(format!("{bound}; did you mean `{likely}`?"))
            .with_suggested_fix(span, likely),
        None => diagnostic.with_help(bound),
    }
}
