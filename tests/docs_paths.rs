//! The README and the architecture document name only things that exist: every repository
//! path (`src/...`, `tests/...`, `docs/...`, `examples/...`, `.ci/...` and the other top-level
//! folders), every source file named in code (`hover.rs`), every `module::item` named in code
//! (`graph::analyse`), and every `slipway <command>`. The README's listing of what
//! `slipway compile examples/delivery-matrix` writes must match what it writes.
//!
//! Placeholders are wildcards: `<env>`, `SWxxxx`, `*`; `{a,b}` stands for both `a` and `b`; a
//! path ending in `/` or `/...` names a folder that must hold something.

mod cli_support;

use std::collections::BTreeSet;
use std::path::Path;

const DOCUMENTS: &[&str] = &["README.md", "docs/architecture.md"];

/// The folders at the top of the repository whose paths documents name.
const ROOTS: &[&str] = &[
    "src/",
    "tests/",
    "docs/",
    "examples/",
    ".ci/",
    "editors/",
    "benches/",
    "rehearsal/",
    "stdlib/",
    "grammar/",
    "fuzz/",
];

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(document: &str) -> String {
    std::fs::read_to_string(repository().join(document)).unwrap()
}

/// Every file below `dir`, as `/`-separated paths relative to it (build output, Git and
/// node_modules left out).
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if matches!(name.as_str(), "target" | ".git" | "node_modules") {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// The text inside backticks and inside fenced code blocks.
fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            spans.push(line.to_string());
            continue;
        }
        spans.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
    }
    spans
}

/// Runs of characters that can make up a path, with trailing punctuation removed.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || "_./{},<>*…-".contains(c)))
        .map(|word| word.trim_end_matches(['.', ',', ':', ')']))
        .map(|word| word.trim_start_matches(['(']))
        .filter(|word| !word.is_empty())
}

/// `a/{b,c}/d` as `a/b/d` and `a/c/d`.
fn expand_braces(pattern: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (pattern.find('{'), pattern.find('}')) else {
        return vec![pattern.to_string()];
    };
    if close < open {
        return vec![pattern.to_string()];
    }
    pattern[open + 1..close]
        .split(',')
        .flat_map(|choice| {
            expand_braces(&format!(
                "{}{choice}{}",
                &pattern[..open],
                &pattern[close + 1..]
            ))
        })
        .collect()
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters.
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (head.len()..=name.len()).any(|start| {
                    name.is_char_boundary(start) && wildcard_matches(tail, &name[start..])
                })
        }
    }
}

/// Whether some file of `files` is what `pattern` names (one expansion of its braces, with
/// placeholders already turned into `*`).
fn names_a_file(pattern: &str, files: &[String]) -> bool {
    let (pattern, folder) = match pattern
        .strip_suffix("/...")
        .or_else(|| pattern.strip_suffix("/…"))
        .or_else(|| pattern.strip_suffix('/'))
    {
        Some(folder) => (folder, true),
        None => (pattern, false),
    };
    let wanted: Vec<&str> = pattern.split('/').collect();
    files.iter().any(|file| {
        let segments: Vec<&str> = file.split('/').collect();
        // A path without a trailing `/` may name a file or a folder.
        let length_fits = if folder {
            segments.len() > wanted.len()
        } else {
            segments.len() >= wanted.len()
        };
        length_fits
            && wanted
                .iter()
                .zip(&segments)
                .all(|(want, have)| wildcard_matches(want, have))
    })
}

/// `<env>` and `SWxxxx` as `*`.
fn placeholders_to_wildcards(pattern: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in pattern.chars() {
        match c {
            '<' => {
                inside = true;
                out.push('*');
            }
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.replace("xxxx", "*")
}

/// The patterns of `pattern` that name nothing in `files`.
fn missing(pattern: &str, files: &[String]) -> Vec<String> {
    expand_braces(&placeholders_to_wildcards(pattern))
        .into_iter()
        .filter(|expanded| !names_a_file(expanded, files))
        .collect()
}

#[test]
fn repository_paths_exist() {
    let files = files_below(repository());
    let mut problems = Vec::new();
    for document in DOCUMENTS {
        let text = read(document);
        let named: BTreeSet<&str> = words(&text)
            .filter(|word| ROOTS.iter().any(|root| word.starts_with(root)))
            .map(|word| word.split('#').next().unwrap_or(word))
            .collect();
        for path in named {
            for lost in missing(path, &files) {
                problems.push(format!(
                    "{document} names {path} ({lost}): not in the repository"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn source_files_named_in_code_exist() {
    let files = files_below(repository());
    let mut problems = Vec::new();
    for document in DOCUMENTS {
        for span in code_spans(&read(document)) {
            for word in words(&span) {
                let file = word.split("::").next().unwrap_or(word);
                let is_source = file.ends_with(".rs") || file.ends_with(".pest");
                let exists = files
                    .iter()
                    .any(|path| path == file || path.ends_with(&format!("/{file}")));
                if is_source && !exists {
                    problems.push(format!("{document} names `{file}`: no such file"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether `name` is a type that the library or the CLI declares (not one of a dependency,
/// such as `lsp-server`'s `Connection`).
fn declared_type(name: &str, sources: &str) -> bool {
    ["struct", "enum", "trait", "type"]
        .iter()
        .any(|keyword| defined_as(keyword, name, sources))
}

fn defined_as(keyword: &str, name: &str, sources: &str) -> bool {
    ["(", "<", ";", " {", " =", ":"]
        .iter()
        .any(|after| sources.contains(&format!("{keyword} {name}{after}")))
}

/// Whether the library or the CLI defines `name`: a function, module or public field for a
/// lower-case name, any use of the word for a type or a variant.
fn defined(name: &str, sources: &str) -> bool {
    if name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return sources.match_indices(name).any(|(at, _)| {
            !sources[at + name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        });
    }
    ["fn", "mod", "pub"]
        .iter()
        .any(|keyword| defined_as(keyword, name, sources))
}

#[test]
fn items_named_in_code_exist() {
    let root = repository();
    let sources: String = files_below(&root.join("src"))
        .iter()
        .filter(|path| path.ends_with(".rs"))
        .map(|path| std::fs::read_to_string(root.join("src").join(path)).unwrap())
        .collect();
    let mut problems = Vec::new();
    for document in DOCUMENTS {
        for span in code_spans(&read(document)) {
            for path in
                span.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '.'))
            {
                let mut segments = path.split("::");
                let first = segments.next().unwrap_or("");
                let foreign_type = first.starts_with(|c: char| c.is_ascii_uppercase())
                    && !declared_type(first, &sources);
                if first.is_empty() || path == first || foreign_type {
                    continue;
                }
                for item in segments.filter(|s| !s.is_empty()) {
                    if !defined(item, &sources) {
                        problems.push(format!("{document} names `{path}`: no `{item}` in src/"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn slipway_commands_exist() {
    let dir = cli_support::scratch("docs_paths", "commands");
    let mut commands = BTreeSet::new();
    for document in DOCUMENTS {
        for span in code_spans(&read(document)) {
            let mut tokens = span.split_whitespace().peekable();
            while let Some(token) = tokens.next() {
                if token != "slipway" {
                    continue;
                }
                if let Some(next) = tokens.peek() {
                    if next.starts_with(|c: char| c.is_ascii_lowercase()) {
                        commands.insert((document, next.to_string()));
                    }
                }
            }
        }
    }
    assert!(commands.len() > 5, "{commands:?}");
    let mut problems = Vec::new();
    for (document, command) in &commands {
        let help = cli_support::run(&dir, &[command.as_str(), "--help"]);
        if help.status != 0 {
            problems.push(format!(
                "{document} names `slipway {command}`: {}",
                help.stderr
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_readme_output_listing_is_what_the_example_writes() {
    let dir = cli_support::scratch("docs_paths", "listing");
    let example = repository().join("examples/delivery-matrix");
    let compiled = cli_support::run(
        &dir,
        &[
            "compile",
            example.to_str().unwrap(),
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert_eq!(compiled.status, 0, "{}", compiled.stderr);
    let written = files_below(&dir.join("out"));
    let readme = read("README.md");
    let listing = readme
        .split("```text\nout/\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README lists what `compile` writes under out/");
    let mut listed = 0;
    let mut problems = Vec::new();
    for line in listing.lines() {
        let Some(entry) = line.strip_prefix("  ") else {
            continue;
        };
        if entry.starts_with(' ') {
            continue; // the description of the entry above, continued
        }
        let path = entry.split_whitespace().next().unwrap_or("");
        listed += 1;
        for lost in missing(path, &written) {
            problems.push(format!("README lists out/{path} ({lost}): not written"));
        }
    }
    assert!(listed > 10, "{listing}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_matcher_understands_placeholders_and_braces() {
    let files: Vec<String> = ["k8s/prod/a.yaml", "istio/prod/web/steps/01-10/vs.yaml"]
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert!(missing("k8s/{prod}/a.yaml", &files).is_empty());
    assert_eq!(missing("k8s/{prod,dev}/a.yaml", &files), ["k8s/dev/a.yaml"]);
    assert!(missing("istio/prod/web/steps/<n>-<weight>/...", &files).is_empty());
    assert!(!missing("istio/prod/web/steps/02-30/...", &files).is_empty());
    assert!(missing("k8s/", &files).is_empty());
    assert!(!missing("k8s/prod/a.yaml/", &files).is_empty());
}
