//! Shared helpers for the in-process language server tests: a server on a thread behind
//! `Connection::memory()`, a loader serving fixed files from a fake directory, a small client
//! that sends requests and collects published diagnostics, and a renderer that draws ranges
//! under the source text for snapshots.
#![allow(dead_code)]

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{Position, Range, Uri};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The directory the test specs pretend to live in.
pub const DIR: &str = "/spec";

pub fn uri(name: &str) -> Uri {
    Uri::from_str(&format!("file://{DIR}/{name}")).unwrap()
}

/// Where the test loader says the standard modules' copies are (nothing is written there).
pub const STDLIB_DIR: &str = "/stdlib";

#[path = "memory_loader.rs"]
mod memory_loader;
use memory_loader::MemoryLoader;

/// Splits a `$0` cursor marker out of `text`.
pub fn cursor(text: &str) -> (String, Position) {
    let at = text.find("$0").expect("the text has no $0 cursor");
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count() as u32;
    (text.replacen("$0", "", 1), Position::new(line, column))
}

pub struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<i32>>,
    next_id: i32,
    /// Notifications received while waiting for responses, oldest first.
    pub notifications: Vec<Notification>,
    /// The texts of the files, as the client sees them (disk files and open documents).
    pub texts: BTreeMap<String, String>,
}

impl Client {
    /// Starts a server whose disk holds `files` (name, text) in [`DIR`], and initialises it.
    pub fn start(files: &[(&str, &str)]) -> Client {
        let loader_files = files
            .iter()
            .map(|(name, text)| (Path::new(DIR).join(name), text.to_string()))
            .collect();
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || {
            let loader = MemoryLoader {
                files: loader_files,
                standard_dir: Some(PathBuf::from(STDLIB_DIR)),
            };
            slipway::lsp::run(&server_side, &loader)
        });
        let texts = files
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        let mut client = Client {
            connection: client_side,
            server: Some(server),
            next_id: 0,
            notifications: Vec::new(),
            texts,
        };
        let result = client.request_raw("initialize", serde_json::json!({ "capabilities": {} }));
        assert!(
            result.get("capabilities").is_some(),
            "initialize answered {result}"
        );
        client.notify("initialized", serde_json::json!({}));
        client
    }

    pub fn send(&self, message: Message) {
        self.connection
            .sender
            .send(message)
            .expect("the server hung up");
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.send(Message::Notification(Notification {
            method: method.to_string(),
            params,
        }));
    }

    fn receive(&mut self) -> Message {
        self.connection
            .receiver
            .recv_timeout(Duration::from_secs(20))
            .expect("no message from the server within 20s")
    }

    /// Sends a request and waits for its response, keeping notifications that arrive first.
    pub fn request_response(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Message::Request(Request {
            id: id.clone(),
            method: method.to_string(),
            params,
        }));
        loop {
            match self.receive() {
                Message::Response(response) if response.id == id => return response,
                Message::Notification(notification) => self.notifications.push(notification),
                other => panic!("unexpected message {other:?}"),
            }
        }
    }

    /// Sends a request and returns its result, failing the test on an error response.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_response(method, params);
        match response.response_result {
            Ok(value) => value,
            Err(error) => panic!("{method} failed: {error:?}"),
        }
    }

    pub fn request<R: lsp_types::request::Request>(&mut self, params: R::Params) -> R::Result {
        let value = self.request_raw(R::METHOD, serde_json::to_value(params).unwrap());
        serde_json::from_value(value).unwrap()
    }

    pub fn open(&mut self, name: &str, text: &str) {
        self.texts.insert(name.to_string(), text.to_string());
        let item = serde_json::json!({ "uri": uri(name), "languageId": "slipway", "version": 1, "text": text });
        self.notify(
            lsp_types::notification::DidOpenTextDocument::METHOD,
            serde_json::json!({ "textDocument": item }),
        );
    }

    pub fn change(&mut self, name: &str, version: i32, text: &str) {
        self.texts.insert(name.to_string(), text.to_string());
        let params = serde_json::json!({
            "textDocument": { "uri": uri(name), "version": version },
            "contentChanges": [{ "text": text }],
        });
        self.notify(
            lsp_types::notification::DidChangeTextDocument::METHOD,
            params,
        );
    }

    /// Waits until the server has handled everything sent so far (a request round trip),
    /// then returns the latest diagnostics published for each file.
    pub fn diagnostics(&mut self) -> BTreeMap<String, Vec<lsp_types::Diagnostic>> {
        self.request_response("slipway/unknown-request-used-as-a-barrier", Value::Null);
        let mut latest = BTreeMap::new();
        for notification in self.notifications.drain(..) {
            if notification.method != lsp_types::notification::PublishDiagnostics::METHOD {
                continue;
            }
            let params: lsp_types::PublishDiagnosticsParams =
                serde_json::from_value(notification.params).unwrap();
            let name = params
                .uri
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            latest.insert(name, params.diagnostics);
        }
        latest
    }

    /// Shuts the server down and returns its exit status.
    pub fn shut_down(mut self) -> i32 {
        self.request_raw(lsp_types::request::Shutdown::METHOD, Value::Null);
        self.notify(lsp_types::notification::Exit::METHOD, Value::Null);
        self.server.take().unwrap().join().unwrap()
    }

    /// The text of `name` with `ranges` drawn under it, each with its label.
    pub fn draw(&self, name: &str, ranges: &[(Range, String)]) -> String {
        draw(self.texts.get(name).map_or("", String::as_str), ranges)
    }
}

/// Draws each range under its line: `3 |   after = staging` then carets and the label.
pub fn draw(text: &str, ranges: &[(Range, String)]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (range, label) in ranges {
        for line in range.start.line..=range.end.line {
            let source = lines.get(line as usize).copied().unwrap_or("");
            let width = source.encode_utf16().count() as u32;
            let start = if line == range.start.line {
                range.start.character
            } else {
                0
            };
            let end = if line == range.end.line {
                range.end.character
            } else {
                width
            };
            let carets = "^".repeat((end.saturating_sub(start)).max(1) as usize);
            let gutter = format!("{:>3} | ", line + 1);
            out.push_str(&format!("{gutter}{source}\n"));
            let label = if line == range.end.line {
                label.as_str()
            } else {
                ""
            };
            let marks = format!(
                "{}{}{carets} {label}",
                " ".repeat(gutter.len()),
                " ".repeat(start as usize)
            );
            out.push_str(marks.trim_end());
            out.push('\n');
        }
    }
    out
}

/// A client with `files` on disk, the file `open` replaced by `text` (which marks the cursor
/// with `$0`) and opened; and the cursor's place.
pub fn client_at(
    files: &[(&str, &str)],
    open: &str,
    text: &str,
) -> (Client, lsp_types::TextDocumentPositionParams) {
    let (text, position) = cursor(text);
    let mut files: Vec<(&str, &str)> = files
        .iter()
        .copied()
        .filter(|(name, _)| *name != open)
        .collect();
    files.push((open, &text));
    let mut client = Client::start(&files);
    client.open(open, &text);
    let at = lsp_types::TextDocumentPositionParams {
        text_document: lsp_types::TextDocumentIdentifier { uri: uri(open) },
        position,
    };
    (client, at)
}

/// The name and text of the file at `location`: a standard module's or one of the client's.
pub fn text_of(client: &Client, location: &lsp_types::Location) -> (String, String) {
    let address = location.uri.as_str();
    if let Some(file) = address.strip_prefix(&format!("file://{STDLIB_DIR}/")) {
        let module = slipway::stdlib::MODULES
            .iter()
            .find(|module| module.file == file)
            .expect("a standard module's copy");
        return (format!("{file} (standard)"), module.text.to_string());
    }
    let name = address
        .strip_prefix("file:///spec/")
        .expect("a file of the spec");
    (name.to_string(), client.texts[name].clone())
}

/// Each location's file name, then its text with the location drawn under it as `label`.
pub fn draw_locations(client: &Client, locations: &[lsp_types::Location], label: &str) -> String {
    let mut out = String::new();
    for location in locations {
        let (name, text) = text_of(client, location);
        out.push_str(&format!("{name}\n"));
        out.push_str(&draw(&text, &[(location.range, label.to_string())]));
    }
    out
}

/// Go to definition at `at`, each location drawn under its file ("no definition" if none).
pub fn drawn_definition(client: &mut Client, at: lsp_types::TextDocumentPositionParams) -> String {
    use lsp_types::GotoDefinitionResponse;
    let params = lsp_types::GotoDefinitionParams {
        text_document_position_params: at,
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    };
    let locations = match client.request::<lsp_types::request::GotoDefinition>(params) {
        Some(GotoDefinitionResponse::Scalar(location)) => vec![location],
        Some(GotoDefinitionResponse::Array(locations)) => locations,
        Some(GotoDefinitionResponse::Link(_)) => panic!("links are not used"),
        None => return "no definition".to_string(),
    };
    draw_locations(client, &locations, "definition")
}

/// Find references at `at`, each location drawn under its file.
pub fn drawn_references(
    client: &mut Client,
    at: lsp_types::TextDocumentPositionParams,
    include_declaration: bool,
) -> String {
    let params = lsp_types::ReferenceParams {
        text_document_position: at,
        context: lsp_types::ReferenceContext {
            include_declaration,
        },
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    };
    let locations = client
        .request::<lsp_types::request::References>(params)
        .unwrap_or_default();
    draw_locations(client, &locations, "reference")
}
