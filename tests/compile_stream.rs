//! `slipway compile --out -`: one YAML stream on standard output for `kubectl apply -f -`.
//!
//! The stream must hold exactly the objects that the file tree gives a cluster at rest (the
//! manifests, the resting routes and the Prometheus objects; not the canary steps, the
//! blue-green switch, the overlays or the workflow), be the same bytes run after run, and
//! refuse what cannot go into a stream with a usage error.

mod cli_support;

use cli_support::{run, scratch};
use std::path::{Path, PathBuf};

const STREAM_TARGETS: &str = "k8s,istio,prometheus";

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    examples.sort();
    examples
}

/// Every YAML document of a stream or file, as values (comments and order of keys aside).
fn documents(text: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|document| serde::Deserialize::deserialize(document).unwrap())
        .filter(|value: &serde_yaml::Value| !value.is_null())
        .collect()
}

/// The documents of the tree's files that a cluster at rest is given.
fn resting_documents(tree: &Path) -> Vec<serde_yaml::Value> {
    let mut found = Vec::new();
    let mut pending = vec![tree.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(tree)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let transition = relative.contains("/steps/") || relative.contains("/switch/");
            if relative.ends_with(".yaml") && !transition {
                found.extend(documents(&std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    found
}

fn sorted(mut values: Vec<serde_yaml::Value>) -> Vec<String> {
    let mut texts: Vec<String> = values
        .drain(..)
        .map(|value| serde_yaml::to_string(&value).unwrap())
        .collect();
    texts.sort();
    texts
}

#[test]
fn the_stream_holds_the_resting_objects_of_the_tree() {
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let dir = scratch("compile_stream", &name);
        let spec = example.display().to_string();
        let tree = dir.join("tree");
        let tree_arg = tree.display().to_string();
        let written = run(
            &dir,
            &[
                "compile",
                &spec,
                "--out",
                &tree_arg,
                "--target",
                STREAM_TARGETS,
                "--quiet",
            ],
        );
        assert_eq!(written.status, 0, "{}", written.transcript());
        let streamed = run(
            &dir,
            &["compile", &spec, "--out", "-", "--target", STREAM_TARGETS],
        );
        assert_eq!(streamed.status, 0, "{}", streamed.transcript());
        assert_eq!(
            sorted(documents(&streamed.stdout)),
            sorted(resting_documents(&tree)),
            "{name}: the stream and the tree's resting objects differ"
        );
        let again = run(
            &dir,
            &["compile", &spec, "--out", "-", "--target", STREAM_TARGETS],
        );
        assert_eq!(
            streamed.stdout, again.stdout,
            "{name}: not the same bytes twice"
        );
    }
}

#[test]
fn the_namespace_comes_before_the_objects_in_it() {
    let dir = scratch("compile_stream", "namespace_first");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/multi-service")
        .display()
        .to_string();
    let streamed = run(&dir, &["compile", &spec, "--out", "-", "--env", "prod"]);
    assert_eq!(streamed.status, 0, "{}", streamed.transcript());
    let kinds: Vec<String> = documents(&streamed.stdout)
        .iter()
        .map(|document| document["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("Namespace"),
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|kind| *kind == "Namespace").count(), 1);
}

#[test]
fn a_small_example_streamed() {
    let dir = scratch("compile_stream", "web_rolling");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/web-rolling")
        .display()
        .to_string();
    let streamed = run(&dir, &["compile", &spec, "--out", "-", "--env", "staging"]);
    insta::assert_snapshot!(
        "web-rolling-staging",
        streamed.transcript().replace(&spec, "examples/web-rolling")
    );
}

#[test]
fn what_cannot_be_streamed_is_a_usage_error() {
    let dir = scratch("compile_stream", "refused");
    cli_support::write_tiny_spec(&dir);
    let mut transcripts = Vec::new();
    for args in [
        &[
            "compile",
            "spec",
            "--out",
            "-",
            "--target",
            "k8s,kustomize,github",
        ][..],
        &["compile", "spec", "--out", "-", "--target", "argocd"][..],
        &["compile", "spec", "--out", "-", "--check"][..],
    ] {
        let refused = run(&dir, args);
        assert_eq!(refused.status, 2, "{}", refused.transcript());
        assert!(refused.stdout.is_empty());
        transcripts.push(refused.transcript());
    }
    insta::assert_snapshot!("refused", transcripts.join("\n"));
}
