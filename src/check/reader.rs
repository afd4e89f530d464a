//! Reading an object's fields against a [`Schema`].
//!
//! [`Reader::new`] reports unknown fields (with suggestions) and fields set twice; the typed
//! getters then hand out each field's syntax, and report a missing required field or a field
//! written in the wrong shape (`replicas { }` instead of `replicas = 3`).

use super::schema::{Schema, Shape};
use super::twice::{Repeated, Twice};
use super::unknown_field::UnknownField;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{Entry, Expr, ExprKind, Ident, Object};

pub(crate) struct Reader<'a> {
    schema: &'static Schema,
    entries: Vec<&'a Entry>,
    /// Where "missing field" errors point: usually the name of the declaration.
    owner: Span,
}

impl<'a> Reader<'a> {
    pub fn new(
        checker: &mut Checker,
        object: &'a Object,
        schema: &'static Schema,
        owner: Span,
    ) -> Reader<'a> {
        let mut entries: Vec<&'a Entry> = Vec::with_capacity(object.entries.len());
        for entry in &object.entries {
            let key = entry.key();
            let Some(field) = schema.field(&key.text) else {
                checker.report(unknown_field(schema, key));
                continue;
            };
            let earlier = entries.iter().find(|e| e.key().text == key.text);
            match earlier {
                Some(earlier) if field.shape != Shape::Repeated => {
                    checker.report(
                        Twice {
                            repeated: Repeated::Field,
                            name: &key.text,
                            span: key.span,
                            first: Some(earlier.key().span),
                        }
                        .diagnostic(),
                    );
                }
                _ => entries.push(entry),
            }
        }
        Reader {
            schema,
            entries,
            owner,
        }
    }

    fn find(&self, name: &str) -> Option<&'a Entry> {
        self.entries
            .iter()
            .copied()
            .find(|entry| entry.key().text == name)
    }

    /// The value of `name = value`, if present.
    pub fn value(&self, checker: &mut Checker, name: &str) -> Option<&'a Expr> {
        match self.find(name)? {
            Entry::Attribute { value, .. } => Some(value),
            Entry::Block { key, .. } => {
                checker.report(
                    crate::check::wrong_type::WrongType::BlockForValue {
                        field: name,
                        takes: "a value",
                        example: "...",
                        span: key.span,
                    }
                    .diagnostic(),
                );
                None
            }
        }
    }

    /// Like [`Reader::value`], but reports a missing field.
    pub(crate) fn required_value(&self, checker: &mut Checker, name: &str) -> Option<&'a Expr> {
        if self.find(name).is_none() {
            checker.report(self.missing(name));
            return None;
        }
        self.value(checker, name)
    }

    /// The body of `name { ... }` (or `name = { ... }`), if present.
    pub fn block(&self, checker: &mut Checker, name: &str) -> Option<&'a Object> {
        match self.find(name)? {
            Entry::Block { body, .. } => Some(body),
            Entry::Attribute { value, key } => match &value.kind {
                ExprKind::Object(object) if object.tag.is_none() => Some(object),
                _ => {
                    checker.report(
                        crate::check::wrong_type::WrongType::ValueForBlock {
                            field: name,
                            found: Some(value.kind.describe()),
                            span: value.span,
                            key: Some(key.span),
                        }
                        .diagnostic(),
                    );
                    None
                }
            },
        }
    }

    /// Every `name label? { ... }` block, in order.
    pub fn blocks(
        &self,
        checker: &mut Checker,
        name: &str,
    ) -> Vec<(&'a Ident, Option<&'a Ident>, &'a Object)> {
        let mut out = Vec::new();
        for entry in self.entries.iter().filter(|e| e.key().text == name) {
            match entry {
                Entry::Block { key, label, body } => out.push((key, label.as_ref(), body)),
                Entry::Attribute { key, .. } => checker.report(
                    crate::check::wrong_type::WrongType::ValueForBlock {
                        field: name,
                        found: None,
                        span: key.span,
                        key: None,
                    }
                    .diagnostic(),
                ),
            }
        }
        out
    }

    /// The key span of a field, for labels.
    pub(crate) fn key_span(&self, name: &str) -> Option<Span> {
        self.find(name).map(|entry| entry.key().span)
    }

    pub fn missing(&self, name: &str) -> Diagnostic {
        crate::check::missing::Missing::Field {
            what: self.schema.what,
            field: name,
            doc: self.schema.field(name).map(|field| field.doc),
            span: self.owner,
        }
        .diagnostic()
    }
}

fn unknown_field(schema: &Schema, key: &Ident) -> Diagnostic {
    UnknownField::InBlock {
        field: &key.text,
        what: schema.what,
        candidates: schema.names().collect(),
        span: key.span,
    }
    .diagnostic()
}
