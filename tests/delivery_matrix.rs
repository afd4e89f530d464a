//! The reference example uses the standard library: its rolling and blue-green strategies
//! come from `std/strategies`, production is held to the `production` pack, and its own
//! `policies.slip` adds the shop's rules. Its canary is its own and says what the practice
//! says (30% then 100%, p99 below 500 ms, success rate at least 95%). It checks clean; breaking
//! a pack rule is reported at the right place; and `slipway check` enforces the example's own
//! policies.

use slipway::check::model::{OnFailure, StrategyKind, Threshold};
use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{Checked, Diagnostic, SourceFile};
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLE: &str = "examples/delivery-matrix";

fn files() -> Vec<SourceFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(EXAMPLE)
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

/// The example with `from` replaced by `to` in the file ending with `file`.
fn edited(file: &str, from: &str, to: &str) -> Vec<SourceFile> {
    let mut files = files();
    let target = files
        .iter_mut()
        .find(|f| f.name.ends_with(file))
        .expect("file");
    assert!(
        target.text.contains(from),
        "{file} no longer contains {from:?}"
    );
    target.text = target.text.replacen(from, to, 1);
    files
}

fn rendered(checked: &Checked) -> String {
    render_human(
        &checked.files,
        &checked.diagnostics,
        RenderOptions {
            colour: false,
            width: 100,
        },
    )
}

/// The one violation of `rule` (of the production pack), and the text it points at.
fn violation<'c>(checked: &'c Checked, rule: &str) -> (&'c Diagnostic, String) {
    let label = format!("violates policy `{rule}` (pack `production`)");
    let found: Vec<&Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| d.primary.message == label)
        .collect();
    let [diagnostic] = found.as_slice() else {
        panic!("expected one `{rule}` violation:\n{}", rendered(checked))
    };
    let span = diagnostic.primary.span;
    let file = &checked.files[span.file.0 as usize];
    (diagnostic, file.text[span.range()].to_string())
}

#[test]
fn the_example_checks_clean_with_the_standard_library() {
    let checked = slipway::check(&files());
    assert!(checked.diagnostics.is_empty(), "{}", rendered(&checked));
    let prod = checked.model.environment("prod").expect("prod");
    assert_eq!(
        prod.strategy.name.as_deref(),
        Some("strategies.blue-green-approval")
    );
    let canary = prod.overrides[0]
        .strategy
        .as_ref()
        .expect("my-app's strategy");
    assert_eq!(canary.name.as_deref(), Some("critical-canary"));
    let pack: Vec<&str> = checked
        .model
        .policies
        .iter()
        .filter(|p| p.pack.as_deref() == Some("production"))
        .map(|p| p.name.value.as_str())
        .collect();
    assert_eq!(pack.len(), 8, "{pack:?}");
    assert!(checked
        .model
        .policies
        .iter()
        .filter(|p| p.pack.is_some())
        .all(|p| p.environments == ["prod"]));
}

/// The practice's level 2: 30% of the traffic, then all of it, gated by p99 latency below
/// 500 ms and a success rate of at least 95%, each analysed step able to fail.
#[test]
fn the_critical_service_goes_by_the_practices_canary() {
    let checked = slipway::check(&files());
    let prod = checked.model.environment("prod").expect("prod");
    let strategy = prod.overrides[0]
        .strategy
        .as_ref()
        .expect("my-app's strategy");
    let StrategyKind::Canary {
        steps,
        analysis: Some(analysis),
        on_failure,
        ..
    } = &strategy.kind
    else {
        panic!("my-app's production strategy is not a gated canary: {strategy:?}");
    };
    let weights: Vec<u32> = steps.iter().map(|step| step.weight.value).collect();
    assert_eq!(weights, [30, 100]);
    let gates: Vec<String> = analysis
        .gates
        .iter()
        .map(|gate| {
            let threshold = match gate.threshold {
                Threshold::Duration(duration) => format!("{}ms", duration.millis),
                Threshold::PercentHundredths(hundredths) => format!("{}%", hundredths / 100),
            };
            format!("{} {} {threshold}", gate.metric.name(), gate.op.as_str())
        })
        .collect();
    assert_eq!(gates, ["p99_latency < 500ms", "success_rate >= 95%"]);
    assert_eq!(*on_failure, OnFailure::Rollback);
    for step in steps {
        assert!(
            analysis.can_fail(analysis.rounds(step.pause)),
            "the step at {}% cannot fail",
            step.weight.value
        );
    }
}

#[test]
fn removing_the_production_approval_is_reported_at_the_environment() {
    let files = edited(
        "environments.slip",
        "  approval   = manual { reviewers = [\"prod-approvers\"] }\n",
        "",
    );
    let checked = slipway::check(&files);
    assert_eq!(checked.diagnostics.len(), 1, "{}", rendered(&checked));
    let (diagnostic, text) = violation(&checked, "manual-approval");
    assert!(diagnostic.is_error());
    assert_eq!(
        text, "prod",
        "the environment's name, since there is no approval to point at"
    );
    assert!(
        diagnostic.message.contains("(environment `prod`)"),
        "{}",
        diagnostic.message
    );
}

#[test]
fn pinning_latest_is_reported_at_the_image() {
    let files = edited(
        "services.slip",
        "\"ghcr.io/acme/catalog:2.0.1\"",
        "\"ghcr.io/acme/catalog:latest\"",
    );
    let checked = slipway::check(&files);
    assert_eq!(checked.diagnostics.len(), 1, "{}", rendered(&checked));
    let (diagnostic, text) = violation(&checked, "pinned-images");
    assert_eq!(text, "\"ghcr.io/acme/catalog:latest\"");
    assert!(
        diagnostic
            .message
            .contains("service `catalog` in environment `prod`"),
        "{}",
        diagnostic.message
    );
}

/// A copy of the example in a scratch directory.
fn scratch_copy(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("delivery-matrix")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in files() {
        let path = Path::new(&file.name);
        std::fs::write(dir.join(path.file_name().unwrap()), &file.text).unwrap();
    }
    dir
}

#[test]
fn slipway_check_enforces_the_examples_own_policy() {
    let dir = scratch_copy("own-policy");
    let worker = "\nservice worker {\n  image = \"ghcr.io/acme/worker:1.0.0\"\n  ports { metrics = 9090 }\n}\n";
    let services = dir.join("services.slip");
    let text = std::fs::read_to_string(&services).unwrap();
    std::fs::write(&services, text + worker).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(["check", "--color", "never", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("every service declares a port named `http` (service `worker`)"),
        "{stderr}"
    );
    assert!(stderr.contains("violates policy `serves-http`"), "{stderr}");
    let clean = Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(["check", EXAMPLE])
        .output()
        .unwrap();
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
}
