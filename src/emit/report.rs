//! `slipway report`: what a spec guarantees, for an auditor. The compliance summary of the
//! regulated cases in the practice Slipway grew from: per environment who approves and how a
//! release is rolled out and stopped, which policies hold and which waivers (with their
//! reasons) lift them, what the pipeline does to every image (scan and its threshold, SBOM,
//! signature), and how secrets reach the pods (references only, never values).
//!
//! [`Report`] is plain data read from the checked [`Model`] (serialised as the JSON format);
//! [`markdown`] renders it for people. Both are deterministic: the model's order, no clock.

use crate::check::model::{
    Analysis, Approval, CanaryStep, Deployment, EnvValue, Environment, IntOrPercent, Model,
    OnFailure, Pause, PolicySeverity, PolicySubject, StrategyKind, Trigger,
};
use crate::check::model::{DastScan, Hook, Mesh, MetricsStack, NoData, Over, QualityGate};
use crate::emit::metrics;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub app: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The spec, as the generated files name it.
    pub source: String,
    pub promotion_order: Vec<String>,
    pub supply_chain: SupplyChain,
    pub environments: Vec<EnvironmentReport>,
    pub policies: Vec<PolicyReport>,
    pub waivers: Vec<WaiverReport>,
    pub secrets: Vec<SecretReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupplyChain {
    /// The severities that fail the vulnerability scan (Trivy), empty without a scan.
    pub scan_fails_on: Vec<String>,
    pub sbom: bool,
    pub signed: bool,
    /// SLSA build provenance attested for every pushed image.
    pub provenance: bool,
    /// What the deploy jobs verify about an image before deploying it.
    pub verified_at_deploy: String,
    /// The code analysis every image waits for, in words (`none` without one).
    pub code_analysis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentReport {
    pub name: String,
    pub cluster: String,
    pub namespace: String,
    pub production: bool,
    pub after: Vec<String>,
    pub trigger: String,
    /// `automatic`, or `manual`.
    pub approval: String,
    pub reviewers: Vec<String>,
    /// `workflow` (the delivery workflow applies it) or `argocd`.
    pub deployer: String,
    pub mesh: String,
    pub metrics: String,
    /// The DAST scan the environments after this one wait for, in words (`none`).
    pub dast: String,
    pub services: Vec<RolloutReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutReport {
    pub service: String,
    pub image: String,
    pub replicas: String,
    /// How a release reaches all traffic, in words.
    pub strategy: String,
    /// Each gate as written: `p99_latency < 500ms`.
    pub gates: Vec<String>,
    /// What stops the release, in words; empty without gates.
    pub stops_when: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    pub name: String,
    /// `deny` (an error) or `warn`.
    pub severity: String,
    pub each: String,
    /// The environments it applies to; empty: all.
    pub environments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
    /// What a violation reports (the policy's `message`).
    pub violation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaiverReport {
    pub policy: String,
    pub services: Vec<String>,
    pub environments: Vec<String>,
    pub reason: String,
    /// How many violations it covers in this spec.
    pub covers: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecretReport {
    pub service: String,
    pub variable: String,
    /// The Kubernetes Secret and key the pods read it from.
    pub secret: String,
    pub key: String,
}

/// The report of a checked model; `source` names the spec.
pub fn build(model: &Model, source: &str) -> Report {
    let app = model.app.as_ref();
    Report {
        app: app.map_or_else(String::new, |a| a.name.value.clone()),
        repository: app.and_then(|a| a.repository.clone()),
        source: source.to_string(),
        promotion_order: model.promotion_order.clone(),
        supply_chain: supply_chain(model),
        environments: model
            .promotion_order
            .iter()
            .filter_map(|name| model.environment(name))
            .map(|environment| environment_report(model, environment))
            .collect(),
        policies: model.policies.iter().map(policy_report).collect(),
        waivers: model
            .waivers
            .iter()
            .map(|waiver| WaiverReport {
                policy: waiver.policy.value.clone(),
                services: waiver.services.iter().map(|s| s.value.clone()).collect(),
                environments: waiver
                    .environments
                    .iter()
                    .map(|e| e.value.clone())
                    .collect(),
                reason: waiver.reason.clone(),
                covers: waiver.waived,
            })
            .collect(),
        secrets: secrets(model),
    }
}

fn supply_chain(model: &Model) -> SupplyChain {
    let pipeline = &model.pipeline;
    let fails_on = match pipeline.scan {
        true => pipeline
            .fail_on
            .iter()
            .map(|s| format!("{s:?}").to_uppercase())
            .collect(),
        false => Vec::new(),
    };
    SupplyChain {
        scan_fails_on: fails_on,
        sbom: pipeline.sbom,
        signed: pipeline.sign,
        provenance: pipeline.provenance,
        verified_at_deploy: match pipeline.provenance {
            true => "the digest this run pushed, by image name, and its SLSA provenance: signed by this workflow (cosign keyless) at this commit, in this run",
            false => "the digest this run pushed, by image name",
        }
        .to_string(),
        code_analysis: code_analysis(model),
    }
}

/// The quality gate in words.
fn code_analysis(model: &Model) -> String {
    match model.app.as_ref().and_then(|app| app.quality_gate.as_ref()) {
        None => "none".to_string(),
        Some(QualityGate::Sonarqube { project, .. }) => {
            format!("SonarQube (project `{project}`): the quality gate must pass before any image is built")
        }
        Some(QualityGate::Codeql { fail_on }) => format!(
            "CodeQL: an alert of security severity {} or higher stops the build",
            fail_on.keyword()
        ),
    }
}

/// The DAST scan of an environment in words.
fn dast_text(environment: &Environment) -> String {
    let Some(dast) = &environment.dast else {
        return "none".to_string();
    };
    let scan = match dast.scan {
        DastScan::Baseline => "OWASP ZAP baseline",
        DastScan::Full => "OWASP ZAP full scan",
    };
    format!(
        "{scan} of {}: an alert of {} risk or higher stops the promotion",
        dast.url.as_deref().unwrap_or("?"),
        dast.fail_on.keyword()
    )
}

fn environment_report(model: &Model, environment: &Environment) -> EnvironmentReport {
    let (approval, reviewers) = match &environment.approval.value {
        Approval::Automatic => ("automatic", Vec::new()),
        Approval::Manual { reviewers } => ("manual", reviewers.clone()),
    };
    let name = environment.name.value.as_str();
    EnvironmentReport {
        name: name.to_string(),
        cluster: environment.cluster.value.clone(),
        namespace: environment.namespace.value.clone(),
        production: environment.production,
        after: environment.after.iter().map(|a| a.value.clone()).collect(),
        trigger: trigger_text(environment.trigger.as_ref()),
        approval: approval.to_string(),
        reviewers,
        deployer: environment.owner(true).keyword().to_string(),
        mesh: match &environment.mesh.value {
            Mesh::Istio { revision: None } => "istio".to_string(),
            Mesh::Istio {
                revision: Some(revision),
            } => format!("istio (revision {revision})"),
            Mesh::None => "none".to_string(),
        },
        metrics: match environment.metrics.value {
            MetricsStack::PrometheusOperator => "prometheus_operator",
            MetricsStack::Prometheus => "prometheus",
            MetricsStack::None => "none",
        }
        .to_string(),
        dast: dast_text(environment),
        services: model
            .deployments
            .iter()
            .filter(|d| d.environment == name)
            .map(rollout_report)
            .collect(),
    }
}

fn trigger_text(trigger: Option<&Trigger>) -> String {
    trigger.map_or_else(
        || "promotion from the environments before it".to_string(),
        Trigger::text,
    )
}

fn rollout_report(deployment: &Deployment) -> RolloutReport {
    let replicas = match &deployment.autoscaling {
        Some(a) => format!(
            "{}..{} (autoscaled at {}% CPU)",
            a.min.value, a.max.value, a.cpu_percent
        ),
        None => deployment.replicas.value.to_string(),
    };
    let (strategy, analysis, on_failure) = match &deployment.strategy.kind {
        StrategyKind::Rolling {
            max_surge,
            max_unavailable,
        } => (
            format!(
                "rolling update (max surge {}, max unavailable {})",
                count_text(*max_surge),
                count_text(*max_unavailable)
            ),
            None,
            None,
        ),
        StrategyKind::Recreate => (
            "recreate (all pods replaced at once)".to_string(),
            None,
            None,
        ),
        StrategyKind::BlueGreen { auto_promote, .. } => (
            match auto_promote {
                true => "blue-green, switched automatically once ready".to_string(),
                false => "blue-green, switched after an approval".to_string(),
            },
            None,
            None,
        ),
        StrategyKind::Canary {
            steps,
            analysis,
            on_failure,
            hooks,
        } => (
            canary_text(steps, hooks, deployment.strategy.engine.is_workflow()),
            analysis.as_ref(),
            Some(*on_failure),
        ),
    };
    RolloutReport {
        service: deployment.service.clone(),
        image: deployment.image.reference(),
        replicas,
        strategy,
        gates: analysis.map_or_else(Vec::new, |a| {
            a.gates
                .iter()
                .map(|g| {
                    let (value, unit) = metrics::threshold(g);
                    format!("{} {} {value}{unit}", g.metric.name(), g.op.as_str())
                })
                .collect()
        }),
        stops_when: analysis.map_or_else(String::new, |a| stops_text(a, on_failure)),
    }
}

fn count_text(value: IntOrPercent) -> String {
    match value {
        IntOrPercent::Count(count) => count.to_string(),
        IntOrPercent::Percent(percent) => format!("{percent}%"),
    }
}

fn canary_text(steps: &[CanaryStep], hooks: &[Hook], workflow: bool) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|step| match step.pause {
            Some(Pause::For(duration)) => format!("{}% for {}", step.weight.value, duration.text()),
            Some(Pause::UntilApproved) => format!("{}% until approved", step.weight.value),
            None => format!("{}%", step.weight.value),
        })
        .collect();
    let engine = if workflow {
        "run by the workflow"
    } else {
        "run by Argo Rollouts"
    };
    let mut text = format!("canary, {engine}: {}", parts.join(", then "));
    let hooks: Vec<String> = hooks
        .iter()
        .map(|hook| format!("{} {}", hook.name.value, hook.at.keyword()))
        .collect();
    if !hooks.is_empty() {
        text.push_str(&format!("; hooks: {}", hooks.join(", ")));
    }
    text
}

fn stops_text(analysis: &Analysis, on_failure: Option<OnFailure>) -> String {
    let action = match on_failure {
        Some(OnFailure::Halt) => "halts where it is (a person decides)",
        _ => "rolls back (all traffic to the live version, candidate scaled to 0)",
    };
    let no_data = match analysis.no_data {
        NoData::Fail => "a measurement without data fails",
        NoData::Pass => "a measurement without data passes",
    };
    let own: Vec<String> = analysis
        .intervals
        .iter()
        .map(|(metric, interval)| format!(", {} every {}", metric.name(), interval.text()))
        .collect();
    let over = match analysis.over {
        Over::Steps => "in a step",
        Over::Rollout => "over the whole rollout",
    };
    format!(
        "gates queried every {}{}; more than {} failed measurement(s) of a gate {over} {action}; {no_data}",
        analysis.interval.text(),
        own.concat(),
        analysis.failure_limit
    )
}

fn policy_report(policy: &crate::check::model::Policy) -> PolicyReport {
    PolicyReport {
        name: policy.name.value.clone(),
        severity: match policy.severity {
            PolicySeverity::Deny => "deny",
            PolicySeverity::Warn => "warn",
        }
        .to_string(),
        each: match policy.each {
            PolicySubject::Service => "service",
            PolicySubject::Environment => "environment",
            PolicySubject::Deployment => "deployment",
        }
        .to_string(),
        environments: policy.environments.clone(),
        pack: policy.pack.clone(),
        violation: policy.message.clone(),
    }
}

fn secrets(model: &Model) -> Vec<SecretReport> {
    let mut found = Vec::new();
    for service in &model.services {
        for variable in &service.env {
            if let EnvValue::Secret { name, key, .. } = &variable.value {
                found.push(SecretReport {
                    service: service.name.value.clone(),
                    variable: variable.name.value.clone(),
                    secret: name.clone(),
                    key: key.clone(),
                });
            }
        }
    }
    found
}

/// The report for people: one Markdown document.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Delivery report: {}\n", report.app);
    let _ = writeln!(
        out,
        "Generated by `slipway report` from {}{}. It says what the spec guarantees; the \
         generated files enforce it.\n",
        report.source,
        report
            .repository
            .as_ref()
            .map_or_else(String::new, |r| format!(" ({r})"))
    );
    let _ = writeln!(
        out,
        "Promotion order: {}.\n",
        report.promotion_order.join(" → ")
    );
    supply_chain_section(&mut out, &report.supply_chain);
    for environment in &report.environments {
        environment_section(&mut out, environment);
    }
    policies_section(&mut out, report);
    secrets_section(&mut out, &report.secrets);
    out.trim_end().to_string() + "\n"
}

fn supply_chain_section(out: &mut String, supply: &SupplyChain) {
    let _ = writeln!(out, "## Every image\n");
    let scan = match supply.scan_fails_on.is_empty() {
        true => "no vulnerability scan".to_string(),
        false => format!(
            "scanned (Trivy); a finding of severity {} fails the pipeline",
            supply.scan_fails_on.join(" or ")
        ),
    };
    let _ = writeln!(out, "- {scan}");
    let _ = writeln!(
        out,
        "- SBOM (CycloneDX): {}",
        yes_no(supply.sbom, "published and attested")
    );
    let _ = writeln!(
        out,
        "- signature (cosign keyless): {}",
        yes_no(supply.signed, "signed")
    );
    let _ = writeln!(
        out,
        "- SLSA build provenance (cosign keyless): {}",
        yes_no(supply.provenance, "attested")
    );
    let _ = writeln!(out, "- code analysis: {}", supply.code_analysis);
    let _ = writeln!(out, "- verified at deploy: {}\n", supply.verified_at_deploy);
}

fn yes_no(value: bool, yes: &str) -> String {
    match value {
        true => yes.to_string(),
        false => "no".to_string(),
    }
}

fn environment_section(out: &mut String, environment: &EnvironmentReport) {
    let production = if environment.production {
        " (production)"
    } else {
        ""
    };
    let _ = writeln!(out, "## Environment `{}`{production}\n", environment.name);
    let approval = match environment.reviewers.is_empty() {
        true => environment.approval.clone(),
        false => format!(
            "{}, by {}",
            environment.approval,
            environment.reviewers.join(", ")
        ),
    };
    let after = match environment.after.is_empty() {
        true => "—".to_string(),
        false => environment.after.join(", "),
    };
    let rows = [
        (
            "cluster / namespace",
            format!("{} / {}", environment.cluster, environment.namespace),
        ),
        ("deployed after", after),
        ("trigger", environment.trigger.clone()),
        ("approval", approval),
        ("deployed by", environment.deployer.clone()),
        (
            "mesh / metrics",
            format!("{} / {}", environment.mesh, environment.metrics),
        ),
        ("DAST before promotion", environment.dast.clone()),
    ];
    let _ = writeln!(out, "| | |\n| --- | --- |");
    for (name, value) in rows {
        let _ = writeln!(out, "| {name} | {} |", cell(&value));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| Service | Image | Replicas | Rollout | Gates | Stops when |\n| --- | --- | --- | --- | --- | --- |"
    );
    for service in &environment.services {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} |",
            service.service,
            service.image,
            cell(&service.replicas),
            cell(&service.strategy),
            cell(&service.gates.join(", ")),
            cell(&service.stops_when),
        );
    }
    let _ = writeln!(out);
}

fn policies_section(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Policies\n");
    if report.policies.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(
            out,
            "| Policy | Severity | For each | Where | A violation reads |\n| --- | --- | --- | --- | --- |"
        );
        for policy in &report.policies {
            let name = match &policy.pack {
                Some(pack) => format!("{} ({pack})", policy.name),
                None => policy.name.clone(),
            };
            let scope = match policy.environments.is_empty() {
                true => "everywhere".to_string(),
                false => policy.environments.join(", "),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&name),
                policy.severity,
                policy.each,
                cell(&scope),
                cell(&policy.violation)
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Waivers\n");
    if report.waivers.is_empty() {
        let _ = writeln!(out, "None: every policy holds everywhere it applies.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Policy | Services | Environments | Covers | Reason |\n| --- | --- | --- | --- | --- |"
    );
    for waiver in &report.waivers {
        let all = |list: &[String]| match list.is_empty() {
            true => "all".to_string(),
            false => list.join(", "),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} violation(s) | {} |",
            waiver.policy,
            cell(&all(&waiver.services)),
            cell(&all(&waiver.environments)),
            waiver.covers,
            cell(&waiver.reason)
        );
    }
    let _ = writeln!(out);
}

fn secrets_section(out: &mut String, secrets: &[SecretReport]) {
    let _ = writeln!(out, "## Secrets\n");
    let _ = writeln!(
        out,
        "Secret values never appear in the spec or the generated files (a literal that looks \
         like one is refused, SW0210); pods read them from Kubernetes Secrets that exist in \
         the cluster.\n"
    );
    if secrets.is_empty() {
        let _ = writeln!(out, "No service reads a secret.");
        return;
    }
    let _ = writeln!(
        out,
        "| Service | Variable | Secret | Key |\n| --- | --- | --- | --- |"
    );
    for secret in secrets {
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | `{}` |",
            secret.service, secret.variable, secret.secret, secret.key
        );
    }
}

/// Text for a Markdown table cell: `|` escaped, lines joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
