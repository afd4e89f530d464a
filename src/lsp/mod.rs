//! The language server: diagnostics, hover, go to definition, find references, completion,
//! document symbols, formatting and quick fixes for `*.slip` files, over any `lsp-server`
//! [`Connection`] (stdio from `slipway lsp`, in memory in the tests).
//!
//! [`Server::handle`] is a pure step: one message in, the messages to send out. [`run`] only
//! moves messages between the connection and the server. The files of a spec that are not
//! open in the editor are read through the [`crate::Loader`] that the caller provides (the
//! same one `slipway check` reads the disk with), so this module
//! does no IO. Each request kind lives in its own file; [`convert`] is the only place that
//! turns compiler values (byte spans, [`crate::Diagnostic`]) into protocol values.

mod code_action;
mod completion;
pub mod convert;
mod definition;
mod diagnostics;
mod formatting;
pub mod framing;
mod hover;
mod index;
mod loader;
mod references;
mod reuse;
mod scan;
mod scope;
mod server;
mod symbols;
mod sync;
mod workspace;

use crate::Loader;
pub use lsp_server::{Connection, Message};
pub use server::Server;
use std::collections::VecDeque;

/// Serves `connection` until the client says `exit` or hangs up. Returns the process exit
/// status the protocol asks for: 0 after a `shutdown` request, 1 otherwise.
///
/// Each turn takes every message already queued, and handles them in order, each knowing
/// the one after it: a run of edits to one document that arrived while the server was busy
/// is checked once, after the last edit, and requests are answered against that state.
pub fn run(connection: &Connection, loader: &dyn Loader) -> i32 {
    let mut server = Server::new(loader);
    let mut queue = VecDeque::new();
    while let Ok(first) = connection.receiver.recv() {
        queue.push_back(first);
        queue.extend(connection.receiver.try_iter());
        while let Some(message) = queue.pop_front() {
            for reply in server.handle_before(message, queue.front()) {
                if connection.sender.send(reply).is_err() {
                    return 1;
                }
            }
            if let Some(status) = server.exit_status() {
                return status;
            }
        }
    }
    1
}
