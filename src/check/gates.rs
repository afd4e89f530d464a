//! The delivery gates a spec asks for: the app's `quality_gate` (code analysis before the
//! images are built) and an environment's `dast` (a ZAP scan after it is deployed, before the
//! environments after it are promoted).
//!
//! Credentials and server addresses are references to the CI's secrets and variables
//! (`ci_secret { name }`, `ci_variable { name }`), never values: a string there is SW0350,
//! with a fix that turns it into the reference; a name GitHub would not accept is SW0351. The
//! DAST target is the URL written or the environment's first exposed host; an environment
//! with neither is SW0352, and one the workflow does not deploy (so nothing could run the scan
//! after the deployment) SW0353. A CodeQL gate over a built service whose language CodeQL
//! cannot tell is SW0354. An unknown kind or severity is SW0208, as everywhere.

use super::model::{
    CiReference, Dast, DastScan, Deployer, Model, QualityGate, Risk, SecuritySeverity,
};
use super::reader::Reader;
use super::{schema, values, Checker};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind};

/// The default references of a SonarQube gate: the names SonarSource's own docs use.
const SONAR_HOST: &str = "SONAR_HOST_URL";
const SONAR_TOKEN: &str = "SONAR_TOKEN";

/// `quality_gate = sonarqube { ... } | codeql { ... }` of the app named `app`.
pub fn quality_gate(checker: &mut Checker, expr: &Expr, app: &str) -> Option<QualityGate> {
    let variant = values::variant(
        checker,
        expr,
        "a quality gate: `sonarqube { ... }` or `codeql`",
    )?;
    match variant.tag {
        "sonarqube" => {
            let Some(body) = variant.body else {
                return Some(QualityGate::Sonarqube {
                    host: CiReference::Variable(SONAR_HOST.to_string()),
                    token: CiReference::Secret(SONAR_TOKEN.to_string()),
                    project: app.to_string(),
                    organization: None,
                });
            };
            let errors_before = checker.error_count();
            let reader = Reader::new(checker, body, &schema::SONARQUBE, variant.tag_span);
            let host = match reader.value(checker, "host") {
                Some(expr) => reference(checker, expr, "host", SONAR_HOST, false),
                None => Some(CiReference::Variable(SONAR_HOST.to_string())),
            };
            let token = match reader.value(checker, "token") {
                Some(expr) => reference(checker, expr, "token", SONAR_TOKEN, true),
                None => Some(CiReference::Secret(SONAR_TOKEN.to_string())),
            };
            let project = reader
                .value(checker, "project")
                .and_then(|e| sonar_key(checker, e, "project"))
                .unwrap_or_else(|| app.to_string());
            let organization = reader
                .value(checker, "organization")
                .and_then(|e| sonar_key(checker, e, "organization"));
            if checker.error_count() > errors_before {
                return None;
            }
            Some(QualityGate::Sonarqube {
                host: host?,
                token: token?,
                project,
                organization,
            })
        }
        "codeql" => {
            let fail_on = match variant.body {
                None => SecuritySeverity::High,
                Some(body) => {
                    let reader = Reader::new(checker, body, &schema::CODEQL, variant.tag_span);
                    match reader.value(checker, "fail_on") {
                        Some(expr) => values::keyword(
                            checker,
                            expr,
                            "security severity",
                            SecuritySeverity::KEYWORDS,
                        )?,
                        None => SecuritySeverity::High,
                    }
                }
            };
            Some(QualityGate::Codeql { fail_on })
        }
        _ => {
            values::unknown_variant(checker, "quality gate", &variant, QualityGate::KINDS);
            None
        }
    }
}

/// A project or organisation key: what SonarQube accepts (letters, digits, `-`, `_`, `.`,
/// `:`), so it can go into the scanner's arguments as it is.
fn sonar_key(checker: &mut Checker, expr: &Expr, field: &str) -> Option<String> {
    let key = values::string(checker, expr)?;
    let valid = !key.value.is_empty()
        && key.value.len() <= 400
        && key
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !valid {
        checker.report(
            crate::check::wrong_type::WrongType::SonarKey {
                field,
                span: key.span,
            }
            .diagnostic(),
        );
        return None;
    }
    Some(key.value)
}

/// `ci_secret { name = "..." }` or `ci_variable { name = "..." }`; `secret_only` for a
/// credential, which a variable (printed in logs, readable by anyone with access) may not hold.
fn reference(
    checker: &mut Checker,
    expr: &Expr,
    field: &str,
    default: &str,
    secret_only: bool,
) -> Option<CiReference> {
    if let ExprKind::String(_) = &expr.kind {
        checker.report(written_as_value(field, default, secret_only, expr.span));
        return None;
    }
    let variant = values::variant(
        checker,
        expr,
        "a CI reference: `ci_secret { name = \"...\" }` or `ci_variable { name = \"...\" }`",
    )?;
    let secret = match variant.tag {
        "ci_secret" => true,
        "ci_variable" if secret_only => {
            checker.report(
                Diagnostic::error(
                    Code::SW0350,
                    format!("`{field}` is a credential: it belongs in a CI secret, not a variable"),
                    variant.tag_span,
                    "a variable",
                )
                .with_help("CI variables are printed in logs and readable by anyone who can read the repository's settings: use `ci_secret`")
                .with_fix(variant.tag_span, "ci_secret"),
            );
            return None;
        }
        "ci_variable" => false,
        _ => {
            values::unknown_variant(checker, "CI reference", &variant, CiReference::KINDS);
            return None;
        }
    };
    let Some(body) = variant.body else {
        checker.report(
            crate::check::missing::Missing::CiReferenceName {
                kind: variant.tag,
                default,
                span: variant.tag_span,
            }
            .diagnostic(),
        );
        return None;
    };
    let reader = Reader::new(checker, body, &schema::CI_REFERENCE, variant.tag_span);
    let name = reader
        .required_value(checker, "name")
        .and_then(|e| values::string(checker, e))?;
    if !valid_ci_name(&name.value) {
        checker.report(
            Diagnostic::error(
                Code::SW0351,
                format!(
                    "`{}` is not a name GitHub gives a secret or variable",
                    name.value
                ),
                name.span,
                "not a valid name",
            )
            .with_help(format!(
                "letters, digits and `_`, not starting with a digit or `GITHUB_`, e.g. `{default}`"
            )),
        );
        return None;
    }
    Some(match secret {
        true => CiReference::Secret(name.value),
        false => CiReference::Variable(name.value),
    })
}

/// GitHub's rule for secret and variable names.
fn valid_ci_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.to_ascii_uppercase().starts_with("GITHUB_")
}

/// SW0350 for a string where a reference belongs, with the reference as its fix.
fn written_as_value(field: &str, default: &str, secret_only: bool, span: Span) -> Diagnostic {
    let kind = if secret_only {
        "ci_secret"
    } else {
        "ci_variable"
    };
    let fix = format!("{kind} {{ name = \"{default}\" }}");
    Diagnostic::error(
        Code::SW0350,
        format!("`{field}` takes a reference to a CI secret or variable, not a value"),
        span,
        "written into the spec",
    )
    .with_help(format!(
        "store the value in the repository's settings and name it: `{field} = {fix}`"
    ))
    .with_suggested_fix(span, fix)
}

/// `dast = zap_baseline { ... } | zap_full { ... }`, with the URL as written (the default
/// comes from the environment's exposures, in [`resolve_dast_targets`]).
pub fn dast(checker: &mut Checker, expr: &Expr) -> Option<Dast> {
    let variant = values::variant(checker, expr, "a DAST scan: `zap_baseline` or `zap_full`")?;
    let scan = match variant.tag {
        "zap_baseline" => DastScan::Baseline,
        "zap_full" => DastScan::Full,
        _ => {
            values::unknown_variant(checker, "DAST scan", &variant, DastScan::KINDS);
            return None;
        }
    };
    let mut dast = Dast {
        scan,
        url: None,
        fail_on: Risk::High,
        span: expr.span,
    };
    let Some(body) = variant.body else {
        return Some(dast);
    };
    let errors_before = checker.error_count();
    let reader = Reader::new(checker, body, &schema::DAST, variant.tag_span);
    if let Some(expr) = reader.value(checker, "url") {
        dast.url = target_url(checker, expr);
    }
    if let Some(expr) = reader.value(checker, "fail_on") {
        if let Some(risk) = values::keyword(checker, expr, "ZAP risk", Risk::KEYWORDS) {
            dast.fail_on = risk;
        }
    }
    (checker.error_count() == errors_before).then_some(dast)
}

/// An `http://` or `https://` URL with a host, and nothing a shell or YAML could misread.
fn target_url(checker: &mut Checker, expr: &Expr) -> Option<String> {
    let url = values::string(checker, expr)?;
    let host = url
        .value
        .strip_prefix("https://")
        .or_else(|| url.value.strip_prefix("http://"));
    let valid = host.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && rest
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '\'' | '"' | '`' | '\\'))
    });
    if !valid {
        checker.report(
            Diagnostic::error(
                Code::SW0352,
                "the DAST target is an http:// or https:// URL",
                url.span,
                "not a URL the scanner can reach",
            )
            .with_help("write the environment's address, e.g. `url = \"https://staging.shop.example.com/\"`"),
        );
        return None;
    }
    Some(url.value)
}

/// Fills each DAST target that the spec leaves to the environment (its first exposed host
/// without a wildcard, `https://` when it has TLS), and reports a scan with no target
/// (SW0352) or in an environment the workflow does not deploy (SW0353).
pub(crate) fn resolve_dast_targets(checker: &mut Checker, model: &mut Model) {
    let mut found: Vec<(usize, String)> = Vec::new();
    for (index, environment) in model.environments.iter().enumerate() {
        let Some(dast) = &environment.dast else {
            continue;
        };
        if environment.declared_deployer() == Some(Deployer::Argocd) {
            let deployer = environment.deployer.as_ref().map_or(dast.span, |d| d.span);
            checker.report(
                Diagnostic::error(
                    Code::SW0353,
                    format!("`{}` is deployed by Argo CD, so the workflow cannot scan it once it is deployed", environment.name.value),
                    dast.span,
                    "no deploy job to follow",
                )
                .with_label(deployer, "Argo CD deploys this environment")
                .with_help("scan an environment the workflow deploys, or remove `dast` (Argo CD syncs on its own schedule, so no job knows when this one is deployed)"),
            );
            continue;
        }
        if dast.url.is_some() {
            continue;
        }
        let exposed = model
            .deployments_in(&environment.name.value)
            .filter_map(|d| d.expose.as_ref())
            .find_map(|exposure| {
                let host = exposure.hosts.iter().find(|h| !h.value.starts_with('*'))?;
                let scheme = if exposure.tls.is_some() {
                    "https"
                } else {
                    "http"
                };
                Some(format!("{scheme}://{}{}", host.value, exposure.path))
            });
        match exposed {
            Some(url) => found.push((index, url)),
            None => checker.report(
                Diagnostic::error(
                    Code::SW0352,
                    format!("`{}` has no URL to scan", environment.name.value),
                    dast.span,
                    "scan what?",
                )
                .with_help("no service is exposed here on a host without a wildcard: expose one (`expose { hosts = \"staging.shop.example.com\" }`), or say what to scan, e.g. `zap_baseline { url = \"https://staging.shop.example.com/\" }`"),
            ),
        }
    }
    for (index, url) in found {
        if let Some(dast) = model
            .environments
            .get_mut(index)
            .and_then(|e| e.dast.as_mut())
        {
            dast.url = Some(url);
        }
    }
}

/// SW0354 for every built service a CodeQL gate cannot analyse: without a toolchain (CodeQL
/// cannot tell its language) or with one CodeQL has no language for. The gate would pass
/// without having read that service's code.
pub(crate) fn check_quality_gate(checker: &mut Checker, model: &Model) {
    let Some(QualityGate::Codeql { .. }) = model.app.as_ref().and_then(|a| a.quality_gate.as_ref())
    else {
        return;
    };
    for service in &model.services {
        let Some(build) = &service.build else {
            continue;
        };
        let analysable = build
            .toolchain
            .as_ref()
            .is_some_and(|t| t.kind.codeql_language().is_some());
        if analysable {
            continue;
        }
        let why = match &build.toolchain {
            None => "without a toolchain, CodeQL cannot tell the language of its code",
            Some(_) => "CodeQL has no language for this toolchain",
        };
        checker.report(
            Diagnostic::error(
                Code::SW0354,
                format!("the CodeQL gate cannot analyse `{}`", service.name.value),
                build.span,
                why,
            )
            .with_help("name the toolchain (`toolchain = maven`, `npm`, `go`, `python`), or use `quality_gate = sonarqube { ... }`, which analyses any code"),
        );
    }
}
