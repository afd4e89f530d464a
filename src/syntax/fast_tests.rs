//! The fast reader against pest: whenever it accepts a declaration, pest must accept it too and
//! build the same tree. Checked on every spec in the repository (examples, test cases, the
//! standard library, the fuzz corpus, the `slip` blocks of the docs, the benchmark's services)
//! and on thousands of small mutations of them, which mostly break the syntax in ways the
//! reader must refuse.

// A test module: it reads the repository's specs from disk, which the library itself never
// does (clippy.toml).
#![allow(clippy::disallowed_methods)]

use super::parse_declaration as fast;
use crate::span::FileId;
use crate::syntax::{parser, split};
use std::path::{Path, PathBuf};

const FILE: FileId = FileId(0);

/// A service as `benches/gen-spec` writes it.
const BENCH_SERVICE: &str = r#"/// Service 7 of the benchmark.
service svc-0007 {
  image    = "ghcr.io/acme/svc-0007:1.7.0"
  ports { http = 8083 }
  replicas = 3

  resources {
    requests { cpu = 200m  memory = 512Mi }
    limits   { cpu = 400m  memory = 1024Mi }
  }

  liveness = http {
    path          = "/healthz"
    port          = http
    initial_delay = 10s
    period        = 10s
  }
  readiness = http { path = "/ready"  port = http  period = 5s }
}
"#;

/// Odd but valid corners of the syntax, and near misses.
const CORNERS: &[&str] = &[
    "service a { x = \"tab\\there \\u{1F44B} \\\"q\\\"\"  \"key.with.dots\" = 1, y = -2.5Gi, z = 25% }",
    "service a { list = [a, b,] empty = [] nested = [[1], {k = v}] }",
    "strategy s = recreate",
    "strategy s = recreate  // trailing comment\n\n",
    "strategy s = canary { step { weight = 10% } }  # end\n",
    "service a { x = probes.http-health { port = admin } y = a.b.c z = trueish w = false }",
    "service a { x = 1 # comment\n y = 2 /* block */ z = 3 }",
    "\u{FEFF}service a { }",
    "service a { x = a.b }",
    "service a { x = a. b }",
    "service a { x = 1.x }",
    "service a { x = 5 m }",
    "service a { x = 1e3 }",
    "service a { override web { replicas = 1 } }",
    "service a { x = f(1) }",
    "service a { x = (1) }",
    "service a { x = a == b }",
    "service a { x = a and b }",
    "service a { x = not b }",
    "service a { x = a or-b }",
    "service a { order = 1 }",
    "service a from b { }",
    "import \"x.slip\"",
    "import std/strategies",
    "service a { x = \"bad \\d escape\" }",
    "service a { x = \"open }",
    "service a { x = 1,, y = 2 }",
    "service a { true = 1 }",
    "service a { x { } }",
    "service a { x \"label\" { } }",
    "service a { x = { } }",
    "service a { x = y { } }",
    "service a {\r\n  x = 1\r\n}\r\n",
    "service a { x = \"é\" }",
    "service a { /* never closed }",
];

fn collect(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_dir() && !hidden && !path.ends_with("target") {
            collect(&path, extension, found);
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
}

/// Every spec text in the repository.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["examples", "tests", "stdlib", "fuzz"] {
        collect(&root.join(dir), "slip", &mut paths);
    }
    let mut texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let mut docs = Vec::new();
    collect(&root.join("docs"), "md", &mut docs);
    for doc in docs {
        let text = std::fs::read_to_string(doc).unwrap_or_default();
        for block in text.split("```slip").skip(1) {
            let body = block.split_once('\n').map_or("", |(_, rest)| rest);
            texts.push(body.split("```").next().unwrap_or_default().to_string());
        }
    }
    texts.push(BENCH_SERVICE.to_string());
    texts.extend(CORNERS.iter().map(|s| s.to_string()));
    texts
}

/// Compares both readers on every declaration of `text`; returns (accepted, declarations).
fn compare(text: &str) -> (usize, usize) {
    let split = split::split(FILE, text);
    let mut accepted = 0;
    for chunk in split.chunks.iter().filter(|c| c.too_deep_at.is_none()) {
        let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
            continue;
        };
        if let Some(declaration) = fast(FILE, chunk_text, chunk.start) {
            accepted += 1;
            match parser::parse_declaration(FILE, chunk_text, chunk.start) {
                Ok(expected) => assert_eq!(
                    declaration, expected,
                    "the fast reader differs from pest on:\n{chunk_text}"
                ),
                Err(diagnostic) => panic!(
                    "the fast reader accepted what pest rejects ({}):\n{chunk_text}",
                    diagnostic.message
                ),
            }
        }
    }
    (accepted, split.chunks.len())
}

#[test]
fn agrees_with_pest_on_every_spec_in_the_repository() {
    let (mut accepted, mut total) = (0, 0);
    for text in corpus() {
        let (a, t) = compare(&text);
        accepted += a;
        total += t;
    }
    assert!(total > 100, "the corpus has only {total} declarations");
    assert!(
        accepted * 2 > total,
        "the fast reader took only {accepted} of {total} declarations"
    );
}

#[test]
fn takes_the_benchmark_services() {
    assert_eq!(compare(BENCH_SERVICE), (1, 1));
}

/// Small edits: deleting, inserting or repeating a few characters.
const TOKENS: &[&str] = &[
    "=", "==", "!=", "<", "{", "}", "[", "]", ",", "\"", "\\", "#", "//", "/*", "*/", " ", "\n",
    "and ", " or ", "not ", "true", "1", "-", ".", "(", ")", "%", "ms", "from ", "import ",
    "\u{FEFF}", "é", "x", "_", "0.5", "\\u{41}", "\t",
];

#[test]
fn agrees_with_pest_on_mutations() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    let texts = corpus();
    let mut accepted = 0;
    for round in 0..6_000 {
        let text = &texts[next(texts.len())];
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let at = boundaries[next(boundaries.len())];
        let until = boundaries
            [(boundaries.partition_point(|&b| b < at) + next(4)).min(boundaries.len() - 1)];
        let mutated = match round % 3 {
            0 => format!("{}{}", &text[..at], &text[until..]),
            1 => format!(
                "{}{}{}",
                &text[..at],
                TOKENS[next(TOKENS.len())],
                &text[at..]
            ),
            _ => format!("{}{}{}", &text[..until], &text[at..until], &text[until..]),
        };
        accepted += compare(&mutated).0;
    }
    assert!(
        accepted > 1_000,
        "the mutations exercised the fast reader only {accepted} times"
    );
}
