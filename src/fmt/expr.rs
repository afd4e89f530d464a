//! Printing expressions: literals exactly as written, conditions with the fewest parentheses
//! that keep their grouping, and bodies and lists either on one line or expanded.

use super::printer::Printer;
use super::WIDTH;
use crate::span::Span;
use crate::syntax::ast::{Entry, Expr, ExprKind, LogicOp, Object, Path};
use crate::syntax::lexer::{self, Kind};

/// Binding strength, loosest first: `or`, `and`, `not`, comparisons, everything else.
fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Logic {
            op: LogicOp::Or, ..
        } => 1,
        ExprKind::Logic {
            op: LogicOp::And, ..
        } => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Compare { .. } => 4,
        _ => 5,
    }
}

/// The operand positions of a binary or prefix expression: `(left minimum, right minimum)`.
fn operand_minimums(expr: &Expr) -> (u8, u8) {
    match &expr.kind {
        ExprKind::Logic {
            op: LogicOp::Or, ..
        } => (1, 2),
        ExprKind::Logic {
            op: LogicOp::And, ..
        } => (2, 3),
        ExprKind::Not(_) => (3, 3),
        _ => (5, 5),
    }
}

fn logic_word(op: LogicOp) -> &'static str {
    match op {
        LogicOp::And => "and",
        LogicOp::Or => "or",
    }
}

impl Printer<'_> {
    /// Prints `expr`, which starts at `column`: on one line when allowed, expanded otherwise.
    pub fn expr(&mut self, expr: &Expr, column: usize) {
        if let ExprKind::Object(object) = &expr.kind {
            self.object(object, column);
            return;
        }
        self.inline_comments(expr.span.start as usize);
        if let Some(text) = self.flat(expr) {
            let is_list = matches!(expr.kind, ExprKind::List(_));
            if column + text.chars().count() <= WIDTH || !is_list {
                self.out.push_str(&text);
                return;
            }
        }
        match &expr.kind {
            ExprKind::List(items) => self.expanded_list(items, expr.span),
            _ => self.inline(expr),
        }
    }

    /// Prints a body (of a block, a declaration or a value such as `http { ... }`) starting
    /// at `column`.
    pub fn object(&mut self, object: &Object, column: usize) {
        self.inline_comments(object.span.start as usize);
        if !self.has_comments(object.span) {
            if let Some(text) = self.flat_object(object) {
                if column + text.chars().count() <= WIDTH {
                    self.out.push_str(&text);
                    return;
                }
            }
        }
        self.expanded_object(object);
    }

    /// The one-line form of `expr`, if it has no comments and was not written expanded.
    fn flat(&self, expr: &Expr) -> Option<String> {
        if self.has_comments(expr.span) {
            return None;
        }
        self.flat_expr(expr)
    }

    fn written_on_one_line(&self, span: Span) -> bool {
        let text = self
            .source
            .get(span.start as usize..self.end(span))
            .unwrap_or("");
        !text.contains('\n')
    }

    fn flat_expr(&self, expr: &Expr) -> Option<String> {
        Some(match &expr.kind {
            ExprKind::String(_) => self.slice(expr.span).to_string(),
            ExprKind::Number(number) => {
                format!("{}{}", number.digits, number.unit.as_deref().unwrap_or(""))
            }
            ExprKind::Bool(value) => value.to_string(),
            ExprKind::Path(path) => path.dotted(),
            ExprKind::List(items) if items.is_empty() => "[]".to_string(),
            ExprKind::List(items) => {
                if !self.written_on_one_line(expr.span) {
                    return None;
                }
                format!("[{}]", self.flat_all(items)?.join(", "))
            }
            ExprKind::Object(object) => self.flat_object(object)?,
            ExprKind::Call {
                function,
                arguments,
            } => {
                format!(
                    "{}({})",
                    function.text,
                    self.flat_all(arguments)?.join(", ")
                )
            }
            ExprKind::Compare { op, left, right } => {
                format!(
                    "{} {} {}",
                    self.flat_operand(left, 5)?,
                    op.as_str(),
                    self.flat_operand(right, 5)?
                )
            }
            ExprKind::Logic { op, left, right } => {
                let (left_min, right_min) = operand_minimums(expr);
                let left = self.flat_operand(left, left_min)?;
                format!(
                    "{left} {} {}",
                    logic_word(*op),
                    self.flat_operand(right, right_min)?
                )
            }
            ExprKind::Not(inner) => format!("not {}", self.flat_operand(inner, 3)?),
        })
    }

    fn flat_all(&self, items: &[Expr]) -> Option<Vec<String>> {
        items.iter().map(|item| self.flat_expr(item)).collect()
    }

    fn flat_operand(&self, operand: &Expr, minimum: u8) -> Option<String> {
        let text = self.flat_expr(operand)?;
        let wrap = precedence(operand) < minimum || self.parenthesized(operand);
        Some(if wrap { format!("({text})") } else { text })
    }

    fn flat_object(&self, object: &Object) -> Option<String> {
        let tag = object
            .tag
            .as_ref()
            .map(|tag| format!("{} ", tag.text))
            .unwrap_or_default();
        if object.entries.is_empty() {
            return Some(format!("{tag}{{}}"));
        }
        if !self.written_on_one_line(object.span) {
            return None;
        }
        let entries: Option<Vec<String>> = object
            .entries
            .iter()
            .map(|entry| self.flat_entry(entry))
            .collect();
        Some(format!("{tag}{{ {} }}", entries?.join("  ")))
    }

    fn flat_entry(&self, entry: &Entry) -> Option<String> {
        match entry {
            Entry::Attribute { key, value } => Some(format!(
                "{} = {}",
                self.slice(key.span),
                self.flat_expr(value)?
            )),
            Entry::Block { key, label, body } => {
                let label = label
                    .as_ref()
                    .map(|label| format!(" {}", self.slice(label.span)))
                    .unwrap_or_default();
                Some(format!(
                    "{}{label} {}",
                    self.slice(key.span),
                    self.flat_object(body)?
                ))
            }
        }
    }

    /// `tag {` + one entry per line + `}`.
    fn expanded_object(&mut self, object: &Object) {
        let open = match &object.tag {
            Some(tag) => {
                self.out.push_str(&tag.text);
                let open = self.find_open_brace(tag.span.end as usize);
                self.inline_comments(open);
                self.space();
                open
            }
            None => object.span.start as usize,
        };
        self.out.push('{');
        let close = (object.span.end as usize).saturating_sub(1);
        self.body(object, open + 1, close);
        self.out.push('}');
    }

    fn expanded_list(&mut self, items: &[Expr], span: Span) {
        self.out.push('[');
        let close = (span.end as usize).saturating_sub(1);
        self.list_items(items, span.start as usize + 1, close);
        self.out.push(']');
    }

    /// Whether the author wrapped this operand in parentheses: those are kept, so the output
    /// reads as written (and `not (x)` never becomes `not x`). The operand's span starts inside
    /// any parentheses of its own first operand, so each `(` before it is tried, innermost first.
    fn parenthesized(&self, operand: &Expr) -> bool {
        let end = self.end(operand.span);
        let mut position = operand.span.start as usize;
        while let Some(open) = self.previous_token(position) {
            if self.source.as_bytes().get(open) != Some(&b'(') {
                return false;
            }
            if let Some(close) = self.matching_paren(open) {
                if close >= end && self.only_closing_parens(end, close) {
                    return true;
                }
            }
            position = open;
        }
        false
    }

    /// Whether `start..end` holds nothing but whitespace, comments and `)`.
    fn only_closing_parens(&self, start: usize, end: usize) -> bool {
        let mut position = start;
        while let Some(next) = self.next_token(position).filter(|next| *next < end) {
            if self.source.as_bytes().get(next) != Some(&b')') {
                return false;
            }
            position = next + 1;
        }
        true
    }

    /// The offset of the last character before `position` that is not whitespace or comment.
    fn previous_token(&self, position: usize) -> Option<usize> {
        let mut position = position.min(self.source.len());
        loop {
            let before = self.source.get(..position)?.trim_end();
            let comment = self.comment_ending_at(before.len());
            match comment {
                Some(comment) => position = comment.span.start as usize,
                None => return before.len().checked_sub(1),
            }
        }
    }

    /// The offset of the first token at or after `position` (a token boundary) that is not
    /// whitespace or comment.
    fn next_token(&self, position: usize) -> Option<usize> {
        lexer::tokens_from(self.source, position)
            .find(|token| !token.kind.is_trivia())
            .map(|token| token.start)
    }

    /// The `)` matching the `(` at `open` (strings and comments hide their parentheses).
    fn matching_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for token in lexer::tokens_from(self.source, open) {
            match token.kind {
                Kind::Open(b'(') => depth += 1,
                Kind::Close(b')') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(token.start);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The offset of the `{` after a tag (past whitespace and comments).
    fn find_open_brace(&self, from: usize) -> usize {
        lexer::tokens_from(self.source, from)
            .find(|token| token.kind == Kind::Open(b'{'))
            .map_or(from, |token| token.start)
    }

    /// A condition, call or literal with comments inside: printed token by token, each
    /// comment before the token it preceded.
    fn inline(&mut self, expr: &Expr) {
        self.inline_comments(expr.span.start as usize);
        match &expr.kind {
            ExprKind::Path(path) => self.path(path),
            ExprKind::Call {
                function,
                arguments,
            } => self.call(function.text.as_str(), arguments, expr.span),
            ExprKind::Compare { op, left, right } => {
                self.operand(left, 5);
                self.space();
                self.out.push_str(op.as_str());
                self.out.push(' ');
                self.operand(right, 5);
            }
            ExprKind::Logic { op, left, right } => {
                let (left_min, right_min) = operand_minimums(expr);
                self.operand(left, left_min);
                self.space();
                self.out.push_str(logic_word(*op));
                self.out.push(' ');
                self.operand(right, right_min);
            }
            ExprKind::Not(inner) => {
                self.out.push_str("not ");
                self.operand(inner, 3);
            }
            _ => {
                let text = self
                    .flat_expr(expr)
                    .unwrap_or_else(|| self.slice(expr.span).to_string());
                self.out.push_str(&text);
            }
        }
    }

    fn operand(&mut self, operand: &Expr, minimum: u8) {
        let column = self.column();
        if precedence(operand) < minimum || self.parenthesized(operand) {
            self.out.push('(');
            self.expr(operand, column + 1);
            self.out.push(')');
        } else {
            self.expr(operand, column);
        }
    }

    fn call(&mut self, function: &str, arguments: &[Expr], span: Span) {
        self.out.push_str(function);
        self.out.push('(');
        for (index, argument) in arguments.iter().enumerate() {
            if index > 0 {
                self.out.push_str(", ");
            }
            let column = self.column();
            self.expr(argument, column);
        }
        self.inline_comments((span.end as usize).saturating_sub(1));
        self.out.push(')');
    }

    pub fn path(&mut self, path: &Path) {
        for (index, segment) in path.segments.iter().enumerate() {
            self.inline_comments(segment.span.start as usize);
            if index > 0 {
                self.out.push('.');
            }
            self.out.push_str(&segment.text);
        }
    }
}
