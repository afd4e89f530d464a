//! SW0210, worded once: a secret written into the spec (a secret-named variable's value, a
//! URL or registry address with credentials, a password on an exec probe's command line).
//! `secrets.rs` and the reader of `env` describe what they find as an [`InlineSecret`] and
//! report [`InlineSecret::diagnostic`], so the code's messages and help live here.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// Where a secret was written inline.
#[derive(Debug, Clone)]
pub(crate) enum InlineSecret<'a> {
    /// An environment variable (`name`) whose literal value looks like a secret.
    EnvValue { name: &'a str, span: Span },
    /// A URL or registry address with `user:password@`.
    UrlCredentials { span: Span },
    /// A command line that passes a password or token.
    Command { span: Span },
}

impl InlineSecret<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            InlineSecret::EnvValue { name, span } => error(
                format!("`{name}` looks like a secret written inline"),
                *span,
                "secret value in the spec",
            )
            .with_help("store it in a Kubernetes Secret and write `secret { name = \"...\", key = \"...\" }`")
            // The variable's name only: a diagnostic never repeats the value.
            .with_data("name", *name),
            InlineSecret::UrlCredentials { span } => error(
                "a URL or registry address in the spec carries a password or token",
                *span,
                "credentials in the URL",
            )
            .with_help("remove the `user:password@` part: give the credential to the tool that connects (a Kubernetes Secret, a repository credential in Argo CD, a registry pull secret)"),
            InlineSecret::Command { span } => error(
                "the command line passes a secret written inline",
                *span,
                "password or token in the command",
            )
            .with_help("read it from the environment instead: put it in `env` as `secret { name, key }` and write `$NAME` in the command (run through `sh -c`)"),
        }
    }
}

fn error(message: impl Into<String>, span: Span, label: &str) -> Diagnostic {
    Diagnostic::error(Code::SW0210, message, span, label)
}
