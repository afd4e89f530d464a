//! The real `slipway lsp` binary over stdio against `slipway check`: for every example and
//! every module test case, opening one file of the spec publishes the same diagnostic codes
//! as `slipway check --format json DIR` (imports of project files and of the standard library
//! included, and the files of subdirectories, which both read by the same rules), and a
//! malformed message does not stop the server. Go to definition on a
//! standard strategy opens the read-only copy of its module that the server keeps in the
//! cache directory (`XDG_CACHE_HOME`, here a directory of the test's own).

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Server {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: i32,
}

/// A cache directory of the tests' own, so the server writes nothing into the user's.
fn test_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp-stdio-cache")
}

impl Server {
    fn start() -> Server {
        Server::start_with_cache(&test_cache())
    }

    fn start_with_cache(cache: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slipway"))
            .arg("lsp")
            .env("XDG_CACHE_HOME", cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        let mut server = Server {
            child,
            input,
            output,
            next_id: 0,
        };
        server.request("initialize", json!({ "capabilities": {} }));
        server.notify("initialized", json!({}));
        server
    }

    fn notify(&mut self, method: &str, params: Value) {
        Message::Notification(Notification {
            method: method.into(),
            params,
        })
        .write(&mut self.input)
        .unwrap();
    }

    /// Sends a request and returns its result with the notifications that came before it.
    fn request(&mut self, method: &str, params: Value) -> (Value, Vec<Notification>) {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        Message::Request(Request {
            id: id.clone(),
            method: method.into(),
            params,
        })
        .write(&mut self.input)
        .unwrap();
        let mut notifications = Vec::new();
        loop {
            match Message::read(&mut self.output)
                .unwrap()
                .expect("the server closed stdout")
            {
                Message::Response(response) if response.id == id => {
                    return (
                        response.response_result.unwrap_or(Value::Null),
                        notifications,
                    );
                }
                Message::Notification(notification) => notifications.push(notification),
                _ => {}
            }
        }
    }

    fn stop(mut self) -> Option<i32> {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.child.wait().unwrap().code()
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The codes `slipway check --format json` reports for `dir`, sorted.
fn check_codes(dir: &Path) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut codes: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

/// The codes the server publishes for the files of `dir` after one of them is opened, sorted.
fn server_codes(server: &mut Server, dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "slip"))
        .collect();
    files.sort();
    let first = &files[0];
    let item = json!({ "uri": uri(first), "languageId": "slipway", "version": 1, "text": std::fs::read_to_string(first).unwrap() });
    server.notify("textDocument/didOpen", json!({ "textDocument": item }));
    let (_, notifications) = server.request("slipway/barrier", Value::Null);
    let mut latest: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let in_spec = format!("{}/", uri(dir));
    let published = notifications.into_iter().filter(|n| {
        let uri = n.params["uri"].as_str().unwrap_or("");
        n.method == "textDocument/publishDiagnostics" && uri.starts_with(&in_spec)
    });
    for notification in published {
        let codes = notification.params["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap_or("").to_string())
            .collect();
        latest.insert(
            notification.params["uri"].as_str().unwrap().to_string(),
            codes,
        );
    }
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri(first) } }),
    );
    server.request("slipway/barrier", Value::Null);
    let mut codes: Vec<String> = latest.into_values().flatten().collect();
    codes.sort();
    codes
}

fn spec_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    if let Ok(cases) = std::fs::read_dir(root.join("tests/cases/modules")) {
        for case in cases.flatten() {
            let spec = case.path().join("spec");
            let has_links = std::fs::read_dir(&spec).map(|d| {
                d.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "link"))
            });
            if spec.is_dir() && !has_links.unwrap_or(true) {
                dirs.push(spec);
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn the_server_reports_what_slipway_check_reports() {
    let mut server = Server::start();
    let dirs = spec_dirs();
    assert!(dirs.len() >= 3, "{dirs:?}");
    for dir in dirs {
        assert_eq!(
            server_codes(&mut server, &dir),
            check_codes(&dir),
            "{}",
            dir.display()
        );
    }
    assert_eq!(server.stop(), Some(0));
}

/// A spec over a directory and a subdirectory, beside hidden files that must not be read.
fn write_nested_spec(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let files = [
        (
            "shop.slip",
            "app shop {\n  registry = \"ghcr.io/acme\"\n}\n\nenvironment prod {\n  \
             cluster = \"prod\"\n  namespace = \"shop\"\n  trigger = manual\n}\n",
        ),
        (
            "services/web.slip",
            "service web {\n  image = \"web:1.0.0\"\n  replica = 2\n  ports { http = 8080 }\n}\n",
        ),
        (".hidden/broken.slip", "this is not { a spec\n"),
        ("services/.draft.slip", "nor { this\n"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn the_server_reads_subdirectories_as_slipway_check_does() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp-stdio-nested");
    write_nested_spec(&dir);
    let expected = check_codes(&dir);
    assert!(
        !expected.is_empty(),
        "the service in services/ has an unknown field"
    );
    let mut server = Server::start();
    assert_eq!(server_codes(&mut server, &dir), expected);
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn a_malformed_message_is_skipped() {
    use std::io::Write;
    let mut server = Server::start();
    let garbage = "{ this is not json";
    write!(
        server.input,
        "Content-Length: {}\r\n\r\n{garbage}",
        garbage.len()
    )
    .unwrap();
    let (result, _) = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": "untitled:x" } }),
    );
    assert!(result.is_array(), "still serving: {result}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn definition_of_a_standard_strategy_opens_a_read_only_copy_of_the_module() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsp-stdio-definition");
    let _ = std::fs::remove_dir_all(&scratch);
    let spec = scratch.join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    let text = "import std/strategies\n\napp shop {}\n\nservice web { image = \"ghcr.io/acme/web:1\" }\n\nenvironment prod {\n  cluster   = \"prod\"\n  namespace = \"prod\"\n  trigger   = manual\n  strategy  = strategies.progressive-canary\n}\n";
    let file = spec.join("shop.slip");
    std::fs::write(&file, text).unwrap();
    let cache = scratch.join("cache");
    let mut server = Server::start_with_cache(&cache);
    let item = json!({ "uri": uri(&file), "languageId": "slipway", "version": 1, "text": text });
    server.notify("textDocument/didOpen", json!({ "textDocument": item }));
    let position = json!({ "line": 10, "character": 30 });
    let (location, _) = server.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri(&file) }, "position": position }),
    );
    let target = location["uri"].as_str().expect("a location").to_string();
    let copy = PathBuf::from(target.strip_prefix("file://").unwrap());
    let version = env!("CARGO_PKG_VERSION");
    let expected = format!("slipway/stdlib-{version}/std/strategies.slip");
    assert_eq!(copy, cache.join(expected));
    let module = slipway::stdlib::module("std/strategies").unwrap();
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), module.text);
    assert!(std::fs::metadata(&copy).unwrap().permissions().readonly());
    let line = location["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        module
            .text
            .lines()
            .nth(line)
            .unwrap()
            .starts_with("strategy progressive-canary"),
        "{location}"
    );
    assert_eq!(server.stop(), Some(0));
}
