//! Fuzz target `lsp`: the language server's message handling, `Server::handle`, after a
//! normal `initialize`. The first byte of an input picks how the rest is read:
//!
//! * odd: as the raw bytes the editor writes to the server's stdin (`Content-Length` headers
//!   and JSON bodies), read with `slipway::lsp::framing::FrameReader` exactly as `slipway lsp`
//!   reads them, every message it reads handed to the server;
//! * even: as document texts separated by NUL bytes, each opened (or changed) and then asked
//!   for hover, definition, references, completion, symbols, formatting and code actions at
//!   positions taken from the text, so the requests reach deep into real specs.
//!
//! libfuzzer-sys aborts on any panic, including those the server would catch and turn into
//! an "internal error" reply, so a panic anywhere in a handler is found.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use slipway::lsp::framing::FrameReader;
use slipway::check::modules::NoFiles;
use slipway::lsp::Server;
use std::collections::VecDeque;


const URIS: [&str; 3] = [
    "file:///spec/a.slip",
    "file:///spec/b.slip",
    "untitled:Untitled-1",
];

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

fn initialize(server: &mut Server) {
    let params = json!({
        "processId": null,
        "rootUri": "file:///spec",
        "capabilities": { "general": { "positionEncodings": ["utf-8", "utf-16"] } }
    });
    server.handle(request(0, "initialize", params));
    server.handle(notification("initialized", json!({})));
}

/// Feeds `bytes` as the server's stdin stream: framed by `FrameReader` as `slipway lsp`
/// frames stdin, and handled as `slipway::lsp::run` handles a full queue (each message
/// knowing the next, so runs of edits are coalesced).
fn raw_stream(server: &mut Server, bytes: &[u8]) {
    let mut frames = FrameReader::new(bytes);
    let mut queue = VecDeque::new();
    while let Ok(Some(frame)) = frames.next_frame() {
        if let Ok(message) = frame.message {
            queue.push_back(message);
        }
    }
    while let Some(message) = queue.pop_front() {
        server.handle_before(message, queue.front());
        if server.exit_status().is_some() {
            break;
        }
    }
}

/// Opens each text and asks every request at a few positions.
fn documents(server: &mut Server, bytes: &[u8]) {
    let mut id = 1;
    for (index, chunk) in bytes.split(|b| *b == 0).take(6).enumerate() {
        let text = String::from_utf8_lossy(chunk).into_owned();
        let uri = URIS[index % URIS.len()];
        if index < URIS.len() {
            let document =
                json!({ "uri": uri, "languageId": "slipway", "version": 1, "text": text });
            server.handle(notification(
                "textDocument/didOpen",
                json!({ "textDocument": document }),
            ));
        } else {
            let changes = json!([{ "text": text }]);
            let document = json!({ "uri": uri, "version": index as i32 + 1 });
            server.handle(notification(
                "textDocument/didChange",
                json!({ "textDocument": document, "contentChanges": changes }),
            ));
        }
        let lines = text.lines().count() as u32 + 1;
        let seed = chunk.iter().fold(7u32, |acc, byte| {
            acc.wrapping_mul(31).wrapping_add(u32::from(*byte))
        });
        for probe in 0..3u32 {
            let line = seed.wrapping_add(probe * 17) % lines;
            let character = seed.wrapping_shr(probe + 3) % 40;
            let at = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
            for method in [
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/completion",
            ] {
                server.handle(request(id, method, at.clone()));
                id += 1;
            }
            let mut references = at.clone();
            references["context"] = json!({ "includeDeclaration": true });
            server.handle(request(id, "textDocument/references", references));
            id += 1;
        }
        let document = json!({ "uri": uri });
        server.handle(request(
            id,
            "textDocument/documentSymbol",
            json!({ "textDocument": document }),
        ));
        let options = json!({ "tabSize": 2, "insertSpaces": true });
        server.handle(request(
            id + 1,
            "textDocument/formatting",
            json!({ "textDocument": document, "options": options }),
        ));
        let range = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } });
        let context = json!({ "diagnostics": [] });
        server.handle(request(
            id + 2,
            "textDocument/codeAction",
            json!({ "textDocument": document, "range": range, "context": context }),
        ));
        id += 3;
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    // A disk with no files: only open documents exist.
    let loader = NoFiles;
    let mut server = Server::new(&loader);
    initialize(&mut server);
    if mode % 2 == 1 {
        raw_stream(&mut server, rest);
    } else {
        documents(&mut server, rest);
    }
    server.handle(request(i32::MAX, "shutdown", Value::Null));
    server.handle(notification("exit", Value::Null));
});
