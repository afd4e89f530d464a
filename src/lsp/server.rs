//! The protocol state machine: lifecycle (initialize, shutdown, exit), dispatch of requests
//! and notifications to their handlers, and error replies. It survives any input: malformed
//! parameters get an `InvalidParams` reply (or a log message for notifications), unknown
//! requests `MethodNotFound`, and a panic inside a handler an `InternalError` reply.

use super::workspace::Workspace;
use super::{
    code_action, completion, convert::Encoding, definition, formatting, hover, references, symbols,
    sync,
};
use crate::Loader;
use lsp_server::{ErrorCode, Message, Notification, Request, Response, ResponseError};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    HoverProviderCapability, InitializeParams, InitializeResult, OneOf, PositionEncodingKind,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Running,
    ShuttingDown,
}

pub struct Server<'a> {
    workspace: Workspace<'a>,
    phase: Phase,
    exit: Option<i32>,
}

type Reply = Result<Value, ResponseError>;

fn failure(code: ErrorCode, message: impl std::fmt::Display) -> ResponseError {
    ResponseError {
        code: code as i32,
        message: message.to_string(),
        data: None,
    }
}

/// Decodes `params`, runs `handler`, and encodes its result.
fn call<P: DeserializeOwned, R: Serialize>(params: &Value, handler: impl FnOnce(P) -> R) -> Reply {
    let params = P::deserialize(params).map_err(|e| failure(ErrorCode::InvalidParams, e))?;
    serde_json::to_value(handler(params)).map_err(|e| failure(ErrorCode::InternalError, e))
}

/// A notification message, if `params` can be encoded.
pub fn notification(method: &str, params: impl Serialize) -> Option<Message> {
    let params = serde_json::to_value(params).ok()?;
    Some(Message::Notification(Notification {
        method: method.to_string(),
        params,
    }))
}

impl<'a> Server<'a> {
    pub fn new(loader: &'a dyn Loader) -> Server<'a> {
        Server {
            workspace: Workspace::new(loader),
            phase: Phase::Uninitialized,
            exit: None,
        }
    }

    /// Set once the client has sent `exit`: 0 after a `shutdown` request, 1 otherwise.
    pub fn exit_status(&self) -> Option<i32> {
        self.exit
    }

    /// How many times a spec has been checked since the server started.
    pub fn analyses_run(&self) -> u64 {
        self.workspace.analyses_run
    }

    /// How many specs the server holds an analysis of (those with an open document), and
    /// for how many files it remembers what it published.
    pub fn held(&self) -> (usize, usize) {
        self.workspace.held()
    }

    /// How many files those checks parsed (the rest they reused from the check before).
    pub fn files_parsed(&self) -> u64 {
        self.workspace.files_parsed
    }

    /// Handles one message and returns the messages to send back.
    pub fn handle(&mut self, message: Message) -> Vec<Message> {
        self.handle_before(message, None)
    }

    /// Handles one message, knowing the message queued after it, if any. A `didChange`
    /// followed by another `didChange` of the same document only updates the text: the last
    /// of such a run checks the spec and publishes, so a burst of edits costs one analysis.
    pub fn handle_before(&mut self, message: Message, next: Option<&Message>) -> Vec<Message> {
        match message {
            Message::Request(request) => vec![Message::Response(self.request(request))],
            Message::Notification(notification) => {
                let superseded = sync::changes_same_document(&notification, next);
                self.notification(&notification, superseded)
            }
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let refusal = match self.phase {
            Phase::Uninitialized if request.method != "initialize" => Some(failure(
                ErrorCode::ServerNotInitialized,
                "the server is not initialized yet",
            )),
            Phase::Running if request.method == "initialize" => Some(failure(
                ErrorCode::InvalidRequest,
                "the server is already initialized",
            )),
            Phase::ShuttingDown => Some(failure(
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            )),
            _ => None,
        };
        let result = match refusal {
            Some(error) => Err(error),
            None => self.guarded(|server| server.dispatch(&request)),
        };
        Response {
            id: request.id,
            response_result: result,
        }
    }

    /// Runs `work`, turning a panic into an internal error (and starting analyses afresh).
    fn guarded(&mut self, work: impl FnOnce(&mut Self) -> Reply) -> Reply {
        match catch_unwind(AssertUnwindSafe(|| work(self))) {
            Ok(reply) => reply,
            Err(_) => {
                self.workspace.forget_analyses();
                Err(failure(
                    ErrorCode::InternalError,
                    "internal error while handling the request",
                ))
            }
        }
    }

    fn dispatch(&mut self, request: &Request) -> Reply {
        let workspace = &mut self.workspace;
        let params = &request.params;
        match request.method.as_str() {
            "initialize" => {
                let params =
                    initialize_params(params).map_err(|e| failure(ErrorCode::InvalidParams, e))?;
                self.phase = Phase::Running;
                serde_json::to_value(self.initialize(&params))
                    .map_err(|e| failure(ErrorCode::InternalError, e))
            }
            "shutdown" => {
                self.phase = Phase::ShuttingDown;
                Ok(Value::Null)
            }
            "textDocument/hover" => call(params, |p| hover::hover(workspace, p)),
            "textDocument/definition" => call(params, |p| definition::definition(workspace, p)),
            "textDocument/references" => call(params, |p| references::references(workspace, p)),
            "textDocument/completion" => call(params, |p| completion::completion(workspace, p)),
            "textDocument/documentSymbol" => {
                call(params, |p| symbols::document_symbols(workspace, p))
            }
            "textDocument/formatting" => call(params, |p| formatting::formatting(workspace, p)),
            "textDocument/codeAction" => call(params, |p| code_action::code_actions(workspace, p)),
            other => Err(failure(
                ErrorCode::MethodNotFound,
                format!("unknown request `{other}`"),
            )),
        }
    }

    fn initialize(&mut self, params: &InitializeParams) -> InitializeResult {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        let utf8 = offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8));
        self.workspace.encoding = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let encoding = if utf8 {
            PositionEncodingKind::UTF8
        } else {
            PositionEncodingKind::UTF16
        };
        InitializeResult {
            capabilities: capabilities(encoding),
            server_info: Some(server_info()),
        }
    }

    /// Handles a notification; a `superseded` change only updates the text.
    fn notification(&mut self, notification: &Notification, superseded: bool) -> Vec<Message> {
        if notification.method == "exit" {
            self.exit = Some(if self.phase == Phase::ShuttingDown {
                0
            } else {
                1
            });
            return Vec::new();
        }
        if self.phase != Phase::Running {
            return Vec::new();
        }
        let mut out = Vec::new();
        let outcome = self.guarded(|server| {
            out = if superseded {
                sync::apply_change_only(&mut server.workspace, notification)
            } else {
                sync::notification(&mut server.workspace, notification)
            };
            Ok(Value::Null)
        });
        if let Err(error) = outcome {
            out = sync::log_message(&error.message).into_iter().collect();
        }
        out
    }
}

/// Decodes `initialize` parameters leniently: a client whose capabilities this version of
/// `lsp-types` cannot read is still served, with default capabilities.
fn initialize_params(params: &Value) -> Result<InitializeParams, serde_json::Error> {
    match InitializeParams::deserialize(params) {
        Ok(parsed) => Ok(parsed),
        Err(error) if params.is_object() => {
            InitializeParams::deserialize(&serde_json::json!({ "capabilities": {} }))
                .map_err(|_| error)
        }
        Err(error) => Err(error),
    }
}

fn server_info() -> ServerInfo {
    ServerInfo {
        name: "slipway".to_string(),
        version: Some(env!("CARGO_PKG_VERSION").to_string()),
    }
}

/// The characters after which an editor asks for completions without being told: `.` after a
/// module's alias, `=` and a space where a value or a label goes (completion answers nothing
/// after a space elsewhere).
const TRIGGER_CHARACTERS: &[&str] = &[".", "=", " "];

fn capabilities(encoding: PositionEncodingKind) -> ServerCapabilities {
    let sync = TextDocumentSyncOptions {
        open_close: Some(true),
        change: Some(TextDocumentSyncKind::FULL),
        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
        ..TextDocumentSyncOptions::default()
    };
    let code_actions = CodeActionOptions {
        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
        ..CodeActionOptions::default()
    };
    ServerCapabilities {
        position_encoding: Some(encoding),
        text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(TRIGGER_CHARACTERS.iter().map(|c| c.to_string()).collect()),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(code_actions)),
        ..ServerCapabilities::default()
    }
}
