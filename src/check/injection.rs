//! GitHub Actions expressions in spec strings. The workflow copies names, branches, paths and
//! versions from the spec (into `env:`, `with:`, job names, conditions), and GitHub evaluates
//! `${{ ... }}` wherever it appears in a workflow, before any shell quoting applies: a cluster
//! name such as `${{ secrets.KUBECONFIG }}` would print a secret, a branch could run code. So
//! a spec string may not contain `${{` (SW0212), except where the value never reaches the
//! workflow: environment variables (they go to a ConfigMap), and the words of policies.

use super::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{ExprKind, Item};

/// What GitHub starts an expression with.
const EXPRESSION: &str = "${{";

/// Keys whose values never reach the workflow.
const NOT_IN_WORKFLOW: &[&str] = &["env", "message", "help", "runbook", "reason"];

/// Reports every string of `item` that would smuggle an expression into the workflow.
pub fn check(checker: &mut Checker, item: &Item) {
    super::strings::walk(item, NOT_IN_WORKFLOW, &mut |_, expr| {
        if matches!(&expr.kind, ExprKind::String(text) if text.contains(EXPRESSION)) {
            checker.report(
                Diagnostic::error(
                    Code::SW0212,
                    "`${{` in a spec string would be evaluated by GitHub Actions",
                    expr.span,
                    "copied into the workflow",
                )
                .with_help("write the value itself; secrets and variables belong in the GitHub environment, which the workflow already reads"),
            );
        }
        true
    });
}
