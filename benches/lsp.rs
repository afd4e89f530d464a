//! Language server latency: how long after a one-character edit of a 2,000-line spec the
//! server has the new diagnostics ready to publish (the `didChange` notification handled end
//! to end: the edit applied, the spec parsed and checked, diagnostics converted). The budget
//! is 20 ms; the median is recorded in docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use slipway::check::modules::NoFiles;
use slipway::lsp::{Message, Server};
use std::hint::black_box;
use std::time::Duration;

// The allocator of the `slipway` binary, so these numbers are those of the real process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const URI: &str = "file:///bench/spec.slip";

/// A realistic spec of exactly `lines` lines: an app, services with builds, ports, resources,
/// env and probes, environments with overrides, strategies and policies.
fn spec(lines: usize) -> String {
    let mut out = String::from("/// The benchmark shop.\napp shop {\n  repository = \"https://github.com/acme/shop\"\n  registry   = \"ghcr.io/acme\"\n}\n");
    out.push_str(STRATEGIES);
    out.push_str(POLICIES);
    out.push_str(&environment("staging", None, 1));
    let mut index = 0;
    while out.lines().count() + 60 < lines {
        out.push_str(&service(index));
        index += 1;
    }
    out.push_str(&environment("prod", Some("staging"), index.min(8)));
    while out.lines().count() < lines {
        out.push_str("// padding\n");
    }
    out
}

const STRATEGIES: &str = "\n/// Slowly, with a gate.\nstrategy careful = canary {\n  step { weight = 10%  pause = 5m }\n  step { weight = 50%  pause = 10m }\n  step { weight = 100% }\n\n  analysis {\n    interval      = 1m\n    failure_limit = 1\n    gates         = [p99_latency < 500ms, success_rate >= 99.5%]\n  }\n}\n";

const POLICIES: &str = "\npolicy pinned {\n  each    = deployment\n  when    = environment.production\n  require = service.image.pinned\n  message = \"production images are pinned\"\n}\n";

fn service(index: usize) -> String {
    format!(
        r#"
/// Service number {index}.
service svc-{index} {{
  image = "ghcr.io/acme/svc-{index}:1.{index}.0"

  build {{
    context   = "services/svc-{index}"
    toolchain = maven {{ java = 17 }}
  }}

  ports {{
    http = 8080
  }}

  replicas = 2

  resources {{
    requests {{ cpu = 250m  memory = 256Mi }}
    limits {{ cpu = 500m  memory = 512Mi }}
  }}

  env {{
    LOG_LEVEL = "info"
    SERVICE   = "svc-{index}"
  }}

  liveness  = http {{ path = "/healthz"  port = http  period = 10s }}
  readiness = http {{ path = "/ready"  port = http  period = 5s }}
}}
"#
    )
}

fn environment(name: &str, after: Option<&str>, overrides: usize) -> String {
    let mut out = format!("\nenvironment {name} {{\n  cluster   = \"{name}-cluster\"\n  namespace = \"shop-{name}\"\n");
    match after {
        Some(after) => out.push_str(&format!("  after     = {after}\n  approval  = manual {{ reviewers = [\"sre\"] }}\n  production = true\n")),
        None => out.push_str("  trigger   = push { branch = \"main\" }\n"),
    }
    for index in 0..overrides {
        out.push_str(&format!(
            "\n  override svc-{index} {{\n    replicas = 3\n    strategy = careful\n  }}\n"
        ));
    }
    out.push_str("}\n");
    out
}

fn notification(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(lsp_server::Notification {
        method: method.to_string(),
        params,
    })
}

fn open(server: &mut Server, text: &str) {
    let initialize = lsp_server::Request {
        id: lsp_server::RequestId::from(1),
        method: "initialize".to_string(),
        params: serde_json::json!({ "capabilities": {} }),
    };
    server.handle(Message::Request(initialize));
    let item =
        serde_json::json!({ "uri": URI, "languageId": "slipway", "version": 1, "text": text });
    server.handle(notification(
        "textDocument/didOpen",
        serde_json::json!({ "textDocument": item }),
    ));
}

/// The spec with the first `replicas = 2` turned into `replicas = <digit>`.
fn edited(text: &str, digit: u32) -> String {
    text.replacen("replicas = 2", &format!("replicas = {digit}"), 1)
}

fn check_after_one_character_edit(c: &mut Criterion) {
    let text = spec(2_000);
    assert_eq!(text.lines().count(), 2_000);
    let checked = slipway::check(&[slipway::SourceFile {
        name: "spec.slip".into(),
        text: text.clone(),
    }]);
    assert!(
        checked.diagnostics.is_empty(),
        "the generated spec must be clean: {:?}",
        checked.diagnostics.first()
    );
    // The spec is opened as an editor buffer with nothing else on "disk".
    let loader = NoFiles;
    let mut server = Server::new(&loader);
    open(&mut server, &text);
    let versions = [edited(&text, 3), edited(&text, 4)];
    let mut version = 1;
    c.bench_function(
        "lsp/diagnostics after a one-character edit (2,000 lines)",
        |b| {
            b.iter(|| {
                version += 1;
                let text = &versions[version as usize % 2];
                let params = serde_json::json!({
                    "textDocument": { "uri": URI, "version": version },
                    "contentChanges": [{ "text": text }],
                });
                let published = server.handle(notification("textDocument/didChange", params));
                assert_eq!(published.len(), 1);
                black_box(published)
            })
        },
    );
}

/// The same spec checked directly, without the server: the share of the budget that is the
/// compiler's own.
fn check_only(c: &mut Criterion) {
    let files = [slipway::SourceFile {
        name: "spec.slip".into(),
        text: edited(&spec(2_000), 3),
    }];
    c.bench_function("check only (2,000 lines)", |b| {
        b.iter(|| black_box(slipway::check(&files)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(10)).sample_size(100);
    targets = check_after_one_character_edit, check_only
}
criterion_main!(benches);
