//! Templates: services and environments built `from` templates, probe, toolchain and
//! strategy templates used in place, environment defaults, and the chain of replaced values
//! shown as secondary labels.
//!
//! Each file in `tests/cases/templates/` is a whole spec whose first line says which codes it
//! must produce; cases with diagnostics are snapshotted with their source.

mod spec_support;

use slipway::check::model::{EnvValue, ProbeAction, StrategyKind};
use spec_support::{check_file, expected_codes, render, reported};
use std::path::Path;

#[test]
fn template_cases() {
    insta::glob!("cases/templates/*.slip", |path| {
        let (text, checked) = check_file(path);
        let expected = expected_codes(&text, &path.display().to_string());
        let rendered = render(&checked, 1);
        assert_eq!(
            reported(&checked),
            expected,
            "{}:\n{rendered}",
            path.display()
        );
        if !expected.is_empty() {
            insta::assert_snapshot!(rendered);
        }
    });
}

#[test]
fn fields_merge_through_the_template_chain() {
    let (_, checked) = check_file(Path::new(
        "tests/cases/templates/service-from-template.slip",
    ));
    let api = checked.model.service("api").expect("api is lowered");
    assert_eq!(api.replicas.value, 4, "the service's own value wins");
    assert_eq!(api.ports.len(), 1, "ports come from `web`");
    let limits = &api.resources.limits;
    assert_eq!(
        limits.memory.as_ref().map(|q| q.value.text.as_str()),
        Some("1Gi"),
        "from `java-web`"
    );
    assert_eq!(
        limits.cpu.as_ref().map(|q| q.value.text.as_str()),
        Some("500m"),
        "from `web`"
    );
    let names: Vec<&str> = api.env.iter().map(|v| v.name.value.as_str()).collect();
    assert_eq!(names, ["LOG_FORMAT", "LOG_LEVEL"]);
    assert!(api
        .env
        .iter()
        .all(|v| matches!(v.value, EnvValue::Literal(_))));
    assert!(api.probes.readiness.is_some());
}

#[test]
fn value_templates_expand_where_they_are_used() {
    let (_, checked) = check_file(Path::new("tests/cases/templates/value-templates.slip"));
    let api = checked.model.service("api").expect("api is lowered");
    let liveness = api.probes.liveness.as_ref().expect("liveness");
    match &liveness.action {
        ProbeAction::Http { path, port } => {
            assert_eq!(path, "/healthz");
            assert_eq!(
                port.name, "admin",
                "the port given at the use replaces the preset's"
            );
        }
        other => panic!("expected an http probe, found {other:?}"),
    }
    let toolchain = api
        .build
        .as_ref()
        .and_then(|b| b.toolchain.as_ref())
        .expect("toolchain");
    assert_eq!(toolchain.version.as_deref(), Some("23"));
    let prod = checked.model.environment("prod").expect("prod");
    match &prod.strategy.kind {
        StrategyKind::Canary {
            steps, on_failure, ..
        } => {
            assert_eq!(steps.len(), 4);
            assert_eq!(*on_failure, slipway::check::model::OnFailure::Halt);
        }
        other => panic!("expected a canary, found {other:?}"),
    }
    let over = prod.overrides[0]
        .strategy
        .as_ref()
        .expect("override strategy");
    assert_eq!(over.name.as_deref(), Some("strategies.blue-green-approval"));
}

#[test]
fn environment_defaults_sit_below_overrides() {
    let (_, checked) = check_file(Path::new("tests/cases/templates/override-chain.slip"));
    let replicas = |service: &str| {
        let deployment = checked
            .model
            .deployments_in("prod")
            .find(|d| d.service == service)
            .expect("deployed");
        deployment.replicas.value
    };
    assert_eq!(replicas("api"), 0, "the override wins");
    assert_eq!(
        replicas("shop-web"),
        2,
        "the environment's defaults replace the service's value"
    );
}
