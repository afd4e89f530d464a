//! One walk over the values of a declaration, for the checks that look at what a spec string
//! becomes in the output (`injection`: GitHub expressions, `secrets`: credentials). Policies and
//! waivers are never walked: their words reach no output.

use crate::syntax::ast::{Entry, Expr, ExprKind, Item, Object};

/// Calls `visit(key, value)` for every value of `item` under a key not in `skip`, depth first,
/// with the nearest enclosing key: each attribute's value, and, when `visit` returns `true`,
/// the items of a list and the values of an object inside it.
pub fn walk(item: &Item, skip: &[&str], visit: &mut impl FnMut(&str, &Expr) -> bool) {
    if item.keyword.text == "policy" || item.keyword.text == "waive" {
        return;
    }
    value(skip, "", &item.value, visit);
}

fn object(skip: &[&str], object: &Object, visit: &mut impl FnMut(&str, &Expr) -> bool) {
    for entry in &object.entries {
        match entry {
            Entry::Attribute { key, value: expr } if !skip.contains(&key.text.as_str()) => {
                value(skip, &key.text, expr, visit)
            }
            Entry::Block { key, body, .. } if !skip.contains(&key.text.as_str()) => {
                self::object(skip, body, visit)
            }
            _ => {}
        }
    }
}

fn value(skip: &[&str], key: &str, expr: &Expr, visit: &mut impl FnMut(&str, &Expr) -> bool) {
    if !visit(key, expr) {
        return;
    }
    match &expr.kind {
        ExprKind::List(items) => items.iter().for_each(|item| value(skip, key, item, visit)),
        ExprKind::Object(body) => object(skip, body, visit),
        _ => {}
    }
}
