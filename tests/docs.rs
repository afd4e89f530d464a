//! The language reference is tested: every ```` ```slip ```` block in `docs/language.md` is a
//! spec, checked here by the library exactly as `slipway check` would check it, so the
//! documentation can never show something the compiler rejects (or accepts something it
//! claims is rejected).
//!
//! A block must check without any diagnostic, unless its fence names the codes it
//! demonstrates: ```` ```slip expect=SW0301 ```` (or `expect=SW0309,SW0403`), in which case
//! exactly those codes must be reported. The one exception is the "no `app`" warning, which
//! most examples would get because they show a declaration or two on their own. Blocks that share `spec=NAME` are checked together,
//! each as its own file (named with `file=NAME.slip`), to show how several files form one
//! spec. A second test checks that the reference mentions every field, policy field, metric
//! and toolchain the compiler knows, so a new field cannot land undocumented.

use slipway::check::model::{Metric, ToolchainKind};
use slipway::check::policy::FIELDS as POLICY_FIELDS;
use slipway::check::schema::{self, Schema};
use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{Code, SourceFile};
use std::collections::{BTreeMap, BTreeSet};

const LANGUAGE: &str = include_str!("../docs/language.md");
const LANGUAGE_PATH: &str = "docs/language.md";

/// Warnings an example may produce without naming them in its fence: most examples show a
/// declaration or two without the `app` a whole spec has, and "the spec declares no `app`"
/// (SW0104) would be noise in every one of them. Errors are never tolerated.
const TOLERATED_WARNINGS: &[Code] = &[Code::SW0104];

/// One ```` ```slip ```` block and what its fence says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    /// The 1-based line of the opening fence.
    line: usize,
    text: String,
    expect: BTreeSet<Code>,
    spec: Option<String>,
    file: Option<String>,
}

impl Block {
    fn file_name(&self) -> String {
        match &self.file {
            Some(file) => file.clone(),
            None => format!("language.md-line-{}.slip", self.line),
        }
    }
}

/// Blocks checked together: one block, or every block of one `spec=NAME`.
#[derive(Debug)]
struct Spec<'a> {
    blocks: Vec<&'a Block>,
}

impl Spec<'_> {
    fn expect(&self) -> BTreeSet<Code> {
        self.blocks
            .iter()
            .flat_map(|block| block.expect.iter().copied())
            .collect()
    }

    fn location(&self) -> String {
        let lines: Vec<String> = self
            .blocks
            .iter()
            .map(|block| block.line.to_string())
            .collect();
        format!("{LANGUAGE_PATH}:{}", lines.join(","))
    }
}

/// Extracts every ```` ```slip ```` block from `markdown`, or says what is malformed.
fn slip_blocks(markdown: &str) -> Result<Vec<Block>, Vec<String>> {
    let mut blocks = Vec::new();
    let mut problems = Vec::new();
    let mut open: Option<(usize, Option<Block>)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let block = parse_fence(info.trim(), number, &mut problems);
                    open = Some((number, block));
                }
            }
            Some((start, block)) => {
                if trimmed.trim_end() == "```" {
                    blocks.extend(block);
                } else {
                    let block = block.map(|mut block| {
                        block.text.push_str(line);
                        block.text.push('\n');
                        block
                    });
                    open = Some((start, block));
                }
            }
        }
    }
    if let Some((start, _)) = open {
        problems.push(format!(
            "{LANGUAGE_PATH}:{start}: code block is never closed"
        ));
    }
    for block in &blocks {
        if block.text.trim().is_empty() {
            problems.push(format!("{LANGUAGE_PATH}:{}: empty slip block", block.line));
        }
    }
    if problems.is_empty() {
        Ok(blocks)
    } else {
        Err(problems)
    }
}

/// Reads a fence's info string: `slip`, `slip expect=SW0301`, `slip spec=shop file=app.slip`.
/// Returns `None` for blocks in other languages.
fn parse_fence(info: &str, line: usize, problems: &mut Vec<String>) -> Option<Block> {
    let mut words = info.split_whitespace();
    if words.next() != Some("slip") {
        return None;
    }
    let mut block = Block {
        line,
        text: String::new(),
        expect: BTreeSet::new(),
        spec: None,
        file: None,
    };
    for word in words {
        match word.split_once('=') {
            Some(("expect", codes)) => {
                for code in codes.split(',') {
                    match Code::parse(code) {
                        Some(code) => {
                            block.expect.insert(code);
                        }
                        None => problems.push(format!("{LANGUAGE_PATH}:{line}: `{code}` is not a diagnostic code")),
                    }
                }
            }
            Some(("spec", name)) if !name.is_empty() => block.spec = Some(name.to_string()),
            Some(("file", name)) if name.ends_with(".slip") => block.file = Some(name.to_string()),
            _ => problems.push(format!(
                "{LANGUAGE_PATH}:{line}: unknown fence attribute `{word}` (use expect=SWxxxx, spec=NAME, file=NAME.slip)"
            )),
        }
    }
    Some(block)
}

/// Groups blocks into specs: `spec=NAME` blocks together, every other block on its own.
fn specs(blocks: &[Block]) -> Vec<Spec<'_>> {
    let mut named: BTreeMap<&str, Vec<&Block>> = BTreeMap::new();
    let mut out = Vec::new();
    for block in blocks {
        match &block.spec {
            Some(name) => named.entry(name).or_default().push(block),
            None => out.push(Spec {
                blocks: vec![block],
            }),
        }
    }
    out.extend(named.into_values().map(|blocks| Spec { blocks }));
    out
}

/// Checks one spec; returns a description of the mismatch, if any.
fn check_spec(spec: &Spec) -> Option<String> {
    let files: Vec<SourceFile> = spec
        .blocks
        .iter()
        .map(|block| SourceFile {
            name: block.file_name(),
            text: block.text.clone(),
        })
        .collect();
    let checked = slipway::check(&files);
    let reported: BTreeSet<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    let expected = spec.expect();
    let unexpected = checked.diagnostics.iter().any(|d| {
        !expected.contains(&d.code) && (d.is_error() || !TOLERATED_WARNINGS.contains(&d.code))
    });
    if expected.is_subset(&reported) && !unexpected {
        return None;
    }
    let names = |codes: &BTreeSet<Code>| {
        if codes.is_empty() {
            "nothing".to_string()
        } else {
            codes
                .iter()
                .map(|code| code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let rendered = render_human(
        &files,
        &checked.diagnostics,
        RenderOptions {
            colour: false,
            width: 100,
        },
    );
    Some(format!(
        "{}: expected {}, the compiler reported {}\n{rendered}",
        spec.location(),
        names(&expected),
        names(&reported)
    ))
}

/// Every mismatch between `markdown`'s examples and the compiler.
fn mismatches(markdown: &str) -> Vec<String> {
    let blocks = match slip_blocks(markdown) {
        Ok(blocks) => blocks,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    let mut file_names = BTreeSet::new();
    for block in &blocks {
        if block.file.is_some() && block.spec.is_none() {
            problems.push(format!(
                "{LANGUAGE_PATH}:{}: `file=` only makes sense with `spec=`",
                block.line
            ));
        }
        if let (Some(spec), Some(file)) = (&block.spec, &block.file) {
            if !file_names.insert((spec.clone(), file.clone())) {
                problems.push(format!(
                    "{LANGUAGE_PATH}:{}: spec `{spec}` has two files named `{file}`",
                    block.line
                ));
            }
        }
    }
    problems.extend(specs(&blocks).iter().filter_map(check_spec));
    problems
}

#[test]
fn every_slip_block_checks_as_documented() {
    let blocks = slip_blocks(LANGUAGE).unwrap_or_default();
    assert!(
        blocks.len() >= 40,
        "expected the reference to have at least 40 examples, found {}",
        blocks.len()
    );
    let problems = mismatches(LANGUAGE);
    assert!(
        problems.is_empty(),
        "{} example(s) disagree with the compiler:\n\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_harness_catches_wrong_examples() {
    let markdown = "\
Text.

```slip
service web { image = \"ghcr.io/acme/web:1\" }
```

```slip
service web { image = \"ghcr.io/acme/web:1\"  replica = 2 }
```

```slip expect=SW0201
service web { image = \"ghcr.io/acme/web:1\" }
```

```slip expect=SW0201
service web { image = \"ghcr.io/acme/web:1\"  replica = 2 }
```

```slip
service web { image = \"ghcr.io/acme/web:1\" }
policy tagged { each = service  require = has(service.image.digest)  message = \"m\"  severity = warn }
```

```text
not slip { at all
```
";
    let problems = mismatches(markdown);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "docs/language.md:7: expected nothing, the compiler reported SW0104, SW0201"
        ),
        "{}",
        problems[0]
    );
    assert!(
        problems[1]
            .starts_with("docs/language.md:11: expected SW0201, the compiler reported SW0104"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].starts_with(
            "docs/language.md:19: expected nothing, the compiler reported SW0104, SW0502"
        ),
        "{}",
        problems[2]
    );
}

#[test]
fn fences_are_read_strictly() {
    let markdown =
        "```slip expect=SW9999 colour=red\nservice web { image = \"a:1\" }\n```\n\n```slip\n";
    let problems = slip_blocks(markdown).expect_err("malformed fences");
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].contains("`SW9999` is not a diagnostic code"));
    assert!(problems[1].contains("unknown fence attribute `colour=red`"));
    assert!(problems[2].contains("never closed"));
}

#[test]
fn files_of_one_spec_are_checked_together() {
    let markdown = "\
```slip spec=shop file=services.slip
service web { image = \"ghcr.io/acme/web:1\" }
```

```slip spec=shop file=environments.slip
environment dev {
  cluster = \"c\"
  namespace = \"dev\"
  trigger = manual
  override web { replicas = 2 }
}
```

```slip spec=twice file=a.slip
service web { image = \"ghcr.io/acme/web:1\" }
```

```slip spec=twice file=b.slip expect=SW0102
service web { image = \"ghcr.io/acme/web:2\" }
```
";
    let problems = mismatches(markdown);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every table of fields the checker reads, by the name the reference uses for it.
const SCHEMAS: &[&Schema] = &[
    &schema::APP,
    &schema::SERVICE,
    &schema::BUILD,
    &schema::TOOLCHAIN,
    &schema::PORT,
    &schema::RESOURCES,
    &schema::RESOURCE_LIST,
    &schema::SECRET_REF,
    &schema::PROBE,
    &schema::AUTOSCALING,
    &schema::TRAFFIC,
    &schema::RETRIES,
    &schema::CIRCUIT_BREAKER,
    &schema::SECURITY,
    &schema::SLO,
    &schema::METRICS,
    &schema::EXPOSE,
    &schema::ISTIO_GATEWAY,
    &schema::INGRESS,
    &schema::TLS_SECRET,
    &schema::ENVIRONMENT,
    &schema::TRIGGER,
    &schema::APPROVAL,
    &schema::OVERRIDE,
    &schema::ROLLING,
    &schema::RECREATE,
    &schema::BLUE_GREEN,
    &schema::CANARY,
    &schema::CANARY_STEP,
    &schema::ANALYSIS,
    &schema::REQUESTS,
    &schema::HEADER_MATCH,
    &schema::COOKIE_MATCH,
    &schema::POLICY,
];

#[test]
fn the_reference_mentions_everything_the_compiler_knows() {
    let mut names: Vec<String> = Vec::new();
    names.extend(
        schema::DECLARATIONS
            .iter()
            .map(|(kind, _)| kind.to_string()),
    );
    for table in SCHEMAS {
        names.extend(table.fields.iter().map(|field| field.name.to_string()));
    }
    names.extend(POLICY_FIELDS.iter().map(|field| field.path.to_string()));
    names.extend(Metric::ALL.iter().map(|(name, _)| name.to_string()));
    names.extend(ToolchainKind::ALL.iter().map(|(name, _)| name.to_string()));
    names.extend(
        [
            "rolling",
            "recreate",
            "blue_green",
            "canary",
            "has",
            "slipway check",
            "slipway explain",
        ]
        .map(String::from),
    );
    let missing: BTreeSet<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| {
            !LANGUAGE.contains(&format!("`{name}`")) && !LANGUAGE.contains(&format!("`{name} "))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{LANGUAGE_PATH} never mentions (in backticks): {missing:?}"
    );
}

#[test]
fn every_diagnostic_code_in_the_reference_exists() {
    let mut unknown = Vec::new();
    for (index, line) in LANGUAGE.lines().enumerate() {
        for word in line.split(|c: char| !c.is_ascii_alphanumeric()) {
            let looks_like_code = word.len() == 6
                && word.starts_with("SW")
                && word[2..].chars().all(|c| c.is_ascii_digit());
            if looks_like_code && Code::parse(word).is_none() {
                unknown.push(format!("{LANGUAGE_PATH}:{}: {word}", index + 1));
            }
        }
    }
    assert!(unknown.is_empty(), "unknown diagnostic codes: {unknown:#?}");
}
