//! The `argocd` target: a snapshot of the `argocd/` tree of every example (new examples are
//! picked up by the loop), and one test per rule on small inline specs: the sync policy
//! follows the approval, the AppProject admits exactly the environments' destinations and
//! the repository, each Application points at its overlay at the trigger's revision, and a
//! spec without a repository writes nothing (and the CLI says why).

mod emit_support;

use emit_support::{compile, compile_with, examples, file, inline, object, options, tree};
use serde_json::{json, Value};
use slipway::emit::{argocd, Target};

#[test]
fn every_example_argocd_tree() {
    for (name, output) in examples(&[Target::Argocd]) {
        insta::assert_snapshot!(format!("example_{name}"), tree(&output, "argocd/"));
    }
}

/// A staging entry on `main`, a QA environment after it with a manual approval, and a
/// production environment after QA.
const SPEC: &str = r#"
app shop { repository = "https://github.com/acme/shop"  registry = "ghcr.io/acme" }
service web { image = "web:1.0.0"  ports { http = 8080 } }
environment staging {
  cluster   = "staging-cluster"
  namespace = "shop-staging"
  trigger   = push { branch = ["release", "main"] }
}
environment qa {
  cluster   = "staging-cluster"
  namespace = "shop-qa"
  after     = staging
  approval  = manual { reviewers = ["qa-team", "sre"] }
}
environment prod {
  cluster   = "https://prod.k8s.acme.dev:6443"
  namespace = "shop-prod"
  after     = qa
}
"#;

fn application(output: &slipway::emit::Output, environment: &str) -> Value {
    object(
        output,
        &argocd::application_path(environment),
        "Application",
    )
}

#[test]
fn argo_cd_syncs_by_itself_only_an_automatic_entry_environment() {
    // Without the workflow, Argo CD owns every environment.
    let output = compile("spec", &inline(SPEC), &[Target::Argocd]);
    let staging = application(&output, "staging");
    assert_eq!(
        staging["spec"]["syncPolicy"],
        json!({"automated": {"prune": true, "selfHeal": true}})
    );
    let qa = application(&output, "qa");
    assert!(
        qa["spec"].get("syncPolicy").is_none(),
        "a manual approval is a manual sync: {}",
        qa["spec"]
    );
    assert_eq!(
        qa["spec"]["info"],
        json!([
            {"name": "deployer", "value": "Argo CD syncs this environment; the workflow does not deploy it"},
            {"name": "approval", "value": "manual: synced by qa-team, sre"},
            {"name": "after", "value": "staging"}
        ])
    );
    // Automatic, but after qa: an automated sync would deploy main at the same moment as
    // staging, skipping qa's approval.
    let prod = application(&output, "prod");
    assert!(prod["spec"].get("syncPolicy").is_none(), "{}", prod["spec"]);
    assert_eq!(
        prod["spec"]["info"][1]["value"],
        "automatic, but Argo CD cannot wait for the environments before it: sync by hand once they are healthy"
    );
}

#[test]
fn with_the_workflow_every_application_only_observes() {
    let output = compile("spec", &inline(SPEC), &[Target::Argocd, Target::Github]);
    for environment in ["staging", "qa", "prod"] {
        let spec = &application(&output, environment)["spec"];
        assert!(
            spec["syncPolicy"].get("automated").is_none(),
            "{environment} must not sync by itself: {spec}"
        );
        assert_eq!(
            spec["syncPolicy"],
            json!({"syncOptions": ["RespectIgnoreDifferences=true"]})
        );
        assert_eq!(
            spec["ignoreDifferences"],
            json!([{"group": "apps", "kind": "Deployment", "jqPathExpressions": [".spec.template.spec.containers[].image"]}]),
            "the workflow's digests are not drift"
        );
        assert_eq!(
            spec["info"][0]["value"],
            "the delivery workflow applies this environment; Argo CD only observes (no automated sync)"
        );
    }
}

#[test]
fn deployer_names_the_owner_whatever_is_compiled() {
    let spec = SPEC
        .replace(
            "  trigger   = push { branch = [\"release\", \"main\"] }\n",
            "  trigger   = push { branch = [\"release\", \"main\"] }\n  deployer  = argocd\n",
        )
        .replace(
            "  after     = qa\n",
            "  after     = qa\n  deployer  = workflow\n",
        );
    let output = compile("spec", &inline(&spec), &[Target::Argocd, Target::Github]);
    let staging = application(&output, "staging");
    assert_eq!(staging["spec"]["syncPolicy"]["automated"]["selfHeal"], true);
    assert!(staging["spec"].get("ignoreDifferences").is_none());
    let alone = compile("spec", &inline(&spec), &[Target::Argocd]);
    let prod = application(&alone, "prod");
    assert!(prod["spec"]
        .get("syncPolicy")
        .unwrap()
        .get("automated")
        .is_none());
    assert_eq!(
        prod["spec"]["info"][0]["value"],
        "the delivery workflow applies this environment; Argo CD only observes (no automated sync)"
    );
}

#[test]
fn an_observer_ignores_the_replicas_of_the_candidates_the_workflow_scales() {
    let spec = r#"
app shop { repository = "https://github.com/acme/shop" }
service web { image = "ghcr.io/acme/web:1"  ports { http = 8080 } }
service api { image = "ghcr.io/acme/api:1"  ports { http = 8080 } }
strategy switch = blue_green {}
environment prod {
  cluster   = "prod"
  namespace = "prod"
  trigger   = push
  strategy  = canary { step { weight = 50% } step { weight = 100% } }
  override api { strategy = switch }
}
"#;
    let output = compile("spec", &inline(spec), &[Target::Argocd, Target::Github]);
    let ignored = application(&output, "prod")["spec"]["ignoreDifferences"].clone();
    let replicas: Vec<&Value> = ignored
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry.get("jsonPointers") == Some(&json!(["/spec/replicas"])))
        .map(|entry| &entry["name"])
        .collect();
    assert_eq!(replicas, [&json!("api-green"), &json!("web-canary")]);
}

#[test]
fn the_project_admits_the_environments_destinations_and_the_repository_only() {
    // Compiling one environment still lists every environment's destination.
    let mut only_qa = options("spec", &[Target::Argocd]);
    only_qa.environments = Some(["qa".to_string()].into());
    let output = compile_with(&inline(SPEC), only_qa);
    assert_eq!(
        output.files.keys().collect::<Vec<_>>(),
        ["argocd/applications/qa.yaml", "argocd/project.yaml"]
    );
    let project = object(&output, argocd::PROJECT_FILE, "AppProject");
    assert_eq!(project["metadata"]["name"], "shop");
    assert_eq!(project["metadata"]["namespace"], "argocd");
    assert_eq!(
        project["spec"]["destinations"],
        json!([
            {"name": "staging-cluster", "namespace": "shop-staging"},
            {"name": "staging-cluster", "namespace": "shop-qa"},
            {"server": "https://prod.k8s.acme.dev:6443", "namespace": "shop-prod"}
        ])
    );
    assert_eq!(
        project["spec"]["sourceRepos"],
        json!(["https://github.com/acme/shop"])
    );
    assert_eq!(
        project["spec"]["clusterResourceWhitelist"],
        json!([{"group": "", "kind": "Namespace"}])
    );
    let qa = application(&output, "qa");
    assert_eq!(qa["spec"]["project"], "shop");
    assert_eq!(
        qa["spec"]["destination"],
        json!({"name": "staging-cluster", "namespace": "shop-qa"})
    );
}

#[test]
fn two_environments_on_one_destination_are_listed_once() {
    let spec = r#"
app shop { repository = "https://github.com/acme/shop" }
service web { image = "ghcr.io/acme/web:1" }
environment a { cluster = "c"  namespace = "shared"  trigger = manual }
environment b { cluster = "c"  namespace = "shared"  trigger = manual }
"#;
    let output = compile("spec", &inline(spec), &[Target::Argocd]);
    let project = object(&output, argocd::PROJECT_FILE, "AppProject");
    assert_eq!(
        project["spec"]["destinations"],
        json!([{"name": "c", "namespace": "shared"}])
    );
}

#[test]
fn each_application_syncs_its_overlay_at_the_triggers_revision() {
    let output = compile("spec", &inline(SPEC), &[Target::Argocd]);
    let source = |environment: &str| application(&output, environment)["spec"]["source"].clone();
    assert_eq!(
        source("staging"),
        json!({
            "repoURL": "https://github.com/acme/shop",
            "path": "kustomize/overlays/staging",
            "targetRevision": "release"
        })
    );
    // Promoted environments keep the revision (Argo CD does not sync them by itself).
    // Promoted environments follow the environment they come after.
    assert_eq!(source("qa")["targetRevision"], "release");
    assert_eq!(source("prod")["targetRevision"], "release");
    assert_eq!(
        application(&output, "prod")["spec"]["destination"],
        json!({"server": "https://prod.k8s.acme.dev:6443", "namespace": "shop-prod"})
    );
}

#[test]
fn tags_without_wildcards_are_revisions_and_everything_else_is_head() {
    let spec = r#"
app shop { repository = "https://github.com/acme/shop" }
service web { image = "ghcr.io/acme/web:1" }
environment pinned { cluster = "c"  namespace = "pinned"  trigger = tag { pattern = "v1.4.2" } }
environment tagged { cluster = "c"  namespace = "tagged"  trigger = tag { pattern = "v*" } }
environment manual { cluster = "c"  namespace = "manual"  trigger = manual }
"#;
    let output = compile("spec", &inline(spec), &[Target::Argocd]);
    let revision = |environment: &str| {
        application(&output, environment)["spec"]["source"]["targetRevision"].clone()
    };
    assert_eq!(revision("pinned"), "v1.4.2");
    assert_eq!(revision("tagged"), "HEAD");
    assert_eq!(revision("manual"), "HEAD");
}

#[test]
fn paths_start_at_the_output_directory_in_the_repository() {
    let mut options = options("spec", &[Target::Argocd]);
    options.output_path_in_repo = "deploy/generated".to_string();
    let output = compile_with(&inline(SPEC), options);
    assert_eq!(
        application(&output, "qa")["spec"]["source"]["path"],
        "deploy/generated/kustomize/overlays/qa"
    );
}

#[test]
fn with_the_prometheus_target_its_directory_is_a_second_source() {
    let spec = format!(
        "{SPEC}\nservice api {{ image = \"api:1.0.0\"  ports {{ http = 8080  metrics = 9090 }} }}\n"
    );
    let alone = compile("spec", &inline(&spec), &[Target::Argocd]);
    assert!(application(&alone, "qa")["spec"].get("sources").is_none());
    let both = compile(
        "spec",
        &inline(&spec),
        &[Target::Argocd, Target::Prometheus],
    );
    let qa = application(&both, "qa");
    assert!(qa["spec"].get("source").is_none());
    let paths: Vec<&str> = qa["spec"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["kustomize/overlays/qa", "prometheus/qa"]);
    assert!(both.files.contains_key("prometheus/qa/api.yaml"));
}

#[test]
fn an_argo_rollouts_environment_leaves_route_weights_to_argo_rollouts() {
    let spec = r#"
app shop { repository = "https://github.com/acme/shop" }
service web { image = "ghcr.io/acme/web:1"  ports { http = 8080 } }
environment prod {
  cluster   = "prod"
  namespace = "prod"
  trigger   = push
  approval  = manual { reviewers = ["sre"] }
  strategy  = canary { engine = argo_rollouts  step { weight = 50% } }
}
"#;
    let output = compile("spec", &inline(spec), &[Target::Argocd]);
    let prod = application(&output, "prod");
    assert_eq!(
        prod["spec"]["syncPolicy"],
        json!({"syncOptions": ["RespectIgnoreDifferences=true"]})
    );
    assert_eq!(
        prod["spec"]["ignoreDifferences"],
        json!([
            {"group": "networking.istio.io", "kind": "VirtualService", "jqPathExpressions": [".spec.http[].route[].weight"]},
            {"group": "", "kind": "Service", "jsonPointers": [
                "/spec/selector/rollouts-pod-template-hash",
                "/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts"
            ]}
        ])
    );
}

/// Argo CD's directory globs: `{a,b}` alternatives and `*`, which crosses `/` or not.
fn glob(pattern: &str, path: &str, star_crosses: bool) -> bool {
    if let Some(inner) = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        return inner.split(',').any(|one| glob(one, path, star_crosses));
    }
    match pattern.split_once('*') {
        None => pattern == path,
        Some((head, tail)) => {
            let Some(rest) = path.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len()).any(|taken| {
                let (star, after) = rest.split_at(taken);
                (star_crosses || !star.contains('/')) && glob(tail, after, star_crosses)
            })
        }
    }
}

#[test]
fn the_istio_source_reads_the_resting_files_and_not_the_rollout_states() {
    let spec = r#"
app shop { repository = "https://github.com/acme/shop" }
service web {
  image = "ghcr.io/acme/web:1"
  ports { http = 8080 }
  traffic { timeout = 3s  circuit_breaker { consecutive_errors = 5  interval = 10s  base_ejection_time = 30s } }
}
service api { image = "ghcr.io/acme/api:1"  ports { http = 8080 } }
service steps { image = "ghcr.io/acme/steps:1"  ports { http = 8080 } }
strategy switch = blue_green {}
environment prod {
  cluster   = "prod"
  namespace = "prod"
  trigger   = push
  strategy  = canary { step { weight = 10% } step { weight = 50% } step { weight = 100% } }
  override api { strategy = switch }
}
"#;
    let targets = [Target::Argocd, Target::Github, Target::Istio];
    let output = compile("spec", &inline(spec), &targets);
    let sources = application(&output, "prod")["spec"]["sources"].clone();
    let istio = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "istio/prod")
        .expect("an istio source")
        .clone();
    assert_eq!(istio["directory"]["recurse"], true);
    let include = istio["directory"]["include"].as_str().unwrap();
    let exclude = istio["directory"]["exclude"].as_str().unwrap();
    let mut read = Vec::new();
    for path in output.files.keys() {
        let Some(relative) = path.strip_prefix("istio/prod/") else {
            continue;
        };
        let resting = relative.split('/').count() == 2;
        for star_crosses in [true, false] {
            let synced =
                glob(include, relative, star_crosses) && !glob(exclude, relative, star_crosses);
            assert_eq!(
                synced, resting,
                "{relative} (star crosses `/`: {star_crosses})"
            );
        }
        if resting {
            read.push(relative);
        }
    }
    assert_eq!(
        read,
        [
            "api/destinationrule.yaml",
            "api/virtualservice.yaml",
            "steps/destinationrule.yaml",
            "steps/virtualservice.yaml",
            "web/destinationrule.yaml",
            "web/virtualservice.yaml"
        ]
    );
    // Without the istio target there is no such directory to read.
    let without = compile("spec", &inline(spec), &[Target::Argocd, Target::Github]);
    assert!(application(&without, "prod")["spec"]
        .get("sources")
        .is_none());
}

#[test]
fn without_a_repository_nothing_is_written_and_the_cli_says_why() {
    let spec = "app shop {}\nservice web { image = \"ghcr.io/acme/web:1\" }\nenvironment dev { cluster = \"c\"  namespace = \"dev\"  trigger = manual }\n";
    let output = compile("spec", &inline(spec), &[Target::Argocd]);
    assert!(output.files.is_empty(), "{:?}", output.files.keys());
    let checked = slipway::check(&inline(spec));
    let problem = argocd::unmet_requirement(&checked.model).expect("a missing repository");
    assert!(problem.contains("repository"), "{problem}");

    let dir = std::env::temp_dir().join(format!("slipway-argocd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("spec.slip"), spec).unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_slipway"))
        .current_dir(&dir)
        .args([
            "compile",
            "spec.slip",
            "--out",
            "out",
            "--target",
            "argocd",
            "--quiet",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("add `repository"), "{stderr}");
}

#[test]
fn the_argocd_target_is_not_a_default_target() {
    let defaults = slipway::emit::Options::all("x").targets;
    assert!(!defaults.contains(&Target::Argocd));
    assert!(!defaults.contains(&Target::Prometheus));
    assert_eq!(Target::parse("argocd"), Some(Target::Argocd));
    assert_eq!(Target::parse("prometheus"), Some(Target::Prometheus));
}

#[test]
fn every_file_starts_with_the_header() {
    let output = compile("spec", &inline(SPEC), &[Target::Argocd]);
    for (path, text) in &output.files {
        assert!(
            text.starts_with("# Generated by slipway from spec."),
            "{path}"
        );
        assert!(!file(&output, path).is_empty());
    }
}
