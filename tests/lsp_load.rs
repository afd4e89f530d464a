//! The language server under load: a burst of edits queued while the server was busy is
//! checked once, after the last edit, and the request behind it is answered against that
//! text (counted in analyses, not timed); edits with requests between them are each checked,
//! in order; and a document over the spec size limit is not checked, only marked SW0005.

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use slipway::lsp::Server;
use slipway::{LoadError, LoadedFile, Loader};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

const URI: &str = "file:///spec/web.slip";

/// A disk with one other file of the spec, which has a mistake (an unknown field).
struct OneFileOnDisk;

impl Loader for OneFileOnDisk {
    fn load(&self, _root: &Path, _path: &str) -> Result<LoadedFile, LoadError> {
        Err(LoadError::NotFound)
    }

    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let text = "service api {\n  image = \"ghcr.io/acme/api:1\"\n  replica = 2\n}\n";
        vec![(dir.join("api.slip"), text.as_bytes().to_vec())]
    }
}

fn request(id: i32, method: &str, params: Value) -> Message {
    Message::Request(Request {
        id: RequestId::from(id),
        method: method.to_string(),
        params,
    })
}

fn notification(method: &str, params: Value) -> Message {
    Message::Notification(Notification {
        method: method.to_string(),
        params,
    })
}

/// The text of edit `version`: its number is in the service's doc comment.
fn text(version: i32) -> String {
    format!("/// Edit {version}.\nservice web {{\n  image = \"ghcr.io/acme/web:1\"\n}}\n")
}

fn open(text: &str) -> Message {
    let item = json!({ "uri": URI, "languageId": "slipway", "version": 1, "text": text });
    notification("textDocument/didOpen", json!({ "textDocument": item }))
}

fn change(version: i32) -> Message {
    let params = json!({
        "textDocument": { "uri": URI, "version": version },
        "contentChanges": [{ "text": text(version) }],
    });
    notification("textDocument/didChange", params)
}

/// A hover on the service's name, which shows its doc comment.
fn hover(id: i32) -> Message {
    let params =
        json!({ "textDocument": { "uri": URI }, "position": { "line": 1, "character": 9 } });
    request(id, "textDocument/hover", params)
}

fn initialize() -> Vec<Message> {
    vec![
        request(0, "initialize", json!({ "capabilities": {} })),
        notification("initialized", json!({})),
    ]
}

/// Handles `messages` as `slipway::lsp::run` does when they are all queued at once.
fn drive(server: &mut Server, messages: Vec<Message>) -> Vec<Message> {
    let mut queue = VecDeque::from(messages);
    let mut replies = Vec::new();
    while let Some(message) = queue.pop_front() {
        replies.extend(server.handle_before(message, queue.front()));
    }
    replies
}

/// The hover text of the response to request `id`.
fn hover_text(replies: &[Message], id: i32) -> String {
    let response = replies.iter().find_map(|m| match m {
        Message::Response(r) if r.id == RequestId::from(id) => Some(r),
        _ => None,
    });
    let result = response.unwrap().response_result.clone().unwrap();
    result["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The versions published for `web.slip`, in order.
fn published_versions(replies: &[Message]) -> Vec<i64> {
    replies
        .iter()
        .filter_map(|m| match m {
            Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => Some(n),
            _ => None,
        })
        .filter(|n| n.params["uri"] == URI)
        .map(|n| n.params["version"].as_i64().unwrap_or(-1))
        .collect()
}

#[test]
fn a_thousand_queued_edits_are_checked_once_and_the_hover_sees_the_last() {
    let mut server = Server::new(&OneFileOnDisk);
    let mut messages = initialize();
    messages.push(open(&text(1)));
    messages.extend((2..=1001).map(change));
    messages.push(hover(1));
    let replies = drive(&mut server, messages);
    assert_eq!(
        server.analyses_run(),
        2,
        "one for didOpen, one for the edits"
    );
    assert_eq!(published_versions(&replies), [1, 1001]);
    let shown = hover_text(&replies, 1);
    assert!(shown.contains("Edit 1001."), "{shown}");
}

#[test]
fn edits_with_requests_between_them_are_each_checked_in_order() {
    let mut server = Server::new(&OneFileOnDisk);
    let mut messages = initialize();
    messages.extend([
        open(&text(1)),
        change(2),
        hover(1),
        change(3),
        change(4),
        hover(2),
    ]);
    let replies = drive(&mut server, messages);
    assert_eq!(server.analyses_run(), 3);
    assert_eq!(published_versions(&replies), [1, 2, 4]);
    assert!(hover_text(&replies, 1).contains("Edit 2."));
    assert!(hover_text(&replies, 2).contains("Edit 4."));
}

#[test]
fn the_server_loop_coalesces_the_edits_already_queued() {
    let (server_side, client_side) = Connection::memory();
    let mut messages = initialize();
    messages.push(open(&text(1)));
    messages.extend((2..=1001).map(change));
    messages.extend([hover(1), request(2, "shutdown", Value::Null)]);
    messages.push(notification("exit", Value::Null));
    for message in messages {
        client_side.sender.send(message).unwrap();
    }
    let status = slipway::lsp::run(&server_side, &OneFileOnDisk);
    assert_eq!(status, 0);
    drop(server_side);
    let replies: Vec<Message> = client_side.receiver.try_iter().collect();
    assert_eq!(published_versions(&replies), [1, 1001]);
    assert!(hover_text(&replies, 1).contains("Edit 1001."));
}

#[test]
fn a_document_over_the_size_limit_is_marked_and_not_checked() {
    let mut server = Server::new(&OneFileOnDisk);
    let huge = "#".repeat(slipway::MAX_SOURCE_BYTES + 1);
    let mut messages = initialize();
    messages.extend([open(&huge), hover(1)]);
    let replies = drive(&mut server, messages);
    let published: Vec<&Value> = replies
        .iter()
        .filter_map(|m| match m {
            Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                Some(&n.params)
            }
            _ => None,
        })
        .collect();
    insta::assert_yaml_snapshot!(published);
    assert_eq!(
        hover_text(&replies, 1),
        "",
        "nothing to hover in the refused text"
    );

    let replies = drive(&mut server, vec![change(2)]);
    assert_eq!(
        published_versions(&replies),
        [2],
        "checked again once small"
    );
    let codes: Vec<&Value> = replies
        .iter()
        .filter_map(|m| match m {
            Message::Notification(n) => n.params["diagnostics"].as_array(),
            _ => None,
        })
        .flatten()
        .map(|d| &d["code"])
        .collect();
    assert!(
        codes.contains(&&json!("SW0201")),
        "the file on disk is checked again: {codes:?}"
    );
}
