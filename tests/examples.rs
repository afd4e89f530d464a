//! Every directory under `examples/` is a complete spec: it must check without errors, and its
//! checked model is kept as a YAML snapshot (`examples__model@<name>.snap`). Directories are
//! found at run time, so a new example is tested as soon as it is added.

use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{FileId, SourceFile};
use std::path::{Path, PathBuf};

/// The example directories, sorted by name.
fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The `*.slip` files of one example, searched recursively and sorted, as the CLI reads them.
fn spec_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "slip") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn load(dir: &Path) -> Vec<SourceFile> {
    spec_files(dir)
        .iter()
        .enumerate()
        .map(|(index, path)| {
            let bytes = std::fs::read(path).unwrap();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let (file, problem) = slipway::decode_source(FileId(index as u32), name, &bytes);
            assert!(problem.is_none(), "{} is not UTF-8", path.display());
            file
        })
        .collect()
}

#[test]
fn examples_check_cleanly_and_their_models_are_stable() {
    let dirs = example_dirs();
    assert!(!dirs.is_empty(), "no examples found");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = load(&dir);
        assert!(!files.is_empty(), "example {name} has no .slip files");
        let checked = slipway::check(&files);
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        assert!(
            errors.is_empty(),
            "example {name} has errors:\n{}",
            render_human(&files, &errors, RenderOptions::default())
        );
        insta::assert_yaml_snapshot!(format!("model@{name}"), checked.model);
    }
}
