//! Tests of the `github` target: a snapshot of the workflow of every example under
//! `examples/` (a new example is picked up by itself), and one test per mapping rule, each on
//! a small spec written inline: jobs and `needs:` follow the promotion graph, approvals
//! become GitHub environments, canary steps run in order with their gates and rollback,
//! toolchains, triggers, the supply chain, the security rules zizmor and actionlint check,
//! the images deploys run (this run's digests, only through `env:`), and the repository paths
//! of the generated files (`--out` below the repository root).

mod emit_support;

use emit_support::{example_dirs, inline, load_example};
use serde_yaml::Value;
use slipway::emit::{self, Options, Output, Target};
use slipway::SourceFile;
use std::collections::BTreeSet;
use std::path::Path;

/// Checks `files` (which must be free of errors) and emits the GitHub target.
fn compile(files: Vec<SourceFile>, source: &str) -> Output {
    compile_with(files, source, &[Target::Github], "")
}

/// Checks `files` and emits `targets`, the output lying at `output_path_in_repo`.
fn compile_with(
    files: Vec<SourceFile>,
    source: &str,
    targets: &[Target],
    output_path_in_repo: &str,
) -> Output {
    let options = Options {
        output_path_in_repo: output_path_in_repo.to_string(),
        ..emit_support::options(source, targets)
    };
    emit_support::compile_with(&files, options)
}

/// The workflow of an inline spec, as text and as parsed YAML.
fn compile_workflow(spec: &str) -> (String, Value) {
    let output = compile(inline(spec), "spec.slip");
    let text = output
        .files
        .get(".github/workflows/demo-delivery.yml")
        .expect("the workflow")
        .clone();
    let value = serde_yaml::from_str(&text).unwrap();
    (text, value)
}

/// The whole GitHub target of an inline spec: the workflow and the rollout scripts.
fn compile_github(spec: &str) -> Output {
    compile(inline(spec), "spec.slip")
}

/// The rollout script of `service` in `environment`, without the library every script shares.
fn rollout_script(output: &Output, environment: &str, service: &str) -> String {
    let text = &output.files[&format!("rollout/{environment}/{service}.sh")];
    let (own, _) = text
        .split_once("# ---- The rollout library")
        .expect("every script ends with the library");
    own.to_string()
}

fn job_ids(workflow: &Value) -> Vec<String> {
    workflow["jobs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value.as_sequence().map_or_else(Vec::new, |items| {
        items
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect()
    })
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_sequence().unwrap()
}

fn step_names(job: &Value) -> Vec<String> {
    steps(job)
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

fn run_scripts(job: &Value) -> String {
    steps(job)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

const SERVICE: &str = r#"
app demo { registry = "ghcr.io/acme" }
service web {
  image = "ghcr.io/acme/web:1.0.0"
  build { toolchain = npm { node = 20 } }
  ports { http = 8080 }
}
"#;

/// A diamond: dev -> (qa, staging) -> prod, prod by canary with an approval pause.
const GRAPH: &str = r#"
environment dev {
  cluster   = "dev-cluster"
  namespace = "demo-dev"
  trigger   = push { branch = "main" }
}
environment qa {
  cluster   = "dev-cluster"
  namespace = "demo-qa"
  after     = dev
  approval  = manual { reviewers = ["qa-team"] }
}
environment staging {
  cluster   = "dev-cluster"
  namespace = "demo-staging"
  after     = dev
}
environment prod {
  cluster   = "prod-cluster"
  namespace = "demo-prod"
  after     = [qa, staging]
  approval  = manual { reviewers = ["prod-approvers"] }
  strategy  = canary {
    step { weight = 20%  pause = approval }
    step { weight = 60%  pause = 5m }
    step { weight = 100% }
    analysis { interval = 1m  failure_limit = 2  gates = [p95_latency < 250ms, error_rate <= 0.5%] }
  }
}
"#;

fn graph_workflow() -> (String, Value) {
    compile_workflow(&format!("{SERVICE}{GRAPH}"))
}

#[test]
fn every_example_compiles_to_a_stable_workflow() {
    for dir in example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let output = compile(load_example(&dir), &format!("examples/{name}"));
        let workflows: Vec<&String> = output
            .files
            .keys()
            .filter(|path| path.starts_with(".github/"))
            .collect();
        assert_eq!(workflows.len(), 1, "{name}: one workflow");
        let path = workflows[0];
        assert!(
            path.starts_with(".github/workflows/") && path.ends_with("-delivery.yml"),
            "{path}"
        );
        let mut snapshot = format!("--- {path}\n{}", output.files[path]);
        for (script, text) in output
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("rollout/"))
        {
            match text.split_once("# ---- The rollout library") {
                Some((own, _)) => {
                    snapshot.push_str(&format!("--- {script} (without the shared library)\n{own}"))
                }
                None => snapshot.push_str(&format!("--- {script}\n{text}")),
            }
        }
        insta::assert_snapshot!(format!("github_{name}"), snapshot);
    }
}

#[test]
fn needs_follow_the_promotion_graph_and_name_earlier_jobs() {
    let (_, workflow) = graph_workflow();
    let ids = job_ids(&workflow);
    for (position, id) in ids.iter().enumerate() {
        for need in strings(&workflow["jobs"][id.as_str()]["needs"]) {
            let at = ids.iter().position(|other| *other == need);
            assert!(
                at.is_some_and(|at| at < position),
                "{id} needs {need}, which is not an earlier job"
            );
        }
    }
    let needs = |id: &str| strings(&workflow["jobs"][id]["needs"]);
    assert_eq!(
        needs("deploy-dev"),
        ["changes", "sign-web", "image-web"],
        "entry environments need the supply chain, and `image-<service>` for its outputs"
    );
    assert_eq!(needs("deploy-qa"), ["deploy-dev", "image-web", "changes"]);
    assert_eq!(
        needs("deploy-staging"),
        ["deploy-dev", "image-web", "changes"]
    );
    assert_eq!(
        needs("deploy-prod"),
        ["deploy-qa", "deploy-staging", "image-web", "changes"]
    );
    assert_eq!(
        needs("deploy-prod-web-step-02"),
        ["deploy-prod", "image-web", "changes"],
        "the job that promotes reads the digests too"
    );
    assert_eq!(needs("build-web"), ["changes"]);
    assert_eq!(needs("test"), ["changes", "build-web"]);
    assert_eq!(needs("image-web"), ["changes", "test"]);
    assert_eq!(needs("sign-web"), ["image-web", "scan-web", "sbom-web"]);
    let deploys: Vec<&String> = ids.iter().filter(|id| id.starts_with("deploy-")).collect();
    assert_eq!(
        deploys,
        [
            "deploy-dev",
            "deploy-qa",
            "deploy-staging",
            "deploy-prod",
            "deploy-prod-web-step-02"
        ]
    );
}

#[test]
fn approvals_become_github_environments() {
    let (text, workflow) = graph_workflow();
    let environment = |id: &str| {
        workflow["jobs"][id]["environment"]
            .as_str()
            .map(str::to_string)
    };
    for name in ["dev", "qa", "staging", "prod"] {
        assert_eq!(
            environment(&format!("deploy-{name}")).as_deref(),
            Some(name)
        );
    }
    assert_eq!(
        environment("deploy-prod-web-step-02").as_deref(),
        Some("prod-canary-approval")
    );
    assert!(text.contains(
        "#   qa                           context dev-cluster; required reviewers: qa-team"
    ));
    assert!(text.contains(
        "#   prod-canary-approval         context prod-cluster; required reviewers: prod-approvers"
    ));
    for id in job_ids(&workflow)
        .iter()
        .filter(|id| id.starts_with("deploy-"))
    {
        let concurrency = &workflow["jobs"][id.as_str()]["concurrency"];
        assert_eq!(concurrency["cancel-in-progress"], false, "{id}");
        assert!(
            concurrency["group"]
                .as_str()
                .unwrap()
                .starts_with("demo-deploy-"),
            "{id}"
        );
    }

    let blue_green = format!(
        "{SERVICE}{}",
        r#"environment prod {
  cluster = "prod-cluster"
  namespace = "demo-prod"
  trigger = manual
  strategy = blue_green { auto_promote = false }
}"#
    );
    let (_, workflow) = compile_workflow(&blue_green);
    let switch = &workflow["jobs"]["deploy-prod-web-switch"];
    assert_eq!(switch["environment"], "prod-switch-approval");
    assert_eq!(
        strings(&switch["needs"]),
        ["deploy-prod", "image-web", "changes"],
        "the switch job promotes, so it reads the digests"
    );
    assert!(run_scripts(switch).contains("bash \"$ROLLOUT\" switch"));
    let script = rollout_script(&compile_github(&blue_green), "prod", "web");
    assert!(script.contains("switched='istio/prod/web/switch/virtualservice.yaml'\n"));
    let (_, automatic) =
        compile_workflow(&blue_green.replace("auto_promote = false", "auto_promote = true"));
    assert!(
        automatic["jobs"]["deploy-prod-web-switch"].is_null(),
        "auto_promote switches without a gate"
    );
    assert!(run_scripts(&automatic["jobs"]["deploy-prod"]).contains("bash \"$ROLLOUT\" switch"));
}

#[test]
fn canary_steps_apply_each_weight_then_wait_analyse_and_roll_back() {
    let (_, workflow) = graph_workflow();
    let first = &workflow["jobs"]["deploy-prod"];
    let names = step_names(first);
    let expected_first = [
        "Check out",
        "Configure kubectl",
        "Pin the prod overlay to the images this run built",
        "Install cosign",
        "Log in to ghcr.io",
        "Verify the provenance of the images this run built",
        "Apply the prod manifests of the changed services",
        "web: create web-stable if it does not exist yet",
        "Apply the resting Istio routing",
        "Wait for the Deployments",
        "web: canary step 1 (20%)",
        "web: on failure or cancel, all traffic back to web-stable",
        "Record the deployment (audit trail)",
    ];
    assert_eq!(names, expected_first);
    let scripts = run_scripts(first);
    assert!(scripts.contains("kubectl apply -f istio/prod/web/destinationrule.yaml -f istio/prod/web/virtualservice.yaml"));
    let step = step_named(first, "web: canary step 1 (20%)");
    assert_eq!(step["run"], "bash \"$ROLLOUT\" run 1 1");
    assert_eq!(env(step, "ROLLOUT"), Some("rollout/prod/web.sh"));
    assert_eq!(
        env(step, "PROMETHEUS_URL"),
        None,
        "the in-cluster Prometheus is reached through the API server"
    );

    let second = &workflow["jobs"]["deploy-prod-web-step-02"];
    let names = step_names(second);
    let expected_second = [
        "Check out",
        "Configure kubectl",
        "Pin the prod overlay to the images this run built",
        "Install cosign",
        "Log in to ghcr.io",
        "Verify the provenance of the images this run built",
        "web: canary steps 2 to 3 (60%, 100%)",
        "web: promote the canary to stable",
        "web: on failure or cancel, all traffic back to web-stable",
        "Record the deployment (audit trail)",
    ];
    assert_eq!(names, expected_second);
    let record = step_named(second, "Record the deployment (audit trail)");
    assert_eq!(
        record["if"], "always()",
        "a failed or cancelled job is recorded too"
    );
    assert_eq!(record["env"]["RESULT"], "${{ job.status }}");
    assert_eq!(record["env"]["GATE"], "prod-canary-approval");
    assert_eq!(
        second["permissions"]["actions"], "read",
        "the record reads the approvals"
    );
    assert_eq!(
        second["timeout-minutes"], 68,
        "an hour plus 5 rounds at 60% and failure_limit + 1 = 3 at 100%"
    );
    let abort = step_named(
        second,
        "web: on failure or cancel, all traffic back to web-stable",
    );
    assert_eq!(
        abort["if"],
        "(failure() || cancelled()) && needs.changes.outputs.changed_web == 'true'"
    );
    assert_eq!(abort["run"], "bash \"$ROLLOUT\" abort");

    let script = rollout_script(&compile_github(&format!("{SERVICE}{GRAPH}")), "prod", "web");
    for expected in [
        "step_1() {\n  set_weight 20 'istio/prod/web/steps/01-20/virtualservice.yaml'\n  analyse 20 3 3\n}\n",
        "step_2() {\n  set_weight 60 'istio/prod/web/steps/02-60/virtualservice.yaml'\n  analyse 60 5 5\n}\n",
        "step_3() {\n  set_weight 100 'istio/prod/web/steps/03-100/virtualservice.yaml'\n  analyse 100 3 3\n}\n",
        "gate_names=('p95_latency' 'error_rate')\n",
        "gate_ops=('<' '<=')\n",
        "gate_limits=('250' '0.5')\n",
        "gate_intervals=('60' '60')\nfailure_limit='2'\nover='steps'\nno_data='fail'\n",
        "on_failure='rollback'\n",
        "resting='istio/prod/web/virtualservice.yaml'\n",
        "candidate='web-canary'\n",
        "live_selector='app.kubernetes.io/name=web,version=stable'\n",
        "prometheus_proxy='/api/v1/namespaces/monitoring/services/http:prometheus-operated:9090/proxy'\n",
    ] {
        assert!(script.contains(expected), "{expected}\n---\n{script}");
    }
    assert!(
        script.contains("destination_workload=\"web-canary\"") && script.contains("[{{window}}]")
    );

    let halt = format!(
        "{SERVICE}{}",
        GRAPH.replace("analysis {", "on_failure = halt\n    analysis {")
    );
    let (_, halted) = compile_workflow(&halt);
    let abort = step_named(
        &halted["jobs"]["deploy-prod-web-step-02"],
        "web: on failure or cancel, all traffic back to web-stable",
    );
    assert_eq!(
        abort["if"], "(cancelled()) && needs.changes.outputs.changed_web == 'true'",
        "a halted canary waits for a person"
    );
    let script = rollout_script(&compile_github(&halt), "prod", "web");
    assert!(script.contains("on_failure='halt'\n"));
}

/// The directory every `kubectl apply -k` reads once the built images are pinned.
const PINNED: &str = "${{ runner.temp }}/pinned-overlay";

/// The `env:` value `key` of a step, if it has one.
fn env<'v>(step: &'v Value, key: &str) -> Option<&'v str> {
    step["env"][key].as_str()
}

/// The step of `job` called `name`.
fn step_named<'v>(job: &'v Value, name: &str) -> &'v Value {
    steps(job)
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?} in {:?}", step_names(job)))
}

const BLUE_GREEN: &str = r#"environment prod {
  cluster = "prod-cluster"
  namespace = "demo-prod"
  trigger = manual
  strategy = blue_green { auto_promote = false  scale_down_delay = 2m }
}"#;

#[test]
fn a_canary_environment_applies_its_overlay_without_the_live_track() {
    let (_, workflow) = graph_workflow();
    let prod = &workflow["jobs"]["deploy-prod"];
    let apply = step_named(prod, "Apply the prod manifests of the changed services");
    assert!(apply["run"]
        .as_str()
        .unwrap()
        .contains("kubectl apply -k \"$OVERLAY\" -l \"$selector\""));
    assert_eq!(env(apply, "OVERLAY"), Some(PINNED));
    let pin = step_named(prod, "Pin the prod overlay to the images this run built");
    assert_eq!(
        env(pin, "SELECTOR"),
        Some("version notin (stable)"),
        "objects without a `version` label match `notin`, so only web-stable is left out"
    );

    let create = step_named(prod, "web: create web-stable if it does not exist yet");
    assert_eq!(env(create, "NAMESPACE"), Some("demo-prod"));
    assert_eq!(env(create, "LIVE"), Some("web-stable"));
    assert_eq!(
        env(create, "OVERLAY"),
        Some(PINNED),
        "a live track created on the first deploy runs this run's digest too"
    );
    assert_eq!(
        env(create, "SELECTOR"),
        Some("app.kubernetes.io/name=web,version=stable")
    );
    let script = create["run"].as_str().unwrap();
    assert!(
        script.starts_with("set -euo pipefail\n"),
        "an error other than not-found must fail the step, not create the track: {script}"
    );
    assert!(
        script.contains(
            "existing=\"$(kubectl -n \"$NAMESPACE\" get deployment \"$LIVE\" --ignore-not-found -o name)\"\n\
             if [ -n \"$existing\" ]; then\n"
        ),
        "{script}"
    );
    let (exists, missing) = script.split_once("else\n").unwrap();
    assert!(
        !exists.contains("kubectl apply"),
        "an existing live track is left alone"
    );
    assert!(missing.contains("kubectl apply -k \"$OVERLAY\" -l \"$SELECTOR\""));

    let names = step_names(prod);
    let position = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert!(
        position("web: create web-stable if it does not exist yet")
            < position("Apply the resting Istio routing"),
        "the routing sends traffic to a track that exists"
    );

    for id in ["deploy-dev", "deploy-qa", "deploy-staging"] {
        let job = &workflow["jobs"][id];
        let environment = id.trim_start_matches("deploy-");
        let apply = step_named(
            job,
            &format!("Apply the {environment} manifests of the changed services"),
        );
        let pin = step_named(
            job,
            &format!("Pin the {environment} overlay to the images this run built"),
        );
        assert_eq!(
            env(pin, "SELECTOR"),
            Some(""),
            "a rolling environment applies its whole (pinned) overlay, less unchanged services"
        );
        assert!(apply["run"]
            .as_str()
            .unwrap()
            .contains("else\n  kubectl apply -k \"$OVERLAY\"\nfi"));
        assert_eq!(env(apply, "OVERLAY"), Some(PINNED), "{id}");
        assert!(!run_scripts(job).contains("--ignore-not-found"), "{id}");
    }
}

#[test]
fn a_blue_green_environment_keeps_blue_until_the_promotion() {
    let spec = format!("{SERVICE}{BLUE_GREEN}");
    let (_, workflow) = compile_workflow(&spec);
    let prod = &workflow["jobs"]["deploy-prod"];
    let pin = step_named(prod, "Pin the prod overlay to the images this run built");
    assert_eq!(env(pin, "SELECTOR"), Some("version notin (blue)"));
    let create = step_named(prod, "web: create web-blue if it does not exist yet");
    assert_eq!(
        env(create, "SELECTOR"),
        Some("app.kubernetes.io/name=web,version=blue")
    );

    let switch = &workflow["jobs"]["deploy-prod-web-switch"];
    let promote = step_named(switch, "web: keep blue for 2m, then promote green to blue");
    assert_eq!(promote["run"], "bash \"$ROLLOUT\" promote");
    assert_eq!(
        env(promote, "OVERLAY"),
        Some(PINNED),
        "blue is promoted to the digest green ran, not to the spec's tag"
    );
    let script = rollout_script(&compile_github(&spec), "prod", "web");
    for expected in [
        "live='web-blue'\n",
        "candidate='web-green'\n",
        "live_selector='app.kubernetes.io/name=web,version=blue'\n",
        "resting='istio/prod/web/virtualservice.yaml'\n",
        "keep_live_seconds='120'\n",
    ] {
        assert!(script.contains(expected), "{expected}\n---\n{script}");
    }
}

/// Every step of every deploy job that could change a live track, in the order they run:
/// (job, step name, what it applies to).
fn live_track_writes(workflow: &Value) -> Vec<(String, String, String)> {
    let mut writes = Vec::new();
    for id in job_ids(workflow)
        .iter()
        .filter(|id| id.starts_with("deploy-"))
    {
        for step in steps(&workflow["jobs"][id.as_str()]) {
            let run = step["run"].as_str().unwrap_or_default();
            assert!(
                !run.contains("set image"),
                "{id}: images change only through the pinned overlay\n{run}"
            );
            if run.contains("apply -k") {
                // With change detection the pin step writes the selector of the job's applies:
                // its SELECTOR (the live tracks), less the services this push did not change.
                let pinned = run.contains("$OVERLAY/selector").then(|| {
                    let pin = steps(&workflow["jobs"][id.as_str()])
                        .iter()
                        .find(|s| s["name"].as_str().unwrap().starts_with("Pin "))
                        .unwrap();
                    format!("{} + unchanged services", env(pin, "SELECTOR").unwrap())
                });
                let selector = pinned
                    .as_deref()
                    .or(env(step, "SELECTOR"))
                    .unwrap_or("(whole overlay)");
                writes.push((
                    id.clone(),
                    step["name"].as_str().unwrap().to_string(),
                    selector.to_string(),
                ));
            }
        }
    }
    writes
}

#[test]
fn only_the_promotion_moves_an_existing_live_track_and_rollback_never_does() {
    let (_, workflow) = graph_workflow();
    let prod: Vec<(String, String, String)> = live_track_writes(&workflow)
        .into_iter()
        .filter(|(id, _, _)| id.starts_with("deploy-prod"))
        .collect();
    let expected = [
        (
            "deploy-prod",
            "Apply the prod manifests of the changed services",
            "version notin (stable) + unchanged services",
        ),
        (
            "deploy-prod",
            "web: create web-stable if it does not exist yet",
            "app.kubernetes.io/name=web,version=stable",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(prod, expected, "the workflow itself applies no live track");

    let last_job = &workflow["jobs"]["deploy-prod-web-step-02"];
    let promotions: Vec<String> = steps(last_job)
        .iter()
        .filter(|s| s["run"].as_str().unwrap_or_default().ends_with(" promote"))
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(promotions, ["web: promote the canary to stable"]);

    // In the script, only `promote` applies the live track; `abort` (the rollback) and every
    // step leave it alone.
    let output = compile_github(&format!("{SERVICE}{GRAPH}"));
    let library = output.files["rollout/prod/web.sh"]
        .split_once("# ---- The rollout library")
        .unwrap()
        .1
        .to_string();
    let function = |name: &str| {
        let start = library.find(&format!("\n{name}() {{")).unwrap();
        let end = library[start + 1..].find("\n}\n").unwrap();
        library[start..start + 1 + end].to_string()
    };
    assert!(function("promote").contains("kubectl apply -k \"$OVERLAY\" -l \"$live_selector\""));
    for other in ["abort", "set_weight", "analyse", "canary_failed", "switch"] {
        let body = function(other);
        assert!(
            !body.contains("apply -k"),
            "{other} touches the live track:\n{body}"
        );
    }
    assert!(function("abort").contains("kubectl apply -f \"$resting\""));
    assert!(function("canary_failed").contains("abort"));
}

#[test]
fn the_workflow_header_explains_the_live_tracks_only_when_there_are_some() {
    let (text, _) = graph_workflow();
    assert!(text.contains(
        "# <service>-blue) on the version it runs: a deploy applies the overlay without the live tracks\n"
    ));
    let rolling = format!(
        "{SERVICE}{}",
        r#"environment dev { cluster = "dev"  namespace = "demo-dev"  trigger = manual }"#
    );
    let (text, _) = compile_workflow(&rolling);
    assert!(!text.contains("live track"), "{text}");
}

#[test]
fn a_pause_without_analysis_sleeps() {
    let spec = format!(
        "{SERVICE}{}",
        r#"environment prod {
  cluster = "prod-cluster"
  namespace = "demo-prod"
  trigger = manual
  strategy = canary { step { weight = 50%  pause = 90s } step { weight = 100% } }
}"#
    );
    let script = rollout_script(&compile_github(&spec), "prod", "web");
    assert!(
        script.contains("step_1() {\n  set_weight 50 'istio/prod/web/steps/01-50/virtualservice.yaml'\n  hold 90\n}\n"),
        "{script}"
    );
    assert!(script.contains(
        "step_2() {\n  set_weight 100 'istio/prod/web/steps/02-100/virtualservice.yaml'\n}\n"
    ));
}

#[test]
fn the_workflow_keeps_the_security_rules() {
    let (text, workflow) = graph_workflow();
    assert_eq!(
        workflow["permissions"],
        Value::Mapping(Default::default()),
        "no permissions at the top"
    );
    assert!(!text.contains("pull_request_target"));
    for id in job_ids(&workflow) {
        let job = &workflow["jobs"][id.as_str()];
        assert!(
            job["permissions"].is_mapping(),
            "{id}: explicit permissions"
        );
        for step in steps(job) {
            if let Some(run) = step["run"].as_str() {
                assert!(
                    !run.contains("${{"),
                    "{id}: an expression inside run:\n{run}"
                );
            }
            if step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
            {
                assert_eq!(step["with"]["persist-credentials"], false, "{id}");
            }
        }
        let permissions = serde_yaml::to_string(&job["permissions"]).unwrap();
        assert_eq!(
            permissions.contains("id-token"),
            id.starts_with("sign-"),
            "{id}: id-token only to sign"
        );
        assert_eq!(
            permissions.contains("packages: write"),
            id.starts_with("image-") || id.starts_with("sign-"),
            "{id}"
        );
        let guarded = job["if"]
            .as_str()
            .is_some_and(|c| c.contains("github.event_name"));
        let publishes = ["scan-", "sbom-", "sign-", "deploy-"]
            .iter()
            .any(|stage| id.starts_with(stage));
        assert!(!publishes || guarded, "{id} must not run for pull requests");
    }
    for step in steps(&workflow["jobs"]["image-web"])
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("Push"))
    {
        assert_eq!(step["if"], "github.event_name != 'pull_request'");
    }
    for line in text
        .lines()
        .filter(|line| line.trim_start().starts_with("uses:") || line.contains("- uses:"))
    {
        let reference = line.split("uses:").nth(1).unwrap().trim();
        let (action, rest) = reference.split_once('@').unwrap();
        let (sha, comment) = rest
            .split_once(" # v")
            .unwrap_or_else(|| panic!("no version comment: {line}"));
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{action} is not pinned by SHA"
        );
        assert!(
            comment.split('.').count() == 3,
            "{action}: a full version tag, not {comment}"
        );
        assert!(
            action.starts_with("actions/") || action == "sigstore/cosign-installer",
            "{action}"
        );
    }
}

#[test]
fn triggers_come_from_the_entry_environments() {
    let spec = format!(
        "{SERVICE}{}",
        r#"environment canary-eu {
  cluster = "eu"
  namespace = "demo-eu"
  trigger = tag { pattern = "v*" }
}
environment sandbox {
  cluster = "dev"
  namespace = "demo-sandbox"
  trigger = manual
}
environment dev {
  cluster = "dev"
  namespace = "demo-dev"
  trigger = push { branch = ["main", "release/*"] }
}"#
    );
    let (_, workflow) = compile_workflow(&spec);
    assert_eq!(
        strings(&workflow["on"]["push"]["branches"]),
        ["main", "release/*"]
    );
    assert_eq!(strings(&workflow["on"]["push"]["tags"]), ["v*"]);
    assert_eq!(
        strings(&workflow["on"]["pull_request"]["branches"]),
        ["main", "release/*"]
    );
    assert!(workflow["on"]["workflow_dispatch"].is_mapping());
    // After the checks that the changed services' supply chains succeeded, the trigger.
    let detection = "!cancelled() && !contains(needs.*.result, 'failure') && needs.changes.outputs.any == 'true' && (needs.changes.outputs.changed_web != 'true' || needs.sign-web.result == 'success') && ";
    let condition = |id: &str| {
        let full = workflow["jobs"][id]["if"].as_str().unwrap();
        full.strip_prefix(detection)
            .unwrap_or_else(|| panic!("{id}: {full}"))
            .to_string()
    };
    assert_eq!(
        condition("deploy-dev"),
        "(github.event_name == 'push' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/heads/release/')))"
    );
    assert_eq!(
        condition("deploy-canary-eu"),
        "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')"
    );
    assert_eq!(
        condition("deploy-sandbox"),
        "github.event_name == 'workflow_dispatch'"
    );
}

#[test]
fn each_toolchain_builds_and_tests_with_its_own_setup() {
    let spec = r#"
app demo { registry = "ghcr.io/acme" }
service java { image = "java:1"  build { toolchain = maven { java = 21 } } }
service node { image = "node:1"  build { context = "web"  toolchain = npm } }
service gopher { image = "gopher:1"  build { toolchain = go { version = "1.22" } } }
service snake { image = "snake:1"  build { toolchain = python } }
service crab { image = "crab:1"  build { toolchain = cargo } }
service plain { image = "plain:1"  build { context = "plain"  dockerfile = "Containerfile" } }
service external { image = "docker.io/library/redis:7" }
environment dev { cluster = "dev"  namespace = "demo-dev"  trigger = manual }
"#;
    let (_, workflow) = compile_workflow(spec);
    let job = |id: &str| workflow["jobs"][id].clone();
    let setup = |id: &str| {
        steps(&job(id))
            .iter()
            .find(|s| s["name"].as_str().unwrap().starts_with("Set up"))
            .cloned()
            .unwrap()
    };
    assert!(setup("build-java")["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/setup-java@"));
    assert_eq!(setup("build-java")["with"]["java-version"], "21");
    assert!(run_scripts(&job("build-java")).contains("mvn --batch-mode"));
    assert_eq!(setup("build-node")["with"]["node-version"], "lts/*");
    assert_eq!(setup("build-node")["with"]["package-manager-cache"], false);
    let node_build = steps(&job("build-node"))
        .iter()
        .find(|s| s["name"] == "Build node")
        .cloned()
        .unwrap();
    assert_eq!(node_build["working-directory"], "web");
    assert_eq!(setup("build-gopher")["with"]["go-version"], "1.22");
    assert_eq!(
        setup("build-gopher")["with"]["cache"],
        false,
        "no cache in a publishing workflow"
    );
    assert_eq!(setup("build-snake")["with"]["python-version"], "3.x");
    assert_eq!(setup("build-crab")["env"]["RUST_TOOLCHAIN"], "stable");
    assert!(run_scripts(&job("build-crab")).contains("cargo build --locked"));
    let plain = steps(&job("build-plain")).last().cloned().unwrap();
    assert_eq!(plain["env"]["DOCKERFILE"], "plain/Containerfile");
    assert_eq!(plain["env"]["CONTEXT"], "plain");
    assert!(plain["run"].as_str().unwrap().starts_with("docker build"));
    assert!(
        job("build-external").is_null(),
        "services without a build block are not built"
    );
    let tests = step_names(&job("test"));
    for name in [
        "Test java",
        "Test node",
        "Test gopher",
        "Test snake",
        "Test crab",
    ] {
        assert!(
            tests.iter().any(|t| t == name),
            "{name} missing from {tests:?}"
        );
    }
    assert!(
        !tests.iter().any(|t| t == "Test plain"),
        "a Docker-only service has no unit tests"
    );
}

#[test]
fn the_supply_chain_pushes_scans_describes_and_signs_by_digest() {
    let (_, workflow) = graph_workflow();
    let image = &workflow["jobs"]["image-web"];
    assert!(run_scripts(image).contains("--tag \"$IMAGE:$GITHUB_SHA\""));
    assert_eq!(
        image["outputs"]["reference"],
        "${{ steps.push-web.outputs.reference }}"
    );
    assert_eq!(image["if"], "needs.changes.outputs.changed_web == 'true'");
    let scan = run_scripts(&workflow["jobs"]["scan-web"]);
    assert!(
        scan.contains("ghcr.io/aquasecurity/trivy:0.69.3@sha256:"),
        "Trivy runs from an image pinned by digest"
    );
    assert!(scan.contains("--exit-code 1 --severity HIGH,CRITICAL"));
    assert!(run_scripts(&workflow["jobs"]["sbom-web"]).contains("--format cyclonedx"));
    let sign = &workflow["jobs"]["sign-web"];
    assert_eq!(sign["permissions"]["id-token"], "write");
    assert!(run_scripts(sign).contains("cosign sign --yes \"$IMAGE_REF\""));
    let signing = steps(sign)
        .iter()
        .find(|s| s["name"] == "Sign web and attest its SBOM")
        .unwrap();
    assert_eq!(
        signing["env"]["IMAGE_REF"],
        "${{ needs.image-web.outputs.reference }}"
    );
}

#[test]
fn without_built_services_deployments_need_nothing() {
    let spec = r#"
app demo { registry = "ghcr.io/acme" }
service web { image = "ghcr.io/acme/web:1.0.0" }
environment dev { cluster = "dev"  namespace = "demo-dev"  trigger = push { branch = "main" } }
"#;
    let (_, workflow) = compile_workflow(spec);
    assert_eq!(job_ids(&workflow), ["deploy-dev"]);
    assert!(workflow["jobs"]["deploy-dev"]["needs"].is_null());
}

/// Every job with a step whose `env:` reads `needs.image.outputs`.
fn jobs_reading_digests(workflow: &Value) -> Vec<String> {
    job_ids(workflow)
        .into_iter()
        .filter(|id| {
            steps(&workflow["jobs"][id.as_str()]).iter().any(|step| {
                step["env"].as_mapping().is_some_and(|env| {
                    env.values().any(|v| {
                        v.as_str()
                            .unwrap_or("")
                            .contains("needs.image-web.outputs.")
                    })
                })
            })
        })
        .collect()
}

/// The jobs `id` depends on, directly or through a chain of `needs:`.
fn ancestors(workflow: &Value, id: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut queue = strings(&workflow["jobs"][id]["needs"]);
    while let Some(need) = queue.pop() {
        if found.insert(need.clone()) {
            queue.extend(strings(&workflow["jobs"][need.as_str()]["needs"]));
        }
    }
    found
}

#[test]
fn deploy_jobs_read_digests_only_through_env_and_need_image() {
    let bg = format!(
        "{SERVICE}{}",
        BLUE_GREEN
            .replace("prod", "live")
            .replace("demo-live", "demo-bg")
    );
    for (name, spec) in [("graph", format!("{SERVICE}{GRAPH}")), ("blue-green", bg)] {
        let (_, workflow) = compile_workflow(&spec);
        let readers = jobs_reading_digests(&workflow);
        for id in job_ids(&workflow) {
            let job = &workflow["jobs"][id.as_str()];
            for step in steps(job) {
                let run = step["run"].as_str().unwrap_or_default();
                assert!(
                    !run.contains("needs.") && !run.contains("${{"),
                    "{name} {id}: digests reach scripts through env: only\n{run}"
                );
            }
            let supply = ["scan-web", "sbom-web", "sign-web"];
            if readers.contains(&id) && !supply.contains(&id.as_str()) {
                assert!(id.starts_with("deploy-"), "{name}: {id}");
                assert!(
                    strings(&job["needs"]).contains(&"image-web".to_string()),
                    "{name} {id}: reads needs.image-web.outputs, so `image-web` must be a direct need"
                );
            }
            if id.starts_with("deploy-") {
                assert!(
                    ancestors(&workflow, &id).contains("image-web"),
                    "{name} {id}: every deploy runs after `image`"
                );
            }
        }
        let deploy_readers = readers.iter().filter(|id| id.starts_with("deploy-"));
        assert!(deploy_readers.count() >= 2, "{name}: {readers:?}");
    }
}

#[test]
fn the_candidate_single_and_promoted_tracks_run_this_runs_digest() {
    let (_, workflow) = graph_workflow();
    for id in job_ids(&workflow)
        .iter()
        .filter(|id| id.starts_with("deploy-"))
    {
        let job = &workflow["jobs"][id.as_str()];
        let names = step_names(job);
        let applies: Vec<&Value> = steps(job)
            .iter()
            .filter(|s| {
                let run = s["run"].as_str().unwrap_or_default();
                run.contains("apply -k") || run.ends_with(" promote")
            })
            .collect();
        if applies.is_empty() {
            assert!(
                !names.iter().any(|n| n.starts_with("Pin ")),
                "{id}: {names:?}"
            );
            continue;
        }
        let environment = id.trim_start_matches("deploy-").split('-').next().unwrap();
        let pin_name = format!("Pin the {environment} overlay to the images this run built");
        assert_eq!(
            names[2], pin_name,
            "{id}: the pin step follows the checkout and kubectl (it checks what runs)"
        );
        let pin = step_named(job, &pin_name);
        assert_eq!(env(pin, "PINNED"), Some(PINNED));
        assert_eq!(
            env(pin, "OVERLAY"),
            Some(format!("kustomize/overlays/{environment}").as_str())
        );
        assert_eq!(env(pin, "IMAGE_WEB"), Some("ghcr.io/acme/web"));
        assert_eq!(
            env(pin, "REF_WEB"),
            Some("${{ needs.image-web.outputs.reference }}")
        );
        for apply in applies {
            assert_eq!(
                env(apply, "OVERLAY"),
                Some(PINNED),
                "{id}: {} applies the spec's tag",
                apply["name"].as_str().unwrap()
            );
        }
    }
    let promote = step_named(
        &workflow["jobs"]["deploy-prod-web-step-02"],
        "web: promote the canary to stable",
    );
    assert_eq!(
        env(promote, "OVERLAY"),
        Some(PINNED),
        "after a successful canary, the live track runs the digest the canary ran"
    );
    assert_eq!(promote["run"], "bash \"$ROLLOUT\" promote");
}

#[test]
fn only_built_images_are_pinned() {
    let spec = r#"
app demo { registry = "ghcr.io/acme" }
service web { image = "ghcr.io/acme/web:1.0.0"  build { toolchain = npm }  ports { http = 8080 } }
service my-cache { image = "docker.io/library/redis:7"  ports { redis = 6379 } }
environment dev { cluster = "dev"  namespace = "demo-dev"  trigger = push { branch = "main" } }
"#;
    let (_, workflow) = compile_workflow(spec);
    let dev = &workflow["jobs"]["deploy-dev"];
    let pin = step_named(dev, "Pin the dev overlay to the images this run built");
    let variables: Vec<&str> = pin["env"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        variables,
        [
            "CHANGED_WEB",
            "IMAGE_WEB",
            "NAMESPACE_WEB",
            "OVERLAY",
            "PINNED",
            "REF_WEB",
            "SELECTOR"
        ],
        "an image the workflow does not build keeps the spec's reference"
    );
    assert!(pin["run"].as_str().unwrap().contains(
        "\nif [ \"$CHANGED_WEB\" = true ]; then\n  pin \"$IMAGE_WEB\" \"$REF_WEB\"\nelse\n  keep web \"$NAMESPACE_WEB\"\nfi\n"
    ));
}

/// Runs the pin step of `job` with bash in a scratch checkout holding `overlay`, with the
/// given `REF_WEB`; returns the exit status, the log and the kustomization written.
fn run_pin_step(job: &Value, reference: &str, name: &str) -> (bool, String, String) {
    let dir = std::env::temp_dir().join(format!("slipway-pin-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let checkout = dir.join("work/repo");
    std::fs::create_dir_all(checkout.join("kustomize/overlays/prod")).unwrap();
    std::fs::write(
        checkout.join("kustomize/overlays/prod/kustomization.yaml"),
        "resources: []\n",
    )
    .unwrap();
    let pin = steps(job)
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with("Pin "))
        .unwrap();
    let pinned = dir.join("temp/pinned-overlay");
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(pin["run"].as_str().unwrap())
        .current_dir(&checkout)
        .env("OVERLAY", env(pin, "OVERLAY").unwrap())
        .env("PINNED", &pinned)
        .env("IMAGE_WEB", env(pin, "IMAGE_WEB").unwrap())
        .env("REF_WEB", reference)
        .env("CHANGED_WEB", "true")
        .env("SELECTOR", env(pin, "SELECTOR").unwrap())
        .output()
        .expect("bash runs");
    let written = std::fs::read_to_string(pinned.join("kustomization.yaml")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        written,
    )
}

#[test]
fn the_pin_step_writes_the_digest_and_refuses_anything_else() {
    let (_, workflow) = graph_workflow();
    let job = &workflow["jobs"]["deploy-prod"];
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let reference = format!("ghcr.io/acme/web@{digest}");
    let (ok, log, written) = run_pin_step(job, &reference, "good");
    assert!(ok, "{log}");
    assert_eq!(
        written,
        format!(
            "resources:\n- ../../work/repo/kustomize/overlays/prod\nimages:\n\
             - name: ghcr.io/acme/web\n  newName: ghcr.io/acme/web\n  digest: {digest}\n"
        ),
        "the overlay by a relative path (kustomize refuses absolute ones), the image by digest"
    );
    assert!(
        log.contains(&digest),
        "the log shows what is deployed: {log}"
    );
    for (name, bad) in [
        ("empty", String::new()),
        ("tag", "ghcr.io/acme/web:1.0.0".to_string()),
        ("short", "ghcr.io/acme/web@sha256:0123".to_string()),
        ("yaml", format!("{reference}\n- name: other")),
    ] {
        let (ok, log, _) = run_pin_step(job, &bad, name);
        assert!(!ok, "{name}: a bad reference must fail the job");
        assert!(
            log.contains("::error::ghcr.io/acme/web: no digest reference"),
            "{name}: {log}"
        );
    }
}

/// Every word of the workflow's scripts and `env:` values that names a generated file.
fn generated_paths(workflow: &Value) -> Vec<String> {
    let mut words = Vec::new();
    for id in job_ids(workflow) {
        for step in steps(&workflow["jobs"][id.as_str()]) {
            let mut texts: Vec<&str> = step["run"].as_str().into_iter().collect();
            if let Some(env) = step["env"].as_mapping() {
                texts.extend(env.values().filter_map(Value::as_str));
            }
            for text in texts {
                words.extend(
                    text.split_whitespace()
                        .filter(|w| {
                            w.contains("istio/")
                                || w.contains("kustomize/")
                                || w.contains("rollout/")
                        })
                        .map(str::to_string),
                );
            }
        }
    }
    words
}

#[test]
fn paths_carry_the_output_path_in_the_repository() {
    let spec = format!("{SERVICE}{GRAPH}");
    let all = [
        Target::K8s,
        Target::Istio,
        Target::Kustomize,
        Target::Github,
    ];
    for prefix in ["", "deploy", "ops/generated"] {
        let output = compile_with(inline(&spec), "spec.slip", &all, prefix);
        let text = output
            .files
            .get(".github/workflows/demo-delivery.yml")
            .expect("the workflow stays under .github/workflows/ of the output");
        let workflow: Value = serde_yaml::from_str(text).unwrap();
        let mut paths = generated_paths(&workflow);
        assert!(paths.len() > 5, "{paths:?}");
        let script = &output.files["rollout/prod/web.sh"];
        paths.extend(
            script
                .split(['\'', ' ', '\n'])
                .filter(|w| w.starts_with(prefix) && w.contains("istio/"))
                .map(str::to_string),
        );
        assert!(
            script.contains(&format!(
                "resting='{}'",
                format!("{prefix}/istio/prod/web/virtualservice.yaml").trim_start_matches('/')
            )),
            "{script}"
        );
        for path in &paths {
            let relative = match prefix {
                "" => path.as_str(),
                prefix => path
                    .strip_prefix(&format!("{prefix}/"))
                    .unwrap_or_else(|| panic!("{path} lacks the prefix {prefix}/")),
            };
            let exists = output.files.contains_key(relative)
                || output
                    .files
                    .contains_key(&format!("{relative}/kustomization.yaml"));
            assert!(exists, "{path}: the same compile wrote no {relative}");
        }
        match prefix {
            "" => {
                assert!(text.contains("(run\n# `slipway compile --out .` from the repository root)"))
            }
            prefix => assert!(
                text.contains(&format!(
                    "# so copy {prefix}/.github/workflows/demo-delivery.yml there.\n"
                )),
                "{text}"
            ),
        }
    }
}

#[test]
fn only_portable_paths_can_be_named_in_the_workflow() {
    for good in ["", "deploy", "ops/generated", "a.b_c-d/E1"] {
        assert_eq!(emit::check_output_path_in_repo(good), Ok(()), "{good}");
    }
    for bad in [
        "my dir",
        "deploy/",
        "/deploy",
        "a//b",
        "./deploy",
        "../deploy",
        "-x",
        "${{ github.token }}",
        "a;b",
        "a'b",
        "naïve",
    ] {
        assert!(emit::check_output_path_in_repo(bad).is_err(), "{bad}");
    }
}

/// `slipway compile` in `dir` with `args`: (success, stderr).
fn slipway_compile(dir: &Path, args: &[&str]) -> (bool, String) {
    let example = std::fs::canonicalize("examples/delivery-matrix").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_slipway"))
        .arg("compile")
        .arg(&example)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the slipway binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_cli_takes_the_repository_path_from_a_relative_out() {
    let dir = std::env::temp_dir().join(format!("slipway-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let workflow = ".github/workflows/shop-delivery.yml";

    let (ok, stderr) = slipway_compile(&dir, &["--out", "./ops//generated/"]);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(dir.join("ops/generated").join(workflow)).unwrap();
    assert!(text.contains("OVERLAY: ops/generated/kustomize/overlays/prod\n"));
    assert!(text.contains("ROLLOUT: ops/generated/rollout/prod/my-app.sh\n"));
    let script = std::fs::read_to_string(dir.join("ops/generated/rollout/prod/my-app.sh")).unwrap();
    assert!(script.contains("set_weight 30 'ops/generated/istio/prod/my-app/steps/01-30/"));
    let hint: Vec<&str> = stderr.lines().filter(|l| l.starts_with("hint:")).collect();
    assert_eq!(
        hint,
        [format!(
            "hint: GitHub runs workflows only from the repository's .github/workflows/ (symlinks are not followed): copy ops/generated/{workflow} there; its paths start with ops/generated/"
        )]
    );
    let (ok, stderr) = slipway_compile(&dir, &["--out", "ops/generated", "--check"]);
    assert!(
        ok,
        "the same directory, spelt differently, gives the same workflow: {stderr}"
    );

    let (ok, stderr) = slipway_compile(&dir, &["--out", "."]);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("hint:"), "{stderr}");
    let text = std::fs::read_to_string(dir.join(workflow)).unwrap();
    assert!(text.contains("OVERLAY: kustomize/overlays/prod\n"));

    let outside = dir.join("elsewhere");
    let (ok, stderr) = slipway_compile(&dir, &["--out", outside.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("is not a relative path below the current directory"),
        "{stderr}"
    );

    let (ok, stderr) = slipway_compile(&dir, &["--out", "my dir"]);
    assert!(
        !ok && stderr.contains("--out `my dir` cannot be named in the workflow"),
        "{stderr}"
    );
    let (ok, stderr) = slipway_compile(&dir, &["--out", "my dir", "--target", "k8s", "--quiet"]);
    assert!(
        ok && stderr.is_empty(),
        "without the workflow any directory will do: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_environment_argo_cd_deploys_has_no_deploy_job() {
    let spec = format!("{SERVICE}{GRAPH}")
        .replace("environment qa {", "environment qa {\n  deployer = argocd");
    let (_, workflow) = compile_workflow(&spec);
    let ids = job_ids(&workflow);
    assert!(!ids.iter().any(|id| id.starts_with("deploy-qa")), "{ids:?}");
    assert!(ids.iter().any(|id| id == "deploy-prod"), "{ids:?}");
}
