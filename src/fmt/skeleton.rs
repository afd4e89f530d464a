//! A span-free rendering of a syntax tree, used to prove that formatting kept the meaning:
//! two modules with the same skeleton have the same declarations, keys, values and grouping,
//! whatever their layout.

use crate::syntax::ast::{
    Declaration, Entry, Expr, ExprKind, ImportTarget, LogicOp, Module, Object,
};
use std::fmt::Write;

/// The skeleton of `module`: one line per declaration, nested values in brackets.
pub fn of(module: &Module) -> String {
    let mut out = String::new();
    for declaration in &module.declarations {
        declaration_skeleton(&mut out, declaration);
        out.push('\n');
    }
    out
}

fn declaration_skeleton(out: &mut String, declaration: &Declaration) {
    match declaration {
        Declaration::Import(import) => {
            let target = match &import.target {
                ImportTarget::File(file) => format!("{:?}", file.value),
                ImportTarget::Module(module) => module.text.clone(),
            };
            let alias = import
                .alias
                .as_ref()
                .map_or("", |alias| alias.text.as_str());
            let names: Vec<&str> = import.names.iter().map(|name| name.text.as_str()).collect();
            let _ = write!(out, "import {target} as {alias} {{{}}}", names.join(","));
        }
        Declaration::Item(item) => {
            let from = item
                .from
                .as_ref()
                .map(|path| path.dotted())
                .unwrap_or_default();
            let _ = write!(
                out,
                "{} {} from {from} = ",
                item.keyword.text, item.name.text
            );
            expr_skeleton(out, &item.value);
        }
        Declaration::Error(_) => out.push_str("error"),
    }
}

fn object_skeleton(out: &mut String, object: &Object) {
    let tag = object.tag.as_ref().map_or("", |tag| tag.text.as_str());
    let _ = write!(out, "{tag}{{");
    for entry in &object.entries {
        match entry {
            Entry::Attribute { key, value } => {
                let _ = write!(out, "{:?}=", key.text);
                expr_skeleton(out, value);
            }
            Entry::Block { key, label, body } => {
                let label = label.as_ref().map_or("", |label| label.text.as_str());
                let _ = write!(out, "{:?} {label:?} ", key.text);
                object_skeleton(out, body);
            }
        }
        out.push(';');
    }
    out.push('}');
}

fn expr_skeleton(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::String(value) => {
            let _ = write!(out, "{value:?}");
        }
        ExprKind::Number(number) => {
            let _ = write!(
                out,
                "{}{}",
                number.digits,
                number.unit.as_deref().unwrap_or("")
            );
        }
        ExprKind::Bool(value) => {
            let _ = write!(out, "{value}");
        }
        ExprKind::List(items) => sequence(out, "[", items, "]"),
        ExprKind::Object(object) => object_skeleton(out, object),
        ExprKind::Path(path) => out.push_str(&path.dotted()),
        ExprKind::Call {
            function,
            arguments,
        } => {
            out.push_str(&function.text);
            sequence(out, "(", arguments, ")");
        }
        ExprKind::Compare { op, left, right } => binary(out, op.as_str(), left, right),
        ExprKind::Logic { op, left, right } => {
            let op = if *op == LogicOp::And { "and" } else { "or" };
            binary(out, op, left, right);
        }
        ExprKind::Not(inner) => {
            out.push_str("(not ");
            expr_skeleton(out, inner);
            out.push(')');
        }
    }
}

fn sequence(out: &mut String, open: &str, items: &[Expr], close: &str) {
    out.push_str(open);
    for item in items {
        expr_skeleton(out, item);
        out.push(',');
    }
    out.push_str(close);
}

fn binary(out: &mut String, op: &str, left: &Expr, right: &Expr) {
    out.push('(');
    expr_skeleton(out, left);
    let _ = write!(out, " {op} ");
    expr_skeleton(out, right);
    out.push(')');
}
