//! The language server's incremental analysis: an edit publishes diagnostics for the edited
//! file and for the other files whose diagnostics changed, re-parses only the edited file, and
//! after any sequence of edits shows exactly the diagnostics of a fresh check of the same
//! texts.

mod lsp_support;

use lsp_server::{Message, Notification};
use lsp_support::Client;
use lsp_types::Diagnostic;
use slipway::check::modules::NoFiles;
use slipway::lsp::Server;
use std::collections::BTreeMap;

const APP: &str = "app shop { registry = \"ghcr.io/acme\" }\n";

const SERVICES: &str = r#"service web {
  image    = "ghcr.io/acme/web:1.2.0"
  replicas = 3
  ports { http = 8080 }
}

service api {
  image    = "ghcr.io/acme/api:2.0.0"
  replicas = 2
}
"#;

const ENVIRONMENTS: &str = r#"environment staging {
  cluster   = "staging"
  namespace = "shop-staging"
  trigger   = manual
}

environment prod {
  cluster   = "prod"
  namespace = "shop-prod"
  after     = staging
  override web { replicas = 2 }
}
"#;

fn start() -> Client {
    Client::start(&[
        ("app.slip", APP),
        ("services.slip", SERVICES),
        ("environments.slip", ENVIRONMENTS),
    ])
}

#[test]
fn an_edit_that_changes_nothing_elsewhere_publishes_only_the_edited_file() {
    let mut client = start();
    client.open("services.slip", SERVICES);
    let published = client.diagnostics();
    assert_eq!(published.len(), 3, "on open every file is published");

    client.change(
        "services.slip",
        2,
        &SERVICES.replace("replicas = 3", "replicas = 4"),
    );
    let published = client.diagnostics();
    assert_eq!(published.keys().collect::<Vec<_>>(), ["services.slip"]);
    assert_eq!(published["services.slip"], Vec::new());
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn a_change_that_reaches_another_file_republishes_it() {
    let mut client = start();
    client.open("services.slip", SERVICES);
    client.diagnostics();

    // `override web` in environments.slip no longer names a service.
    client.change(
        "services.slip",
        2,
        &SERVICES.replace("service web", "service webs"),
    );
    let published = client.diagnostics();
    assert_eq!(
        published.keys().collect::<Vec<_>>(),
        ["environments.slip", "services.slip"]
    );
    assert_eq!(published["environments.slip"].len(), 1, "{published:?}");

    client.change("services.slip", 3, SERVICES);
    let published = client.diagnostics();
    assert_eq!(published["environments.slip"], Vec::new(), "cleared again");
    assert_eq!(client.shut_down(), 0);
}

/// What the editor shows for each file after every publication so far.
fn shown(client: &mut Client, shown: &mut BTreeMap<String, Vec<Diagnostic>>) {
    shown.extend(client.diagnostics());
}

#[test]
fn after_a_sequence_of_edits_the_diagnostics_are_those_of_a_fresh_check() {
    let edits: [(&str, String); 6] = [
        (
            "services.slip",
            SERVICES.replace("replicas = 3", "replica = 3"),
        ),
        (
            "environments.slip",
            ENVIRONMENTS.replace("after     = staging", "after = stagign"),
        ),
        (
            "services.slip",
            SERVICES.replace("service web", "service web {"),
        ),
        (
            "services.slip",
            SERVICES.replace("service api", "service web"),
        ),
        (
            "environments.slip",
            ENVIRONMENTS.replace("override web", "override api"),
        ),
        (
            "services.slip",
            SERVICES.replace("2.0.0", "2.0.0\"\n  replica = 1\n  note = \"x"),
        ),
    ];
    let mut client = start();
    let mut texts: BTreeMap<&str, String> = BTreeMap::new();
    let mut incremental = BTreeMap::new();
    client.open("services.slip", SERVICES);
    client.open("environments.slip", ENVIRONMENTS);
    for (version, (name, text)) in (2..).zip(&edits) {
        client.change(name, version, text);
        texts.insert(name, text.clone());
        shown(&mut client, &mut incremental);
    }
    assert!(incremental.values().any(|list| !list.is_empty()));

    let mut fresh_client = Client::start(&[
        ("app.slip", APP),
        ("services.slip", &texts["services.slip"]),
        ("environments.slip", &texts["environments.slip"]),
    ]);
    fresh_client.open("services.slip", &texts["services.slip"]);
    let fresh = fresh_client.diagnostics();
    assert_eq!(incremental, fresh);
    assert_eq!(client.shut_down(), 0);
    assert_eq!(fresh_client.shut_down(), 0);
}

fn notification(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification {
        method: method.to_string(),
        params,
    })
}

fn open(server: &mut Server, uri: &str, text: &str) {
    let item =
        serde_json::json!({ "uri": uri, "languageId": "slipway", "version": 1, "text": text });
    server.handle(notification(
        "textDocument/didOpen",
        serde_json::json!({ "textDocument": item }),
    ));
}

#[test]
fn an_edit_re_parses_only_the_edited_file() {
    let loader = NoFiles;
    let mut server = Server::new(&loader);
    let initialize = lsp_server::Request {
        id: lsp_server::RequestId::from(1),
        method: "initialize".to_string(),
        params: serde_json::json!({ "capabilities": {} }),
    };
    server.handle(Message::Request(initialize));
    open(&mut server, "file:///spec/app.slip", APP);
    open(&mut server, "file:///spec/environments.slip", ENVIRONMENTS);
    open(&mut server, "file:///spec/services.slip", SERVICES);
    let before = server.files_parsed();
    let params = serde_json::json!({
        "textDocument": { "uri": "file:///spec/services.slip", "version": 2 },
        "contentChanges": [{ "text": SERVICES.replace("replicas = 3", "replicas = 4") }],
    });
    server.handle(notification("textDocument/didChange", params));
    assert_eq!(server.files_parsed() - before, 1);
}

#[test]
fn closing_an_unsaved_file_clears_it_after_an_edit_below_retired_its_spec() {
    let mut client = Client::start(&[
        ("app.slip", APP),
        ("services.slip", SERVICES),
        ("environments.slip", ENVIRONMENTS),
        ("b/solo.slip", APP),
    ]);
    // An unsaved file with a problem, in the top directory's spec.
    client.open("new.slip", "service broken {\n  replicas = \"three\"\n}\n");
    let published = client.diagnostics();
    assert!(!published["new.slip"].is_empty(), "{published:#?}");

    // An edit in the directory below retires the top spec's analysis as well; only the
    // spec below is checked again.
    client.open("b/solo.slip", APP);
    client.change("b/solo.slip", 2, &APP.replace("acme", "acme-two"));
    client.diagnostics();

    client.notify(
        "textDocument/didClose",
        serde_json::json!({ "textDocument": { "uri": lsp_support::uri("new.slip") } }),
    );
    let published = client.diagnostics();
    assert_eq!(
        published.get("new.slip"),
        Some(&Vec::new()),
        "{published:#?}"
    );
    assert_eq!(client.shut_down(), 0);
}
