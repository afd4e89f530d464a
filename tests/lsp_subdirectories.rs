//! The language server reads a directory's spec as `slipway check DIR` does: the files of its
//! subdirectories belong to it, and an edit to one of them, open in the editor, is what the
//! spec of the directory above sees next.

mod lsp_support;

use lsp_support::Client;

const SHOP: &str = "app shop {\n  registry = \"ghcr.io/acme\"\n}\n\nenvironment prod {\n  \
    cluster = \"prod\"\n  namespace = \"shop\"\n  trigger = manual\n}\n";

const WEB_WITH_A_TYPO: &str =
    "service web {\n  image = \"web:1.0.0\"\n  replica = 2\n  ports { http = 8080 }\n}\n";

const WEB: &str =
    "service web {\n  image = \"web:1.0.0\"\n  replicas = 2\n  ports { http = 8080 }\n}\n";

/// The codes published for `name` (a file's last path segment).
fn codes(client: &mut Client, name: &str) -> Vec<String> {
    let published = client.diagnostics();
    let diagnostics = published
        .get(name)
        .unwrap_or_else(|| panic!("nothing published for {name}: {published:#?}"));
    diagnostics
        .iter()
        .map(|d| match &d.code {
            Some(lsp_types::NumberOrString::String(code)) => code.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_file_in_a_subdirectory_belongs_to_the_spec_above_it() {
    let mut client = Client::start(&[("shop.slip", SHOP), ("services/web.slip", WEB_WITH_A_TYPO)]);
    client.open("shop.slip", SHOP);
    assert_eq!(codes(&mut client, "web.slip").len(), 1, "the unknown field");

    client.open("services/web.slip", WEB);
    client.change("shop.slip", 2, SHOP);
    assert_eq!(
        codes(&mut client, "web.slip"),
        Vec::<String>::new(),
        "the spec of the directory above reads the open, corrected document"
    );
    assert_eq!(client.shut_down(), 0);
}
