//! The protocol around the features: lifecycle, error replies, position encodings, and
//! robustness: the server answers every request, whatever the input, and keeps serving.

mod lsp_support;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId};
use lsp_support::{uri, Client};
use lsp_types::{Position, Range};
use serde_json::{json, Value};
use slipway::lsp::convert::{Encoding, Lines};

fn error_code(client: &mut Client, method: &str, params: Value) -> Option<i32> {
    client
        .request_response(method, params)
        .response_result
        .err()
        .map(|e| e.code)
}

fn position_params(name: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri(name) }, "position": { "line": line, "character": character } })
}

#[test]
fn requests_before_initialize_are_refused_and_exit_without_shutdown_fails() {
    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || {
        slipway::lsp::run(&server_side, &slipway::check::modules::NoFiles)
    });
    let request = Request {
        id: RequestId::from(1),
        method: "textDocument/hover".into(),
        params: Value::Null,
    };
    client_side.sender.send(Message::Request(request)).unwrap();
    let Ok(Message::Response(response)) = client_side
        .receiver
        .recv_timeout(std::time::Duration::from_secs(20))
    else {
        panic!("expected a response");
    };
    assert_eq!(
        response.response_result.err().map(|e| e.code),
        Some(ErrorCode::ServerNotInitialized as i32)
    );
    client_side
        .sender
        .send(Message::Notification(Notification {
            method: "exit".into(),
            params: Value::Null,
        }))
        .unwrap();
    assert_eq!(
        server.join().unwrap(),
        1,
        "exit without shutdown is an error exit"
    );
}

#[test]
fn bad_requests_get_error_replies_and_the_server_keeps_serving() {
    let mut client = Client::start(&[]);
    client.open("a.slip", "service web {\n  image = \"x\"\n}\n");
    assert_eq!(
        error_code(&mut client, "initialize", json!({ "capabilities": {} })),
        Some(ErrorCode::InvalidRequest as i32)
    );
    assert_eq!(
        error_code(&mut client, "no/such/method", Value::Null),
        Some(ErrorCode::MethodNotFound as i32)
    );
    assert_eq!(
        error_code(&mut client, "textDocument/hover", json!(42)),
        Some(ErrorCode::InvalidParams as i32)
    );
    assert_eq!(
        error_code(
            &mut client,
            "textDocument/hover",
            json!({ "textDocument": 1 })
        ),
        Some(ErrorCode::InvalidParams as i32)
    );
    client.notify("textDocument/didOpen", json!("not an object"));
    client.notify("textDocument/didChange", json!({ "textDocument": {} }));
    client.notify("$/cancelRequest", json!({ "id": 1 }));
    client.notify("some/unknown/notification", json!([1, 2, 3]));
    let hover = client.request_raw("textDocument/hover", position_params("a.slip", 1, 4));
    assert!(hover.get("contents").is_some(), "still serving: {hover}");
    let logged = client
        .notifications
        .iter()
        .filter(|n| n.method == "window/logMessage")
        .count();
    assert!(
        logged >= 2,
        "malformed notifications are logged: {:?}",
        client.notifications
    );
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn positions_outside_the_text_and_unknown_documents_are_harmless() {
    let mut client = Client::start(&[]);
    client.open("a.slip", "service web {}\n");
    for (line, character) in [(999, 0), (0, 999), (u32::MAX, u32::MAX)] {
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/definition",
            "textDocument/references",
        ] {
            let mut params = position_params("a.slip", line, character);
            if method == "textDocument/references" {
                params["context"] = json!({ "includeDeclaration": true });
            }
            client.request_raw(method, params);
        }
    }
    client.request_raw(
        "textDocument/hover",
        position_params("never-opened.slip", 0, 0),
    );
    client.request_raw(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": "untitled:Untitled-1" } }),
    );
}

#[test]
fn every_prefix_of_a_spec_is_served() {
    let spec = std::fs::read_to_string("examples/delivery-matrix/services.slip").unwrap();
    let mut client = Client::start(&[]);
    client.open("a.slip", "");
    let boundaries: Vec<usize> = spec
        .char_indices()
        .map(|(i, _)| i)
        .step_by(5)
        .chain([spec.len()])
        .collect();
    for (version, end) in boundaries.into_iter().enumerate() {
        let text = &spec[..end];
        client.change("a.slip", version as i32 + 2, text);
        let lines = Lines::new(text, Encoding::Utf16);
        let at = lines.position(text, text.len());
        let middle = lines.position(text, text.len() / 2);
        for (method, position) in [
            ("textDocument/completion", at),
            ("textDocument/hover", middle),
            ("textDocument/definition", middle),
        ] {
            client.request_raw(
                method,
                position_params("a.slip", position.line, position.character),
            );
        }
        client.request_raw(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri("a.slip") } }),
        );
    }
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || {
        slipway::lsp::run(&server_side, &slipway::check::modules::NoFiles)
    });
    let params =
        json!({ "capabilities": { "general": { "positionEncodings": ["utf-8", "utf-16"] } } });
    let request = Request {
        id: RequestId::from(1),
        method: "initialize".into(),
        params,
    };
    client_side.sender.send(Message::Request(request)).unwrap();
    let Ok(Message::Response(response)) = client_side
        .receiver
        .recv_timeout(std::time::Duration::from_secs(20))
    else {
        panic!("expected a response");
    };
    let result = response.response_result.unwrap();
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    drop(client_side);
    assert_eq!(
        server.join().unwrap(),
        1,
        "a client that hangs up ends the server"
    );
}

#[test]
fn lines_convert_offsets_in_both_encodings() {
    let text = "a = \"🚀é\"\nreplica = 3\r\n";
    let utf16 = Lines::new(text, Encoding::Utf16);
    let utf8 = Lines::new(text, Encoding::Utf8);
    let after_emoji = text.find('é').unwrap();
    assert_eq!(utf16.position(text, after_emoji), Position::new(0, 7));
    assert_eq!(utf8.position(text, after_emoji), Position::new(0, 9));
    for offset in [0, 5, after_emoji, text.find('\n').unwrap() + 1, text.len()] {
        assert_eq!(utf16.offset(text, utf16.position(text, offset)), offset);
        assert_eq!(utf8.offset(text, utf8.position(text, offset)), offset);
    }
    let past_end_of_line = utf16.offset(text, Position::new(1, 100));
    assert_eq!(
        &text[past_end_of_line..],
        "\r\n",
        "clamped before the line break"
    );
    assert_eq!(
        utf16.range(text, 0, 1),
        Range::new(Position::new(0, 0), Position::new(0, 1))
    );
}

#[test]
fn file_uris_and_paths_round_trip() {
    use slipway::lsp::convert::{path_to_uri, uri_to_path};
    let path = std::path::Path::new("/work/my specs/café #1.slip");
    let uri = path_to_uri(path).unwrap();
    assert_eq!(
        uri.as_str(),
        "file:///work/my%20specs/caf%C3%A9%20%231.slip"
    );
    assert_eq!(uri_to_path(&uri).unwrap(), path);
    let other: lsp_types::Uri = "untitled:Untitled-1".parse().unwrap();
    assert_eq!(uri_to_path(&other), None);
}
