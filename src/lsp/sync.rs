//! Document synchronisation: `didOpen`, `didChange` (full or ranged edits), `didClose`,
//! `didSave` and `didChangeWatchedFiles`. Each one updates the workspace and answers with
//! fresh diagnostics for the changed file and every file of the affected spec whose
//! diagnostics changed, except a `didChange` that another change of the same document follows
//! in the queue: it only updates the text.

use super::diagnostics;
use super::server::notification as message;
use super::workspace::{Document, SpecKey, Workspace};
use lsp_server::{Message, Notification};
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, LogMessageParams, MessageType,
    PublishDiagnosticsParams, TextDocumentContentChangeEvent, Uri,
};
use serde::de::DeserializeOwned;

/// Handles a notification; unknown ones are ignored, malformed ones logged.
pub fn notification(workspace: &mut Workspace, notification: &Notification) -> Vec<Message> {
    let params = &notification.params;
    let published = match notification.method.as_str() {
        "textDocument/didOpen" => decode(params).map(|p| did_open(workspace, p)),
        "textDocument/didChange" => decode(params).map(|p| did_change(workspace, p)),
        "textDocument/didClose" => decode(params).map(|p| did_close(workspace, p)),
        "textDocument/didSave" => decode(params).map(|p| did_save(workspace, p)),
        "workspace/didChangeWatchedFiles" => {
            decode(params).map(|p| did_change_watched(workspace, p))
        }
        _ => Ok(Vec::new()),
    };
    match published {
        Ok(list) => list
            .into_iter()
            .filter_map(|p| message("textDocument/publishDiagnostics", p))
            .collect(),
        Err(error) => log_message(&format!("ignored `{}`: {error}", notification.method))
            .into_iter()
            .collect(),
    }
}

fn decode<P: DeserializeOwned>(params: &serde_json::Value) -> Result<P, serde_json::Error> {
    P::deserialize(params)
}

/// A `window/logMessage` warning.
pub fn log_message(text: &str) -> Option<Message> {
    message(
        "window/logMessage",
        LogMessageParams {
            typ: MessageType::WARNING,
            message: text.to_string(),
        },
    )
}

fn did_open(
    workspace: &mut Workspace,
    params: DidOpenTextDocumentParams,
) -> Vec<PublishDiagnosticsParams> {
    let item = params.text_document;
    let before = spec_uris(workspace, &item.uri);
    let uri = item.uri.clone();
    workspace.set_document(Document {
        uri: item.uri,
        text: item.text,
        version: item.version,
    });
    republish(workspace, &uri, before)
}

/// Whether `notification` is a `didChange` and `next` another of the same document.
pub fn changes_same_document(notification: &Notification, next: Option<&Message>) -> bool {
    let Some(Message::Notification(next)) = next else {
        return false;
    };
    let changed_uri = |n: &Notification| {
        let is_change = n.method == "textDocument/didChange";
        is_change
            .then(|| n.params.pointer("/textDocument/uri").cloned())
            .flatten()
    };
    changed_uri(notification).is_some_and(|uri| changed_uri(next) == Some(uri))
}

/// Applies a `didChange` to the document's text without checking the spec or publishing
/// (another change of the same document follows and will).
pub fn apply_change_only(workspace: &mut Workspace, notification: &Notification) -> Vec<Message> {
    match decode(&notification.params) {
        Ok(params) => {
            update_text(workspace, params);
            Vec::new()
        }
        Err(_) => self::notification(workspace, notification),
    }
}

fn did_change(
    workspace: &mut Workspace,
    params: DidChangeTextDocumentParams,
) -> Vec<PublishDiagnosticsParams> {
    let uri = update_text(workspace, params);
    republish(workspace, &uri, Vec::new())
}

/// Applies the changes to the document's text; returns its URI.
fn update_text(workspace: &mut Workspace, params: DidChangeTextDocumentParams) -> Uri {
    let uri = params.text_document.uri;
    let mut text = workspace
        .document(&uri)
        .map(|d| d.text.clone())
        .unwrap_or_default();
    for change in params.content_changes {
        apply(workspace, &mut text, change);
    }
    let version = params.text_document.version;
    workspace.set_document(Document {
        uri: uri.clone(),
        text,
        version,
    });
    uri
}

/// Applies one change: a whole new text, or a replacement of a range.
fn apply(workspace: &Workspace, text: &mut String, change: TextDocumentContentChangeEvent) {
    let Some(range) = change.range else {
        *text = change.text;
        return;
    };
    let lines = super::convert::Lines::new(text, workspace.encoding);
    let start = lines.offset(text, range.start);
    let end = lines.offset(text, range.end).max(start);
    text.replace_range(start..end, &change.text);
}

fn did_close(
    workspace: &mut Workspace,
    params: DidCloseTextDocumentParams,
) -> Vec<PublishDiagnosticsParams> {
    let uri = params.text_document.uri;
    let before = spec_uris(workspace, &uri);
    workspace.close_document(&uri);
    let published = republish(workspace, &uri, before);
    workspace.forget_closed_specs();
    published
}

fn did_save(
    workspace: &mut Workspace,
    params: DidSaveTextDocumentParams,
) -> Vec<PublishDiagnosticsParams> {
    let uri = params.text_document.uri;
    let before = spec_uris(workspace, &uri);
    workspace.reload(&SpecKey::of(&uri));
    republish(workspace, &uri, before)
}

fn did_change_watched(
    workspace: &mut Workspace,
    params: DidChangeWatchedFilesParams,
) -> Vec<PublishDiagnosticsParams> {
    let mut published = Vec::new();
    let mut keys: Vec<SpecKey> = params
        .changes
        .iter()
        .map(|change| SpecKey::of(&change.uri))
        .collect();
    keys.dedup();
    for key in keys {
        let Some(open) = workspace.open_document_in(&key) else {
            workspace.reload(&key);
            continue;
        };
        let before = spec_uris(workspace, &open);
        workspace.reload(&key);
        published.extend(republish(workspace, &open, before));
    }
    published
}

/// The files currently in the spec of `uri` that get diagnostics (all but standard modules),
/// when it has been analysed; or those of its last analysis, when an edit elsewhere retired
/// it (so a file that leaves it is still cleared).
fn spec_uris(workspace: &mut Workspace, uri: &Uri) -> Vec<Uri> {
    match workspace.cached_analysis(uri) {
        Some(analysis) => analysis.shown_uris(),
        None => workspace
            .retired_uris(uri)
            .map(<[Uri]>::to_vec)
            .unwrap_or_default(),
    }
}

/// Diagnostics for `uri` and for every other file of its spec whose diagnostics changed, and
/// empty lists for files in `before` that are no longer part of it.
fn republish(
    workspace: &mut Workspace,
    uri: &Uri,
    before: Vec<Uri>,
) -> Vec<PublishDiagnosticsParams> {
    let analysis = workspace.analysis(uri);
    let all = diagnostics::publications(&analysis);
    let mut published = workspace.published.needed(uri, all);
    for gone in before
        .into_iter()
        .filter(|old| analysis.file_index(old).is_none())
    {
        workspace.published.forget(&gone);
        published.push(diagnostics::cleared(gone));
    }
    published
}
