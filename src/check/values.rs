//! Typed reading of literal values: integers, percentages, durations, quantities, strings,
//! booleans, names and variants. Each getter reports what is wrong with the value (type,
//! unit, range, overflow) at the value's span and returns `None`, so callers simply skip it.

use super::model::{Duration, IntOrPercent, Quantity};
use super::wrong_unit::WrongUnit;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Entry, Expr, ExprKind, Ident, NumberLit, Object, Path};

/// What a quantity measures; decides which units make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuantityKind {
    Cpu,
    Memory,
}

pub(super) const DURATION_UNITS: &[(&str, u64)] = &[
    ("ms", 1),
    ("s", 1000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Kubernetes quantity suffixes and their multipliers, in milli-units.
pub(super) const QUANTITY_UNITS: &[(&str, u128)] = &[
    ("m", 1),
    ("k", 1_000_000),
    ("M", 1_000_000_000),
    ("G", 1_000_000_000_000),
    ("T", 1_000_000_000_000_000),
    ("P", 1_000_000_000_000_000_000),
    ("E", 1_000_000_000_000_000_000_000),
    ("Ki", 1024 * 1000),
    ("Mi", 1024 * 1024 * 1000),
    ("Gi", 1024 * 1024 * 1024 * 1000),
    ("Ti", 1024 * 1024 * 1024 * 1024 * 1000),
    ("Pi", 1024 * 1024 * 1024 * 1024 * 1024 * 1000),
    ("Ei", 1024 * 1024 * 1024 * 1024 * 1024 * 1024 * 1000),
];

fn type_error(expected: &str, expr: &Expr) -> Diagnostic {
    crate::check::wrong_type::WrongType::Expected {
        expected,
        found: expr.kind.describe(),
        span: expr.span,
    }
    .diagnostic()
}

fn number<'e>(checker: &mut Checker, expr: &'e Expr, expected: &str) -> Option<&'e NumberLit> {
    match &expr.kind {
        ExprKind::Number(number) => Some(number),
        ExprKind::String(text) if looks_like_number(text) => {
            checker.report(
                type_error(expected, expr)
                    .with_help(format!("remove the quotes: `{text}`"))
                    .with_fix(expr.span, text.clone()),
            );
            None
        }
        ExprKind::Path(path) if number_word(&path.dotted()).is_some() => {
            let digits = number_word(&path.dotted()).unwrap_or_default();
            checker.report(
                type_error(expected, expr)
                    .with_help(format!("write it in digits: `{digits}`"))
                    .with_fix(expr.span, digits),
            );
            None
        }
        _ => {
            checker.report(type_error(expected, expr).with_help(match expected {
                "a whole number" => "write a whole number such as `3`",
                "a percentage" => "write a percentage such as `30%`",
                "a duration" => "write a duration such as `30s`",
                "a quantity" => "write a quantity such as `500m` or `512Mi`",
                _ => "write a number",
            }));
            None
        }
    }
}

/// `two` as `2`: numbers written as words, up to twelve.
fn number_word(word: &str) -> Option<String> {
    const WORDS: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let lower = word.to_ascii_lowercase();
    WORDS
        .iter()
        .position(|w| *w == lower)
        .map(|value| value.to_string())
}

/// Whether `text` reads as a number literal (`3`, `0.5`, `2Gi`, `30%`), so that removing
/// its quotes gives a number.
fn looks_like_number(text: &str) -> bool {
    let digits_end = text
        .trim_start_matches('-')
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or(text.len(), |at| at + usize::from(text.starts_with('-')));
    let (digits, unit) = text.split_at(digits_end);
    let digits = digits.strip_prefix('-').unwrap_or(digits);
    let mut parts = digits.split('.');
    let whole_ok = parts.next().is_some_and(|w| !w.is_empty());
    let fraction_ok = parts.next().is_none_or(|f| !f.is_empty());
    whole_ok
        && fraction_ok
        && parts.next().is_none()
        && (unit.is_empty() || unit == "%" || unit.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Splits `12.5` into (125, 1): the digits as an integer and the count of decimals.
fn decimal(checker: &mut Checker, number: &NumberLit, span: Span) -> Option<(u128, u32)> {
    if let Some(positive) = number.digits.strip_prefix('-') {
        let written = format!("{positive}{}", number.unit.as_deref().unwrap_or(""));
        checker.report(
            crate::check::out_of_range::OutOfRange::Negative {
                positive: written,
                span,
            }
            .diagnostic(),
        );
        return None;
    }
    let (whole, fraction) = number
        .digits
        .split_once('.')
        .unwrap_or((&number.digits, ""));
    let joined = format!("{whole}{fraction}");
    let parsed = joined.parse::<u128>().ok().filter(|_| joined.len() <= 30);
    match parsed {
        Some(value) => Some((value, u32::try_from(fraction.len()).unwrap_or(u32::MAX))),
        None => {
            checker.report(too_large(span));
            None
        }
    }
}

fn too_large(span: Span) -> Diagnostic {
    Diagnostic::error(Code::SW0207, "number is too large", span, "too large")
        .with_help("Slipway numbers must fit the Kubernetes field they become")
}

/// A whole number without a unit in `min..=max`.
pub fn integer(checker: &mut Checker, expr: &Expr, min: u64, max: u64) -> Option<u64> {
    let number = number(checker, expr, "a whole number")?;
    if let Some(unit) = &number.unit {
        checker.report(
            WrongUnit::PlainNumber {
                number,
                unit,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    }
    if number.digits.contains('.') {
        checker.report(type_error("a whole number", expr));
        return None;
    }
    if let Some(rest) = number.digits.strip_prefix('-') {
        let shown = format!("-{rest}");
        checker.report(out_of_range(expr.span, &shown, min, max));
        return None;
    }
    let Ok(value) = number.digits.parse::<u64>() else {
        checker.report(too_large(expr.span));
        return None;
    };
    if value < min || value > max {
        checker.report(out_of_range(expr.span, &value.to_string(), min, max));
        return None;
    }
    Some(value)
}

pub(crate) fn integer_u32(checker: &mut Checker, expr: &Expr, min: u32, max: u32) -> Option<u32> {
    integer(checker, expr, u64::from(min), u64::from(max)).and_then(|v| u32::try_from(v).ok())
}

fn out_of_range(span: Span, shown: &str, min: u64, max: u64) -> Diagnostic {
    crate::check::out_of_range::OutOfRange::Integer {
        shown,
        min,
        max,
        span,
    }
    .diagnostic()
}

/// A whole percentage such as `30%`, in 0..=100.
pub fn percent(checker: &mut Checker, expr: &Expr) -> Option<u32> {
    let hundredths = percent_hundredths(checker, expr)?;
    if hundredths % 100 != 0 {
        checker.report(
            type_error("a whole percentage", expr).with_help("use a whole number such as `30%`"),
        );
        return None;
    }
    Some(hundredths / 100)
}

/// A percentage with up to two decimals (`99.95%`), in hundredths of a percent.
pub(crate) fn percent_hundredths(checker: &mut Checker, expr: &Expr) -> Option<u32> {
    let number = number(checker, expr, "a percentage")?;
    if number.unit.as_deref() != Some("%") {
        checker.report(
            WrongUnit::Percentage {
                number,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    }
    let (value, decimals) = decimal(checker, number, expr.span)?;
    if decimals > 2 {
        checker.report(type_error("a percentage with at most two decimals", expr));
        return None;
    }
    let hundredths = value * 10u128.pow(2 - decimals);
    if hundredths > 10_000 {
        checker.report(
            crate::check::out_of_range::OutOfRange::Percentage {
                digits: &number.digits,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    }
    u32::try_from(hundredths).ok()
}

/// A count (`1`) or a percentage (`25%`), as surge settings take.
pub(crate) fn int_or_percent(checker: &mut Checker, expr: &Expr) -> Option<IntOrPercent> {
    match &expr.kind {
        ExprKind::Number(number) if number.unit.as_deref() == Some("%") => {
            percent(checker, expr).map(IntOrPercent::Percent)
        }
        ExprKind::Number(number) if number.unit.is_none() => {
            integer_u32(checker, expr, 0, u32::from(u16::MAX)).map(IntOrPercent::Count)
        }
        ExprKind::Number(number) => {
            checker.report(
                WrongUnit::CountOrPercentage {
                    number,
                    span: expr.span,
                }
                .diagnostic(),
            );
            None
        }
        _ => {
            checker.report(type_error("a count or a percentage", expr));
            None
        }
    }
}

/// A duration such as `30s`, `5m`, `250ms`, `1h`.
pub fn duration(checker: &mut Checker, expr: &Expr) -> Option<Duration> {
    let number = number(checker, expr, "a duration")?;
    let unit = number.unit.as_deref();
    let Some((_, size)) = DURATION_UNITS.iter().find(|(u, _)| Some(*u) == unit) else {
        checker.report(
            WrongUnit::Duration {
                number,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    };
    let (value, decimals) = decimal(checker, number, expr.span)?;
    let millis = value
        .checked_mul(u128::from(*size))
        .map(|v| v / 10u128.pow(decimals.min(30)))
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v <= u64::from(u32::MAX) * 1000);
    match millis {
        Some(millis) => Some(Duration { millis }),
        None => {
            checker.report(too_large(expr.span));
            None
        }
    }
}

/// A Kubernetes quantity: `500m` or `2` for CPU, `512Mi` or `2Gi` for memory.
pub(crate) fn quantity(checker: &mut Checker, expr: &Expr, kind: QuantityKind) -> Option<Quantity> {
    let number = number(checker, expr, "a quantity")?;
    let unit = number.unit.as_deref();
    let multiplier = match unit {
        None => 1000,
        Some(u) => match QUANTITY_UNITS.iter().find(|(q, _)| *q == u) {
            Some((_, multiplier)) => *multiplier,
            None => {
                checker.report(
                    WrongUnit::Quantity {
                        number,
                        unit: u,
                        kind,
                        span: expr.span,
                    }
                    .diagnostic(),
                );
                return None;
            }
        },
    };
    if kind == QuantityKind::Memory && unit == Some("m") {
        checker.report(
            WrongUnit::MilliBytes {
                number,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    }
    let (value, decimals) = decimal(checker, number, expr.span)?;
    let scaled = value.checked_mul(multiplier);
    let milli = scaled.map(|v| v / 10u128.pow(decimals.min(30)));
    // Kubernetes stores quantities in 64 bits; anything larger is rejected by the API server.
    match milli.filter(|m| *m <= u128::from(i64::MAX as u64)) {
        Some(milli) => Some(Quantity {
            text: format!("{}{}", number.digits, unit.unwrap_or("")),
            milli,
        }),
        None => {
            checker.report(too_large(expr.span));
            None
        }
    }
}

pub fn string(checker: &mut Checker, expr: &Expr) -> Option<Spanned<String>> {
    match &expr.kind {
        ExprKind::String(value) => Some(Spanned::new(value.clone(), expr.span)),
        _ => {
            checker.report(type_error("a string", expr).with_help(match &expr.kind {
                ExprKind::Path(path) => format!("quote it: `\"{}\"`", path.dotted()),
                _ => "write it in double quotes".to_string(),
            }));
            None
        }
    }
}

/// A list of strings; a single string counts as a list of one.
pub fn strings(checker: &mut Checker, expr: &Expr) -> Option<Vec<String>> {
    match &expr.kind {
        ExprKind::List(items) => items
            .iter()
            .map(|item| string(checker, item).map(|s| s.value))
            .collect(),
        _ => string(checker, expr).map(|s| vec![s.value]),
    }
}

pub(crate) fn boolean(checker: &mut Checker, expr: &Expr) -> Option<bool> {
    match &expr.kind {
        ExprKind::Bool(value) => Some(*value),
        _ => {
            checker.report(type_error("`true` or `false`", expr));
            None
        }
    }
}

/// A plain name such as `staging` (a reference, resolved by the caller).
pub fn name(checker: &mut Checker, expr: &Expr) -> Option<Spanned<String>> {
    match &expr.kind {
        ExprKind::Path(path) if path.segments.len() == 1 => {
            Some(Spanned::new(path.dotted(), path.span))
        }
        ExprKind::String(value) => {
            checker.report(
                type_error("a name", expr)
                    .with_help(format!("names are written without quotes: `{value}`"))
                    .with_fix(expr.span, value.clone()),
            );
            None
        }
        _ => {
            checker.report(type_error("a name", expr));
            None
        }
    }
}

/// A list of names; a single name counts as a list of one.
pub fn names(checker: &mut Checker, expr: &Expr) -> Vec<Spanned<String>> {
    match &expr.kind {
        ExprKind::List(items) => items
            .iter()
            .filter_map(|item| name(checker, item))
            .collect(),
        _ => name(checker, expr).into_iter().collect(),
    }
}

/// A value that selects one of several kinds, with or without settings: `manual`,
/// `manual { reviewers = [...] }`, `canary { ... }`.
pub struct Variant<'a> {
    pub tag: &'a str,
    pub tag_span: Span,
    pub body: Option<&'a Object>,
}

pub fn variant<'a>(checker: &mut Checker, expr: &'a Expr, expected: &str) -> Option<Variant<'a>> {
    match &expr.kind {
        ExprKind::Path(Path { segments, .. }) if segments.len() == 1 => {
            let tag: &Ident = segments.first()?;
            Some(Variant {
                tag: &tag.text,
                tag_span: tag.span,
                body: None,
            })
        }
        ExprKind::Object(object) => match &object.tag {
            Some(tag) => Some(Variant {
                tag: &tag.text,
                tag_span: tag.span,
                body: Some(object),
            }),
            None => {
                checker.report(
                    type_error(expected, expr)
                        .with_help(format!("name the kind before the braces, e.g. {expected}")),
                );
                None
            }
        },
        _ => {
            checker.report(type_error(expected, expr));
            None
        }
    }
}

/// Reports an unknown variant with a suggestion from `choices`.
pub(crate) fn unknown_variant(
    checker: &mut Checker,
    what: &str,
    variant: &Variant,
    choices: &[&str],
) {
    checker.report(
        crate::check::unknown_variant::UnknownVariant::Kind {
            what,
            tag: variant.tag,
            choices,
            span: variant.tag_span,
        }
        .diagnostic(),
    );
}

/// A string that must be a Kubernetes name of `rule` (reported as `what` when it is not).
pub(crate) fn kubernetes_name(
    checker: &mut Checker,
    expr: &Expr,
    rule: super::names::NameRule,
    what: &str,
) -> Option<Spanned<String>> {
    string(checker, expr)
        .filter(|name| super::names::check_name(checker, &name.value, name.span, rule, what))
}

/// Picks a bare keyword among `choices`, such as `tcp`/`udp` or `deny`/`warn`.
pub fn keyword<T: Copy>(
    checker: &mut Checker,
    expr: &Expr,
    what: &str,
    choices: &[(&str, T)],
) -> Option<T> {
    let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
    keyword_of(checker, expr, what, &names, |tag| {
        choices
            .iter()
            .find(|(name, _)| *name == tag)
            .map(|(_, value)| *value)
    })
}

/// Like [`keyword`], for a type that lists its `keywords` and reads one with `from_keyword`.
pub(crate) fn keyword_of<T>(
    checker: &mut Checker,
    expr: &Expr,
    what: &str,
    keywords: &[&str],
    from_keyword: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let variant = variant(checker, expr, what)?;
    if let Some(body) = variant.body {
        checker.report(
            crate::check::wrong_type::WrongType::TakesNoSettings {
                keyword: variant.tag,
                span: body.span,
            }
            .diagnostic(),
        );
    }
    let value = from_keyword(variant.tag);
    if value.is_none() {
        unknown_variant(checker, what, &variant, keywords);
    }
    value
}

/// `{ key = "value", "prefix/key" = "value" }`: Kubernetes label keys to label values, at
/// least one; `what` names the map in the message ("a gateway selector"), `empty_label` says
/// what an empty one would do, and `example` is the help's example of the whole field.
pub(crate) fn label_map(
    checker: &mut Checker,
    expr: &Expr,
    what: &str,
    empty_label: &str,
    example: &str,
) -> Option<std::collections::BTreeMap<String, String>> {
    let ExprKind::Object(object) = &expr.kind else {
        checker.report(
            crate::check::wrong_type::WrongType::NotLabels {
                found: expr.kind.describe(),
                example,
                span: expr.span,
            }
            .diagnostic(),
        );
        return None;
    };
    let mut labels = std::collections::BTreeMap::new();
    for entry in &object.entries {
        let key = entry.key();
        let value = match entry {
            Entry::Attribute { value, .. } => string(checker, value),
            Entry::Block { .. } => None,
        };
        let Some(value) = value else { continue };
        if !label_part_valid(&key.text)
            || !(value.value.is_empty() || label_part_valid(&value.value))
        {
            checker.report(
                crate::check::invalid_name::InvalidName::Label {
                    key: &key.text,
                    value: &value.value,
                    span: value.span,
                }
                .diagnostic(),
            );
            continue;
        }
        labels.insert(key.text.clone(), value.value);
    }
    if object.entries.is_empty() {
        checker.report(
            crate::check::missing::Missing::Labels {
                what,
                label: empty_label,
                example,
                span: object.span,
            }
            .diagnostic(),
        );
        return None;
    }
    Some(labels)
}

/// A label value, or a label key's name with an optional DNS prefix.
pub(crate) fn label_part_valid(text: &str) -> bool {
    let name = text.rsplit_once('/').map_or(text, |(_, name)| name);
    let alphanumeric_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    !name.is_empty()
        && name.len() <= 63
        && alphanumeric_ends
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
