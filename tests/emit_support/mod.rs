//! Shared by the tests of every emitter's output (`tests/emit_*.rs`): compiling the examples
//! and inline specs for chosen targets, and reading YAML documents back.

#![allow(dead_code)]

use serde::Deserialize;
use serde_json::Value;
use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::emit::{self, Options, Output, Target};
use slipway::{FileId, SourceFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn options(source: &str, targets: &[Target]) -> Options {
    Options {
        targets: targets.iter().copied().collect::<BTreeSet<_>>(),
        ..Options::all(source)
    }
}

/// Checks `files` (which must have no errors) and generates `targets`.
pub fn compile(source: &str, files: &[SourceFile], targets: &[Target]) -> Output {
    compile_with(files, options(source, targets))
}

pub fn compile_with(files: &[SourceFile], options: Options) -> Output {
    let checked = slipway::check(files);
    let rendered = render_human(files, &checked.diagnostics, RenderOptions::default());
    assert!(
        !checked.has_errors(),
        "{} does not check:\n{rendered}",
        options.source
    );
    emit::emit(&checked.model, &options)
}

/// One inline spec file.
pub fn inline(text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        name: "inline.slip".to_string(),
        text: text.to_string(),
    }]
}

/// The rendered diagnostics of an inline spec, as the CLI shows them (no colour, width 80),
/// below its source: what a snapshot of a compile-time check holds.
pub fn diagnostics(text: &str) -> String {
    let files = inline(text);
    let checked = slipway::check(&files);
    let rendered = render_human(&files, &checked.diagnostics, RenderOptions::default());
    format!("{text}\n---\n{rendered}")
}

/// The codes an inline spec reports.
pub fn codes(text: &str) -> Vec<String> {
    slipway::check(&inline(text))
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect()
}

/// The example directories, sorted.
pub fn example_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no examples found");
    dirs
}

pub fn load_example(dir: &Path) -> Vec<SourceFile> {
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
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            slipway::decode_source(FileId(index as u32), name, &bytes).0
        })
        .collect()
}

/// Every example, as (name, output for `targets`).
pub fn examples(targets: &[Target]) -> Vec<(String, Output)> {
    example_dirs()
        .iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let output = compile(&format!("examples/{name}"), &load_example(dir), targets);
            (name, output)
        })
        .collect()
}

/// The files of an output whose path starts with `prefix`, as one text for a snapshot.
pub fn tree(output: &Output, prefix: &str) -> String {
    let mut tree = String::new();
    for (path, text) in output
        .files
        .iter()
        .filter(|(path, _)| path.starts_with(prefix))
    {
        tree.push_str(&format!("=== {path} ===\n{text}"));
    }
    if tree.is_empty() {
        tree.push_str("(no files)\n");
    }
    tree
}

pub fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|document| Value::deserialize(document).unwrap())
        .filter(|value| !value.is_null())
        .collect()
}

/// The documents of one generated file.
pub fn file(output: &Output, path: &str) -> Vec<Value> {
    let text = output.files.get(path).unwrap_or_else(|| {
        panic!(
            "no {path}; files: {:?}",
            output.files.keys().collect::<Vec<_>>()
        )
    });
    documents(text)
}

/// The object of `kind` in a file.
pub fn object(output: &Output, path: &str, kind: &str) -> Value {
    file(output, path)
        .into_iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {path}"))
}

/// `kind/name` of each object of a file, in order.
pub fn kinds(output: &Output, path: &str) -> Vec<String> {
    file(output, path)
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}
