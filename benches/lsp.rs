//! Language server latency: how long after a one-character edit the server has the new
//! diagnostics ready to publish (the `didChange` notification handled end to end: the edit
//! applied, the spec parsed and checked, diagnostics converted). Three workspaces: one
//! 2,000-line file (budget 20 ms), and the reference workload of `benches/gen-spec`, flattened
//! into one directory, at N = 100 (4 files, 2,000 lines; target 3 ms) and N = 5,000 (53 files,
//! 100,000 lines; target 10 ms). The medians are recorded in docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use slipway::check::modules::NoFiles;
use slipway::lsp::{Message, Server};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

// The language-server tests' loader: files served from memory as a disk would serve them.
#[path = "../tests/lsp_support/memory_loader.rs"]
mod memory_loader;
use memory_loader::MemoryLoader;

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
    open_at(server, URI, text);
}

fn open_at(server: &mut Server, uri: &str, text: &str) {
    let initialize = lsp_server::Request {
        id: lsp_server::RequestId::from(1),
        method: "initialize".to_string(),
        params: serde_json::json!({ "capabilities": {} }),
    };
    server.handle(Message::Request(initialize));
    let item =
        serde_json::json!({ "uri": uri, "languageId": "slipway", "version": 1, "text": text });
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

/// Where the flattened workspaces pretend to live.
const WORKSPACE: &str = "/bench/workspace";

/// The reference workload of `benches/gen-spec` at `services` services, written under
/// target/ and read back flattened: every file's name without its directory, in
/// [`WORKSPACE`].
fn reference_workload(services: usize) -> BTreeMap<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = target.join(format!("bench/lsp-workload-{services}"));
    let _ = std::fs::remove_dir_all(&dir);
    let status = std::process::Command::new(root.join("benches/gen-spec"))
        .arg(services.to_string())
        .arg(&dir)
        .status()
        .expect("benches/gen-spec runs");
    assert!(status.success(), "benches/gen-spec {services} failed");
    let mut files = BTreeMap::new();
    for sub in [dir.clone(), dir.join("services")] {
        for entry in std::fs::read_dir(&sub).expect("the workload is written") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|ext| ext == "slip") {
                let name = path.file_name().expect("a file name");
                let text = std::fs::read_to_string(&path).expect("a workload file");
                files.insert(Path::new(WORKSPACE).join(name), text);
            }
        }
    }
    files
}

/// A one-character edit of one service file of the reference workload at `services` services
/// (`files` files, `lines` lines): the server has every other file from its loader and the
/// edited one open, as an editor has it.
fn workspace_edit(c: &mut Criterion, services: usize, files: usize, lines: &str) {
    let workload = reference_workload(services);
    assert_eq!(workload.len(), files);
    let edited_path = Path::new(WORKSPACE).join("services-001.slip");
    let text = workload[&edited_path].clone();
    let uri = format!("file://{}", edited_path.display());
    let loader = MemoryLoader {
        files: workload,
        standard_dir: None,
    };
    let mut server = Server::new(&loader);
    open_at(&mut server, &uri, &text);
    let versions = [
        text.replacen("replicas = 3", "replicas = 4", 1),
        text.replacen("replicas = 3", "replicas = 5", 1),
    ];
    let mut version = 1;
    let name = format!(
        "lsp/workspace of {files} files ({lines} lines): diagnostics after a one-character edit"
    );
    c.bench_function(&name, |b| {
        b.iter(|| {
            version += 1;
            let text = &versions[version as usize % 2];
            let params = serde_json::json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            });
            black_box(server.handle(notification("textDocument/didChange", params)))
        })
    });
}

fn workspace_of_4_files(c: &mut Criterion) {
    workspace_edit(c, 100, 4, "2,000");
}

fn workspace_of_53_files(c: &mut Criterion) {
    workspace_edit(c, 5_000, 53, "100,000");
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(10)).sample_size(100);
    targets = check_after_one_character_edit, check_only, workspace_of_4_files, workspace_of_53_files
}
criterion_main!(benches);
