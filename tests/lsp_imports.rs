//! Imported names work in the editor exactly like the spec's own: go to definition, hover,
//! find references and completion on `strategies.progressive-canary` (a standard module,
//! opened through the copy the loader provides), on `common.careful` (a project file), on a
//! name an import lists, and on a module's alias. A local strategy that shares an imported
//! one's name stays apart from it. Completion advertises `.`, `=` and a space as trigger
//! characters, and a trigger character opens a list only where it has something to offer.
//! Snapshots draw each location under the text of its file.

mod lsp_support;

use lsp_server::{Message, Request, RequestId};
use lsp_support::Client;
use lsp_types::{
    CompletionContext, CompletionParams, CompletionResponse, CompletionTextEdit,
    CompletionTriggerKind, HoverContents, HoverParams, TextDocumentPositionParams,
};
use serde_json::json;

const SERVICES: &str = r#"app shop { registry = "ghcr.io/acme" }

service web {
  image = "ghcr.io/acme/web:1.2.0"
}
"#;

const IMPORTS: &str = r#"import std/strategies
import std/probes { http-health }
import "lib/common.slip"
"#;

const COMMON: &str = r#"/// A fifth of the traffic for ten minutes, then all of it.
strategy careful = canary {
  step { weight = 20%  pause = 10m }
  step { weight = 100% }
}
"#;

const LOCAL: &str = r#"/// The shop's own careful: one pod at a time.
strategy careful = rolling {
  max_surge = 1
}
"#;

const ENVIRONMENTS: &str = r#"environment staging {
  cluster   = "staging"
  namespace = "staging"
  trigger   = manual
  strategy  = careful
}

environment prod {
  cluster   = "prod"
  namespace = "prod"
  after     = staging
  strategy  = strategies.progressive-canary
  override web { strategy = common.careful }
}
"#;

/// A client with the spec on disk, `environments.slip` replaced by `text` (with its `$0`)
/// and opened.
fn client_at(text: &str) -> (Client, TextDocumentPositionParams) {
    let files = [
        ("services.slip", SERVICES),
        ("imports.slip", IMPORTS),
        ("local.slip", LOCAL),
        ("lib/common.slip", COMMON),
    ];
    lsp_support::client_at(&files, "environments.slip", text)
}

fn definition(text: &str) -> String {
    let (mut client, at) = client_at(text);
    lsp_support::drawn_definition(&mut client, at)
}

fn references(text: &str) -> String {
    let (mut client, at) = client_at(text);
    lsp_support::drawn_references(&mut client, at, true)
}

fn hover(text: &str) -> String {
    let (mut client, at) = client_at(text);
    let params = HoverParams {
        text_document_position_params: at,
        work_done_progress_params: Default::default(),
    };
    match client.request::<lsp_types::request::HoverRequest>(params) {
        Some(lsp_types::Hover {
            contents: HoverContents::Markup(markup),
            ..
        }) => markup.value,
        _ => "no hover".to_string(),
    }
}

/// The completions at the `$0` of `text`, one line each (label, detail, inserted text), or
/// "no list" when the server answers nothing; `trigger` is the character that asked.
fn complete(text: &str, trigger: Option<&str>) -> String {
    let (mut client, at) = client_at(text);
    let context = trigger.map(|character| CompletionContext {
        trigger_kind: CompletionTriggerKind::TRIGGER_CHARACTER,
        trigger_character: Some(character.to_string()),
    });
    let params = CompletionParams {
        text_document_position: at,
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context,
    };
    let items = match client.request::<lsp_types::request::Completion>(params) {
        Some(CompletionResponse::Array(items)) => items,
        Some(CompletionResponse::List(list)) => list.items,
        None => return "no list".to_string(),
    };
    items
        .iter()
        .map(|item| {
            let inserted = match &item.text_edit {
                Some(CompletionTextEdit::Edit(edit)) => edit.new_text.clone(),
                _ => String::new(),
            };
            let detail = item.detail.clone().unwrap_or_default();
            format!("{:<34} {detail:<10} inserts {inserted:?}\n", item.label)
        })
        .collect()
}

#[test]
fn definition_of_a_standard_strategy_opens_the_module() {
    let text = ENVIRONMENTS.replace(
        "strategies.progressive-canary",
        "strategies.progressive-ca$0nary",
    );
    insta::assert_snapshot!(definition(&text));
}

#[test]
fn definition_of_a_standard_strategy_adjusted_in_place() {
    let text = ENVIRONMENTS.replace(
        "strategies.progressive-canary",
        "strategies.progressive-ca$0nary { on_failure = halt }",
    );
    insta::assert_snapshot!(definition(&text));
}

#[test]
fn an_imported_name_and_a_local_one_of_the_same_name_stay_apart() {
    let text = ENVIRONMENTS.replace("common.careful", "common.care$0ful");
    insta::assert_snapshot!("definition_imported", definition(&text));
    let text = ENVIRONMENTS.replace("strategy  = careful", "strategy  = care$0ful");
    insta::assert_snapshot!("definition_local", definition(&text));
}

#[test]
fn definition_of_a_listed_name_and_of_an_alias() {
    let listed = ENVIRONMENTS
        .replace("strategies.progressive-canary", "blue-green$0-approval")
        .replace(
            "environment prod",
            "import std/strategies as standard { blue-green-approval }\n\nenvironment prod",
        );
    insta::assert_snapshot!("definition_listed", definition(&listed));
    let alias = ENVIRONMENTS.replace(
        "strategies.progressive-canary",
        "strateg$0ies.progressive-canary",
    );
    insta::assert_snapshot!("definition_alias", definition(&alias));
}

#[test]
fn hover_on_an_imported_strategy_and_on_an_alias() {
    let text = ENVIRONMENTS.replace("common.careful", "common.care$0ful");
    insta::assert_snapshot!("hover_strategy", hover(&text));
    let text = ENVIRONMENTS.replace(
        "strategies.progressive-canary",
        "strateg$0ies.progressive-canary",
    );
    insta::assert_snapshot!("hover_alias", hover(&text));
}

#[test]
fn references_of_a_standard_strategy_are_those_that_resolve_to_it() {
    let text = ENVIRONMENTS
        .replace(
            "strategy  = careful",
            "strategy  = strategies.progressive-canary",
        )
        .replace(
            "strategies.progressive-canary\n  override",
            "strategies.progressive-ca$0nary\n  override",
        );
    insta::assert_snapshot!("references_standard", references(&text));
    let text = ENVIRONMENTS.replace("strategy  = careful", "strategy  = care$0ful");
    insta::assert_snapshot!("references_local", references(&text));
}

#[test]
fn completion_after_an_alias_lists_the_module_strategies() {
    let text = ENVIRONMENTS.replace("strategies.progressive-canary", "strategies.$0");
    insta::assert_snapshot!("after_standard_alias", complete(&text, Some(".")));
    let text = ENVIRONMENTS.replace("common.careful", "common.$0");
    insta::assert_snapshot!("after_project_alias", complete(&text, Some(".")));
}

#[test]
fn completion_after_strategy_equals_lists_imported_strategies() {
    let text = ENVIRONMENTS.replace("strategies.progressive-canary", "$0");
    insta::assert_snapshot!(complete(&text, None));
    let text = ENVIRONMENTS.replace(
        "  strategy  = strategies.progressive-canary",
        "  strategy =$0",
    );
    let after_equals = complete(&text, Some("="));
    assert!(
        after_equals.contains("inserts \" strategies.progressive-canary\""),
        "after `=` a value comes with its space:\n{after_equals}"
    );
}

#[test]
fn a_trigger_character_opens_a_list_only_where_it_completes_something() {
    let text = ENVIRONMENTS.replace(
        "strategies.progressive-canary",
        "strategies.progressive-canary\n $0",
    );
    assert_eq!(
        complete(&text, Some(" ")),
        "no list",
        "a space in front of a field"
    );
    let text = ENVIRONMENTS.replace("  after     = staging", "  after     = [staging, $0]");
    assert!(
        complete(&text, Some(" ")).starts_with("staging "),
        "in a list"
    );
    let text = ENVIRONMENTS.replace("  trigger   = manual", "  trigger   = $0");
    assert!(complete(&text, Some(" ")).contains("manual"));
    let text = ENVIRONMENTS.replace("common.careful", "nothing.$0");
    assert_eq!(
        complete(&text, Some(".")),
        "",
        "an unknown alias offers nothing"
    );
}

#[test]
fn standard_modules_get_no_diagnostics() {
    let (mut client, _) = client_at(&format!("$0{ENVIRONMENTS}"));
    let published = client.diagnostics();
    assert!(published.contains_key("environments.slip"));
    assert!(published.contains_key("common.slip"), "project modules do");
    assert!(
        !published.contains_key("strategies.slip") && !published.contains_key("probes.slip"),
        "{:?}",
        published.keys()
    );
}

#[test]
fn the_server_advertises_completion_trigger_characters() {
    let mut server = slipway::lsp::Server::new(&slipway::check::modules::NoFiles);
    let replies = server.handle(Message::Request(Request {
        id: RequestId::from(1),
        method: "initialize".into(),
        params: json!({ "capabilities": {} }),
    }));
    let [Message::Response(response)] = replies.as_slice() else {
        panic!("one response expected: {replies:?}");
    };
    let result = response.response_result.clone().expect("initialized");
    assert_eq!(
        result["capabilities"]["completionProvider"]["triggerCharacters"],
        json!([".", "=", " "])
    );
}
