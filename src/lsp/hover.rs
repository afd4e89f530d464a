//! `textDocument/hover`: a field's type and documentation (from the schema the checker uses),
//! a declaration kind's description, a kind's settings, and for a declaration name or a
//! reference to one, the target's kind, name and doc comment.

use super::index;
use super::scan::Role;
use super::workspace::{Analysis, Workspace};
use crate::check::schema::{self, Schema};
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

pub fn hover(workspace: &mut Workspace, params: HoverParams) -> Option<Hover> {
    let at = params.text_document_position_params;
    let analysis = workspace.analysis(&at.text_document.uri);
    let file = analysis.file_index(&at.text_document.uri)?;
    let offset = analysis.offset(file, at.position);
    let scan = analysis.scans().get(file)?;
    let (_, token) = scan.token_at(offset)?;
    let word = analysis.files.get(file)?.text.get(token.start..token.end)?;
    let markdown = match index::at(&analysis, file, offset) {
        Some(symbol) => declaration(&analysis, symbol.kind, &symbol.name),
        None => match &token.role {
            Role::Keyword => keyword(word)?,
            Role::Key => field(&scan.path(token.frame), word.trim_matches('"'))?,
            Role::Tag { key } => kind(&scan.path(token.frame), key, word)?,
            _ => return None,
        },
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(analysis.range(file, token.start, token.end)),
    })
}

fn code_line(text: &str) -> String {
    format!("```slip\n{text}\n```")
}

/// `service web` and its doc comment.
fn declaration(analysis: &Analysis, kind: &str, name: &str) -> String {
    let mut text = code_line(&format!("{kind} {name}"));
    if let Some(doc) = index::doc_comment(analysis, kind, name) {
        text.push('\n');
        text.push_str(&doc);
    }
    text
}

fn keyword(word: &str) -> Option<String> {
    let (_, doc) = schema::DECLARATIONS
        .iter()
        .find(|(kind, _)| *kind == word)?;
    Some(format!("{}\n{doc}", code_line(word)))
}

/// `replicas: integer ≥ 0` and the field's documentation.
fn field(path: &[String], key: &str) -> Option<String> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let schema = schema::for_path(&path)?;
    let field = schema.field(key)?;
    let required = if field.required { " (required)" } else { "" };
    Some(format!(
        "{}\n{}{required}",
        code_line(&format!("{}: {}", field.name, field.ty)),
        field.doc
    ))
}

/// `canary`: what it is and which settings it takes.
fn kind(path: &[String], key: &str, tag: &str) -> Option<String> {
    let mut full: Vec<&str> = path.iter().map(String::as_str).collect();
    full.extend([key, tag]);
    let schema: &Schema = schema::for_path(&full)?;
    let fields: Vec<String> = schema.names().map(|name| format!("`{name}`")).collect();
    let settings = if fields.is_empty() {
        "no settings".to_string()
    } else {
        fields.join(", ")
    };
    Some(format!(
        "{}\n{}: {settings}",
        code_line(tag),
        capitalised(schema.what)
    ))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
