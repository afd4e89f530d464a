//! The policy fields that describe generated output must say what the emitters generate.
//!
//! `pipeline.scan`, `pipeline.fail_on_critical`, `pipeline.sbom` and `pipeline.sign` (read by
//! the supply-chain pack) claim what the GitHub workflow does with each service's image;
//! `service.disruption_budget` (read by the production pack) claims that the k8s target
//! protects a deployment with a PodDisruptionBudget. For every example, and for a service the
//! pipeline builds next to one it does not, this test reads the claims through policies (so
//! the real field code is used) and compares them with the emitted files.

use serde_yaml::Value;
use slipway::emit::{self, Options, Target};
use slipway::SourceFile;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Warn-only policies whose violations list where each claim is true.
const CLAIMS: &str = r#"
policy claim-pdb { severity = warn  each = deployment  require = not service.disruption_budget  message = "pdb" }
policy claim-scan { severity = warn  each = deployment  require = not pipeline.scan  message = "scan" }
policy claim-critical { severity = warn  each = deployment  require = not pipeline.fail_on_critical  message = "critical" }
policy claim-sbom { severity = warn  each = deployment  require = not pipeline.sbom  message = "sbom" }
policy claim-sign { severity = warn  each = deployment  require = not pipeline.sign  message = "sign" }
"#;

const MIXED: &str = r#"
app shop { registry = "ghcr.io/acme" }
service built { image = "built:1.0.0"  replicas = 2  build { toolchain = go } }
service prebuilt { image = "prebuilt:1.0.0" }
environment staging { cluster = "c"  namespace = "shop-staging"  trigger = push }
environment prod { cluster = "c"  namespace = "shop-prod"  after = staging  override prebuilt { replicas = 3 } }
"#;

/// `(claim, service, environment)` for every claim that holds.
type Claims = BTreeSet<(String, String, String)>;

fn specs() -> Vec<(String, Vec<SourceFile>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out: Vec<(String, Vec<SourceFile>)> = dirs
        .iter()
        .map(|dir| (dir.display().to_string(), read_dir(dir)))
        .collect();
    out.push((
        "mixed".to_string(),
        vec![SourceFile {
            name: "mixed.slip".to_string(),
            text: MIXED.to_string(),
        }],
    ));
    out
}

fn read_dir(dir: &Path) -> Vec<SourceFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slip"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| SourceFile {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect()
}

/// Checks the spec with the claim policies and reads the claims off their warnings.
fn claims(files: &[SourceFile]) -> (slipway::Model, Claims) {
    let mut files = files.to_vec();
    files.push(SourceFile {
        name: "claims.slip".to_string(),
        text: CLAIMS.to_string(),
    });
    let checked = slipway::check(&files);
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let mut claims = Claims::new();
    for diagnostic in &checked.diagnostics {
        let Some((claim, subject)) = diagnostic.message.split_once(" (service `") else {
            continue;
        };
        let Some((service, rest)) = subject.split_once("` in environment `") else {
            continue;
        };
        let environment = rest.trim_end_matches("`)");
        claims.insert((
            claim.to_string(),
            service.to_string(),
            environment.to_string(),
        ));
    }
    (checked.model, claims)
}

fn emitted(model: &slipway::Model) -> emit::Output {
    let mut options = Options::all("test");
    options.targets = [Target::K8s, Target::Github].into_iter().collect();
    emit::emit(model, &options)
}

/// The `run` text of the step named `name` in job `job`, if there is one.
fn step_run(workflow: &Value, job: &str, name: &str) -> Option<String> {
    let steps = workflow["jobs"][job]["steps"].as_sequence()?;
    let step = steps.iter().find(|s| s["name"].as_str() == Some(name))?;
    Some(step["run"].as_str().unwrap_or_default().to_string())
}

/// Every job `job` waits for, directly or not.
fn upstream(workflow: &Value, job: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![job.to_string()];
    while let Some(next) = todo.pop() {
        for need in workflow["jobs"][next.as_str()]["needs"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            if let Some(need) = need.as_str() {
                if seen.insert(need.to_string()) {
                    todo.push(need.to_string());
                }
            }
        }
    }
    seen
}

#[test]
fn the_workflow_does_what_the_pipeline_fields_claim() {
    for (name, files) in specs() {
        let (model, claims) = claims(&files);
        let output = emitted(&model);
        let workflow: Value =
            serde_yaml::from_str(&output.files[&emit::github::workflow_path(&model)]).unwrap();
        for deployment in &model.deployments {
            let (service, environment) = (&deployment.service, &deployment.environment);
            let claimed = |claim: &str| {
                claims.contains(&(claim.to_string(), service.clone(), environment.clone()))
            };
            let scan = step_run(
                &workflow,
                &format!("scan-{service}"),
                &format!("Scan {service}"),
            );
            assert_eq!(
                claimed("scan"),
                scan.as_ref()
                    .is_some_and(|run| run.contains("--exit-code 1")),
                "{name}: scan of {service}"
            );
            let critical = scan
                .as_ref()
                .is_some_and(|run| run.contains("--exit-code 1") && run.contains("CRITICAL"));
            assert_eq!(
                claimed("critical"),
                critical,
                "{name}: critical findings fail the scan of {service}"
            );
            let sbom = step_run(
                &workflow,
                &format!("sbom-{service}"),
                &format!("SBOM of {service}"),
            );
            assert_eq!(
                claimed("sbom"),
                sbom.is_some_and(|run| run.contains("cyclonedx")),
                "{name}: SBOM of {service}"
            );
            let sign = step_run(
                &workflow,
                &format!("sign-{service}"),
                &format!("Sign {service} and attest its SBOM"),
            );
            assert_eq!(
                claimed("sign"),
                sign.is_some_and(|run| run.contains("cosign sign")),
                "{name}: signature of {service}"
            );
            if claimed("scan") {
                let before = upstream(&workflow, &format!("deploy-{environment}"));
                for stage in ["scan", "sbom", "sign"] {
                    let job = format!("{stage}-{service}");
                    assert!(
                        before.contains(&job),
                        "{name}: deploy-{environment} runs before `{job}`"
                    );
                }
            }
        }
    }
}

#[test]
fn the_scan_fails_on_the_severities_the_model_names() {
    let pipeline = slipway::Model::default().pipeline;
    let (model, _) = claims(&[SourceFile {
        name: "mixed.slip".to_string(),
        text: MIXED.to_string(),
    }]);
    let output = emitted(&model);
    let workflow: Value =
        serde_yaml::from_str(&output.files[&emit::github::workflow_path(&model)]).unwrap();
    let run =
        step_run(&workflow, "scan-built", "Scan built").expect("the built service is scanned");
    let severities = run
        .split("--severity ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default();
    let listed: BTreeSet<&str> = severities.split(',').collect();
    let claimed: BTreeSet<&str> = pipeline.fail_on.iter().map(|s| s.scanner_name()).collect();
    assert_eq!(listed, claimed);
}

#[test]
fn a_disruption_budget_exists_exactly_where_the_model_claims_one() {
    for (name, files) in specs() {
        let (model, claims) = claims(&files);
        let output = emitted(&model);
        for deployment in &model.deployments {
            let (service, environment) = (&deployment.service, &deployment.environment);
            let claimed =
                claims.contains(&("pdb".to_string(), service.clone(), environment.clone()));
            let manifests = output
                .files
                .get(&format!("k8s/{environment}/{service}.yaml"))
                .cloned()
                .unwrap_or_default();
            let emitted = manifests.contains("kind: PodDisruptionBudget");
            assert_eq!(claimed, emitted, "{name}: {service} in {environment}");
        }
    }
}
