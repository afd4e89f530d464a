//! The untyped syntax tree. Every node carries the [`Span`] it was parsed from.
//!
//! The tree says nothing about meaning: `service` and `replicas` are plain identifiers here;
//! the checker decides what they mean. Declarations that failed to parse are kept as
//! [`Declaration::Error`] so later phases can skip them and still check the rest.

use crate::span::{FileId, Span};

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub declarations: Vec<Declaration>,
    /// Comments, in source order, for the formatter and for doc comments.
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Declaration {
    Import(Box<Import>),
    Item(Box<Item>),
    /// A declaration that did not parse; its diagnostic has already been reported.
    Error(Box<BrokenDeclaration>),
}

/// What could still be read from a declaration that failed to parse: its kind and name, so
/// references to it are not also reported as unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenDeclaration {
    pub keyword: Option<Ident>,
    pub name: Option<Ident>,
    pub span: Span,
}

impl Declaration {
    pub fn span(&self) -> Span {
        match self {
            Declaration::Import(import) => import.span,
            Declaration::Item(item) => item.span,
            Declaration::Error(broken) => broken.span,
        }
    }
}

/// `import "common.slip"`, `import std/strategies as strategies`,
/// `import std/probes { http-health, http-ready }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub target: ImportTarget,
    pub alias: Option<Ident>,
    /// Names used without the module's name (`{ http-health }`), in source order.
    pub names: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportTarget {
    File(StringLit),
    Module(Ident),
}

/// `service web { ... }` or `strategy safe = canary { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The declaration kind: `service`, `environment`, ...
    pub keyword: Ident,
    pub name: Ident,
    /// `from template-name`, for declarations built from a template.
    pub from: Option<Path>,
    pub value: Expr,
    /// Doc comment (`///` lines) directly above the declaration.
    pub doc: Option<String>,
    pub span: Span,
}

impl Item {
    /// This item with `value` in place of its own and no `from`, without copying its own
    /// value (`Item { value, ..item.clone() }` copies the whole body only to drop it).
    pub fn with_value(&self, value: Expr) -> Item {
        Item {
            keyword: self.keyword.clone(),
            name: self.name.clone(),
            from: None,
            value,
            doc: self.doc.clone(),
            span: self.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

/// `a.b.c`
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn dotted(&self) -> String {
        let parts: Vec<&str> = self.segments.iter().map(|s| s.text.as_str()).collect();
        parts.join(".")
    }
}

/// `{ key = value  block { ... } }`, optionally preceded by a tag (`canary { ... }`).
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub tag: Option<Ident>,
    pub entries: Vec<Entry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// `key = value`
    Attribute { key: Ident, value: Expr },
    /// `key label? { ... }`
    Block {
        key: Ident,
        label: Option<Ident>,
        body: Object,
    },
}

impl Entry {
    pub fn key(&self) -> &Ident {
        match self {
            Entry::Attribute { key, .. } | Entry::Block { key, .. } => key,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Entry::Attribute { key, value } => key.span.to(value.span),
            Entry::Block { key, body, .. } => key.span.to(body.span),
        }
    }
}

/// A number as written, with its unit split off: `500m` is digits `500`, unit `m`.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberLit {
    pub digits: String,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    String(String),
    Number(NumberLit),
    Bool(bool),
    List(Vec<Expr>),
    Object(Object),
    Path(Path),
    Call {
        function: Ident,
        arguments: Vec<Expr>,
    },
    Compare {
        op: CompareOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Logic {
        op: LogicOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Not(Box<Expr>),
}

impl ExprKind {
    /// What the user wrote, in words, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            ExprKind::String(_) => "a string".to_string(),
            ExprKind::Number(number) => match number.unit.as_deref() {
                None => "a number".to_string(),
                Some("%") => "a percentage".to_string(),
                Some(unit) => format!("a number with unit `{unit}`"),
            },
            ExprKind::Bool(_) => "a boolean".to_string(),
            ExprKind::List(_) => "a list".to_string(),
            ExprKind::Object(object) => match &object.tag {
                Some(tag) => format!("a `{}` block", tag.text),
                None => "a block".to_string(),
            },
            ExprKind::Path(path) => format!("the name `{}`", path.dotted()),
            ExprKind::Call { function, .. } => format!("a call to `{}`", function.text),
            ExprKind::Compare { .. } | ExprKind::Logic { .. } | ExprKind::Not(_) => {
                "a condition".to_string()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}
