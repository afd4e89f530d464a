//! Go to definition and find references for environments, services, strategies and policies,
//! across the files of a spec (every `.slip` file of the directory), with the open document's
//! text taking precedence over the disk. Snapshots draw each location under its file.

mod lsp_support;

use lsp_support::Client;
use lsp_types::TextDocumentPositionParams;

const SERVICES: &str = r#"app shop { registry = "ghcr.io/acme" }

service web {
  image      = "ghcr.io/acme/web:1.2.0"
  depends_on = [api]
}

service api {
  image = "ghcr.io/acme/api:1.0.0"
}
"#;

const STRATEGIES: &str = r#"strategy careful = canary {
  step { weight = 20%  pause = 5m }
  step { weight = 100% }
}

policy pinned {
  each    = service
  require = service.image.pinned
  message = "pin the image"
}
"#;

const ENVIRONMENTS: &str = r#"environment staging {
  cluster   = "staging"
  namespace = "staging"
  trigger   = manual
}

environment prod {
  cluster   = "prod"
  namespace = "prod"
  after     = [staging]
  strategy  = careful
  override web { strategy = careful }
  override api { replicas = 2 }
}
"#;

/// A client with the three files on disk and `open` (name, text with `$0`) opened.
fn client_at(open: &str, text: &str) -> (Client, TextDocumentPositionParams) {
    let files = [
        ("services.slip", SERVICES),
        ("strategies.slip", STRATEGIES),
        ("environments.slip", ENVIRONMENTS),
    ];
    lsp_support::client_at(&files, open, text)
}

fn definition(open: &str, text: &str) -> String {
    let (mut client, at) = client_at(open, text);
    lsp_support::drawn_definition(&mut client, at)
}

fn references(open: &str, text: &str, include_declaration: bool) -> String {
    let (mut client, at) = client_at(open, text);
    lsp_support::drawn_references(&mut client, at, include_declaration)
}

#[test]
fn definition_of_an_environment_in_the_same_file() {
    let text = ENVIRONMENTS.replace("after     = [staging]", "after     = [stag$0ing]");
    insta::assert_snapshot!(definition("environments.slip", &text));
}

#[test]
fn definition_of_a_service_in_another_file() {
    let text = ENVIRONMENTS.replace("override web {", "override w$0eb {");
    insta::assert_snapshot!(definition("environments.slip", &text));
}

#[test]
fn definition_of_a_strategy_and_of_a_dependency() {
    let text = ENVIRONMENTS.replace("strategy  = careful", "strategy  = care$0ful");
    insta::assert_snapshot!("strategy", definition("environments.slip", &text));
    let text = SERVICES.replace("depends_on = [api]", "depends_on = [a$0pi]");
    insta::assert_snapshot!("dependency", definition("services.slip", &text));
}

#[test]
fn definition_of_a_declaration_name_is_itself_and_kinds_are_not_references() {
    let text = STRATEGIES.replace("policy pinned", "policy pin$0ned");
    insta::assert_snapshot!("policy", definition("strategies.slip", &text));
    let text = STRATEGIES.replace("= canary", "= can$0ary");
    assert_eq!(definition("strategies.slip", &text), "no definition");
}

#[test]
fn references_of_a_service_across_files() {
    let text = SERVICES.replace("service web {", "service w$0eb {");
    insta::assert_snapshot!("with_declaration", references("services.slip", &text, true));
    insta::assert_snapshot!(
        "without_declaration",
        references("services.slip", &text, false)
    );
}

#[test]
fn references_of_a_strategy_from_a_reference() {
    let text = ENVIRONMENTS.replace(
        "override web { strategy = careful }",
        "override web { strategy = care$0ful }",
    );
    insta::assert_snapshot!(references("environments.slip", &text, true));
}

#[test]
fn references_of_a_policy_are_its_declaration() {
    let text = STRATEGIES.replace("policy pinned", "policy pin$0ned");
    insta::assert_snapshot!(references("strategies.slip", &text, true));
}

#[test]
fn navigation_follows_the_open_text_not_the_disk() {
    let text = SERVICES
        .replace("service api {", "service backend {")
        .replace("[api]", "[back$0end]");
    insta::assert_snapshot!(definition("services.slip", &text));
}
