//! `textDocument/hover`: a field's type and documentation (from the schema the checker uses),
//! a declaration kind's description, a kind's settings, for a declaration name or a reference
//! to one, the target's kind, name and doc comment (and the import it comes from), and for a
//! module's alias, the import and the module's documentation.

use super::index;
use super::scan::Role;
use super::scope;
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
    let symbol = index::at(&analysis, file, offset);
    let markdown = match (symbol, index::module_at(&analysis, file, offset)) {
        (Some(symbol), _) => declaration(&analysis, &symbol),
        (None, Some(imported)) => module(&analysis, imported)?,
        (None, None) => match &token.role {
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

/// `service web` and its doc comment; for a declaration of an imported module, also the
/// import it comes from. A declaration name shows its own doc comment; a reference, the first
/// one among the declarations it names (two when the name is declared twice).
fn declaration(analysis: &Analysis, symbol: &index::Symbol) -> String {
    let found = if symbol.is_declaration {
        vec![symbol.clone()]
    } else {
        index::resolve(analysis, symbol)
    };
    let mut text = code_line(&format!("{} {}", symbol.kind, symbol.name));
    let own = scope::visible(analysis, symbol.file).own;
    if let Some(imported) = found.iter().find(|d| !own.contains(&d.file)) {
        let import = scope::import_line(analysis, imported.file);
        text.push_str(&format!("\nFrom `{import}`.\n"));
    }
    if let Some(doc) = found.iter().find_map(|d| index::doc_comment(analysis, d)) {
        text.push('\n');
        text.push_str(&doc);
    }
    text
}

/// The import line of module `file` and the module's `//!` documentation.
fn module(analysis: &Analysis, file: usize) -> Option<String> {
    let mut text = code_line(&scope::import_line(analysis, file));
    let doc = crate::stdlib::module_doc(analysis.checked.modules.get(file)?);
    if !doc.is_empty() {
        text.push('\n');
        text.push_str(&doc);
    }
    Some(text)
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
