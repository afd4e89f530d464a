//! The language server navigates by what the checker resolved (`Checked::resolutions`), not
//! by its own reading of the text: names only the checker knows how to resolve lead to their
//! declarations, and the lexical scan still serves declarations that do not parse.
//!
//! Only the checker knows that a service named inside a template of an imported module is
//! the spec's own service (the scan looked for it in the module's file and found nothing),
//! which template a service is built `from` (through a name an import lists), which standard
//! template a probe names, and which declaration a name in an import's list is. A reference
//! inside a template is one place, however many services the template is expanded into.
//! Snapshots draw each location under the text of its file. (A file under `lib/` opened on
//! its own is a spec of its own, so the requests start from the spec's files.)

mod lsp_support;

use lsp_support::Client;
use lsp_types::TextDocumentPositionParams;

const SERVICES: &str = r#"import "lib/base.slip" { backend }
import std/probes { http-health }

app shop { registry = "ghcr.io/acme" }

service db {
  image = "ghcr.io/acme/db:1.0.0"
}

service api from backend {
  image    = "ghcr.io/acme/api:1.0.0"
  liveness = probes.http-health
}

service worker from backend {
  image = "ghcr.io/acme/worker:1.0.0"
}
"#;

const BASE: &str = r#"/// What every backend needs: the database first, two pods.
template backend = service {
  depends_on = [db]
  replicas   = 2
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
}
"#;

/// A client with the spec on disk, the file `open` replaced by `text` (with its `$0`) and
/// opened.
fn client_at(open: &str, text: &str) -> (Client, TextDocumentPositionParams) {
    let files = [
        ("services.slip", SERVICES),
        ("environments.slip", ENVIRONMENTS),
        ("lib/base.slip", BASE),
    ];
    lsp_support::client_at(&files, open, text)
}

fn definition(open: &str, text: &str) -> String {
    let (mut client, at) = client_at(open, text);
    lsp_support::drawn_definition(&mut client, at)
}

fn references(open: &str, text: &str) -> String {
    let (mut client, at) = client_at(open, text);
    lsp_support::drawn_references(&mut client, at, true)
}

#[test]
fn a_service_named_in_a_module_template_is_the_spec_s_service() {
    let text = SERVICES.replace("service db", "service d$0b");
    insta::assert_snapshot!(
        "references_of_the_dependency",
        references("services.slip", &text)
    );
}

#[test]
fn a_template_used_through_a_listed_name_and_its_uses() {
    let text = SERVICES.replace("service api from backend", "service api from back$0end");
    insta::assert_snapshot!("definition_of_from", definition("services.slip", &text));
    let text = SERVICES.replace(
        "service worker from backend",
        "service worker from back$0end",
    );
    insta::assert_snapshot!(
        "references_of_the_template",
        references("services.slip", &text)
    );
}

#[test]
fn a_standard_probe_template_and_a_name_an_import_lists() {
    let text = SERVICES.replace("probes.http-health", "probes.http-hea$0lth");
    insta::assert_snapshot!("probe", definition("services.slip", &text));
    let text = SERVICES.replace("{ http-health }", "{ http-he$0alth }");
    insta::assert_snapshot!("listed", definition("services.slip", &text));
}

#[test]
fn inside_a_declaration_that_does_not_parse_the_scan_still_navigates() {
    let text = ENVIRONMENTS.replace(
        "  after     = [staging]\n",
        "  after     = [stag$0ing]\n  replicas  = = 2\n",
    );
    insta::assert_snapshot!(
        "definition_in_broken",
        definition("environments.slip", &text)
    );
    let text = ENVIRONMENTS
        .replace("environment staging", "environment stag$0ing")
        .replace(
            "  after     = [staging]\n",
            "  after     = [staging]\n  replicas  = = 2\n",
        );
    insta::assert_snapshot!(
        "references_into_broken",
        references("environments.slip", &text)
    );
}
