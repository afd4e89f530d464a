//! The spec texts the differential tests read (every spec in the repository: examples, test
//! cases, the standard library, the fuzz corpus, the `slip` blocks of the docs, the
//! benchmark's services, odd corners of the syntax) and small mutations of them, which mostly
//! break the syntax. Shared by the fast reader's tests against pest (`fast_tests.rs`) and the
//! lexer's (`lexer_grammar_tests.rs`).

// A test module: it reads the repository's specs from disk, which the library itself never
// does (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

/// A service as `benches/gen-spec` writes it.
pub(crate) const BENCH_SERVICE: &str = r#"/// Service 7 of the benchmark.
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
pub fn corpus() -> Vec<String> {
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

/// Small edits: deleting, inserting or repeating a few characters.
const TOKENS: &[&str] = &[
    "=", "==", "!=", "<", "{", "}", "[", "]", ",", "\"", "\\", "#", "//", "/*", "*/", " ", "\n",
    "and ", " or ", "not ", "true", "1", "-", ".", "(", ")", "%", "ms", "from ", "import ",
    "\u{FEFF}", "é", "x", "_", "0.5", "\\u{41}", "\t",
];

/// `count` mutations of the texts of [`corpus`], the same ones on every run.
pub fn mutations(count: usize) -> impl Iterator<Item = String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    let texts = corpus();
    (0..count).map(move |round| {
        let text = &texts[next(texts.len())];
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let at = boundaries[next(boundaries.len())];
        let until = boundaries
            [(boundaries.partition_point(|&b| b < at) + next(4)).min(boundaries.len() - 1)];
        match round % 3 {
            0 => format!("{}{}", &text[..at], &text[until..]),
            1 => format!(
                "{}{}{}",
                &text[..at],
                TOKENS[next(TOKENS.len())],
                &text[at..]
            ),
            _ => format!("{}{}{}", &text[..until], &text[at..until], &text[until..]),
        }
    })
}
