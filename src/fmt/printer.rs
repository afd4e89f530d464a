//! The printer: walks declarations and bodies, places comments and blank lines, and aligns
//! the `=` of consecutive one-line attributes. Expressions are printed by [`super::expr`].
//!
//! Bodies are printed in two steps. First every line is rendered into a [`Piece`] (a comment,
//! a blank line, or an entry with its trailing comments), consuming the comments table in
//! source order; then the pieces are laid out, which is when the alignment of each run of
//! attributes is known.

use crate::span::Span;
use crate::syntax::ast::{Comment, Declaration, Entry, Import, ImportTarget, Item, Module, Object};

/// One line (or one multi-line entry) of a body or of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Blank,
    Comment(String),
    Line {
        /// The key of an attribute, or the whole text of anything else.
        head: String,
        /// `= value` for attributes; empty otherwise.
        rest: String,
        /// Whether this line takes part in `=` alignment.
        align: bool,
        /// Comments that followed the entry on its last line.
        trailing: String,
    },
}

impl Piece {
    fn line(head: String) -> Piece {
        Piece::Line {
            head,
            rest: String::new(),
            align: false,
            trailing: String::new(),
        }
    }

    fn is_multiline(&self) -> bool {
        matches!(self, Piece::Line { head, rest, .. } if head.contains('\n') || rest.contains('\n'))
    }
}

pub(super) struct Printer<'a> {
    pub source: &'a str,
    pub comments: &'a [Comment],
    /// The first comment not printed yet.
    pub next_comment: usize,
    pub out: String,
    /// The current indentation level (two spaces each).
    pub indent: usize,
    /// The column at which `out` starts (when rendering a piece into a scratch buffer).
    pub base_column: usize,
}

/// Prints a whole module that parsed without errors.
pub fn print(source: &str, module: &Module) -> String {
    let mut printer = Printer {
        source,
        comments: &module.comments,
        next_comment: 0,
        out: String::new(),
        indent: 0,
        base_column: 0,
    };
    let pieces = printer.top_level(&module.declarations);
    let mut text = lay_out(&pieces, "");
    let trimmed = text.trim_start_matches('\n').to_string();
    text = trimmed;
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

impl<'a> Printer<'a> {
    pub fn slice(&self, span: Span) -> &'a str {
        self.source.get(span.range()).unwrap_or("")
    }

    pub(crate) fn indent_text(&self) -> String {
        "  ".repeat(self.indent)
    }

    /// The column the next character of `out` will be written at.
    pub fn column(&self) -> usize {
        match self.out.rfind('\n') {
            Some(newline) => self.out[newline + 1..].chars().count(),
            None => self.base_column + self.out.chars().count(),
        }
    }

    /// Renders with `render` into a fresh buffer that starts at `column`, and returns it.
    pub(crate) fn capture(&mut self, column: usize, render: impl FnOnce(&mut Self)) -> String {
        let saved_out = std::mem::take(&mut self.out);
        let saved_column = std::mem::replace(&mut self.base_column, column);
        render(self);
        self.base_column = saved_column;
        std::mem::replace(&mut self.out, saved_out)
    }

    /// Writes a space unless the output already ends with whitespace or an opening bracket.
    pub fn space(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with([' ', '\n', '(', '[']) {
            self.out.push(' ');
        }
    }

    fn peek_comment(&self) -> Option<&'a Comment> {
        self.comments.get(self.next_comment)
    }

    /// The comment ending exactly at `position`, if any.
    pub(crate) fn comment_ending_at(&self, position: usize) -> Option<&'a Comment> {
        let index = self
            .comments
            .partition_point(|c| (c.span.end as usize) < position);
        self.comments
            .get(index)
            .filter(|c| c.span.end as usize == position)
    }

    /// Whether any comment starts inside `span`.
    pub(crate) fn has_comments(&self, span: Span) -> bool {
        let end = self.end(span);
        let first = self.comments.partition_point(|c| c.span.start < span.start);
        self.comments
            .get(first)
            .is_some_and(|c| (c.span.start as usize) < end)
    }

    /// The end of `span` without the whitespace and comments that pest includes after rules
    /// ending in a repetition (a path such as `staging` followed by `// note`).
    pub fn end(&self, span: Span) -> usize {
        super::significant_end(self.source, self.comments, span)
    }

    /// Prints, inside an expression, every comment that starts before `before`. A line comment
    /// ends the line; the expression continues one level deeper.
    pub(crate) fn inline_comments(&mut self, before: usize) {
        while let Some(comment) = self
            .peek_comment()
            .filter(|c| (c.span.start as usize) < before)
        {
            self.next_comment += 1;
            self.space();
            self.out.push_str(comment.text.trim_end());
            if is_line_comment(&comment.text) {
                self.out.push('\n');
                self.out.push_str(&"  ".repeat(self.indent + 1));
            } else {
                self.out.push(' ');
            }
        }
    }

    /// Comments after `*last` on the same line and before `limit`, joined by spaces.
    pub(crate) fn trailing_comments(&mut self, last: &mut usize, limit: usize) -> String {
        let mut trailing: Vec<&str> = Vec::new();
        while let Some(comment) = self.peek_comment() {
            let start = comment.span.start as usize;
            let gap = self.source.get(*last..start).unwrap_or("\n");
            // Only blanks and commas may come between: in `d{s{c{#`, the comment is inside
            // `c`, not after `d {` (found by the format fuzz target).
            let only_blanks = gap.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | ','));
            if start >= limit || !only_blanks {
                break;
            }
            self.next_comment += 1;
            trailing.push(comment.text.trim_end());
            *last = comment.span.end as usize;
            if is_line_comment(&comment.text) {
                break;
            }
        }
        trailing.join(" ")
    }

    /// Own-line comments before `before`, each preceded by a blank line if the source had one.
    pub(crate) fn leading_comments(
        &mut self,
        pieces: &mut Vec<Piece>,
        last: &mut usize,
        before: usize,
    ) {
        while let Some(comment) = self
            .peek_comment()
            .filter(|c| (c.span.start as usize) < before)
        {
            self.next_comment += 1;
            self.blank_line_if_any(pieces, *last, comment.span.start as usize);
            pieces.push(Piece::Comment(comment.text.trim_end().to_string()));
            *last = comment.span.end as usize;
        }
        self.blank_line_if_any(pieces, *last, before);
    }

    fn blank_line_if_any(&self, pieces: &mut Vec<Piece>, from: usize, to: usize) {
        let gap = self.source.get(from..to).unwrap_or("");
        let blank = gap.matches('\n').count() >= 2;
        if blank && !pieces.is_empty() && pieces.last() != Some(&Piece::Blank) {
            pieces.push(Piece::Blank);
        }
    }

    fn top_level(&mut self, declarations: &[Declaration]) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut last = 0;
        for (index, declaration) in declarations.iter().enumerate() {
            let span = declaration.span();
            self.leading_comments(&mut pieces, &mut last, span.start as usize);
            let head = self.capture(0, |printer| printer.declaration(declaration));
            last = self.end(span);
            let limit = declarations
                .get(index + 1)
                .map_or(self.source.len(), |next| next.span().start as usize);
            let trailing = self.trailing_comments(&mut last, limit);
            pieces.push(Piece::Line {
                head,
                rest: String::new(),
                align: false,
                trailing,
            });
        }
        self.leading_comments(&mut pieces, &mut last, self.source.len());
        separate_multiline(&mut pieces);
        trim_blanks(&mut pieces);
        pieces
    }

    fn declaration(&mut self, declaration: &Declaration) {
        match declaration {
            Declaration::Import(import) => self.import(import),
            Declaration::Item(item) => self.item(item),
            Declaration::Error(broken) => {
                let end = self.end(broken.span);
                let text = self
                    .source
                    .get(broken.span.start as usize..end)
                    .unwrap_or("")
                    .to_string();
                self.out.push_str(&text);
            }
        }
    }

    fn import(&mut self, import: &Import) {
        self.out.push_str("import");
        let target = match &import.target {
            ImportTarget::File(file) => file.span,
            ImportTarget::Module(module) => module.span,
        };
        self.inline_comments(target.start as usize);
        self.space();
        self.out.push_str(self.slice(target));
        if let Some(alias) = &import.alias {
            self.inline_comments(alias.span.start as usize);
            self.space();
            self.out.push_str("as ");
            self.out.push_str(self.slice(alias.span));
        }
        if !import.names.is_empty() {
            let names: Vec<&str> = import
                .names
                .iter()
                .map(|name| self.slice(name.span))
                .collect();
            self.out.push_str(&format!(" {{ {} }}", names.join(", ")));
        }
    }

    fn item(&mut self, item: &Item) {
        self.out.push_str(self.slice(item.keyword.span));
        self.inline_comments(item.name.span.start as usize);
        self.space();
        self.out.push_str(self.slice(item.name.span));
        if let Some(from) = &item.from {
            self.inline_comments(from.span.start as usize);
            self.space();
            self.out.push_str("from ");
            self.path(from);
        }
        self.inline_comments(item.value.span.start as usize);
        self.space();
        if !matches!(&item.value.kind, crate::syntax::ast::ExprKind::Object(o) if o.tag.is_none()) {
            self.out.push_str("= ");
        }
        let column = self.column();
        self.expr(&item.value, column);
    }

    /// The comments on the line of an opening `{` or `[` (which ends at `open_end`), kept on
    /// that line; returns where the text after them starts.
    fn comments_after_open(&mut self, open_end: usize, close: usize) -> usize {
        let mut last = open_end;
        let after_open = self.trailing_comments(&mut last, close);
        if !after_open.is_empty() {
            self.out.push(' ');
            self.out.push_str(&after_open);
        }
        last
    }

    /// The entries of an expanded body, one level deeper than the current indentation, from
    /// just after `{` (at `open_end`) to the closing `}` (at `close`).
    pub fn body(&mut self, object: &Object, open_end: usize, close: usize) {
        let mut last = self.comments_after_open(open_end, close);
        self.indent += 1;
        let mut pieces = Vec::new();
        for (index, entry) in object.entries.iter().enumerate() {
            let span = entry.span();
            self.leading_comments(&mut pieces, &mut last, span.start as usize);
            let mut piece = self.entry(entry);
            last = self.end(span);
            let limit = object
                .entries
                .get(index + 1)
                .map_or(close, |next| next.span().start as usize);
            if let Piece::Line { trailing, .. } = &mut piece {
                *trailing = self.trailing_comments(&mut last, limit);
            }
            pieces.push(piece);
        }
        self.leading_comments(&mut pieces, &mut last, close);
        trim_blanks(&mut pieces);
        let indent = self.indent_text();
        self.indent -= 1;
        self.out.push_str(&lay_out(&pieces, &indent));
        self.out.push('\n');
        self.out.push_str(&self.indent_text());
    }

    fn entry(&mut self, entry: &Entry) -> Piece {
        let column = self.indent * 2;
        match entry {
            Entry::Attribute { key, value } => {
                let head = self.slice(key.span).to_string();
                let rest = self.capture(column + head.chars().count() + 1, |printer| {
                    printer.out.push_str("= ");
                    let value_column = printer.column();
                    printer.expr(value, value_column);
                });
                let align = !rest.contains('\n');
                Piece::Line {
                    head,
                    rest,
                    align,
                    trailing: String::new(),
                }
            }
            Entry::Block { key, label, body } => Piece::line(self.capture(column, |printer| {
                printer.out.push_str(printer.slice(key.span));
                if let Some(label) = label {
                    printer.inline_comments(label.span.start as usize);
                    printer.space();
                    printer.out.push_str(printer.slice(label.span));
                }
                printer.inline_comments(body.span.start as usize);
                printer.space();
                let body_column = printer.column();
                printer.object(body, body_column);
            })),
        }
    }

    /// The items of an expanded list, each on its own line followed by a comma.
    pub(crate) fn list_items(
        &mut self,
        items: &[crate::syntax::ast::Expr],
        open_end: usize,
        close: usize,
    ) {
        let mut last = self.comments_after_open(open_end, close);
        self.indent += 1;
        let mut pieces = Vec::new();
        for (index, item) in items.iter().enumerate() {
            self.leading_comments(&mut pieces, &mut last, item.span.start as usize);
            let column = self.indent * 2;
            let mut head = self.capture(column, |printer| printer.expr(item, column));
            head.push(',');
            last = self.end(item.span);
            let limit = items
                .get(index + 1)
                .map_or(close, |next| next.span.start as usize);
            let trailing = self.trailing_comments(&mut last, limit);
            pieces.push(Piece::Line {
                head,
                rest: String::new(),
                align: false,
                trailing,
            });
        }
        self.leading_comments(&mut pieces, &mut last, close);
        trim_blanks(&mut pieces);
        let indent = self.indent_text();
        self.indent -= 1;
        self.out.push_str(&lay_out(&pieces, &indent));
        self.out.push('\n');
        self.out.push_str(&self.indent_text());
    }
}

pub(super) fn is_line_comment(text: &str) -> bool {
    text.starts_with("//") || text.starts_with('#')
}

/// Removes blank pieces at the start and the end.
fn trim_blanks(pieces: &mut Vec<Piece>) {
    while pieces.last() == Some(&Piece::Blank) {
        pieces.pop();
    }
    while pieces.first() == Some(&Piece::Blank) {
        pieces.remove(0);
    }
}

/// Puts a blank line before (the leading comments of) and after every multi-line declaration.
fn separate_multiline(pieces: &mut Vec<Piece>) {
    let not_blank = |piece: &Piece| *piece != Piece::Blank;
    let mut index = 0;
    while let Some(piece) = pieces.get(index) {
        if piece.is_multiline() {
            let comments = pieces
                .iter()
                .take(index)
                .rev()
                .take_while(|piece| matches!(piece, Piece::Comment(_)))
                .count();
            let group_start = index - comments;
            let before = group_start.checked_sub(1).and_then(|i| pieces.get(i));
            if before.is_some_and(not_blank) {
                pieces.insert(group_start, Piece::Blank);
                index += 1;
            }
            if pieces.get(index + 1).is_some_and(not_blank) {
                pieces.insert(index + 1, Piece::Blank);
            }
        }
        index += 1;
    }
}

/// Writes pieces as lines, each starting with a newline and `indent`, aligning the `=` of
/// each run of one-line attributes.
fn lay_out(pieces: &[Piece], indent: &str) -> String {
    let widths = alignment(pieces);
    let mut out = String::new();
    for (piece, width) in pieces.iter().zip(widths) {
        out.push('\n');
        match piece {
            Piece::Blank => {}
            Piece::Comment(text) => {
                out.push_str(indent);
                out.push_str(text);
            }
            Piece::Line {
                head,
                rest,
                trailing,
                ..
            } => {
                out.push_str(indent);
                out.push_str(head);
                if !rest.is_empty() {
                    let padding = width.saturating_sub(head.chars().count());
                    out.push_str(&" ".repeat(padding + 1));
                    out.push_str(rest);
                }
                if !trailing.is_empty() {
                    out.push(' ');
                    out.push_str(trailing);
                }
            }
        }
    }
    out
}

/// For each piece, the key width its run aligns to (0 when it is not aligned).
fn alignment(pieces: &[Piece]) -> Vec<usize> {
    let mut widths = vec![0; pieces.len()];
    let mut run: Vec<usize> = Vec::new();
    let close_run = |run: &mut Vec<usize>, widths: &mut Vec<usize>| {
        let width = run
            .iter()
            .filter_map(|&i| pieces.get(i))
            .map(key_width)
            .max()
            .unwrap_or(0);
        for &i in run.iter() {
            if let Some(slot) = widths.get_mut(i) {
                *slot = width;
            }
        }
        run.clear();
    };
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Comment(_) => {}
            Piece::Line { align: true, .. } => run.push(index),
            _ => close_run(&mut run, &mut widths),
        }
    }
    close_run(&mut run, &mut widths);
    widths
}

fn key_width(piece: &Piece) -> usize {
    match piece {
        Piece::Line { head, .. } => head.chars().count(),
        _ => 0,
    }
}
