//! Policies: every rule of every standard pack has a case that breaks it and the packs hold
//! for a spec written to them; quantifiers, severities and enabling per environment.
//!
//! Each file in `tests/cases/policies/` is a whole spec whose first line says which codes it
//! must produce (`// expect: SW0502` or `// expect: nothing`). A case with diagnostics is
//! snapshotted with its source, so the span and the labels of each violation are reviewed.

mod spec_support;

use slipway::syntax::ast::Declaration;
use slipway::{Code, FileId};
use spec_support::{check_file, expected_codes, render, reported};
use std::collections::BTreeSet;

#[test]
fn policy_cases() {
    insta::glob!("cases/policies/*.slip", |path| {
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

/// The names of the policies of the standard packs.
fn pack_rules() -> Vec<(String, String)> {
    let mut rules = Vec::new();
    for module in slipway::stdlib::MODULES
        .iter()
        .filter(|m| m.path.starts_with("std/policies/"))
    {
        let (parsed, _) = slipway::syntax::parse(FileId(0), module.text);
        for declaration in &parsed.declarations {
            if let Declaration::Item(item) = declaration {
                rules.push((module.path.to_string(), item.name.text.clone()));
            }
        }
    }
    rules
}

#[test]
fn every_rule_of_every_pack_has_a_failing_case() {
    let mut violated: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir("tests/cases/policies").unwrap() {
        let (_, checked) = check_file(&entry.unwrap().path());
        for diagnostic in checked
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::SW0502)
        {
            violated.insert(diagnostic.primary.message.clone());
        }
    }
    let rules = pack_rules();
    assert!(
        rules.len() >= 12,
        "expected the production and supply-chain packs, found {rules:?}"
    );
    let missing: Vec<String> = rules
        .iter()
        .filter(|(module, rule)| {
            let pack = module.rsplit('/').next().unwrap_or_default();
            !violated.contains(&format!("violates policy `{rule}` (pack `{pack}`)"))
        })
        .map(|(module, rule)| format!("{module}: {rule}"))
        .collect();
    assert!(
        missing.is_empty(),
        "no case in tests/cases/policies breaks: {missing:#?}"
    );
}

#[test]
fn a_pack_applies_only_where_it_is_enabled() {
    let (_, checked) = check_file(std::path::Path::new(
        "tests/cases/policies/production-clean.slip",
    ));
    let packed: Vec<_> = checked
        .model
        .policies
        .iter()
        .filter(|p| p.pack.is_some())
        .collect();
    assert_eq!(packed.len(), 8, "the production pack has eight rules");
    for policy in packed {
        assert_eq!(
            policy.environments,
            vec!["prod".to_string()],
            "{}",
            policy.name.value
        );
        assert_eq!(policy.pack.as_deref(), Some("production"));
    }
}
