//! `slipway lsp`: the language server on stdin and stdout.
//!
//! This file owns the IO the server needs: the stdio transport (stdin read through
//! [`FrameReader`], which bounds each message and finds its place again after a bad frame,
//! where `lsp-server`'s reader reserves whatever length is declared and then stops) and the
//! loader that reads the other `.slip` files of an open file's directory.

use super::files::MAX_FILE_BYTES;
use slipway::lsp::framing::FrameReader;
use slipway::lsp::{Connection, Loader, Message};
use slipway::{LoadError, LoadedFile};
use std::io::{BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};

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
    let status = slipway::lsp::run(&server_side, &DiskLoader);
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

/// Reads the `.slip` files directly inside a directory (not hidden, not too large).
struct DiskLoader;

impl Loader for DiskLoader {
    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, String)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut files: Vec<(PathBuf, String)> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| is_spec_file(path))
            .filter_map(|path| {
                let bytes = std::fs::read(&path).ok()?;
                Some((path, String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect();
        files.sort();
        files
    }

    /// An imported file, kept inside the spec's directory as `slipway check` keeps it inside
    /// the project root: links are followed first, then the target must still be inside.
    fn import(&self, dir: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        let unreadable = |error: std::io::Error| match error.kind() {
            ErrorKind::NotFound => LoadError::NotFound,
            _ => LoadError::Unreadable(error.to_string()),
        };
        let root = std::fs::canonicalize(dir).map_err(unreadable)?;
        let real = std::fs::canonicalize(root.join(path)).map_err(unreadable)?;
        let Ok(inside) = real.strip_prefix(&root) else {
            return Err(LoadError::OutsideRoot {
                target: real.display().to_string(),
            });
        };
        let metadata = std::fs::metadata(&real).map_err(unreadable)?;
        if !metadata.is_file() {
            return Err(LoadError::Unreadable("it is not a file".to_string()));
        }
        if metadata.len() > MAX_FILE_BYTES {
            let size = metadata.len();
            return Err(LoadError::Unreadable(format!(
                "it is {size} bytes; specs are limited to {MAX_FILE_BYTES} bytes"
            )));
        }
        let bytes = std::fs::read(&real).map_err(unreadable)?;
        let parts: Vec<String> = inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Ok(LoadedFile {
            path: parts.join("/"),
            name: dir.join(path).display().to_string(),
            bytes,
        })
    }
}

fn is_spec_file(path: &Path) -> bool {
    let visible = path
        .file_name()
        .is_some_and(|name| !name.to_string_lossy().starts_with('.'));
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES);
    visible && small && path.extension().is_some_and(|ext| ext == "slip")
}
