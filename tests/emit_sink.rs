//! The emitters' hand-over to a sink (`slipway::emit::Sink`), which the CLI's writer relies
//! on: every example, for every target, gives each path once, in the same order and with the
//! same text whatever the number of threads, and what a sink is handed is exactly the tree
//! `emit` returns.

mod emit_support;

use emit_support::{example_dirs, load_example, options};
use slipway::emit::{self, Sink, Target};
use std::collections::BTreeSet;

/// Keeps every file it is handed, in order.
#[derive(Default)]
struct Recorded {
    files: Vec<(String, String)>,
}

impl Sink for Recorded {
    fn take(&mut self, files: Vec<(String, String)>) {
        self.files.extend(files);
    }
}

#[test]
fn every_path_once_in_the_same_order_whatever_the_threads() {
    for dir in example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let checked = slipway::check(&load_example(&dir));
        assert!(!checked.has_errors(), "{name} does not check");
        let options = options(&format!("examples/{name}"), Target::ALL);
        let mut one = Recorded::default();
        emit::emit_into(&checked.model, &options, 1, &mut one);
        let mut paths = BTreeSet::new();
        for (path, _) in &one.files {
            assert!(
                paths.insert(path.clone()),
                "{name}: {path} handed over twice"
            );
        }
        for threads in [2, 4] {
            let mut many = Recorded::default();
            emit::emit_into(&checked.model, &options, threads, &mut many);
            assert!(many.files == one.files, "{name}: {threads} threads differ");
        }
        let whole = emit::emit_parallel(&checked.model, &options, 3);
        assert_eq!(whole.files.len(), one.files.len(), "{name}");
        assert!(
            one.files
                .into_iter()
                .all(|(path, text)| whole.files.get(&path) == Some(&text)),
            "{name}: the sink was handed other files than `emit` returns"
        );
    }
}
