//! Completion: field names valid at the cursor (from the checker's schema, minus fields
//! already set), kinds and choices at value positions, declared names where a reference goes,
//! and declaration keywords at the top level; also inside a declaration that does not parse.
//! Each snapshot draws the replaced range under the line and lists the items.

mod lsp_support;

use lsp_support::{cursor, uri, Client};
use lsp_types::{
    CompletionParams, CompletionResponse, CompletionTextEdit, TextDocumentIdentifier,
    TextDocumentPositionParams,
};
use slipway::check::schema;

const SERVICES: &str = r#"app shop { registry = "ghcr.io/acme" }

/// The storefront.
service web {
  image = "ghcr.io/acme/web:1.2.0"
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
}

strategy careful = canary {
  step { weight = 100% }
}

environment staging {
  cluster   = "staging"
  namespace = "staging"
  trigger   = manual
}
"#;

/// Completes at the `$0` of `text`, opened as `edit.slip` next to the services file.
fn complete(text: &str) -> String {
    let (text, position) = cursor(text);
    let mut client = Client::start(&[("services.slip", SERVICES)]);
    client.open("edit.slip", &text);
    let params = CompletionParams {
        text_document_position: TextDocumentPositionParams {
            text_document: TextDocumentIdentifier {
                uri: uri("edit.slip"),
            },
            position,
        },
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    };
    let items = match client.request::<lsp_types::request::Completion>(params) {
        Some(CompletionResponse::Array(items)) => items,
        Some(CompletionResponse::List(list)) => list.items,
        None => Vec::new(),
    };
    let Some(CompletionTextEdit::Edit(first)) =
        items.first().and_then(|item| item.text_edit.clone())
    else {
        return "no completions".to_string();
    };
    let mut out = client.draw("edit.slip", &[(first.range, "replaced".to_string())]);
    for item in &items {
        let inserted = match &item.text_edit {
            Some(CompletionTextEdit::Edit(edit)) => edit.new_text.clone(),
            _ => String::new(),
        };
        let kind = item.kind.map(|k| format!("{k:?}")).unwrap_or_default();
        let detail = item.detail.clone().unwrap_or_default();
        out.push_str(&format!(
            "{:<20} {kind:<14} {detail:<28} inserts {inserted:?}\n",
            item.label
        ));
    }
    out
}

#[test]
fn fields_of_a_nested_block() {
    insta::assert_snapshot!(complete("service web2 {\n  image = \"x\"\n  resources {\n    limits {\n      cpu = 1\n      $0\n    }\n  }\n}\n"));
}

#[test]
fn fields_already_set_are_not_offered_again() {
    insta::assert_snapshot!(complete(
        "service web2 {\n  autoscaling {\n    min = 2\n    $0\n    cpu = 80%\n  }\n}\n"
    ));
}

#[test]
fn repeated_blocks_are_offered_again() {
    let offered = complete(
        "strategy s = canary {\n  step { weight = 50% }\n  analysis { gates = [] }\n  $0\n}\n",
    );
    assert!(
        offered.lines().any(|line| line.starts_with("step ")),
        "`step` repeats:\n{offered}"
    );
    assert!(
        !offered.lines().any(|line| line.starts_with("analysis ")),
        "`analysis` is set:\n{offered}"
    );
}

#[test]
fn strategy_kinds_and_named_strategies() {
    insta::assert_snapshot!(complete(
        "environment prod {\n  cluster  = \"prod\"\n  strategy = $0\n}\n"
    ));
}

#[test]
fn approval_kinds_and_probe_kinds() {
    insta::assert_snapshot!(
        "approval",
        complete("environment prod {\n  approval = ma$0\n}\n")
    );
    insta::assert_snapshot!("probe", complete("service web2 {\n  liveness = $0\n}\n"));
}

#[test]
fn environment_names_after_after_and_in_a_list() {
    insta::assert_snapshot!(complete("environment prod {\n  after = [staging, $0]\n}\n"));
}

#[test]
fn service_names_after_override_and_depends_on() {
    insta::assert_snapshot!(
        "override",
        complete("environment prod {\n  override $0\n}\n")
    );
    let depends_on = complete("service web2 {\n  depends_on = [a$0]\n}\n");
    assert!(
        !depends_on.contains("web2 "),
        "a service does not depend on itself:\n{depends_on}"
    );
    insta::assert_snapshot!("depends_on", depends_on);
}

#[test]
fn settings_of_a_kind() {
    insta::assert_snapshot!(complete(
        "environment prod {\n  strategy = rolling { max$0 }\n}\n"
    ));
}

#[test]
fn declaration_keywords_at_the_top_level() {
    insta::assert_snapshot!(complete("service web2 {\n  image = \"x\"\n}\n\nse$0\n"));
}

#[test]
fn completion_inside_a_declaration_that_does_not_parse() {
    insta::assert_snapshot!(complete(
        "environment prod {\n  cluster = \"prod\n  trigger = push { bra$0 }\n\nservice other {\n  image = \"x\"\n}\n"
    ));
}

#[test]
fn nothing_inside_strings_and_comments() {
    assert_eq!(
        complete("environment prod {\n  cluster = \"pr$0\"\n}\n"),
        "no completions"
    );
    assert_eq!(
        complete("environment prod {\n  // clu$0\n}\n"),
        "no completions"
    );
}

/// The completion tables in `schema.rs` must agree with the checker: every choice offered for
/// a field is accepted there, and a made-up one is not.
#[test]
fn every_offered_choice_is_accepted_by_the_checker() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["service"], "liveness", "service web {\n  image = \"ghcr.io/acme/web:1\"\n  ports { http = 8080 }\n  liveness = CHOICE { port = http  command = [\"true\"]  path = \"/\" }\n}\n"),
        (&["service", "build"], "toolchain", "service web {\n  image = \"ghcr.io/acme/web:1\"\n  build { toolchain = CHOICE }\n}\n"),
        (&["environment"], "trigger", "environment dev {\n  cluster = \"c\"\n  namespace = \"dev\"\n  trigger = CHOICE\n}\n"),
        (&["environment"], "approval", "environment dev {\n  cluster = \"c\"\n  namespace = \"dev\"\n  approval = CHOICE\n}\n"),
        (&["environment"], "strategy", "environment dev {\n  cluster = \"c\"\n  namespace = \"dev\"\n  strategy = CHOICE\n}\n"),
        (&["strategy", "canary"], "on_failure", "strategy s = canary {\n  step { weight = 100% }\n  on_failure = CHOICE\n}\n"),
        (&["strategy", "canary"], "engine", "strategy s = canary {\n  step { weight = 100% }\n  engine = CHOICE\n}\n"),
        (&["service", "slo"], "severity", "service web {\n  image = \"ghcr.io/acme/web:1\"\n  slo { objectives = [p99_latency < 1s]  severity = CHOICE }\n}\n"),
        (&["policy"], "severity", "policy p {\n  severity = CHOICE\n  each = service\n  require = true\n  message = \"m\"\n}\n"),
        (&["policy"], "each", "policy p {\n  each = CHOICE\n  require = true\n  message = \"m\"\n}\n"),
    ];
    for (path, field, template) in cases {
        let found = schema::for_path(path).unwrap_or_else(|| panic!("no schema for {path:?}"));
        let choices = schema::choices(found, field);
        assert!(!choices.is_empty(), "{path:?}.{field} offers nothing");
        for choice in choices.iter().copied().chain(["not-a-choice"]) {
            let text = format!(
                "app shop {{ registry = \"ghcr.io/acme\" }}\n{}",
                template.replace("CHOICE", choice)
            );
            let checked = slipway::check(&[slipway::SourceFile {
                name: "c.slip".into(),
                text,
            }]);
            let unknown = checked
                .diagnostics
                .iter()
                .any(|d| matches!(d.code, slipway::Code::SW0208 | slipway::Code::SW0103));
            assert_eq!(
                unknown,
                choice == "not-a-choice",
                "{path:?}.{field} = {choice}: {:#?}",
                checked.diagnostics
            );
        }
    }
}

#[test]
fn block_paths_resolve_to_their_schemas() {
    let cases: &[(&[&str], &str)] = &[
        (&["service", "resources", "limits"], "a resource list"),
        (
            &["environment", "override", "resources", "requests"],
            "a resource list",
        ),
        (
            &["environment", "strategy", "canary", "step"],
            "a canary step",
        ),
        (&["strategy", "blue_green"], "a blue_green strategy"),
        (&["service", "liveness", "http"], "a probe"),
        (&["service", "ports", "http"], "a port"),
        (
            &["service", "env", "DB_PASSWORD", "secret"],
            "a secret reference",
        ),
        (&["service", "build", "toolchain", "maven"], "a toolchain"),
        (
            &["service", "traffic", "circuit_breaker"],
            "a circuit breaker",
        ),
        (&["environment", "approval", "manual"], "an approval"),
    ];
    for (path, what) in cases {
        assert_eq!(
            schema::for_path(path).map(|s| s.what),
            Some(*what),
            "{path:?}"
        );
    }
    assert!(
        schema::for_path(&["service", "ports"]).is_none(),
        "port names are free"
    );
    assert!(schema::for_path(&["service", "liveness", "smtp"]).is_none());
    assert!(schema::for_path(&["nothing"]).is_none());
}
