//! `slipway lsp`: the language server on stdin and stdout.
//!
//! This file owns the stdio transport the server needs (stdin read through [`FrameReader`],
//! which bounds each message and finds its place again after a bad frame, where
//! `lsp-server`'s reader reserves whatever length is declared and then stops). The server
//! reads files through [`DiskLoader`], the loader `slipway check` uses, so the editor and the
//! command line see the same spec.

use super::disk::DiskLoader;
use slipway::lsp::framing::FrameReader;
use slipway::lsp::{Connection, Message};
use std::io::{BufReader, Write};

pub fn run() -> u8 {
    let (server_side, client_side) = Connection::memory();
    let Connection { sender, receiver } = client_side;
    let replies = server_side.sender.clone();
    std::thread::spawn(move || {
        read_stdin(
            |message| sender.send(message).is_ok(),
            |reply| {
                let _ = replies.send(reply);
            },
        );
    });
    let writer = std::thread::spawn(move || {
        let stdout = std::io::stdout();
        let mut output = stdout.lock();
        for message in receiver {
            if message
                .write(&mut output)
                .and_then(|()| output.flush())
                .is_err()
            {
                break;
            }
        }
    });
    let status = slipway::lsp::run(&server_side, &DiskLoader::default());
    drop(server_side);
    let _ = writer.join();
    u8::try_from(status).unwrap_or(1)
}

/// Reads frames from stdin until `exit` or the end of the input, handing messages to the
/// server. A refused frame is logged on stderr and, when it held a request, answered with
/// an error directly (`reply` sends it to stdout). Stops when `deliver` fails.
fn read_stdin(deliver: impl Fn(Message) -> bool, reply: impl Fn(Message)) {
    let stdin = std::io::stdin();
    let mut frames = FrameReader::new(BufReader::new(stdin.lock()));
    loop {
        let frame = match frames.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(error) => {
                eprintln!("slipway lsp: cannot read stdin: {error}");
                break;
            }
        };
        for problem in &frame.problems {
            eprintln!("slipway lsp: {problem}");
        }
        match frame.message {
            Ok(message) => {
                let is_exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if !deliver(message) || is_exit {
                    break;
                }
            }
            Err(refused) => {
                if let Some(error) = refused.reply() {
                    reply(error);
                }
            }
        }
    }
}
