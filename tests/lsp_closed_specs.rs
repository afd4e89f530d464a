//! The language server keeps analyses only for specs with an open document: once the last
//! document of a spec is closed (and its diagnostics are published from the disk's text), the
//! spec's model, syntax trees, disk contents and record of what was published are dropped, so a server that outlives many
//! projects does not hold them all. Opening a file of the spec again checks it again and
//! publishes the same diagnostics.

#[path = "lsp_support/memory_loader.rs"]
mod memory_loader;

use lsp_server::{Message, Notification, Request, RequestId};
use memory_loader::MemoryLoader;
use serde_json::{json, Value};
use slipway::lsp::Server;
use std::collections::BTreeMap;
use std::path::PathBuf;

const SHOP: &str = "service web {\n  image   = \"ghcr.io/acme/web:1\"\n  replica = 2\n}\n";
const DOCS: &str = "service docs {\n  image = \"ghcr.io/acme/docs:1\"\n}\n";

fn loader() -> MemoryLoader {
    MemoryLoader {
        files: BTreeMap::from([
            (PathBuf::from("/work/shop/web.slip"), SHOP.to_string()),
            (PathBuf::from("/work/docs/docs.slip"), DOCS.to_string()),
        ]),
        standard_dir: None,
    }
}

fn notify(server: &mut Server, method: &str, params: Value) -> Vec<Message> {
    server.handle(Message::Notification(Notification {
        method: method.to_string(),
        params,
    }))
}

fn open(server: &mut Server, uri: &str, text: &str) -> Vec<Message> {
    let item = json!({ "uri": uri, "languageId": "slipway", "version": 1, "text": text });
    notify(
        server,
        "textDocument/didOpen",
        json!({ "textDocument": item }),
    )
}

fn close(server: &mut Server, uri: &str) -> Vec<Message> {
    notify(
        server,
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    )
}

/// The codes published for `uri` in `replies`.
fn codes_for(replies: &[Message], uri: &str) -> Vec<String> {
    replies
        .iter()
        .filter_map(|m| match m {
            Message::Notification(n) if n.params["uri"] == uri => Some(&n.params["diagnostics"]),
            _ => None,
        })
        .flat_map(|list| list.as_array().cloned().unwrap_or_default())
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn closing_the_last_document_of_a_spec_drops_its_analysis() {
    let loader = loader();
    let mut server = Server::new(&loader);
    server.handle(Message::Request(Request {
        id: RequestId::from(0),
        method: "initialize".to_string(),
        params: json!({ "capabilities": {} }),
    }));
    let web = "file:///work/shop/web.slip";
    let docs = "file:///work/docs/docs.slip";
    let first = open(&mut server, web, SHOP);
    open(&mut server, docs, DOCS);
    assert_eq!(server.held(), (2, 2), "two specs, one file each");

    let closed = close(&mut server, docs);
    assert_eq!(server.held(), (1, 1), "the docs spec has no open document");
    // Published from the disk's text, as the last word on the file.
    assert_eq!(codes_for(&closed, docs), ["SW0104"]);

    close(&mut server, web);
    assert_eq!(server.held(), (0, 0));

    let before = server.analyses_run();
    let reopened = open(&mut server, web, SHOP);
    assert_eq!(server.analyses_run(), before + 1, "checked again");
    assert_eq!(codes_for(&reopened, web), codes_for(&first, web));
    assert_eq!(codes_for(&reopened, web), ["SW0104", "SW0201"]);
}
