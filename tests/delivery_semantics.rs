//! Delivery semantics (docs/semantics.md), held over every example and inline specs that cover
//! what the examples do not:
//!
//! * HPA and replicas: a service that autoscales in an environment has one autoscaler per
//!   workload (each Deployment track, or the Rollout), and none of those workloads carries
//!   `spec.replicas`, in `k8s/` and in the kustomize base; a service that does not autoscale
//!   has no autoscaler and a count on every workload.
//! * Config goes through the canary: literal variables live in an immutable ConfigMap named
//!   `<service>-env-<hash>` that every workload of the service loads; changing one value of one
//!   service in one environment renames that ConfigMap there, and nothing else.

mod emit_support;

use emit_support::{documents, example_dirs, load_example};
use serde_json::Value;
use slipway::emit::{self, Output, Target};
use slipway::{Model, SourceFile};
use std::collections::{BTreeMap, BTreeSet};

const TARGETS: &[Target] = &[Target::K8s, Target::Kustomize];

/// Checks `files` (which must have no errors) and generates the `k8s` and `kustomize` targets.
fn compile(name: &str, files: &[SourceFile]) -> (Model, Output) {
    let checked = slipway::check(files);
    assert!(!checked.has_errors(), "{name} does not check");
    let output = emit::emit(&checked.model, &emit_support::options(name, TARGETS));
    (checked.model, output)
}

/// The examples, and inline specs with autoscaled canary and blue-green services.
fn every_case() -> Vec<(String, Vec<SourceFile>)> {
    let mut cases: Vec<(String, Vec<SourceFile>)> = example_dirs()
        .iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            (format!("examples/{name}"), load_example(dir))
        })
        .collect();
    cases.push(("autoscaled".to_string(), emit_support::inline(AUTOSCALED)));
    cases
}

/// One autoscaled service per kind of workload, and one that autoscales only in `prod`.
const AUTOSCALED: &str = r#"
app shop { registry = "ghcr.io/acme" }

service web {
  image    = "web:1.0.0"
  ports    { http = 8080 }
  replicas = 3
  env      { LOG_LEVEL = "info" }
  autoscaling { min = 2  max = 6 }
}

service api {
  image    = "api:1.0.0"
  ports    { http = 8080 }
  replicas = 2
  env      { MODE = "fast" }
}

environment dev {
  cluster   = "c"
  namespace = "shop-dev"
  trigger   = manual
  strategy  = canary { step { weight = 20% } step { weight = 100% } }
}

environment prod {
  cluster   = "c"
  namespace = "shop-prod"
  after     = dev
  strategy  = blue_green { }
  override api { autoscaling { min = 3  max = 9 } }
}
"#;

fn str_at<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn is_workload(object: &Value) -> bool {
    matches!(str_at(object, "/kind"), "Deployment" | "Rollout")
}

/// The kind and name found at two JSON pointers of an object.
fn identity(object: &Value, kind: &str, name: &str) -> (String, String) {
    (
        str_at(object, kind).to_string(),
        str_at(object, name).to_string(),
    )
}

/// The workloads of one file by (kind, name), and how many autoscalers target each
/// (kind, name).
type Workloads<'v> = BTreeMap<(String, String), &'v Value>;

fn workloads_and_targets(objects: &[Value]) -> (Workloads<'_>, BTreeMap<(String, String), usize>) {
    let workloads = objects
        .iter()
        .filter(|object| is_workload(object))
        .map(|object| (identity(object, "/kind", "/metadata/name"), object))
        .collect();
    let mut targets = BTreeMap::new();
    for autoscaler in objects
        .iter()
        .filter(|object| str_at(object, "/kind") == "HorizontalPodAutoscaler")
    {
        let target = identity(
            autoscaler,
            "/spec/scaleTargetRef/kind",
            "/spec/scaleTargetRef/name",
        );
        *targets.entry(target).or_insert(0) += 1;
    }
    (workloads, targets)
}

/// The HPA rule for one file of one service; `autoscaled` says whether the model gives the
/// service autoscaling there.
fn assert_hpa_rule(place: &str, objects: &[Value], autoscaled: bool) {
    let (workloads, targets) = workloads_and_targets(objects);
    assert!(!workloads.is_empty(), "{place}: no workload");
    if !autoscaled {
        assert!(
            targets.is_empty(),
            "{place}: an autoscaler without autoscaling"
        );
        for (key, workload) in &workloads {
            assert!(
                workload.pointer("/spec/replicas").is_some(),
                "{place}: {key:?} has no replicas and no autoscaler"
            );
        }
        return;
    }
    let workload_keys: BTreeSet<&(String, String)> = workloads.keys().collect();
    let target_keys: BTreeSet<&(String, String)> = targets.keys().collect();
    assert_eq!(
        workload_keys, target_keys,
        "{place}: every workload, and only workloads, must have an autoscaler"
    );
    for (key, count) in &targets {
        assert_eq!(*count, 1, "{place}: {key:?} has {count} autoscalers");
    }
    for (key, workload) in &workloads {
        // A canary's candidate track rests at zero pods (an autoscaler leaves a workload at
        // zero alone); the rollout script sizes it, and every deploy puts it back to rest.
        let resting_canary = key.1.ends_with("-canary")
            && workload.pointer("/spec/replicas") == Some(&serde_json::json!(0));
        assert!(
            workload.pointer("/spec/replicas").is_none() || resting_canary,
            "{place}: {key:?} is autoscaled but carries spec.replicas"
        );
    }
}

#[test]
fn no_autoscaled_workload_carries_replicas_and_every_workload_has_an_autoscaler() {
    let mut autoscaled_tracks = 0;
    for (name, files) in every_case() {
        let (model, output) = compile(&name, &files);
        for deployment in &model.deployments {
            let path = format!("k8s/{}/{}.yaml", deployment.environment, deployment.service);
            let objects = documents(&output.files[&path]);
            let autoscaled = deployment.autoscaling.is_some();
            assert_hpa_rule(&format!("{name}: {path}"), &objects, autoscaled);
            if autoscaled {
                autoscaled_tracks += objects
                    .iter()
                    .filter(|object| object.pointer("/metadata/labels/version").is_some())
                    .filter(|object| is_workload(object))
                    .count();
            }
        }
        for service in &model.services {
            let path = format!("kustomize/base/{}.yaml", service.name.value);
            let objects = documents(&output.files[&path]);
            assert_hpa_rule(
                &format!("{name}: {path}"),
                &objects,
                service.autoscaling.is_some(),
            );
        }
        for (path, text) in &output.files {
            if path.starts_with("kustomize/overlays/") && path.ends_with("kustomization.yaml") {
                assert_replicas_field_skips_autoscaled(&format!("{name}: {path}"), text, &output);
            }
        }
    }
    assert!(
        autoscaled_tracks >= 4,
        "the cases must cover autoscaled tracks"
    );
}

/// An overlay's `replicas:` never names a workload that an autoscaler of that environment
/// scales (kustomize would write the count back).
fn assert_replicas_field_skips_autoscaled(place: &str, kustomization: &str, output: &Output) {
    let environment = place
        .rsplit("kustomize/overlays/")
        .next()
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let scaled: BTreeSet<String> = output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with(&format!("k8s/{environment}/")))
        .flat_map(|(_, text)| documents(text))
        .filter(|object| str_at(object, "/kind") == "HorizontalPodAutoscaler")
        .map(|autoscaler| str_at(&autoscaler, "/spec/scaleTargetRef/name").to_string())
        .collect();
    let parsed = &documents(kustomization)[0];
    for entry in parsed["replicas"].as_array().into_iter().flatten() {
        let name = str_at(entry, "/name");
        assert!(
            !scaled.contains(name),
            "{place}: `replicas:` sets {name}, which an autoscaler scales"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Config goes through the canary.

/// Per `k8s/` file: the ConfigMap names it holds and the names each workload loads.
fn config_maps(output: &Output) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with("k8s/") && !path.ends_with("namespace.yaml"))
        .map(|(path, text)| {
            let objects = documents(text);
            let held = objects
                .iter()
                .filter(|object| str_at(object, "/kind") == "ConfigMap")
                .map(|object| str_at(object, "/metadata/name").to_string())
                .collect();
            let loaded = objects
                .iter()
                .filter(|object| is_workload(object))
                .flat_map(|workload| {
                    workload["spec"]["template"]["spec"]["containers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|container| container["envFrom"].as_array().into_iter().flatten())
                        .map(|source| str_at(source, "/configMapRef/name").to_string())
                        .collect::<Vec<_>>()
                })
                .collect();
            (path.clone(), (held, loaded))
        })
        .collect()
}

#[test]
fn every_workload_loads_the_immutable_hashed_config_map_of_its_file() {
    for (name, files) in every_case() {
        let (_, output) = compile(&name, &files);
        for (path, text) in output
            .files
            .iter()
            .filter(|(path, _)| path.starts_with("k8s/"))
        {
            for config_map in documents(text)
                .iter()
                .filter(|object| str_at(object, "/kind") == "ConfigMap")
            {
                assert_eq!(config_map["immutable"], true, "{name}: {path}");
                let service = str_at(config_map, "/metadata/labels/app.kubernetes.io~1name");
                let hash = str_at(config_map, "/metadata/name")
                    .strip_prefix(&format!("{service}-env-"))
                    .unwrap_or_else(|| panic!("{name}: {path}: not <service>-env-<hash>"));
                assert_eq!(hash.len(), 10, "{name}: {path}");
            }
        }
        for (path, (held, loaded)) in config_maps(&output) {
            assert!(held.len() <= 1, "{name}: {path}: {held:?}");
            for loaded in loaded {
                assert_eq!(held, vec![loaded.clone()], "{name}: {path} loads {loaded}");
            }
        }
    }
}

/// Changing one value of one service in one environment renames that service's ConfigMap in
/// that environment (and so changes both tracks' pod templates), and nothing else.
#[test]
fn one_changed_value_renames_only_that_config_map() {
    let (_, before) = compile("autoscaled", &emit_support::inline(AUTOSCALED));
    let edited = AUTOSCALED.replace(
        "override api { autoscaling",
        "override web { env { LOG_LEVEL = \"debug\" } }\n  override api { autoscaling",
    );
    assert_ne!(edited, AUTOSCALED);
    let (_, after) = compile("edited", &emit_support::inline(&edited));
    let before = config_maps(&before);
    let after = config_maps(&after);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let changed: Vec<&String> = before
        .keys()
        .filter(|path| before[*path] != after[*path])
        .collect();
    assert_eq!(changed, ["k8s/prod/web.yaml"]);
    let (held_before, loaded_before) = &before["k8s/prod/web.yaml"];
    let (held_after, loaded_after) = &after["k8s/prod/web.yaml"];
    assert_ne!(held_before, held_after);
    assert_eq!(loaded_after.len(), 2, "both tracks load the ConfigMap");
    assert!(loaded_after.iter().all(|name| held_after.contains(name)));
    assert!(loaded_before
        .iter()
        .all(|name| !loaded_after.contains(name)));
}

/// Equal values give equal names, whatever the environment; the name does not depend on the
/// order the variables are written in.
#[test]
fn equal_values_give_equal_names() {
    let (_, output) = compile("autoscaled", &emit_support::inline(AUTOSCALED));
    let maps = config_maps(&output);
    assert_eq!(maps["k8s/dev/web.yaml"].0, maps["k8s/prod/web.yaml"].0);
    assert_eq!(maps["k8s/dev/api.yaml"].0, maps["k8s/prod/api.yaml"].0);
    let two = |order: &str| {
        let text = AUTOSCALED.replace("env      { MODE = \"fast\" }", order);
        let (_, output) = compile("order", &emit_support::inline(&text));
        config_maps(&output)["k8s/dev/api.yaml"].0.clone()
    };
    assert_eq!(
        two("env { MODE = \"fast\"  ZONE = \"a\" }"),
        two("env { ZONE = \"a\"  MODE = \"fast\" }")
    );
}
