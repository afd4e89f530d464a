//! `textDocument/completion`, from the same schema as the checker: field names valid in the
//! block at the cursor (minus the ones already set), kinds and choices at value positions,
//! names of declared environments, services and strategies where a reference goes (imported
//! ones through their module's alias, `strategies.progressive-canary`, and only the module's
//! after `strategies.`), and declaration keywords at the top level. It reads the text
//! lexically, so it also works in a declaration that does not parse yet. The server
//! advertises `.`, `=` and a space as trigger characters; [`answers`] keeps a list from
//! opening where a trigger character has nothing to complete.

use super::index;
use super::scan::{self, Kind, Role, Slot};
use super::workspace::{Analysis, Workspace};
use crate::check::schema::{self, Shape, STRATEGY_KINDS};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    Documentation, MarkupContent, MarkupKind, Range, TextEdit,
};

pub fn completion(
    workspace: &mut Workspace,
    params: CompletionParams,
) -> Option<CompletionResponse> {
    let at = params.text_document_position;
    let trigger = params.context.and_then(|context| context.trigger_character);
    let analysis = workspace.analysis(&at.text_document.uri);
    let file = analysis.file_index(&at.text_document.uri)?;
    let text = analysis.files.get(file)?.text.as_str();
    let offset = analysis.offset(file, at.position);
    let (slot, path, frame, (prefix_start, _)) = scan::slot_at(text, offset);
    let qualifier = qualifier_before(&analysis, file, prefix_start);
    if !answers(trigger.as_deref(), &slot, qualifier.is_some()) {
        return None;
    }
    let items = match (slot, qualifier) {
        (Slot::Declaration, _) => declaration_keywords(),
        (Slot::Key, _) => fields(&analysis, file, &path, frame, prefix_start),
        (Slot::Value { key }, Some(alias)) => module_values(&analysis, file, &path, &key, &alias),
        (Slot::Value { key }, None) => {
            let within = enclosing(&analysis, file, offset);
            values(&analysis, file, &path, &key, within)
        }
        (Slot::Label { key }, _) => match index::label_kind(&path, &key) {
            Some(kind) => names(&analysis, file, kind, None),
            None => Vec::new(),
        },
        (Slot::None, _) => Vec::new(),
    };
    // Typed right after `=` (the `=` trigger), a value is inserted with the space before it.
    let spacing = if text.get(..prefix_start).is_some_and(|t| t.ends_with('=')) {
        " "
    } else {
        ""
    };
    let replace = analysis.range(file, prefix_start, offset);
    Some(CompletionResponse::Array(
        items
            .into_iter()
            .map(|item| item.into_item(replace, spacing))
            .collect(),
    ))
}

/// Whether to answer a completion request that `trigger` (a trigger character, or none when
/// the user asked) started: `.` completes only a module's names, and `=` and a space only
/// values and labels, so typing a space elsewhere opens no list.
fn answers(trigger: Option<&str>, slot: &Slot, qualified: bool) -> bool {
    match trigger {
        None => true,
        Some(".") => qualified,
        Some(_) => matches!(slot, Slot::Value { .. } | Slot::Label { .. }),
    }
}

/// The module alias right in front of the word being completed: `strategies` when the text
/// before it is `strategies.`.
fn qualifier_before(analysis: &Analysis, file: usize, prefix_start: usize) -> Option<String> {
    let scan = analysis.scans().get(file)?;
    let text = analysis.files.get(file)?.text.as_str();
    let before = scan.tokens.partition_point(|t| t.end <= prefix_start);
    let dot = scan.tokens.get(before.checked_sub(1)?)?;
    let alias = scan.tokens.get(before.checked_sub(2)?)?;
    let adjacent = dot.end == prefix_start && alias.end == dot.start;
    (dot.kind == Kind::Dot && alias.kind == Kind::Word && adjacent)
        .then(|| text.get(alias.start..alias.end).map(str::to_string))
        .flatten()
}

/// A completion before its replacement range is known.
struct Candidate {
    label: String,
    insert: String,
    kind: CompletionItemKind,
    detail: String,
    doc: Option<String>,
}

impl Candidate {
    fn new(label: &str, kind: CompletionItemKind, detail: &str) -> Candidate {
        Candidate {
            label: label.to_string(),
            insert: label.to_string(),
            kind,
            detail: detail.to_string(),
            doc: None,
        }
    }

    fn into_item(self, replace: Range, spacing: &str) -> CompletionItem {
        CompletionItem {
            label: self.label,
            kind: Some(self.kind),
            detail: Some(self.detail),
            documentation: self.doc.map(|value| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value,
                })
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: replace,
                new_text: format!("{spacing}{}", self.insert),
            })),
            ..CompletionItem::default()
        }
    }
}

fn declaration_keywords() -> Vec<Candidate> {
    schema::DECLARATIONS
        .iter()
        .map(|(keyword, doc)| Candidate {
            insert: format!("{keyword} "),
            doc: Some(doc.to_string()),
            ..Candidate::new(keyword, CompletionItemKind::KEYWORD, "declaration")
        })
        .collect()
}

/// The fields of the block at `path`, except those already set in it (repeatable blocks such
/// as `step` are always offered).
fn fields(
    analysis: &Analysis,
    file: usize,
    path: &[String],
    frame: usize,
    prefix_start: usize,
) -> Vec<Candidate> {
    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
    let Some(schema) = schema::for_path(&segments) else {
        return Vec::new();
    };
    let set = keys_in(analysis, file, frame, prefix_start);
    schema
        .fields
        .iter()
        .filter(|field| field.shape == Shape::Repeated || !set.iter().any(|key| key == field.name))
        .map(|field| {
            let (kind, insert) = match field.shape {
                Shape::Value => (CompletionItemKind::FIELD, format!("{} = ", field.name)),
                Shape::Block | Shape::Repeated => {
                    (CompletionItemKind::STRUCT, format!("{} ", field.name))
                }
            };
            Candidate {
                insert,
                doc: Some(field.doc.to_string()),
                ..Candidate::new(field.name, kind, field.ty)
            }
        })
        .collect()
}

/// The keys written in `frame`, except the one being typed at `prefix_start`.
fn keys_in(analysis: &Analysis, file: usize, frame: usize, prefix_start: usize) -> Vec<String> {
    let Some(scan) = analysis.scans().get(file) else {
        return Vec::new();
    };
    let text = analysis.files.get(file).map_or("", |f| f.text.as_str());
    scan.tokens
        .iter()
        .filter(|t| t.frame == frame && t.role == Role::Key && t.start != prefix_start)
        .filter_map(|t| text.get(t.start..t.end))
        .map(|key| key.trim_matches('"').to_string())
        .collect()
}

/// The declaration (kind and name) the cursor is in, which is never offered as a reference
/// to itself (`after` an environment's own name, a service depending on itself).
fn enclosing(analysis: &Analysis, file: usize, offset: usize) -> Option<(String, String)> {
    let scan = analysis.scans().get(file)?;
    let text = analysis.files.get(file)?.text.as_str();
    scan.tokens
        .iter()
        .take_while(|t| t.start < offset)
        .filter_map(|t| match &t.role {
            Role::Name { keyword } => {
                Some((keyword.clone(), text.get(t.start..t.end)?.to_string()))
            }
            _ => None,
        })
        .last()
}

/// Kinds, choices and the names `file` can use for the value of `key` in the block at
/// `path`.
fn values(
    analysis: &Analysis,
    file: usize,
    path: &[String],
    key: &str,
    within: Option<(String, String)>,
) -> Vec<Candidate> {
    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
    let choices: &[&str] = match schema::for_path(&segments) {
        Some(schema) => schema::choices(schema, key),
        None if path.is_empty() && key == "strategy" => STRATEGY_KINDS,
        None => &[],
    };
    let detail = schema::for_path(&segments)
        .and_then(|s| s.field(key))
        .map_or("kind", |f| f.ty);
    let mut items: Vec<Candidate> = choices
        .iter()
        .map(|choice| Candidate::new(choice, CompletionItemKind::ENUM_MEMBER, detail))
        .collect();
    if let Some(kind) = index::reference_kind(path, key, "") {
        let own = within
            .filter(|(keyword, _)| keyword == kind)
            .map(|(_, name)| name);
        items.extend(names(analysis, file, kind, own.as_deref()));
    }
    items
}

/// After `alias.`: the declarations of the imported module that fit the value of `key`.
fn module_values(
    analysis: &Analysis,
    file: usize,
    path: &[String],
    key: &str,
    alias: &str,
) -> Vec<Candidate> {
    let Some(kind) = index::reference_kind(path, key, "") else {
        return Vec::new();
    };
    index::module_names(analysis, file, alias, kind)
        .into_iter()
        .map(|declared| Candidate {
            doc: index::doc_comment(analysis, &declared),
            ..Candidate::new(&declared.name, CompletionItemKind::REFERENCE, kind)
        })
        .collect()
}

/// The names of `kind` that `file` can use (except `own`), imported ones through their
/// module's alias, with their doc comments.
fn names(analysis: &Analysis, file: usize, kind: &str, own: Option<&str>) -> Vec<Candidate> {
    index::visible_names(analysis, file, kind)
        .into_iter()
        .filter(|(name, _)| Some(name.as_str()) != own)
        .map(|(name, declared)| Candidate {
            doc: index::doc_comment(analysis, &declared),
            ..Candidate::new(&name, CompletionItemKind::REFERENCE, kind)
        })
        .collect()
}
