//! The gates at both ends of the delivery loop: the code analysis that must pass before any
//! image is built (`app { quality_gate = sonarqube { ... } | codeql { ... } }`), and the
//! dynamic scan of a deployed environment that must pass before the next environment is
//! promoted (`environment { dast = zap_baseline { ... } | zap_full { ... } }`). Credentials and
//! server addresses are references to the CI's secrets and variables, never values.

use super::{spelling_of, ToolchainKind};
use crate::span::Span;
use serde::Serialize;

/// A secret or a variable of the CI (a GitHub repository or organisation secret or variable),
/// by name: `ci_secret { name = "SONAR_TOKEN" }`, `ci_variable { name = "SONAR_HOST_URL" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum CiReference {
    Secret(String),
    Variable(String),
}

impl CiReference {
    pub const KINDS: &'static [&'static str] = &["ci_secret", "ci_variable"];
}

/// `quality_gate`: the code analysis the build waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum QualityGate {
    /// A SonarQube (or SonarQube Cloud) analysis whose quality gate status must be OK.
    Sonarqube {
        host: CiReference,
        token: CiReference,
        /// The project key (default: the app's name).
        project: String,
        /// The organisation, on SonarQube Cloud.
        #[serde(skip_serializing_if = "Option::is_none")]
        organization: Option<String>,
    },
    /// GitHub's CodeQL, failing on alerts of at least `fail_on` security severity.
    Codeql { fail_on: SecuritySeverity },
}

impl QualityGate {
    pub const KINDS: &'static [&'static str] = &["sonarqube", "codeql"];
}

impl ToolchainKind {
    /// The CodeQL language of the code this toolchain builds, with the build mode CodeQL
    /// analyses it in; `None` when CodeQL cannot analyse it (Rust: not in the pinned bundle).
    pub(crate) fn codeql_language(self) -> Option<(&'static str, &'static str)> {
        match self {
            ToolchainKind::Maven | ToolchainKind::Gradle => Some(("java-kotlin", "none")),
            ToolchainKind::Npm => Some(("javascript-typescript", "none")),
            ToolchainKind::Python => Some(("python", "none")),
            ToolchainKind::Go => Some(("go", "autobuild")),
            ToolchainKind::Cargo => None,
        }
    }
}

/// The security severity of a code scanning alert, as GitHub grades CodeQL's CVSS-like score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecuritySeverity {
    Critical,
    High,
    Medium,
    Low,
}

impl SecuritySeverity {
    pub(crate) const KEYWORDS: &'static [(&'static str, SecuritySeverity)] = &[
        ("critical", SecuritySeverity::Critical),
        ("high", SecuritySeverity::High),
        ("medium", SecuritySeverity::Medium),
        ("low", SecuritySeverity::Low),
    ];

    /// The keyword the spec writes.
    pub fn keyword(self) -> &'static str {
        spelling_of(SecuritySeverity::KEYWORDS, &self)
    }

    /// The lowest `security-severity` score of the grade (GitHub: critical is 9.0 and above,
    /// high 7.0, medium 4.0, low 0.1).
    pub(crate) fn minimum_score(self) -> &'static str {
        match self {
            SecuritySeverity::Critical => "9.0",
            SecuritySeverity::High => "7.0",
            SecuritySeverity::Medium => "4.0",
            SecuritySeverity::Low => "0.1",
        }
    }
}

/// `dast`: an OWASP ZAP scan of the deployed environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dast {
    pub scan: DastScan,
    /// The URL scanned: written, or the first exposed host of the environment (filled in once
    /// the deployments are known; `None` only in a model with errors).
    pub url: Option<String>,
    /// The lowest risk that fails the promotion.
    pub fail_on: Risk,
    #[serde(skip)]
    pub span: Span,
}

/// What ZAP does: spider and report passively (`zap_baseline`), or attack too (`zap_full`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DastScan {
    Baseline,
    Full,
}

impl DastScan {
    pub const KINDS: &'static [&'static str] = &["zap_baseline", "zap_full"];
}

/// ZAP's risk levels, from its `riskcode` 3 (high) to 0 (informational).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    High,
    Medium,
    Low,
    Informational,
}

impl Risk {
    pub(crate) const KEYWORDS: &'static [(&'static str, Risk)] = &[
        ("high", Risk::High),
        ("medium", Risk::Medium),
        ("low", Risk::Low),
        ("informational", Risk::Informational),
    ];

    /// The keyword the spec writes.
    pub fn keyword(self) -> &'static str {
        spelling_of(Risk::KEYWORDS, &self)
    }

    /// ZAP's `riskcode` of the level.
    pub fn code(self) -> u8 {
        match self {
            Risk::High => 3,
            Risk::Medium => 2,
            Risk::Low => 1,
            Risk::Informational => 0,
        }
    }
}
