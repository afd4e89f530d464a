//! The facts of a problem as data: `slipway check --format json` gives them as each
//! diagnostic's `data`, and the language server sends the same object as the LSP diagnostic's
//! `data`, so that tools read the name written and the names accepted without parsing the
//! message (keys per code: `docs/diagnostics.md`).

mod cli_support;
mod lsp_support;

use cli_support::{run, scratch};
use lsp_support::Client;
use serde_json::Value;

/// One problem of most codes that carry data.
const SPEC: &str = r#"app shop { registry = "ghcr.io/acme" }

service web {
  image    = "ghcr.io/acme/web:1.0.0"
  replica  = 3
  ports { http = 8080 }
  readiness = tcp { port = http  path = "/ready" }
  build { toolchain = rustt { } }
  traffic { timeout = 5 }
}

service web {
  image = "ghcr.io/acme/web:1.0.1"
}

service Api_Server {
  image = "ghcr.io/acme/api:1.0.0"
  env { DB_PASSWORD = "hunter2-hunter2" }
}

environment staging {
  cluster   = "staging"
  namespace = "shop"
  trigger   = manual
  strategy  = rolling { max_unavailable = 25%  pause = 30s }
}

environment prod {
  cluster   = "prod"
  namespace = "shop"
  after     = stagin
}
"#;

/// `code: data` for each diagnostic, in the order they are reported.
fn code_and_data(diagnostics: &[Value]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let data = d.get("data").map_or("-".to_string(), Value::to_string);
            format!("{} {}", d["code"].as_str().unwrap_or("?"), data)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn json_and_the_language_server_give_the_same_facts() {
    let dir = scratch("diagnostic_data", "facts");
    std::fs::write(dir.join("spec.slip"), SPEC).unwrap();
    let checked = run(&dir, &["check", "spec.slip", "--format", "json"]);
    let document: Value = serde_json::from_str(&checked.stdout).unwrap();
    let from_json = document["diagnostics"].as_array().unwrap().clone();
    insta::assert_snapshot!(code_and_data(&from_json));

    let mut client = Client::start(&[("spec.slip", SPEC)]);
    client.open("spec.slip", SPEC);
    let published = client.diagnostics();
    let lsp_codes: Vec<Value> = published["spec.slip"]
        .iter()
        .map(|d| serde_json::json!({ "code": d.code, "data": d.data }))
        .collect();
    let json_codes: Vec<Value> = from_json
        .iter()
        .map(|d| serde_json::json!({ "code": d["code"], "data": d.get("data") }))
        .collect();
    assert_eq!(lsp_codes, json_codes);
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn a_syntax_error_names_what_was_expected_and_what_was_found() {
    let dir = scratch("diagnostic_data", "syntax");
    std::fs::write(
        dir.join("spec.slip"),
        "service web {\n  image: \"ghcr.io/acme/web:1.0.0\"\n}\n",
    )
    .unwrap();
    let checked = run(&dir, &["check", "spec.slip", "--format", "json"]);
    let document: Value = serde_json::from_str(&checked.stdout).unwrap();
    insta::assert_snapshot!(code_and_data(document["diagnostics"].as_array().unwrap()));
}
