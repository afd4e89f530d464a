//! Secrets written into the spec (SW0210). The spec lives in Git and its strings are copied
//! into the generated files, so a credential in it leaks to everyone who reads either.
//!
//! Three shapes are recognised, after secret scanners such as gitleaks: an environment
//! variable whose name says it holds a secret (`DB_PASSWORD`, `DB_PASS`, `DB_PWD`,
//! `STRIPE_API_KEY`, ...) with any value but an empty one or a bare `${NAME}` placeholder;
//! a value shaped like a well-known token (`ghp_...`, `AKIA...`, a PEM key) anywhere; and a
//! URL with a password or token in its user part (`postgres://admin:hunter2@db`) in any string
//! that reaches the output. Exec probe commands are also read for passwords given on the
//! command line (`--password=...`, `mysqladmin -p...`, `redis-cli -a ...`, `PGPASSWORD=...`).
//! Every finding is an error, so compiling stops and no flagged value is ever written.

use super::inline_secret::InlineSecret;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{ExprKind, Item};

/// Words of a variable name (split at `_`, `-` and `.`) that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "PRIVATEKEY",
    "ACCESSKEY",
    "SECRETKEY",
];

/// Two adjacent words that together say the name holds a secret (`API_KEY`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("SIGNING", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("MASTER", "KEY"),
    ("CLIENT", "KEY"),
    ("LICENSE", "KEY"),
];

/// Substrings that mark a secret even inside a longer word (`DBPASSWORD`, `GHTOKEN`).
const SECRET_SUBSTRINGS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
];

/// Last words of names that hold something about a secret, not the secret itself
/// (`DB_PASSWORD_FILE = "/run/secrets/db"`, `TOKEN_URL`, `SECRET_NAME`).
const NOT_A_SECRET_SUFFIXES: &[&str] = &[
    "FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "HOST", "PORT", "NAME", "TTL", "TIMEOUT",
    "EXPIRY", "LENGTH", "HEADER", "ENABLED", "ISSUER", "AUDIENCE", "POLICY",
];

/// Names that merely look like secrets (`PWD` is the shell's working directory).
const NOT_A_SECRET_NAMES: &[&str] = &["PWD", "OLDPWD"];

/// Prefixes of well-known tokens.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "AKIA",
    "ASIA",
    "AIza",
    "sk_live_",
    "rk_live_",
    "sk-",
    "npm_",
    "-----BEGIN",
];

/// Keys whose strings never reach the output: the words of policies and waivers.
const NOT_IN_OUTPUT: &[&str] = &["message", "help", "runbook", "reason"];

/// Whether `name = value` (an environment variable) looks like a secret written inline.
pub(crate) fn looks_like_secret(name: &str, value: &str) -> bool {
    has_token_shape(value) || (is_secret_name(name) && !is_placeholder(value))
}

/// Whether a variable name says it holds a secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if NOT_A_SECRET_NAMES.contains(&upper.as_str()) {
        return false;
    }
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    if words
        .last()
        .is_some_and(|last| NOT_A_SECRET_SUFFIXES.contains(last))
    {
        return false;
    }
    words.iter().any(|word| SECRET_WORDS.contains(word))
        || words.windows(2).any(
            |pair| matches!(pair, [first, second] if SECRET_PAIRS.contains(&(*first, *second))),
        )
        || SECRET_SUBSTRINGS.iter().any(|s| upper.contains(s))
}

/// A value that stands for a secret rather than being one: empty, or exactly one `${NAME}`
/// or `$(NAME)` reference (filled in by the container's entrypoint or by Kubernetes).
fn is_placeholder(value: &str) -> bool {
    let reference = value
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .or_else(|| {
            value
                .strip_prefix("$(")
                .and_then(|rest| rest.strip_suffix(')'))
        });
    value.is_empty()
        || reference.is_some_and(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

fn has_token_shape(value: &str) -> bool {
    TOKEN_PREFIXES
        .iter()
        .any(|prefix| value.trim_start().starts_with(prefix))
}

/// Whether `text` holds a URL with a password (or a token) in its user part:
/// `scheme://user:password@host` or `https://ghp_...@github.com`. A user name alone
/// (`ssh://git@github.com`) is not a credential.
pub(crate) fn has_url_credentials(text: &str) -> bool {
    text.match_indices("://")
        .any(|(at, _)| authority_has_credentials(&text[at + 3..]))
}

/// Whether an image written without a scheme starts with credentials
/// (`admin:hunter2@registry.acme.com/web:1`). A digest (`web:1@sha256:...`) is not one: the
/// user part of a registry comes before its first `/`.
fn reference_has_credentials(text: &str) -> bool {
    let host = text.split('/').next().unwrap_or(text);
    host.len() < text.len() && authority_has_credentials(text)
}

/// Whether the host part at the start of `rest` (up to the path) has a password or a token
/// before an `@`.
fn authority_has_credentials(rest: &str) -> bool {
    let authority_end = rest
        .find(['/', '?', '#', ' ', '"', '\''])
        .unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at_sign) = authority.rfind('@') else {
        return false;
    };
    let user_info = &authority[..at_sign];
    match user_info.split_once(':') {
        Some((_, password)) => !password.is_empty() && !is_placeholder(password),
        None => has_token_shape(user_info),
    }
}

/// Whether a command line (the words of an exec probe) passes a password or token.
pub(crate) fn command_has_secret(words: &[&str]) -> bool {
    let tokens: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
    let mut program = "";
    for (index, token) in tokens.iter().enumerate() {
        let next = tokens.get(index + 1).copied();
        let name = token.rsplit('/').next().unwrap_or(token);
        if name.starts_with("mysql") || name.starts_with("mariadb") || name == "redis-cli" {
            program = name;
        }
        if secret_option(token, next)
            || secret_assignment(token)
            || program_password(program, token, next)
            || has_url_credentials(token)
            || has_token_shape(token)
        {
            return true;
        }
    }
    false
}

/// `--password=x`, `--password x`, `--token x`: an option named after a secret.
fn secret_option(token: &str, next: Option<&str>) -> bool {
    let Some(option) = token.strip_prefix("--") else {
        return false;
    };
    match option.split_once('=') {
        Some((name, value)) => is_secret_name(name) && !is_shell_reference(value),
        None => is_secret_name(option) && next.is_some_and(|value| !is_shell_reference(value)),
    }
}

/// `PGPASSWORD=x` before a command, as a shell would read it.
fn secret_assignment(token: &str) -> bool {
    match token.split_once('=') {
        Some((name, value)) if !name.starts_with('-') && !name.is_empty() => {
            is_secret_name(name) && !is_shell_reference(value)
        }
        _ => false,
    }
}

/// The short options that take a password: `mysql -pSECRET`, `redis-cli -a SECRET`
/// (`program` is the last of these programs named on the command line so far).
fn program_password(program: &str, token: &str, next: Option<&str>) -> bool {
    if program.starts_with("mysql") || program.starts_with("mariadb") {
        return token
            .strip_prefix("-p")
            .is_some_and(|value| !value.is_empty() && !is_shell_reference(value));
    }
    if program == "redis-cli" {
        return token == "-a" && next.is_some_and(|value| !is_shell_reference(value));
    }
    false
}

/// A value the shell fills in from the environment (`$DB_PASSWORD`, `"${DB_PASSWORD}"`).
fn is_shell_reference(value: &str) -> bool {
    let value = value.trim_matches(['"', '\'']);
    value.is_empty() || value.starts_with('$')
}

/// Reports every URL credential in the strings of `item` that reach the output, and every
/// secret on the command line of an exec probe. Environment variables are checked by name
/// when they are lowered; here only their URLs are.
pub fn check(checker: &mut Checker, item: &Item) {
    super::strings::walk(item, NOT_IN_OUTPUT, &mut |key, expr| match &expr.kind {
        ExprKind::String(text)
            if has_url_credentials(text)
                || (key == "registry" && authority_has_credentials(text))
                || (key == "image" && reference_has_credentials(text)) =>
        {
            checker.report(url_credentials(expr.span));
            true
        }
        ExprKind::List(items) if key == "command" || key == "args" => {
            let words: Vec<&str> = items
                .iter()
                .filter_map(|item| match &item.kind {
                    ExprKind::String(text) => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            if command_has_secret(&words) {
                checker.report(command_secret(expr.span));
            }
            false
        }
        _ => true,
    });
}

fn url_credentials(span: Span) -> Diagnostic {
    InlineSecret::UrlCredentials { span }.diagnostic()
}

fn command_secret(span: Span) -> Diagnostic {
    InlineSecret::Command { span }.diagnostic()
}
