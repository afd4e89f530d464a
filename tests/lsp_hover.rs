//! Hover: a field's type and documentation from the schema, a declaration kind, a kind's
//! settings, and the declaration a reference resolves to (kind, name, doc comment), also
//! inside a declaration that does not parse. Each snapshot draws the hovered range under the
//! source and prints the hover text below it.

mod lsp_support;

use lsp_support::{cursor, uri, Client};
use lsp_types::{HoverContents, HoverParams, TextDocumentIdentifier, TextDocumentPositionParams};

const SERVICES: &str = r#"app shop { registry = "ghcr.io/acme" }

/// The storefront backend.
/// It serves the shop's pages.
service web {
  image = "ghcr.io/acme/web:1.2.0"
  ports { http = 8080 }
}
"#;

/// Hovers at the `$0` in `text` (opened as `environments.slip` next to the services file).
fn hover(text: &str) -> String {
    let (text, position) = cursor(text);
    let mut client = Client::start(&[("services.slip", SERVICES), ("environments.slip", &text)]);
    client.open("environments.slip", &text);
    let params = HoverParams {
        text_document_position_params: TextDocumentPositionParams {
            text_document: TextDocumentIdentifier {
                uri: uri("environments.slip"),
            },
            position,
        },
        work_done_progress_params: Default::default(),
    };
    let Some(hover) = client.request::<lsp_types::request::HoverRequest>(params) else {
        return "no hover".to_string();
    };
    let HoverContents::Markup(markup) = hover.contents else {
        panic!("expected markdown")
    };
    let range = hover.range.expect("a hover range");
    format!(
        "{}\n{}",
        client.draw("environments.slip", &[(range, "hovered".to_string())]),
        markup.value
    )
}

#[test]
fn a_field_shows_its_type_and_documentation() {
    insta::assert_snapshot!(hover(
        "environment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\"\n  trigger   = manual\n  overr$0ide web { replicas = 2 }\n}\n"
    ));
}

#[test]
fn a_nested_field_uses_the_schema_of_its_block() {
    insta::assert_snapshot!(hover(
        "environment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\"\n  override web {\n    resources { limits { mem$0ory = 1Gi } }\n  }\n}\n"
    ));
}

#[test]
fn a_reference_shows_the_declaration_it_resolves_to() {
    insta::assert_snapshot!(hover(
        "environment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\"\n  trigger   = manual\n  override w$0eb { replicas = 2 }\n}\n"
    ));
}

#[test]
fn a_reference_to_an_environment_in_the_same_file() {
    insta::assert_snapshot!(hover(
        "/// Where every change lands first.\nenvironment staging {\n  cluster   = \"staging\"\n  namespace = \"staging\"\n  trigger   = manual\n}\n\nenvironment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\"\n  after     = stag$0ing\n}\n"
    ));
}

#[test]
fn a_declaration_keyword_and_a_kind() {
    insta::assert_snapshot!(
        "keyword",
        hover("envi$0ronment prod {\n  cluster = \"prod\"\n}\n")
    );
    insta::assert_snapshot!(
        "kind",
        hover("environment prod {\n  cluster  = \"prod\"\n  strategy = can$0ary { step { weight = 100% } }\n}\n")
    );
}

#[test]
fn hover_works_inside_a_declaration_that_does_not_parse() {
    insta::assert_snapshot!(hover(
        "environment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\n  approval  = manual { reviewers = [\"sre\"] }\n  stra$0tegy = rolling\n"
    ));
}

#[test]
fn nothing_to_say_on_whitespace_or_in_a_string() {
    assert_eq!(
        hover("environment prod {\n $0 cluster = \"prod\"\n}\n"),
        "no hover"
    );
    assert_eq!(
        hover("environment prod {\n  cluster = \"pr$0od\"\n}\n"),
        "no hover"
    );
}

#[test]
fn a_reference_into_an_imported_standard_module_shows_its_doc_comment() {
    insta::assert_snapshot!(hover(
        "import std/strategies\n\nenvironment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\"\n  trigger   = manual\n  strategy  = strategies.progressive-ca$0nary\n}\n"
    ));
}
