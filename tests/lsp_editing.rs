//! Document symbols, formatting and quick fixes through the language server.

mod lsp_support;

use lsp_support::{uri, Client};
use lsp_types::{
    CodeActionContext, CodeActionOrCommand, CodeActionParams, DocumentFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, FormattingOptions, Position, Range,
    TextDocumentIdentifier, TextEdit,
};

const SPEC: &str = r#"app shop { registry = "ghcr.io/acme" }

service web {
  image   = "ghcr.io/acme/web:1.2.0"
  replica = 3
  ports { http = 8080 }
  liveness = http { path = "/healthz"  port = http }
  env { LOG_LEVEL = "info" }
}

environment staging {
  cluster   = "staging"
  namespace = "staging"
  trigger   = manual
  strategy  = rolling
}

environment prod {
  cluster   = "prod"
  namespace = "prod"
  after     = stagign
  override web { replicas = 2 }
}

strategy careful = canary {
  step { weight = 100% }
}
"#;

fn document() -> TextDocumentIdentifier {
    TextDocumentIdentifier {
        uri: uri("spec.slip"),
    }
}

fn outline(symbols: &[lsp_types::DocumentSymbol], depth: usize, out: &mut String) {
    for symbol in symbols {
        let detail = symbol.detail.clone().unwrap_or_default();
        let (start, end) = (symbol.range.start, symbol.range.end);
        let at = format!(
            "{}:{}-{}:{}",
            start.line + 1,
            start.character,
            end.line + 1,
            end.character
        );
        out.push_str(&format!(
            "{}{} {:?} {detail} [{at}]\n",
            "  ".repeat(depth),
            symbol.name,
            symbol.kind
        ));
        outline(
            symbol.children.as_deref().unwrap_or_default(),
            depth + 1,
            out,
        );
    }
}

#[test]
fn document_symbols_outline_every_declaration() {
    let text = format!("{SPEC}\nservice broken {{\n  image = \"x\n");
    let mut client = Client::start(&[]);
    client.open("spec.slip", &text);
    let params = DocumentSymbolParams {
        text_document: document(),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    };
    let Some(DocumentSymbolResponse::Nested(symbols)) =
        client.request::<lsp_types::request::DocumentSymbolRequest>(params)
    else {
        panic!("expected nested symbols");
    };
    let mut out = String::new();
    outline(&symbols, 0, &mut out);
    insta::assert_snapshot!(out);
}

fn format(client: &mut Client) -> Option<Vec<TextEdit>> {
    let params = DocumentFormattingParams {
        text_document: document(),
        options: FormattingOptions {
            tab_size: 2,
            insert_spaces: true,
            ..Default::default()
        },
        work_done_progress_params: Default::default(),
    };
    client.request::<lsp_types::request::Formatting>(params)
}

#[test]
fn formatting_replaces_the_document_with_the_formatter_output() {
    let messy = "service web {\nimage=\"ghcr.io/acme/web:1\"\n    replicas   =  2\n}\n";
    let mut client = Client::start(&[]);
    client.open("spec.slip", messy);
    let edits = format(&mut client).expect("edits");
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0].range,
        Range::new(Position::new(0, 0), Position::new(4, 0))
    );
    assert_eq!(
        edits[0].new_text,
        slipway::fmt::format_source(messy).unwrap()
    );
    insta::assert_snapshot!(edits[0].new_text);

    client.change("spec.slip", 2, &edits[0].new_text);
    assert_eq!(
        format(&mut client),
        Some(Vec::new()),
        "a formatted document needs no edits"
    );
    client.change("spec.slip", 3, "service web {\n  image = \n");
    assert_eq!(
        format(&mut client),
        None,
        "a document with syntax errors is not formatted"
    );
}

fn code_actions(client: &mut Client, range: Range) -> Vec<lsp_types::CodeAction> {
    let params = CodeActionParams {
        text_document: document(),
        range,
        context: CodeActionContext::default(),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    };
    client
        .request::<lsp_types::request::CodeActionRequest>(params)
        .unwrap_or_default()
        .into_iter()
        .map(|action| match action {
            CodeActionOrCommand::CodeAction(action) => action,
            CodeActionOrCommand::Command(command) => panic!("unexpected command {command:?}"),
        })
        .collect()
}

#[allow(clippy::mutable_key_type)]
fn render_actions(client: &Client, actions: &[lsp_types::CodeAction]) -> String {
    let mut out = String::new();
    for action in actions {
        let code = action
            .diagnostics
            .iter()
            .flatten()
            .filter_map(|d| d.code.clone())
            .next();
        // Preferred actions are the safe fixes, the ones `slipway check --fix` applies.
        let preferred = if action.is_preferred == Some(true) {
            ", preferred"
        } else {
            ""
        };
        out.push_str(&format!(
            "{} ({:?}, for {code:?}{preferred})\n",
            action.title, action.kind
        ));
        let changes = action
            .edit
            .as_ref()
            .and_then(|edit| edit.changes.clone())
            .unwrap_or_default();
        for (file, edits) in changes {
            let name = file.as_str().rsplit('/').next().unwrap_or("").to_string();
            for edit in edits {
                out.push_str(
                    &client.draw(&name, &[(edit.range, format!("-> {:?}", edit.new_text))]),
                );
            }
        }
    }
    out
}

#[test]
fn quick_fixes_for_diagnostics_with_fixes() {
    let mut client = Client::start(&[]);
    client.open("spec.slip", SPEC);
    let whole = Range::new(Position::new(0, 0), Position::new(40, 0));
    let actions = code_actions(&mut client, whole);
    insta::assert_snapshot!(render_actions(&client, &actions));

    let on_typo = Range::new(Position::new(4, 3), Position::new(4, 3));
    assert_eq!(
        code_actions(&mut client, on_typo).len(),
        1,
        "only the fix under the cursor"
    );
    let elsewhere = Range::new(Position::new(11, 0), Position::new(11, 0));
    assert!(code_actions(&mut client, elsewhere).is_empty());
}

#[test]
fn applying_every_quick_fix_clears_the_diagnostics() {
    let mut client = Client::start(&[]);
    client.open("spec.slip", SPEC);
    let actions = code_actions(
        &mut client,
        Range::new(Position::new(0, 0), Position::new(40, 0)),
    );
    let mut edits: Vec<TextEdit> = actions
        .iter()
        .filter_map(|a| {
            a.edit
                .as_ref()?
                .changes
                .as_ref()?
                .get(&uri("spec.slip"))
                .cloned()
        })
        .flatten()
        .collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start));
    let mut text = SPEC.to_string();
    for edit in edits {
        let lines =
            slipway::lsp::convert::Lines::new(&text, slipway::lsp::convert::Encoding::Utf16);
        let (start, end) = (
            lines.offset(&text, edit.range.start),
            lines.offset(&text, edit.range.end),
        );
        text.replace_range(start..end, &edit.new_text);
    }
    client.change("spec.slip", 2, &text);
    let published = client.diagnostics();
    assert_eq!(published["spec.slip"], Vec::new(), "{text}");
}

#[test]
fn fixes_that_need_a_person_are_offered_but_not_preferred() {
    let mut client = Client::start(&[]);
    client.open(
        "spec.slip",
        "app shop { registry = \"ghcr.io/acme\" }\nservice Orders { image = \"orders:1\" }\n",
    );
    let actions = code_actions(
        &mut client,
        Range::new(Position::new(0, 0), Position::new(3, 0)),
    );
    insta::assert_snapshot!(render_actions(&client, &actions), @r#"
    Change to `orders` (Some(CodeActionKind("quickfix")), for Some(String("SW0105")))
      2 | service Orders { image = "orders:1" }
                  ^^^^^^ -> "orders"
    "#);
}
