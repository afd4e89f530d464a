//! `slipway lsp`: the language server on stdin and stdout.
//!
//! This file owns the IO the server needs: the stdio transport (stdin read through
//! [`FrameReader`], which bounds each message and finds its place again after a bad frame,
//! where `lsp-server`'s reader reserves whatever length is declared and then stops), the
//! loader that reads the other `.slip` files of an open file's directory, and the read-only
//! copies of the standard modules that go to definition opens.

use super::files::MAX_FILE_BYTES;
use slipway::lsp::framing::FrameReader;
use slipway::lsp::{Connection, Loader, Message};
use slipway::stdlib::StdModule;
use slipway::{LoadError, LoadedFile};
use std::cell::RefCell;
use std::collections::BTreeMap;
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

/// Reads the `.slip` files directly inside a directory (not hidden, not too large), and
/// remembers where it wrote each standard module's copy.
#[derive(Default)]
struct DiskLoader {
    standard: RefCell<BTreeMap<&'static str, Option<PathBuf>>>,
}

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

    /// The module's read-only copy in the cache, written once per server.
    fn standard_module(&self, module: &StdModule) -> Option<PathBuf> {
        self.standard
            .borrow_mut()
            .entry(module.path)
            .or_insert_with(|| write_standard_copy(module))
            .clone()
    }
}

/// Where the copies of the standard modules live: `slipway/stdlib-<version>` in the user's
/// cache directory (`$XDG_CACHE_HOME`, else `~/.cache`, else `%LOCALAPPDATA%`).
fn standard_dir() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let cache = set("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .or_else(|| set("LOCALAPPDATA").map(PathBuf::from))?;
    let version = env!("CARGO_PKG_VERSION");
    Some(cache.join("slipway").join(format!("stdlib-{version}")))
}

/// Writes `module`'s text to its copy (`.../std/strategies.slip`), unless the copy already
/// holds exactly that text, and leaves it read-only: it shows the library the compiler embeds,
/// and an edit there would change nothing. The text is written beside the copy and renamed
/// over it, so an editor never sees half a file. `None` when the cache cannot be written.
fn write_standard_copy(module: &StdModule) -> Option<PathBuf> {
    let path = standard_dir()?.join(module.file);
    if std::fs::read(&path).is_ok_and(|bytes| bytes == module.text.as_bytes()) {
        return Some(path);
    }
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let name = path.file_name()?.to_string_lossy();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&temporary, module.text).and_then(|()| {
        let mut permissions = std::fs::metadata(&temporary)?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&temporary, permissions)?;
        std::fs::rename(&temporary, &path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
        return None;
    }
    Some(path)
}

fn is_spec_file(path: &Path) -> bool {
    let visible = path
        .file_name()
        .is_some_and(|name| !name.to_string_lossy().starts_with('.'));
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES);
    visible && small && path.extension().is_some_and(|ext| ext == "slip")
}
