//! SW0205, worded once: a number whose unit does not fit its field (a plain number where a
//! duration goes, a duration where a percentage goes, `m` on a memory size, a unit nobody
//! knows), and a hook's timeout too short to count in seconds. Readers describe what they
//! found as a [`WrongUnit`] and report [`WrongUnit::diagnostic`]; the messages, help and
//! fixes (the nearest unit from `units.rs`, a ratio as a percentage) live here only.

use super::units;
use super::values::{QuantityKind, DURATION_UNITS, QUANTITY_UNITS};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::NumberLit;

/// A number with the wrong unit for where it is written, as the reader found it.
#[derive(Debug, Clone)]
pub(crate) enum WrongUnit<'a> {
    /// A unit on a number that takes none.
    PlainNumber {
        number: &'a NumberLit,
        unit: &'a str,
        span: Span,
    },
    /// A number without `%` where a percentage goes.
    Percentage { number: &'a NumberLit, span: Span },
    /// A number with a unit other than `%` where a count or a percentage goes.
    CountOrPercentage { number: &'a NumberLit, span: Span },
    /// A number without a duration unit where a duration goes.
    Duration { number: &'a NumberLit, span: Span },
    /// A quantity whose unit (`unit`) Kubernetes does not know: `2GB`, `512MiB`, `2cores`.
    Quantity {
        number: &'a NumberLit,
        unit: &'a str,
        kind: QuantityKind,
        span: Span,
    },
    /// `m` (milli) on a memory size.
    MilliBytes { number: &'a NumberLit, span: Span },
    /// A hook's timeout below one second, as written (`shown`).
    HookTimeout { shown: String, span: Span },
}

impl WrongUnit<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        let (written, expected) = match self {
            WrongUnit::PlainNumber { number, unit, .. } => {
                (format!("{}{unit}", number.digits), "number")
            }
            WrongUnit::Percentage { number, .. } => (written(number), "percentage"),
            WrongUnit::CountOrPercentage { number, .. } => (written(number), "count or percentage"),
            WrongUnit::Duration { number, .. } => (written(number), "duration"),
            WrongUnit::Quantity {
                number,
                kind: QuantityKind::Cpu,
                ..
            } => (written(number), "cpu quantity"),
            WrongUnit::Quantity { number, .. } | WrongUnit::MilliBytes { number, .. } => {
                (written(number), "memory quantity")
            }
            WrongUnit::HookTimeout { shown, .. } => (shown.clone(), "duration of at least 1s"),
        };
        self.described()
            .with_data("value", written)
            .with_data("expected", expected)
    }

    fn described(&self) -> Diagnostic {
        match self {
            WrongUnit::PlainNumber { number, unit, span } => expected(
                "a plain number",
                &format!("`{}{unit}`", number.digits),
                *span,
            )
            .with_help(format!("remove the unit: `{}`", number.digits))
            .with_fix(*span, number.digits.clone()),
            WrongUnit::Percentage { number, span } => percentage(number, *span),
            WrongUnit::CountOrPercentage { number, span } => {
                expected("a count or a percentage", &describe_unit(number), *span)
                    .with_help("write a count such as `1` or a percentage such as `25%`")
            }
            WrongUnit::Duration { number, span } => duration(number, *span),
            WrongUnit::Quantity {
                number,
                unit,
                kind,
                span,
            } => quantity(number, unit, *kind, *span),
            WrongUnit::MilliBytes { number, span } => expected(
                "a memory size",
                &format!("`{}m` (milli-bytes)", number.digits),
                *span,
            )
            .with_help(format!("did you mean `{}Mi`?", number.digits))
            .with_fix(*span, format!("{}Mi", number.digits)),
            WrongUnit::HookTimeout { shown, span } => Diagnostic::error(
                Code::SW0205,
                format!("a hook's timeout must be at least 1s, not {shown}"),
                *span,
                "too short to run anything",
            )
            .with_help("write a timeout such as `timeout = 5m`"),
        }
    }
}

/// "expected a duration, found a plain number".
fn expected(expected: &str, found: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::SW0205,
        format!("expected {expected}, found {found}"),
        span,
        format!("expected {expected}"),
    )
}

/// What a number with its unit usually means, for "expected a duration, found a quantity"
/// messages; an unknown unit is named.
fn describe_unit(number: &NumberLit) -> String {
    match number.unit.as_deref() {
        None => "a plain number".to_string(),
        Some("%") => "a percentage".to_string(),
        Some(u) if DURATION_UNITS.iter().any(|(d, _)| *d == u) && u != "m" => {
            "a duration".to_string()
        }
        Some(u) if QUANTITY_UNITS.iter().any(|(q, _)| *q == u) => "a quantity".to_string(),
        Some(u) => format!("`{}{u}`, whose unit `{u}` is unknown", number.digits),
    }
}

/// `number` written with `unit` instead of its own.
fn with_unit(number: &NumberLit, unit: &str) -> String {
    format!("{}{unit}", number.digits)
}

/// A number without `%` where a percentage is wanted. A ratio (`0.95`) becomes `95%`, a
/// plain number above 1 gets its `%`; both are certain. `1` could be 1% or a ratio of 100%,
/// so that fix is only offered; a number with another unit gets no fix.
fn percentage(number: &NumberLit, span: Span) -> Diagnostic {
    let error = expected("a percentage", &describe_unit(number), span);
    if number.unit.is_some() {
        return error.with_help("write a percentage such as `30%`");
    }
    let digits = number.digits.as_str();
    if let Some(percent) = ratio_as_percent(digits) {
        return error
            .with_help(format!(
                "`{digits}` is a ratio; as a percentage it is `{percent}%`"
            ))
            .with_fix(span, format!("{percent}%"));
    }
    let help = error.with_help(format!("write it as `{digits}%`"));
    if digits == "1" {
        help.with_suggested_fix(span, "1%")
    } else {
        help.with_fix(span, format!("{digits}%"))
    }
}

/// `0.95` as `95`, `0.5` as `50`, `0.999` as `99.9`: a ratio below 1 times a hundred.
fn ratio_as_percent(digits: &str) -> Option<String> {
    let fraction = digits.strip_prefix("0.")?;
    let padded = format!("{fraction:0<2}");
    let (whole, rest) = padded.split_at(2);
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(if rest.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{rest}")
    })
}

/// A number without a duration unit. Another spelling of a unit (`30sec`) is fixed for
/// certain; a missing or unknown unit gets seconds as a guess, offered but not applied.
fn duration(number: &NumberLit, span: Span) -> Diagnostic {
    let error = expected("a duration", &describe_unit(number), span);
    let Some(unit) = number.unit.as_deref() else {
        let seconds = with_unit(number, "s");
        return error
            .with_help(format!("add a unit, e.g. `{seconds}`"))
            .with_suggested_fix(span, seconds);
    };
    if QUANTITY_UNITS.iter().any(|(q, _)| *q == unit) || unit == "%" {
        return error.with_help("durations use ms, s, m, h or d, e.g. `30s`");
    }
    let nearest = units::duration(unit);
    let written = with_unit(number, nearest.unit);
    if nearest.certain {
        error
            .with_help(format!("write `{written}`"))
            .with_fix(span, written)
    } else {
        error
            .with_help(format!(
                "durations use ms, s, m, h or d: did you mean `{written}`?"
            ))
            .with_suggested_fix(span, written)
    }
}

/// A quantity whose unit Kubernetes does not know, with the nearest unit it does.
fn quantity(number: &NumberLit, unit: &str, kind: QuantityKind, span: Span) -> Diagnostic {
    let error = expected("a quantity", &describe_unit(number), span);
    let Some(nearest) = units::quantity(unit, kind) else {
        return error.with_help(match kind {
            QuantityKind::Cpu => "CPU is written in cores (`1`, `0.5`) or millicores (`500m`)",
            QuantityKind::Memory => "memory is written with Ki, Mi, Gi (or k, M, G), e.g. `512Mi`",
        });
    };
    let written = with_unit(number, nearest.unit);
    let decimal_bytes = kind == QuantityKind::Memory && nearest.unit.len() == 1 && unit.len() > 1;
    let help = if decimal_bytes {
        let binary = with_unit(number, &format!("{}i", nearest.unit.to_ascii_uppercase()));
        format!(
            "Kubernetes writes sizes without `B`: `{written}` is what `{}` says; `{binary}` is the 1024-based size most specs use",
            with_unit(number, unit)
        )
    } else {
        format!("write `{written}`")
    };
    let error = error.with_help(help);
    if nearest.certain {
        error.with_fix(span, written)
    } else {
        error.with_suggested_fix(span, written)
    }
}

/// A number as written: its digits and unit.
fn written(number: &NumberLit) -> String {
    format!("{}{}", number.digits, number.unit.as_deref().unwrap_or(""))
}
