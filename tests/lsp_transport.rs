//! The real `slipway lsp` binary fed broken frames on stdin: a `Content-Length` far over the
//! limit must not grow the server (its peak resident memory stays under 100 MiB, where it
//! used to reserve the declared length), and after any framing mistake it must go on
//! answering, honour `shutdown` and `exit`, and exit by itself when stdin closes.

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slipway"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Server {
            child,
            input,
            output,
        }
    }

    fn raw(&mut self, bytes: &str) {
        self.input.write_all(bytes.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    fn send(&mut self, message: Message) {
        message.write(&mut self.input).unwrap();
    }

    /// Sends a request and waits for the response to `id` (skipping everything else).
    fn request(&mut self, id: i32, method: &str, params: Value) -> Result<Value, String> {
        self.send(Message::Request(Request {
            id: RequestId::from(id),
            method: method.to_string(),
            params,
        }));
        self.response(id)
    }

    fn response(&mut self, id: i32) -> Result<Value, String> {
        loop {
            let message = Message::read(&mut self.output).unwrap();
            match message.expect("the server closed stdout") {
                Message::Response(r) if r.id == RequestId::from(id) => {
                    return r.response_result.map_err(|e| e.message);
                }
                _ => {}
            }
        }
    }

    fn initialize(&mut self) {
        let result = self.request(1, "initialize", json!({ "capabilities": {} }));
        assert!(result.unwrap().get("capabilities").is_some());
        self.send(Message::Notification(Notification {
            method: "initialized".to_string(),
            params: json!({}),
        }));
    }

    /// A request that needs a working server: the symbols of an untitled document.
    fn still_answers(&mut self, id: i32) {
        let params = json!({ "textDocument": { "uri": "untitled:x" } });
        let result = self.request(id, "textDocument/documentSymbol", params);
        assert!(result.unwrap().is_array());
    }

    /// The peak resident memory of the server so far, in KiB (Linux).
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Shuts down, says exit, and returns the exit status.
    fn stop(mut self) -> Option<i32> {
        assert_eq!(self.request(900, "shutdown", Value::Null), Ok(Value::Null));
        self.send(Message::Notification(Notification {
            method: "exit".to_string(),
            params: Value::Null,
        }));
        self.wait()
    }

    /// Waits for the process to end; a server still running after a minute fails the test.
    fn wait(mut self) -> Option<i32> {
        drop(self.input);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn framed(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn huge_declared_lengths_cost_no_memory_and_the_server_then_initializes() {
    let mut server = Server::start();
    for length in ["1000000000000", "2000000000", "18446744073709551615"] {
        server.raw(&format!("Content-Length: {length}\r\n\r\n{{}}"));
    }
    server.initialize();
    server.still_answers(2);
    let peak_mib = server.peak_rss_kib() / 1024;
    assert!(peak_mib < 100, "peak resident memory {peak_mib} MiB");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn after_each_framing_mistake_the_server_answers_and_exits_cleanly() {
    let hover = r#"{"jsonrpc":"2.0","id":50,"method":"textDocument/hover","params":{}}"#;
    let broken = [
        format!("Content-Length: {}\r\n\r\n{hover}", hover.len() - 5),
        format!("Content-Length: {}\r\n\r\n{hover}", hover.len() + 5),
        format!("Content-Length: abc\r\n\r\n{hover}"),
        format!("Content-Length: -5\r\n\r\n{hover}"),
        format!("Content-Length: {}\n\n{hover}", hover.len()),
        "Content-Length: 99\r\n\r\n{\"unclosed\": [".to_string(),
        "this is not a header\r\n".to_string(),
    ];
    for frame in broken {
        let mut server = Server::start();
        server.initialize();
        server.raw(&frame);
        server.still_answers(2);
        assert_eq!(server.stop(), Some(0), "after {frame:?}");
    }
}

#[test]
fn a_request_in_a_frame_with_a_bad_length_gets_an_error_reply() {
    let mut server = Server::start();
    server.initialize();
    let hover = r#"{"jsonrpc":"2.0","id":50,"method":"textDocument/hover","params":{}}"#;
    server.raw(&format!("Content-Length: -5\r\n\r\n{hover}"));
    let error = server.response(50).unwrap_err();
    assert!(error.contains("not a number of bytes"), "{error}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn the_server_exits_when_stdin_closes_inside_a_frame() {
    let mut server = Server::start();
    server.initialize();
    server.raw(&framed("{\"jsonrpc\":\"2.0\"")[..30]);
    assert_eq!(server.wait(), Some(1));
}
