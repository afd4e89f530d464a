//! Policies: declaration and type checking of their conditions (evaluation is in [`eval`]).
//!
//! A policy quantifies over services, environments or deployments (a service in an
//! environment, overrides applied): `each = deployment`, `when = environment.production`,
//! `require = service.image.pinned`. Conditions compare fields of the subject with literals,
//! combine them with `and`, `or`, `not`, test optional fields with `has(...)`, and quantify
//! over a list field with `all(service.ports, port.number != 22)` or `any(...)`, where the
//! element is named after the list (`port`, `env`). Field paths and literal types are checked
//! when the policy is declared; a violation is reported at the offending field with the
//! policy's rule as a secondary label.

mod eval;
mod fields;

use super::declarations::body;
use super::model::*;
use super::reader::Reader;
use super::values::{self, QuantityKind};
use super::{item_label, schema, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{CompareOp, Expr, ExprKind, Item, LogicOp};
pub use eval::run;
pub use fields::{FieldType, FIELDS};
use serde::Serialize;

/// A type-checked condition.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Literal(bool),
    /// A boolean field such as `environment.production`.
    Field(String),
    /// `has(service.image.tag)`
    Has(String),
    Compare {
        field: String,
        op: String,
        value: Literal,
    },
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    /// `all(service.ports, port.number != 22)`: holds for every element of the list.
    All {
        list: String,
        condition: Box<Condition>,
    },
    /// `any(service.env, env.secret)`: holds for at least one element.
    Any {
        list: String,
        condition: Box<Condition>,
    },
}

impl Condition {
    /// How many operators and tests the condition holds: the work of one evaluation, up to
    /// the length of the lists `all` and `any` go through.
    pub fn size(&self) -> usize {
        match self {
            Condition::Literal(_)
            | Condition::Field(_)
            | Condition::Has(_)
            | Condition::Compare { .. } => 1,
            Condition::And(a, b) | Condition::Or(a, b) => 1 + a.size() + b.size(),
            Condition::Not(inner) => 1 + inner.size(),
            Condition::All { condition, .. } | Condition::Any { condition, .. } => {
                1 + condition.size()
            }
        }
    }
}

/// A literal on the right of a comparison, already read with the field's type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    Bool(bool),
    Int(u64),
    Text(String),
    Milli(u128),
    Millis(u64),
}

pub(crate) fn lower(checker: &mut Checker, item: &Item) -> Option<Policy> {
    let errors_before = checker.error_count();
    let object = body(checker, item)?;
    let reader = Reader::new(checker, object, &schema::POLICY, item_label(item));
    let severity = match reader.value(checker, "severity") {
        Some(e) => values::keyword(checker, e, "severity", PolicySeverity::KEYWORDS),
        None => Some(PolicySeverity::Deny),
    };
    let each = reader
        .required_value(checker, "each")
        .and_then(|e| values::keyword(checker, e, "policy subject", PolicySubject::KEYWORDS));
    let when = match (reader.value(checker, "when"), each) {
        (Some(expr), Some(each)) => condition(checker, expr, each),
        _ => None,
    };
    let require_expr = reader.required_value(checker, "require");
    let require = match (require_expr, each) {
        (Some(expr), Some(each)) => condition(checker, expr, each),
        _ => None,
    };
    let message = reader
        .required_value(checker, "message")
        .and_then(|e| values::string(checker, e));
    let help = reader
        .value(checker, "help")
        .and_then(|e| values::string(checker, e))
        .map(|s| s.value);
    if checker.error_count() > errors_before {
        return None;
    }
    Some(Policy {
        name: Spanned::new(item.name.text.clone(), item.name.span),
        severity: severity?,
        each: each?,
        when,
        require: require?,
        message: message?.value,
        help,
        environments: Vec::new(),
        pack: None,
        span: require_expr.map_or(item.name.span, |e| e.span),
    })
}

fn invalid(span: Span, message: impl Into<String>, label: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SW0501, message, span, label)
}

/// What a condition may read: the policy's subject, and inside `all`/`any` the element.
#[derive(Debug, Clone, Copy)]
struct Scope {
    each: PolicySubject,
    element: Option<&'static str>,
}

/// Type-checks a condition for policies over `each`.
pub(crate) fn condition(
    checker: &mut Checker,
    expr: &Expr,
    each: PolicySubject,
) -> Option<Condition> {
    checked(
        checker,
        expr,
        Scope {
            each,
            element: None,
        },
    )
}

fn checked(checker: &mut Checker, expr: &Expr, each: Scope) -> Option<Condition> {
    match &expr.kind {
        ExprKind::Bool(value) => Some(Condition::Literal(*value)),
        ExprKind::Path(_) => {
            let (name, ty) = field(checker, expr, each)?;
            if ty != FieldType::Bool {
                checker.report(
                    invalid(
                        expr.span,
                        format!("`{name}` is not a yes/no field"),
                        "compare it with a value",
                    )
                    .with_help(format!("write a comparison such as `{name} == ...`")),
                );
                return None;
            }
            Some(Condition::Field(name))
        }
        ExprKind::Call {
            function,
            arguments,
        } if function.text == "has" => match arguments.as_slice() {
            [argument] => field(checker, argument, each).map(|(name, _)| Condition::Has(name)),
            _ => {
                checker.report(invalid(
                    expr.span,
                    "`has` takes one field",
                    "wrong number of arguments",
                ));
                None
            }
        },
        ExprKind::Call {
            function,
            arguments,
        } if matches!(function.text.as_str(), "all" | "any") => {
            quantifier(checker, expr, &function.text, arguments, each)
        }
        ExprKind::Call { function, .. } => {
            checker.report(
                invalid(
                    function.span,
                    format!("unknown function `{}`", function.text),
                    "not a function",
                )
                .with_suggestion(&function.text, ["has", "all", "any"]),
            );
            None
        }
        ExprKind::Not(inner) => checked(checker, inner, each).map(|c| Condition::Not(Box::new(c))),
        ExprKind::Logic { op, left, right } => {
            let left = checked(checker, left, each);
            let right = checked(checker, right, each);
            let (left, right) = (Box::new(left?), Box::new(right?));
            Some(match op {
                LogicOp::And => Condition::And(left, right),
                LogicOp::Or => Condition::Or(left, right),
            })
        }
        ExprKind::Compare { op, left, right } => compare(checker, *op, left, right, each),
        other => {
            checker.report(invalid(
                expr.span,
                format!("expected a condition, found {}", other.describe()),
                "not a condition",
            ));
            None
        }
    }
}

/// `all(list, condition)` or `any(list, condition)`.
fn quantifier(
    checker: &mut Checker,
    expr: &Expr,
    function: &str,
    arguments: &[Expr],
    scope: Scope,
) -> Option<Condition> {
    let [list, inner] = arguments else {
        checker.report(
            invalid(
                expr.span,
                format!("`{function}` takes a list field and a condition"),
                "wrong number of arguments",
            )
            .with_help(format!(
                "write `{function}(service.ports, port.number != 22)`"
            )),
        );
        return None;
    };
    let (name, ty) = field(checker, list, scope)?;
    let FieldType::List(element) = ty else {
        let lists: Vec<String> = FIELDS
            .iter()
            .filter(|f| matches!(f.ty, FieldType::List(_)))
            .map(|f| format!("`{}`", f.path))
            .collect();
        checker.report(
            invalid(list.span, format!("`{name}` is not a list"), "not a list").with_help(format!(
                "`{function}` goes over a list: {}",
                lists.join(", ")
            )),
        );
        return None;
    };
    if scope.element.is_some() {
        checker.report(invalid(
            expr.span,
            format!("`{function}` cannot be nested in another `all` or `any`"),
            "nested quantifier",
        ));
        return None;
    }
    let condition = Box::new(checked(
        checker,
        inner,
        Scope {
            element: Some(element),
            ..scope
        },
    )?);
    Some(match function {
        "all" => Condition::All {
            list: name,
            condition,
        },
        _ => Condition::Any {
            list: name,
            condition,
        },
    })
}

fn field(checker: &mut Checker, expr: &Expr, scope: Scope) -> Option<(String, FieldType)> {
    let each = scope.each;
    let ExprKind::Path(path) = &expr.kind else {
        checker.report(invalid(
            expr.span,
            format!(
                "expected a field such as `service.replicas`, found {}",
                expr.kind.describe()
            ),
            "not a field",
        ));
        return None;
    };
    let name = path.dotted();
    let Some(found) = FIELDS.iter().find(|f| f.path == name) else {
        let candidates = FIELDS
            .iter()
            .filter(|f| f.available(each) || f.element() == scope.element)
            .map(|f| f.path);
        checker.report(
            invalid(
                expr.span,
                format!("unknown field `{name}`"),
                "not a policy field",
            )
            .with_suggestion(&name, candidates),
        );
        return None;
    };
    if let Some(element) = found.element() {
        if scope.element == Some(element) {
            return Some((name, found.ty));
        }
        let list = FIELDS
            .iter()
            .find(|f| f.ty == FieldType::List(element))
            .map_or("", |f| f.path);
        checker.report(
            invalid(
                expr.span,
                format!(
                    "`{element}` is only defined inside `all({list}, ...)` or `any({list}, ...)`"
                ),
                "not in scope",
            )
            .with_help(format!("write `all({list}, {name} ...)`")),
        );
        return None;
    }
    if !found.available(each) {
        let root = name.split('.').next().unwrap_or("");
        checker.report(
            invalid(
                expr.span,
                format!(
                    "`{root}` is not available in a policy with `each = {}`",
                    crate::check::model::spelling_of(PolicySubject::KEYWORDS, &each)
                ),
                "not in scope",
            )
            .with_help("use `each = deployment` to check services and environments together"),
        );
        return None;
    }
    Some((name, found.ty))
}

fn compare(
    checker: &mut Checker,
    op: CompareOp,
    left: &Expr,
    right: &Expr,
    each: Scope,
) -> Option<Condition> {
    let (field_expr, literal_expr, op) = match (&left.kind, &right.kind) {
        (_, ExprKind::Path(_)) if !matches!(left.kind, ExprKind::Path(_)) => {
            (right, left, flip(op))
        }
        _ => (left, right, op),
    };
    let (name, ty) = field(checker, field_expr, each)?;
    let ordered = matches!(
        op,
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
    );
    if let FieldType::List(_) = ty {
        checker.report(
            invalid(field_expr.span, format!("`{name}` is a list"), "a list").with_help(format!(
                "test its elements with `all({name}, ...)` or `any({name}, ...)`"
            )),
        );
        return None;
    }
    if ordered
        && matches!(
            ty,
            FieldType::Bool | FieldType::Text | FieldType::Keyword(_)
        )
    {
        checker.report(invalid(
            left.span.to(right.span),
            format!("`{name}` cannot be compared with `{}`", op.as_str()),
            "only `==` and `!=` apply",
        ));
        return None;
    }
    let value = literal(checker, literal_expr, &name, ty)?;
    Some(Condition::Compare {
        field: name,
        op: op.as_str().to_string(),
        value,
    })
}

fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

fn literal(checker: &mut Checker, expr: &Expr, field: &str, ty: FieldType) -> Option<Literal> {
    match ty {
        FieldType::Bool => values::boolean(checker, expr).map(Literal::Bool),
        FieldType::Int => values::integer(checker, expr, 0, u64::MAX).map(Literal::Int),
        FieldType::Text => values::string(checker, expr).map(|s| Literal::Text(s.value)),
        FieldType::Percent => values::percent(checker, expr).map(|p| Literal::Int(u64::from(p))),
        FieldType::Duration => values::duration(checker, expr).map(|d| Literal::Millis(d.millis)),
        FieldType::Quantity => {
            let kind = if field.ends_with("memory") {
                QuantityKind::Memory
            } else {
                QuantityKind::Cpu
            };
            values::quantity(checker, expr, kind).map(|q| Literal::Milli(q.milli))
        }
        FieldType::Keyword(choices) => {
            let pairs: Vec<(&str, &str)> = choices.iter().map(|c| (*c, *c)).collect();
            values::keyword(checker, expr, "value", &pairs).map(|c| Literal::Text(c.to_string()))
        }
        FieldType::List(_) => None,
    }
}
