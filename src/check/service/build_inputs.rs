//! The parts of a service's `build` block that say what the image is made for and from,
//! besides its context: `platforms` (the `docker buildx --platform` list, SW0364 for an
//! unknown or repeated one) and `paths` (further repository paths the image depends on, such
//! as a monorepo's shared libraries, which the workflow's change detection watches; SW0363 for
//! a path that leaves the repository).

use crate::check::model::Platform;
use crate::check::values;
use crate::check::Checker;
use crate::diagnostics::{quoted_list, Code, Diagnostic};
use crate::span::Spanned;
use crate::syntax::ast::{Expr, ExprKind};

/// `platforms = ["linux/amd64", "linux/arm64"]`: each known, none twice.
pub(crate) fn platforms(checker: &mut Checker, expr: &Expr) -> Vec<Spanned<Platform>> {
    let names: Vec<&str> = Platform::ALL.iter().map(|(name, _)| *name).collect();
    let mut platforms: Vec<Spanned<Platform>> = Vec::new();
    for item in list_items(expr) {
        let Some(written) = values::string(checker, item) else {
            continue;
        };
        let Some(platform) = Platform::parse(&written.value) else {
            checker.report(
                Diagnostic::error(
                    Code::SW0364,
                    format!("`{}` is not a platform Slipway builds for", written.value),
                    written.span,
                    "unknown platform",
                )
                .with_help(format!(
                    "the platforms are {}",
                    quoted_list(names.iter().copied())
                ))
                .with_suggestion(&written.value, names.iter().copied()),
            );
            continue;
        };
        if let Some(first) = platforms.iter().find(|p| p.value == platform) {
            checker.report(
                Diagnostic::error(
                    Code::SW0364,
                    format!("`{}` is listed twice", written.value),
                    written.span,
                    "listed again",
                )
                .with_label(first.span, "first listed here")
                .with_help("list each platform once"),
            );
            continue;
        }
        platforms.push(Spanned::new(platform, written.span));
    }
    platforms
}

/// `paths = ["libs/common", "proto/**"]`: repository paths (git glob pathspecs) relative to
/// the repository root, never absolute or climbing out of it with `..`.
pub fn paths(checker: &mut Checker, expr: &Expr) -> Vec<String> {
    let mut paths = Vec::new();
    for item in list_items(expr) {
        let Some(written) = values::string(checker, item) else {
            continue;
        };
        if let Some(problem) = path_problem(&written.value) {
            checker.report(
                Diagnostic::error(
                    Code::SW0363,
                    format!("build path `{}` {problem}", written.value),
                    written.span,
                    "not a path inside the repository",
                )
                .with_help(
                    "write the path from the repository root, e.g. `libs/common` or `proto/**`",
                ),
            );
            continue;
        }
        paths.push(written.value);
    }
    paths
}

/// What is wrong with a build path, if anything.
fn path_problem(path: &str) -> Option<&'static str> {
    if path.trim().is_empty() {
        return Some("is empty");
    }
    if path.starts_with('/') || path.starts_with('\\') || path.get(1..2) == Some(":") {
        return Some("is absolute");
    }
    if path.split(['/', '\\']).any(|part| part == "..") {
        return Some("climbs out with `..`");
    }
    if path.starts_with(':') {
        return Some("starts with `:`, which git reads as pathspec magic");
    }
    if path.chars().any(|c| c.is_control()) {
        return Some("holds a control character");
    }
    None
}

/// The items of a list; a single value counts as a list of one.
fn list_items(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![expr],
    }
}
