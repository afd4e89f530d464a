//! The VS Code extension's static files: valid JSON, the language wired to `*.slip`, the
//! grammar and the language configuration in place, the client bundled into `main` when
//! packaged, a licence and a repository for `vsce package`, and the grammar's declaration
//! keywords in step with the checker's list of declaration kinds.

use serde_json::Value;

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_extension_declares_the_language_grammar_and_client() {
    let package = json("editors/vscode/package.json");
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "slipway");
    assert_eq!(language["extensions"][0], ".slip");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.slipway");
    for path in [&language["configuration"], &grammar["path"]] {
        let path = format!(
            "editors/vscode/{}",
            path.as_str().unwrap().trim_start_matches("./")
        );
        assert!(std::path::Path::new(&path).is_file(), "{path} is missing");
    }
    assert!(package["dependencies"]["vscode-languageclient"].is_string());
    // `main` is the bundle that `npm run bundle` (run by `vsce package`) builds from
    // extension.js; it is not committed.
    let bundle = package["scripts"]["bundle"].as_str().unwrap();
    let main = package["main"].as_str().unwrap().trim_start_matches("./");
    assert!(
        bundle.starts_with("esbuild extension.js --bundle")
            && bundle.contains(&format!("--outfile={main}")),
        "{bundle}"
    );
    assert_eq!(package["scripts"]["vscode:prepublish"], "npm run bundle");
    let client = std::fs::read_to_string("editors/vscode/extension.js").unwrap();
    assert!(
        client.contains("args: [\"lsp\"]"),
        "the client starts `slipway lsp`"
    );
}

#[test]
fn the_package_has_what_vsce_asks_for() {
    let package = json("editors/vscode/package.json");
    assert_eq!(package["license"], "Apache-2.0");
    assert!(std::path::Path::new("editors/vscode/LICENSE").is_file());
    assert!(package["repository"]["url"].is_string());
    let ignored = std::fs::read_to_string("editors/vscode/.vscodeignore").unwrap();
    for left_out in ["node_modules/**", "extension.js"] {
        assert!(
            ignored.lines().any(|line| line == left_out),
            "{left_out} is packed"
        );
    }
}

#[test]
fn the_language_configuration_knows_comments_and_brackets() {
    let configuration = json("editors/vscode/language-configuration.json");
    assert_eq!(configuration["comments"]["lineComment"], "//");
    assert_eq!(
        configuration["comments"]["blockComment"],
        serde_json::json!(["/*", "*/"])
    );
    assert_eq!(configuration["brackets"].as_array().map(Vec::len), Some(3));
    assert!(configuration["autoClosingPairs"]
        .as_array()
        .is_some_and(|pairs| pairs.len() >= 4));
}

#[test]
fn the_grammar_highlights_every_declaration_kind() {
    let grammar = json("editors/vscode/syntaxes/slipway.tmLanguage.json");
    assert_eq!(grammar["scopeName"], "source.slipway");
    let declaration = grammar["repository"]["declaration"]["match"]
        .as_str()
        .unwrap();
    for (kind, _) in slipway::check::schema::DECLARATIONS {
        assert!(
            declaration.contains(&format!("|{kind}|"))
                || declaration.contains(&format!("({kind}|"))
                || declaration.contains(&format!("|{kind})")),
            "`{kind}` is not highlighted as a declaration"
        );
    }
    let repository = grammar["repository"].as_object().unwrap();
    for rule in ["comments", "strings", "numbers", "values"] {
        assert!(repository.contains_key(rule), "no `{rule}` rule");
    }
}
