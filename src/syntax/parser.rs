//! pest parse of one declaration chunk, and the conversion of pest pairs into the AST.

use super::ast::*;
use super::lexer::{self, Kind};
use super::split::MAX_DEPTH;
use super::{escape, expected, SyntaxError, TooDeep};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{floor_char_boundary, FileId, Span};
use pest::iterators::Pair;
use pest::Parser;
use std::cell::Cell;

/// The deepest syntax tree a declaration may build. Brackets alone are bounded by the
/// splitter ([`MAX_DEPTH`]), but an `and`/`or` chain of n operands is a tree n levels deep,
/// and chains can sit inside each other at every bracket level. The checker, the formatter,
/// the language server and `Drop` all recurse over the tree, so its total depth (blocks,
/// lists, objects, calls, chains, `not`s and comparisons) is bounded here.
pub(crate) const MAX_TREE_DEPTH: usize = 2 * MAX_DEPTH;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/slipway.pest"]
pub(crate) struct SlipwayParser;

/// Parses the text `chunk`, found at byte `offset` of `file`, as one declaration.
pub(crate) fn parse_declaration(file: FileId, chunk: &str, offset: usize) -> Built<Declaration> {
    let builder = Builder {
        file,
        offset,
        depth: Cell::new(0),
    };
    match SlipwayParser::parse(Rule::declaration_only, chunk) {
        Ok(mut pairs) => {
            let declaration = pairs.next().ok_or_else(|| {
                Box::new(builder.syntax_error(chunk, 0, "a declaration".to_string()))
            })?;
            builder.declaration(declaration)
        }
        Err(error) => Err(Box::new(builder.pest_error(chunk, &error))),
    }
}

struct Builder {
    file: FileId,
    offset: usize,
    /// How deep in the syntax tree the node being built sits.
    depth: Cell<usize>,
}

/// A built node, or the diagnostic (boxed: it is large) that stopped the build.
pub(crate) type Built<T> = Result<T, Box<Diagnostic>>;

impl Builder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let span = pair.as_span();
        Span::new(
            self.file,
            self.offset + span.start(),
            self.offset + tight_end(pair),
        )
    }

    fn pest_error(&self, chunk: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
        let position = match error.location {
            pest::error::InputLocation::Pos(position) => position,
            pest::error::InputLocation::Span((start, _)) => start,
        };
        let expected = match &error.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => expected::join(positives),
            pest::error::ErrorVariant::CustomError { message } => message.clone(),
        };
        self.syntax_error(chunk, position, expected)
    }

    /// SW0001 for a block left open: at its `{`, with where the `}` belongs (before the
    /// line the indentation points at, or at the end) and a suggested fix that inserts it.
    fn unclosed_error(&self, chunk: &str, unclosed: Unclosed) -> Diagnostic {
        let start = self.offset + unclosed.open;
        let open = Span::new(self.file, start, start + 1);
        let Some(line_start) = unclosed.before_line else {
            let end = self.offset + chunk.trim_end().len();
            let end = Span::new(self.file, end, end);
            return SyntaxError::UnclosedBraceAtEnd { open, end }.diagnostic();
        };
        SyntaxError::UnclosedBrace {
            open,
            line: Span::new(
                self.file,
                self.offset + line_start,
                self.offset + line_start,
            ),
            indent: indentation(chunk, unclosed.open),
        }
        .diagnostic()
    }

    fn syntax_error(&self, chunk: &str, position: usize, expected: String) -> Diagnostic {
        let position = floor_char_boundary(chunk, position.min(chunk.len()));
        if chunk[position..].trim().is_empty() {
            if let Some(unclosed) = unclosed_brace(chunk) {
                return self.unclosed_error(chunk, unclosed);
            }
        }
        if let Some(line_end) = unterminated_string(chunk, position) {
            let start = self.offset + position;
            let line_end = self.offset + line_end;
            return SyntaxError::UnclosedString {
                start: Span::new(self.file, start, start + 1),
                line_end: Span::new(self.file, line_end, line_end),
            }
            .diagnostic();
        }
        let (found, length) = found_at(chunk, position);
        let start = self.offset + position;
        let span = Span::new(self.file, start, start + length);
        SyntaxError::Expected {
            expected: &expected,
            found: &found,
            word_follows: chunk[position..].starts_with(char::is_alphabetic),
            span,
        }
        .diagnostic()
    }

    fn declaration(&self, pair: Pair<Rule>) -> Built<Declaration> {
        let inner = first_child(&pair);
        match inner.as_rule() {
            Rule::import => self
                .import(inner)
                .map(|import| Declaration::Import(Box::new(import))),
            _ => self
                .item(inner)
                .map(|item| Declaration::Item(Box::new(item))),
        }
    }

    fn import(&self, pair: Pair<Rule>) -> Built<Import> {
        // The rule's own span runs on over the blank lines skipped while looking for `as`.
        let last_end = pair
            .clone()
            .into_inner()
            .last()
            .map(|child| self.span(&child).end);
        let mut span = self.span(&pair);
        span.end = last_end.unwrap_or(span.end);
        let mut children = pair
            .into_inner()
            .filter(|c| !matches!(c.as_rule(), Rule::kw_import | Rule::kw_as));
        let target = match children.next() {
            Some(child) if child.as_rule() == Rule::string => {
                ImportTarget::File(self.string(child)?)
            }
            Some(child) => ImportTarget::Module(self.ident(child)),
            None => return Err(Box::new(self.syntax_error("", 0, "an import path".into()))),
        };
        let mut alias = None;
        let mut names = Vec::new();
        for child in children {
            match child.as_rule() {
                Rule::import_names => names.extend(
                    child
                        .into_inner()
                        .filter(|name| name.as_rule() == Rule::ident)
                        .map(|name| self.ident(name)),
                ),
                _ => alias = Some(self.ident(child)),
            }
        }
        Ok(Import {
            target,
            alias,
            names,
            span,
        })
    }

    fn item(&self, pair: Pair<Rule>) -> Built<Item> {
        let span = self.span(&pair);
        let mut keyword = None;
        let mut name = None;
        let mut from = None;
        let mut value = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::ident if keyword.is_none() => keyword = Some(self.ident(child)),
                Rule::ident => name = Some(self.ident(child)),
                Rule::from_clause => {
                    from = child
                        .into_inner()
                        .find(|c| c.as_rule() == Rule::path)
                        .map(|path| self.path(path));
                }
                Rule::object => {
                    let object = self.object(child, None)?;
                    value = Some(Expr {
                        span: object.span,
                        kind: ExprKind::Object(object),
                    });
                }
                Rule::expr => value = Some(self.expr(child)?),
                _ => {}
            }
        }
        match (keyword, name, value) {
            (Some(keyword), Some(name), Some(value)) => Ok(Item {
                keyword,
                name,
                from,
                value,
                doc: None,
                span,
            }),
            _ => Err(Box::new(
                SyntaxError::IncompleteDeclaration { span }.diagnostic(),
            )),
        }
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        let segments = pair
            .into_inner()
            .map(|segment| self.ident(segment))
            .collect();
        Path { segments, span }
    }

    fn string(&self, pair: Pair<Rule>) -> Built<StringLit> {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map_or("", |inner| inner.as_str());
        let value = escape::unescape(raw).map_err(|bad| {
            // The raw text starts one byte (the opening quote) into the string.
            let start = span.start as usize + 1;
            Box::new(
                Diagnostic::error(
                    Code::SW0003,
                    bad.message,
                    Span::new(self.file, start + bad.start, start + bad.end),
                    "not a valid escape",
                )
                .with_help("supported escapes are \\\" \\\\ \\n \\t \\r and \\u{XXXX}; write a backslash as \\\\"),
            )
        })?;
        Ok(StringLit { value, span })
    }

    fn object(&self, pair: Pair<Rule>, tag: Option<Ident>) -> Built<Object> {
        let mut span = self.span(&pair);
        if let Some(tag) = &tag {
            span = tag.span.to(span);
        }
        let mut entries = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::attribute => entries.push(self.attribute(child)?),
                Rule::block => entries.push(self.block(child)?),
                _ => {}
            }
        }
        Ok(Object { tag, entries, span })
    }

    fn key(&self, pair: Pair<Rule>) -> Built<Ident> {
        if pair.as_rule() == Rule::string {
            let literal = self.string(pair)?;
            Ok(Ident {
                text: literal.value,
                span: literal.span,
            })
        } else {
            Ok(self.ident(pair))
        }
    }

    fn attribute(&self, pair: Pair<Rule>) -> Built<Entry> {
        let mut children = pair.into_inner().filter(|c| c.as_rule() != Rule::assign);
        let key = self.key(next_child(&mut children)?)?;
        let value = self.expr(next_child(&mut children)?)?;
        Ok(Entry::Attribute { key, value })
    }

    fn block(&self, pair: Pair<Rule>) -> Built<Entry> {
        let children: Vec<Pair<Rule>> = pair.into_inner().collect();
        let mut key = None;
        let mut label = None;
        let mut body = None;
        for child in children {
            match child.as_rule() {
                Rule::object => {
                    let span = self.span(&child);
                    body = Some(self.nested(1, span, || self.object(child, None))?);
                }
                _ if key.is_none() => key = Some(self.key(child)?),
                _ => label = Some(self.key(child)?),
            }
        }
        match (key, body) {
            (Some(key), Some(body)) => Ok(Entry::Block { key, label, body }),
            _ => Err(Box::new(
                SyntaxError::IncompleteBlock {
                    span: Span::new(self.file, self.offset, self.offset),
                }
                .diagnostic(),
            )),
        }
    }

    fn expr(&self, pair: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => self.expr(first_child(&pair)),
            Rule::or_expr | Rule::and_expr => self.logic(pair),
            Rule::not_expr => self.not(pair),
            Rule::comparison => self.comparison(pair),
            Rule::list | Rule::object | Rule::tagged | Rule::call => {
                self.nested(1, span, || self.compound(pair, span))
            }
            Rule::string => {
                let literal = self.string(pair)?;
                Ok(Expr {
                    kind: ExprKind::String(literal.value),
                    span,
                })
            }
            Rule::boolean => Ok(Expr {
                kind: ExprKind::Bool(pair.as_str() == "true"),
                span,
            }),
            Rule::number => Ok(Expr {
                kind: ExprKind::Number(number(&pair)),
                span,
            }),
            Rule::path => Ok(Expr {
                kind: ExprKind::Path(self.path(pair)),
                span,
            }),
            _ => Err(Box::new(SyntaxError::ExpectedValue { span }.diagnostic())),
        }
    }

    /// Lists, objects, tagged objects and calls: one level deeper than their parent.
    fn compound(&self, pair: Pair<Rule>, span: Span) -> Built<Expr> {
        match pair.as_rule() {
            Rule::list => {
                let items = pair
                    .into_inner()
                    .filter(|item| item.as_rule() == Rule::expr)
                    .map(|item| self.expr(item))
                    .collect::<Built<_>>()?;
                Ok(Expr {
                    kind: ExprKind::List(items),
                    span,
                })
            }
            Rule::object => Ok(Expr {
                kind: ExprKind::Object(self.object(pair, None)?),
                span,
            }),
            Rule::tagged => {
                let mut children = pair.into_inner();
                let tag = self.ident(next_child(&mut children)?);
                let object = self.object(next_child(&mut children)?, Some(tag))?;
                Ok(Expr {
                    kind: ExprKind::Object(object),
                    span,
                })
            }
            Rule::call => {
                let mut children = pair.into_inner();
                let function = self.ident(next_child(&mut children)?);
                let arguments = children
                    .map(|argument| self.expr(argument))
                    .collect::<Built<_>>()?;
                Ok(Expr {
                    kind: ExprKind::Call {
                        function,
                        arguments,
                    },
                    span,
                })
            }
            _ => Err(Box::new(SyntaxError::ExpectedValue { span }.diagnostic())),
        }
    }

    /// Builds with the tree `levels` deeper, or reports that it is too deep.
    fn nested<T>(&self, levels: usize, span: Span, build: impl FnOnce() -> Built<T>) -> Built<T> {
        let depth = self.depth.get().saturating_add(levels);
        if depth > MAX_TREE_DEPTH {
            return Err(Box::new(TooDeep::Value { span }.diagnostic()));
        }
        self.depth.set(depth);
        let built = build();
        self.depth.set(depth - levels);
        built
    }

    fn logic(&self, pair: Pair<Rule>) -> Built<Expr> {
        let is_or = pair.as_rule() == Rule::or_expr;
        let span = self.span(&pair);
        let operands: Vec<Pair<Rule>> = pair
            .into_inner()
            .filter(|c| !matches!(c.as_rule(), Rule::or_op | Rule::and_op))
            .collect();
        // A chain of n operands is a left-leaning tree n - 1 levels deep.
        let levels = operands.len().saturating_sub(1);
        self.nested(levels, span, || self.chain(is_or, operands))
    }

    fn chain(&self, is_or: bool, operands: Vec<Pair<Rule>>) -> Built<Expr> {
        let mut operands = operands.into_iter();
        let mut left = self.expr(next_child(&mut operands)?)?;
        for (count, operand) in operands.enumerate() {
            if count >= MAX_DEPTH {
                return Err(self.too_deep(self.span(&operand)));
            }
            let right = self.expr(operand)?;
            let span = left.span.to(right.span);
            let op = if is_or { LogicOp::Or } else { LogicOp::And };
            left = Expr {
                kind: ExprKind::Logic {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            };
        }
        Ok(left)
    }

    fn not(&self, pair: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let children: Vec<Pair<Rule>> = pair.into_inner().collect();
        let nots: Vec<Span> = children
            .iter()
            .filter(|child| child.as_rule() == Rule::not_op)
            .map(|child| self.span(child))
            .collect();
        let mut inner = None;
        for child in children.into_iter().filter(|c| c.as_rule() != Rule::not_op) {
            inner = Some(self.nested(nots.len(), span, || self.expr(child))?);
        }
        if let Some(too_many) = nots.get(MAX_DEPTH) {
            return Err(self.too_deep(*too_many));
        }
        let mut expr = inner.ok_or_else(|| Box::new(self.syntax_error("", 0, "a value".into())))?;
        for not_span in nots.into_iter().rev() {
            let span = not_span.to(expr.span);
            expr = Expr {
                kind: ExprKind::Not(Box::new(expr)),
                span,
            };
        }
        Ok(expr)
    }

    /// Long `and`/`or` chains and runs of `not` nest the syntax tree as deeply as brackets do,
    /// and every later phase recurses over it, so they share the bracket limit.
    fn too_deep(&self, span: Span) -> Box<Diagnostic> {
        Box::new(TooDeep::Condition { span }.diagnostic())
    }

    fn comparison(&self, pair: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut children = pair.into_inner();
        let first = next_child(&mut children)?;
        let Some(op) = children.next() else {
            return self.expr(first);
        };
        let second = next_child(&mut children)?;
        let (left, right) = self.nested(1, span, || Ok((self.expr(first)?, self.expr(second)?)))?;
        let op = match op.as_str() {
            "==" => CompareOp::Eq,
            "!=" => CompareOp::Ne,
            "<" => CompareOp::Lt,
            "<=" => CompareOp::Le,
            ">" => CompareOp::Gt,
            _ => CompareOp::Ge,
        };
        let span = left.span.to(right.span);
        Ok(Expr {
            kind: ExprKind::Compare {
                op,
                left: Box::new(left),
                right: Box::new(right),
            },
            span,
        })
    }
}

fn first_child<'a>(pair: &Pair<'a, Rule>) -> Pair<'a, Rule> {
    pair.clone()
        .into_inner()
        .next()
        .unwrap_or_else(|| pair.clone())
}

fn next_child<'a>(children: &mut impl Iterator<Item = Pair<'a, Rule>>) -> Built<Pair<'a, Rule>> {
    children.next().ok_or_else(|| {
        Box::new(
            SyntaxError::Incomplete {
                span: Span::default(),
            }
            .diagnostic(),
        )
    })
}

fn number(pair: &Pair<Rule>) -> NumberLit {
    let text = pair.as_str();
    let unit = pair
        .clone()
        .into_inner()
        .next()
        .map(|unit| unit.as_str().to_string());
    let digits_len = text.len() - unit.as_ref().map_or(0, String::len);
    NumberLit {
        digits: text[..digits_len].to_string(),
        unit,
    }
}

/// What the user wrote at `position`, for "found X": a word, a character or end of input.
fn found_at(chunk: &str, position: usize) -> (String, usize) {
    let rest = &chunk[position..];
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), 0);
    };
    if !first.is_ascii() && !first.is_control() {
        // Names are ASCII; a letter from another script (a Cyrillic `а` in `cart`) looks just
        // like the ASCII one, so say which character it is.
        let shown = format!("`{first}` (U+{:04X}, not an ASCII character)", first as u32);
        return (shown, first.len_utf8());
    }
    if first.is_alphanumeric() || first == '_' {
        // A name, a number or a dotted name, as far as it goes without a space (at most 40
        // characters, all ASCII).
        let end = lexer::tokens_from(chunk, position)
            .take_while(|token| matches!(token.kind, Kind::Word | Kind::Number | Kind::Dot))
            .last()
            .map_or(position, |token| token.end)
            .min(position + 40);
        return (format!("`{}`", &chunk[position..end]), end - position);
    }
    let shown = match first {
        '\n' | '\r' => "the end of the line".to_string(),
        '"' => "a string".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    };
    (shown, first.len_utf8())
}

/// When a string starts at `position` and its line ends before a closing quote, where the
/// line ends (the string rule never matches there, so pest only says what it expected).
fn unterminated_string(chunk: &str, position: usize) -> Option<usize> {
    let token = lexer::token_at(chunk, position)?;
    if token.kind != (Kind::String { closed: false }) {
        return None;
    }
    if token.end >= chunk.len() {
        return Some(chunk.trim_end().len());
    }
    Some(token.start + token.text(chunk).trim_end_matches('\r').len())
}

/// A `{` that is never closed, and where its `}` probably belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unclosed {
    /// The offset of the `{`.
    open: usize,
    /// The start of the line that should have been preceded by the missing `}`: the line of
    /// a `}` indented less than the block it would otherwise close. `None` when the
    /// indentation says nothing (the missing `}` belongs at the end).
    before_line: Option<usize>,
}

/// Finds the `{` that is left open, reading the tokens of [`lexer`] (so braces in strings
/// and comments, `//`, `#` and `/* */` alike, do not count). Braces match innermost first,
/// but when a `}` that starts its line is indented less than the line of the `{` it would
/// close, that inner block is the one whose `}` was forgotten (a `ports {` left open inside a `service {`): the indentation shows which
/// block the `}` was written for.
fn unclosed_brace(chunk: &str) -> Option<Unclosed> {
    let mut open: Vec<usize> = Vec::new();
    let mut suspect: Option<Unclosed> = None;
    for token in lexer::tokens(chunk) {
        let index = token.start;
        match token.kind {
            Kind::Open(b'{') => open.push(index),
            Kind::Close(b'}') => {
                if let Some(line_start) = starts_line(chunk, index) {
                    let indent = index - line_start;
                    while open.len() > 1
                        && open.last().is_some_and(|o| indentation(chunk, *o) > indent)
                    {
                        let forgotten = open.pop().unwrap_or_default();
                        suspect.get_or_insert(Unclosed {
                            open: forgotten,
                            before_line: Some(block_end(chunk, forgotten, line_start)),
                        });
                    }
                }
                open.pop();
            }
            _ => {}
        }
    }
    suspect.or_else(|| {
        open.last().map(|open| Unclosed {
            open: *open,
            before_line: None,
        })
    })
}

/// Where the block opened at `open` ends by its indentation: the first line after it that is
/// indented no deeper than the line of the `{`, at the latest `closer_line`.
fn block_end(text: &str, open: usize, closer_line: usize) -> usize {
    let indent = indentation(text, open);
    let Some(first) = text[open..closer_line].find('\n').map(|at| open + at + 1) else {
        return closer_line;
    };
    let mut line_start = first;
    while line_start < closer_line {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |at| line_start + at + 1);
        let line = &text[line_start..line_end];
        if !line.trim().is_empty() && indentation(text, line_start) <= indent {
            return line_start;
        }
        line_start = line_end;
    }
    closer_line
}

/// The start of the line of `offset` when only blanks come before it on that line.
fn starts_line(text: &str, offset: usize) -> Option<usize> {
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    text[line_start..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(line_start)
}

/// How many blanks start the line of `offset`.
fn indentation(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .count()
}

/// Where a node really ends. pest lets a rule that ends in a repetition (`a ~ ("." ~ a)*`)
/// consume the whitespace and comments it skipped before giving up on the repetition, so the
/// raw span of `strategy = switch // note` would cover the comment. The node ends at its
/// last child, plus any closing brackets and commas written after it.
fn tight_end(pair: &Pair<Rule>) -> usize {
    let span = pair.as_span();
    // Atomic rules never skip whitespace, so their spans are already tight (and a string's
    // closing quote comes after its last child).
    if matches!(
        pair.as_rule(),
        Rule::string | Rule::number | Rule::ident | Rule::boolean
    ) {
        return span.end();
    }
    let Some(last_child_end) = pair
        .clone()
        .into_inner()
        .map(|child| child.as_span().end())
        .max()
    else {
        return span.end();
    };
    let text = span.get_input();
    let mut end = last_child_end;
    let mut position = last_child_end;
    while position < span.end() {
        match text.as_bytes().get(position) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => position += 1,
            Some(b']' | b')' | b'}' | b',') => {
                position += 1;
                end = position;
            }
            _ => break,
        }
    }
    end
}
