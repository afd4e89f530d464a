//! `docs/policies.md` is tested like the language reference: every ```` ```slip ```` block is
//! a spec, checked by the library, and must report exactly the codes its fence names
//! (```` ```slip expect=SW0502 ````), or nothing. Blocks sharing `spec=NAME` are checked
//! together, each as the file `file=NAME.slip`, so a pack can be shown next to its use.

use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{Code, SourceFile};
use std::collections::{BTreeMap, BTreeSet};

const POLICIES: &str = include_str!("../docs/policies.md");

#[derive(Debug, Default)]
struct Block {
    line: usize,
    text: String,
    expect: BTreeSet<Code>,
    spec: Option<String>,
    file: Option<String>,
}

/// The `slip` blocks of `markdown`.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        match open.take() {
            None => {
                let Some(info) = line.trim_start().strip_prefix("```slip") else {
                    continue;
                };
                let mut block = Block {
                    line: index + 1,
                    ..Block::default()
                };
                for word in info.split_whitespace() {
                    match word.split_once('=') {
                        Some(("expect", codes)) => block.expect.extend(codes.split(',').map(|c| {
                            Code::parse(c).unwrap_or_else(|| panic!("line {}: `{c}`", index + 1))
                        })),
                        Some(("spec", name)) => block.spec = Some(name.to_string()),
                        Some(("file", name)) => block.file = Some(name.to_string()),
                        _ => panic!(
                            "docs/policies.md:{}: unknown fence attribute `{word}`",
                            index + 1
                        ),
                    }
                }
                open = Some(block);
            }
            Some(block) if line.trim() == "```" => out.push(block),
            Some(mut block) => {
                block.text.push_str(line);
                block.text.push('\n');
                open = Some(block);
            }
        }
    }
    assert!(
        open.is_none(),
        "docs/policies.md: a code block is never closed"
    );
    out
}

/// One mismatch per spec whose reported codes differ from its fences.
fn mismatches(blocks: &[Block]) -> Vec<String> {
    let mut specs: BTreeMap<String, Vec<&Block>> = BTreeMap::new();
    for block in blocks {
        let key = block
            .spec
            .clone()
            .unwrap_or_else(|| format!("line {}", block.line));
        specs.entry(key).or_default().push(block);
    }
    let mut problems = Vec::new();
    for (name, members) in specs {
        let files: Vec<SourceFile> = members
            .iter()
            .map(|b| SourceFile {
                name: b
                    .file
                    .clone()
                    .unwrap_or_else(|| format!("policies.md-line-{}.slip", b.line)),
                text: b.text.clone(),
            })
            .collect();
        let checked = slipway::check(&files);
        let reported: BTreeSet<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
        let expected: BTreeSet<Code> = members
            .iter()
            .flat_map(|b| b.expect.iter().copied())
            .collect();
        if reported != expected {
            let options = RenderOptions {
                colour: false,
                width: 100,
            };
            let rendered = render_human(&checked.files, &checked.diagnostics, options);
            problems.push(format!("docs/policies.md ({name}): expected {expected:?}, reported {reported:?}\n{rendered}"));
        }
    }
    problems
}

#[test]
fn every_slip_block_checks_as_documented() {
    let found = blocks(POLICIES);
    assert!(
        found.len() >= 12,
        "expected the policy guide's examples, found {}",
        found.len()
    );
    let problems = mismatches(&found);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_guide_names_every_rule_of_the_standard_packs() {
    for module in slipway::stdlib::MODULES
        .iter()
        .filter(|m| m.path.starts_with("std/policies/"))
    {
        assert!(
            POLICIES.contains(&format!("`{}`", module.path)),
            "{}",
            module.path
        );
        let (parsed, _) = slipway::syntax::parse(slipway::FileId(0), module.text);
        for declaration in &parsed.declarations {
            if let slipway::syntax::ast::Declaration::Item(item) = declaration {
                let rule = format!("| `{}` |", item.name.text);
                assert!(
                    POLICIES.contains(&rule),
                    "docs/policies.md does not list `{}`",
                    item.name.text
                );
            }
        }
    }
}

#[test]
fn the_harness_catches_a_wrong_example() {
    let markdown = "```slip\napp shop {}\nservice web { image = \"a:1\"  replica = 2 }\n```\n";
    assert_eq!(mismatches(&blocks(markdown)).len(), 1);
}
