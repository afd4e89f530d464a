//! Policies and waivers as the checker reads them: a rule's severity, what it quantifies over
//! and its checked conditions, and the written reasons that accept its violations.

use crate::span::{Span, Spanned};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySeverity {
    Deny,
    Warn,
}

impl PolicySeverity {
    pub(crate) const KEYWORDS: &'static [(&'static str, PolicySeverity)] = &[
        ("deny", PolicySeverity::Deny),
        ("warn", PolicySeverity::Warn),
    ];
}

/// A compile-time rule. Its conditions are kept as checked expressions; evaluating them is
/// the policy engine's job.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub name: Spanned<String>,
    pub severity: PolicySeverity,
    pub each: PolicySubject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<crate::check::policy::Condition>,
    pub require: crate::check::policy::Condition,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// For a policy enabled by `policies = [...]`, the environments it applies to; empty for
    /// a policy declared in the spec, which applies everywhere.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The pack (imported module) the policy belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// `waive pinned-images { service = web  environment = staging  reason = "..." }`: violations
/// of a policy (or of every policy of a pack) that are accepted, for a written reason.
#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    /// The policy's name, or a pack's.
    pub policy: Spanned<String>,
    /// Only these services (all when empty).
    pub services: Vec<Spanned<String>>,
    /// Only these environments (all when empty).
    pub environments: Vec<Spanned<String>>,
    pub reason: String,
    /// How many violations it covered in this check.
    pub waived: usize,
    #[serde(skip)]
    pub span: Span,
}

/// What a policy quantifies over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySubject {
    Service,
    Environment,
    /// Every service in every environment, with overrides applied.
    Deployment,
}

impl PolicySubject {
    pub(crate) const KEYWORDS: &'static [(&'static str, PolicySubject)] = &[
        ("service", PolicySubject::Service),
        ("environment", PolicySubject::Environment),
        ("deployment", PolicySubject::Deployment),
    ];
}
