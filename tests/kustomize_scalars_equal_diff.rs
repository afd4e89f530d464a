//! The overlays' patches are computed with short cuts (a service's base trees shared by its
//! environments, a Deployment's unchanged pod spec left out, objects that differ from the
//! base only in scalars serialised against the base tree instead of diffed as trees); each
//! patch must be the one the plain diff of the whole objects gives. Checked for every
//! example, a generated workload (`benches/gen-spec`) and an inline spec whose environments
//! change images, replicas, resources, variables, strategies and autoscaling.

mod emit_support;

use emit_support::example_dirs;
use slipway::emit::{kustomize, Options};
use slipway::{FileId, SourceFile};
use std::path::Path;
use std::process::Command;

/// The oracle of one spec's files: nothing differs, and the scalars' route was taken.
fn assert_patches_equal(name: &str, files: &[SourceFile]) {
    let checked = slipway::check(files);
    assert!(!checked.has_errors(), "{name} does not check");
    let oracle = kustomize::patch_oracle(&checked.model, &Options::all(name));
    assert!(
        oracle.differing.is_empty(),
        "{name}: {} of {} patches differ from the diff's:\n{}",
        oracle.differing.len(),
        oracle.compared,
        oracle.differing.join("\n")
    );
    assert!(oracle.compared > 0, "{name}: nothing compared");
    assert!(
        oracle.by_scalars > 0,
        "{name}: the scalars' route was never taken"
    );
}

/// Every `.slip` file of `dir` and its subdirectories, in path order.
fn load(dir: &Path) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "slip") {
                paths.push(path);
            }
        }
    }
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

#[test]
fn every_example_patch_equals_the_diff() {
    for dir in example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert_patches_equal(&name, &load(&dir));
    }
}

#[test]
fn generated_workload_patches_equal_the_diff() {
    let dir = std::env::temp_dir().join(format!("slipway-scalars-oracle-{}", std::process::id()));
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen-spec");
    let status = Command::new("python3")
        .arg(generator)
        .arg("120")
        .arg(&dir)
        .status()
        .expect("python3 runs benches/gen-spec");
    assert!(status.success());
    let files = load(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_patches_equal("gen-spec 120", &files);
}

const CHANGED: &str = r#"
app changed { registry = "registry.example.com:5000/team" }

service api {
  image    = "api:1.0.0"
  ports    { http = 8080  grpc = 9090 }
  replicas = 2
  resources { requests { cpu = 100m  memory = 128Mi } limits { cpu = 1  memory = 256Mi } }
  liveness  = grpc { port = grpc }
  readiness = tcp { port = http }
  env { MODE = "web" }
}

service worker {
  image    = "worker:2.0.0"
  replicas = 1
  env { MODE = "batch"  TOKEN = secret { name = "worker-token"  key = "value" } }
}

service shared {
  image    = "api:1.0.0"
  ports    { http = 8080 }
  replicas = 3
  autoscaling { min = 2  max = 6  cpu = 65% }
}

environment dev {
  cluster   = "dev"
  namespace = "changed-dev"
  trigger   = push { branch = "main" }
  strategy  = recreate
  override api {
    image_tag = "1.1.0-rc.1"
    replicas  = 1
    env { FEATURE_X = "enabled" }
    resources { limits { cpu = 500m } }
  }
  override worker { replicas = 2  image_tag = "2.0.1" }
}

environment live {
  cluster   = "live"
  namespace = "changed-live"
  after     = dev
  override api { replicas = 4  resources { requests { memory = 200Mi } } }
  override worker {
    replicas = 3
    strategy = rolling { max_surge = 1  max_unavailable = 50% }
    env { MODE = "stream" }
  }
  override shared { autoscaling { min = 3  max = 9 } }
}
"#;

#[test]
fn changed_scalars_patches_equal_the_diff() {
    let files = vec![SourceFile {
        name: "changed.slip".to_string(),
        text: CHANGED.to_string(),
    }];
    assert_patches_equal("changed", &files);
}
