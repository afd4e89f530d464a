//! Diagnostics through the language server: published on open and on every change, with the
//! codes of `slipway check`, related information for secondary labels, cleared when fixed,
//! across the files of a spec, and still reported around a syntax error.

mod lsp_support;

use lsp_support::{uri, Client};
use lsp_types::{Diagnostic, NumberOrString};
use std::collections::BTreeMap;

const APP: &str = "app shop { registry = \"ghcr.io/acme\" }\n";

const SERVICES: &str = r#"service web {
  image    = "ghcr.io/acme/web:1.2.0"
  replica  = 3
  ports { http = 8080 }
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
  after     = stagign
  override web { replicas = 2 }
}
"#;

fn code(diagnostic: &Diagnostic) -> String {
    match &diagnostic.code {
        Some(NumberOrString::String(code)) => code.clone(),
        other => format!("{other:?}"),
    }
}

/// Every file's diagnostics drawn under its text, with related information.
fn render(client: &Client, published: &BTreeMap<String, Vec<Diagnostic>>) -> String {
    let mut out = String::new();
    for (name, diagnostics) in published {
        out.push_str(&format!("== {name}: {} diagnostic(s)\n", diagnostics.len()));
        for diagnostic in diagnostics {
            let label = format!(
                "{} {}",
                code(diagnostic),
                diagnostic.message.replace('\n', " / ")
            );
            out.push_str(&client.draw(name, &[(diagnostic.range, label)]));
            for related in diagnostic.related_information.iter().flatten() {
                let file = related
                    .location
                    .uri
                    .as_str()
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let label = format!("related ({file}): {}", related.message);
                out.push_str(&client.draw(&file, &[(related.location.range, label)]));
            }
        }
    }
    out
}

#[test]
fn diagnostics_are_published_on_open_and_cleared_when_fixed() {
    let mut client = Client::start(&[
        ("app.slip", APP),
        ("services.slip", SERVICES),
        ("environments.slip", ENVIRONMENTS),
    ]);
    client.open("services.slip", SERVICES);
    let published = client.diagnostics();
    insta::assert_snapshot!("on_open", render(&client, &published));

    client.change(
        "services.slip",
        2,
        &SERVICES.replace("replica  =", "replicas ="),
    );
    let published = client.diagnostics();
    assert_eq!(
        published["services.slip"],
        Vec::new(),
        "fixing the field clears its diagnostic"
    );
    assert!(
        !published.contains_key("environments.slip"),
        "the other file keeps its own problem, so it is not published again: {published:?}"
    );

    client.open("environments.slip", ENVIRONMENTS);
    client.change(
        "environments.slip",
        2,
        &ENVIRONMENTS.replace("stagign", "staging"),
    );
    let published = client.diagnostics();
    assert_eq!(
        published.keys().collect::<Vec<_>>(),
        ["environments.slip"],
        "only the file whose diagnostics changed is published"
    );
    assert_eq!(
        published["environments.slip"],
        Vec::new(),
        "everything fixed"
    );
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn the_same_codes_as_slipway_check() {
    let mut client = Client::start(&[
        ("app.slip", APP),
        ("services.slip", SERVICES),
        ("environments.slip", ENVIRONMENTS),
    ]);
    client.open("environments.slip", ENVIRONMENTS);
    let published = client.diagnostics();
    let mut from_server: Vec<String> = published.values().flatten().map(code).collect();
    from_server.sort();
    let files = [
        slipway::SourceFile {
            name: "app.slip".into(),
            text: APP.into(),
        },
        slipway::SourceFile {
            name: "environments.slip".into(),
            text: ENVIRONMENTS.into(),
        },
        slipway::SourceFile {
            name: "services.slip".into(),
            text: SERVICES.into(),
        },
    ];
    let mut from_check: Vec<String> = slipway::check(&files)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    from_check.sort();
    assert_eq!(from_server, from_check);
}

#[test]
fn secondary_labels_become_related_information() {
    let text = r#"app shop { registry = "ghcr.io/acme" }

service web {
  image = "ghcr.io/acme/web:1.2.0"
  resources {
    requests { cpu = 2 }
    limits { cpu = 1 }
  }
}
"#;
    let mut client = Client::start(&[]);
    client.open("web.slip", text);
    let published = client.diagnostics();
    insta::assert_snapshot!(render(&client, &published));
}

#[test]
fn a_syntax_error_does_not_hide_the_other_problems() {
    let text = r#"app shop { registry = "ghcr.io/acme" }

service web {
  image = "ghcr.io/acme/web:1.2.0
  ports { http = 8080 }
}

service api {
  image   = "ghcr.io/acme/api:2.0.0"
  replica = 2
}
"#;
    let mut client = Client::start(&[]);
    client.open("broken.slip", text);
    let published = client.diagnostics();
    insta::assert_snapshot!(render(&client, &published));
}

#[test]
fn open_documents_override_the_disk_and_closing_reverts_to_it() {
    let mut client = Client::start(&[
        ("app.slip", APP),
        ("services.slip", SERVICES),
        ("environments.slip", ENVIRONMENTS),
    ]);
    let fixed = SERVICES.replace("replica  =", "replicas =");
    client.open("services.slip", &fixed);
    assert_eq!(client.diagnostics()["services.slip"], Vec::new());
    client.notify(
        "textDocument/didClose",
        serde_json::json!({ "textDocument": { "uri": uri("services.slip") } }),
    );
    let published = client.diagnostics();
    assert_eq!(
        published["services.slip"]
            .iter()
            .map(code)
            .collect::<Vec<_>>(),
        ["SW0201"]
    );
}

#[test]
fn a_new_unsaved_file_joins_the_spec_and_leaves_it_when_closed() {
    let mut client = Client::start(&[("app.slip", APP), ("environments.slip", ENVIRONMENTS)]);
    client.open("environments.slip", ENVIRONMENTS);
    let before = client.diagnostics();
    assert!(before["environments.slip"]
        .iter()
        .any(|d| d.message.contains("unknown service")));
    client.open(
        "services.slip",
        &SERVICES.replace("replica  =", "replicas ="),
    );
    let with_services = client.diagnostics();
    assert!(!with_services["environments.slip"]
        .iter()
        .any(|d| d.message.contains("unknown service")));
    client.notify(
        "textDocument/didClose",
        serde_json::json!({ "textDocument": { "uri": uri("services.slip") } }),
    );
    let after = client.diagnostics();
    assert_eq!(
        after["services.slip"],
        Vec::new(),
        "a file that left the spec is cleared"
    );
    assert!(after["environments.slip"]
        .iter()
        .any(|d| d.message.contains("unknown service")));
}
