//! The standard library is Slipway code, checked like user code: every module imports
//! cleanly, every template, strategy and policy works where it is meant to be used, every
//! item is documented, and `docs/stdlib.md` is exactly what its doc comments generate.
//!
//! After changing `stdlib/`, regenerate the reference with
//! `UPDATE_STDLIB_DOCS=1 cargo test --test stdlib`.

use slipway::stdlib::{self, MODULES};
use slipway::syntax::ast::{Declaration, ExprKind, Item};
use slipway::{FileId, SourceFile};

const STDLIB_DOCS: &str = "docs/stdlib.md";

fn check(text: &str) -> slipway::Checked {
    slipway::check(&[SourceFile {
        name: "uses-stdlib.slip".to_string(),
        text: text.to_string(),
    }])
}

fn describe(checked: &slipway::Checked) -> String {
    let options = slipway::diagnostics::render::RenderOptions {
        colour: false,
        width: 100,
    };
    slipway::diagnostics::render::render_human(&checked.files, &checked.diagnostics, options)
}

/// The items of a module, parsed.
fn items(module: &stdlib::StdModule) -> Vec<Item> {
    let (parsed, problems) = slipway::syntax::parse(FileId(0), module.text);
    assert!(problems.is_empty(), "{}: {problems:?}", module.path);
    parsed
        .declarations
        .into_iter()
        .filter_map(|d| match d {
            Declaration::Item(item) => Some(*item),
            _ => None,
        })
        .collect()
}

/// The kind of a template or strategy: `http`, `maven`, `canary`.
fn kind(item: &Item) -> String {
    match &item.value.kind {
        ExprKind::Object(object) => object
            .tag
            .as_ref()
            .map(|t| t.text.clone())
            .unwrap_or_default(),
        ExprKind::Path(path) => path.dotted(),
        _ => String::new(),
    }
}

#[test]
fn every_module_imports_cleanly() {
    for module in MODULES {
        let checked = check(&format!("import {}\n\napp shop {{}}\n", module.path));
        assert!(
            checked.diagnostics.is_empty(),
            "{}:\n{}",
            module.path,
            describe(&checked)
        );
    }
}

/// A spec that uses every template and strategy of the standard library, with both policy
/// packs enabled where they are all met.
fn spec_using_everything() -> String {
    let mut out = String::from("import std/strategies\nimport std/probes\nimport std/toolchains\n");
    out.push_str("import std/policies/production\nimport std/policies/supply-chain\n\n");
    out.push_str("app shop { registry = \"ghcr.io/acme\" }\n");
    let service = |name: &str, extra: &str| {
        format!(
            "\nservice {name} {{\n  image    = \"{name}:1.0.0\"\n  replicas = 2\n  ports {{ http = 8080  grpc = 9090 }}\n  \
             resources {{ limits {{ cpu = 1  memory = 512Mi }} }}\n  liveness  = probes.http-health\n  \
             readiness = probes.http-ready\n  build {{ toolchain = go }}\n{extra}}}\n"
        )
    };
    for module in MODULES {
        let alias = module.path.rsplit('/').next().unwrap_or_default();
        for item in items(module) {
            let name = &item.name.text;
            let reference = format!("{alias}.{name}");
            match (alias, kind(&item).as_str()) {
                ("probes", _) => out.push_str(&service(&format!("probe-{name}"), &format!("  startup = {reference}\n"))),
                ("toolchains", _) => out.push_str(
                    &service(&format!("tool-{name}"), "")
                        .replace("toolchain = go", &format!("toolchain = {reference}")),
                ),
                ("strategies", _) => out.push_str(&format!(
                    "\nenvironment env-{name} {{\n  cluster   = \"prod-cluster\"\n  namespace = \"{name}\"\n  \
                     trigger   = tag\n  approval  = manual {{ reviewers = [\"sre\"] }}\n  strategy  = {reference}\n  \
                     policies  = [production, supply-chain]\n}}\n"
                )),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn every_template_and_strategy_works_where_it_is_used() {
    let spec = spec_using_everything();
    let checked = check(&spec);
    assert!(
        checked.diagnostics.is_empty(),
        "{spec}\n{}",
        describe(&checked)
    );
    let probes = checked
        .model
        .services
        .iter()
        .filter(|s| s.name.value.starts_with("probe-"))
        .count();
    let tools = checked
        .model
        .services
        .iter()
        .filter(|s| s.name.value.starts_with("tool-"))
        .count();
    assert_eq!(probes, 5, "every probe preset is used");
    assert_eq!(tools, 8, "every toolchain preset is used");
    assert_eq!(
        checked.model.environments.len(),
        3,
        "every strategy is used"
    );
    let rules = checked
        .model
        .policies
        .iter()
        .filter(|p| p.pack.is_some())
        .count();
    assert_eq!(rules, 12, "both packs are enabled, and every rule holds");
}

#[test]
fn every_module_and_item_is_documented() {
    let mut undocumented = Vec::new();
    for module in MODULES {
        let (parsed, _) = slipway::syntax::parse(FileId(0), module.text);
        if stdlib::module_doc(&parsed).trim().is_empty() {
            undocumented.push(format!("{}: no `//!` module documentation", module.path));
        }
        for item in items(module).iter().filter(|item| item.doc.is_none()) {
            undocumented.push(format!(
                "{}: `{}` has no `///` doc comment",
                module.path, item.name.text
            ));
        }
    }
    assert!(undocumented.is_empty(), "{undocumented:#?}");
}

#[test]
fn the_reference_is_generated_from_the_doc_comments() {
    let generated = stdlib::markdown();
    if std::env::var_os("UPDATE_STDLIB_DOCS").is_some() {
        std::fs::write(STDLIB_DOCS, &generated).unwrap();
    }
    let written = std::fs::read_to_string(STDLIB_DOCS).unwrap_or_default();
    assert!(
        written == generated,
        "{STDLIB_DOCS} is out of date with stdlib/*.slip; run `UPDATE_STDLIB_DOCS=1 cargo test --test stdlib`"
    );
    for module in MODULES {
        assert!(
            generated.contains(&format!("## `{}`", module.path)),
            "{}",
            module.path
        );
        for item in items(module) {
            assert!(
                generated.contains(&format!("### `{}`", item.name.text)),
                "{}",
                item.name.text
            );
        }
    }
}
