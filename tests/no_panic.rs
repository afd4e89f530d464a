//! The front half of the compiler (decode, parse, check, render) must never panic, whatever
//! bytes it is given. This feeds it every example and invalid case cut at every char
//! boundary, thousands of seeded pseudo-random mutations of them, pathological nesting, very
//! long lines and a 10 MB file. Each input runs under `catch_unwind`, so a failure names the
//! input that broke it.

mod random_support;

use random_support::Random;
use slipway::diagnostics::render::{render_human, to_json, RenderOptions};
use slipway::{FileId, SourceFile};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Once;

/// How many mutants are made of each seed file.
const MUTANTS_PER_SEED: usize = 60;

thread_local! {
    /// Set while an input runs under `catch_unwind`, so its panic message is not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once, a panic hook that stays silent for caught panics and prints all others.
fn quiet_caught_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Decodes, parses, checks and (when `render`) renders `bytes`; false if anything panicked.
fn survives(bytes: &[u8], render: bool) -> bool {
    quiet_caught_panics();
    QUIET.with(|quiet| quiet.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (file, problem) = slipway::decode_source(FileId(0), "input.slip".into(), bytes);
        let files = vec![file];
        let checked = slipway::check(&files);
        if render {
            let mut all: Vec<_> = problem.into_iter().collect();
            all.extend(checked.diagnostics);
            render_human(&files, &all, RenderOptions::default());
            to_json(&files, &all);
        }
    }));
    QUIET.with(|quiet| quiet.set(false));
    outcome.is_ok()
}

fn assert_survives(bytes: &[u8], render: bool, what: &str) {
    if !survives(bytes, render) {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned();
        panic!("the compiler panicked on {what}:\n{shown}");
    }
}

/// Every `.slip` file of the examples and of the invalid-spec corpus.
fn seed_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![
        PathBuf::from("examples"),
        PathBuf::from("tests/cases/invalid"),
    ];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "slip") {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    assert!(
        out.len() > 10,
        "expected examples and cases to seed the inputs"
    );
    out
}

/// Every seed cut at every char boundary. Checking each cut of the whole file would parse
/// the same leading declarations over and over (quadratic, and slow in debug builds), so: the
/// whole file is cut at every line end, and each declaration (the unit the parser works on,
/// see `syntax::split`) is cut at every char boundary on its own.
#[test]
fn every_cut_of_every_seed() {
    for (path, bytes) in seed_files() {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let line_ends = text.match_indices('\n').map(|(end, _)| end);
        for end in line_ends.chain([text.len()]) {
            let what = format!("{} cut at byte {end}", path.display());
            assert_survives(&text.as_bytes()[..end], true, &what);
        }
        for chunk in slipway::syntax::split::split(FileId(0), &text).chunks {
            let declaration = &text[chunk.start..chunk.end];
            for (count, (end, _)) in declaration.char_indices().enumerate() {
                if !survives(&declaration.as_bytes()[..end], count % 32 == 0) {
                    let at = chunk.start + end;
                    panic!(
                        "the compiler panicked on {}, declaration cut at byte {at}",
                        path.display()
                    );
                }
            }
        }
    }
}

/// One random edit of `bytes`.
fn mutate(rng: &mut Random, bytes: &mut Vec<u8>) {
    const INSERTS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"(",
        b")",
        b"\"",
        b"\\",
        b"=",
        b",",
        b".",
        b"#",
        b"//",
        b"/*",
        b"\n",
        b"%",
        b"-",
        b"0",
        b"99999999999999999999",
        b"\\u{",
        b"\xff",
        b"\xe2\x82",
        b"service x {",
    ];
    if bytes.is_empty() {
        bytes.push(b'{');
        return;
    }
    let at = rng.below(bytes.len());
    let span = 1 + rng.below(24.min(bytes.len() - at));
    match rng.below(4) {
        0 => bytes[at] ^= 1 << rng.below(8),
        1 => {
            bytes.drain(at..at + span);
        }
        2 => {
            let copy = bytes[at..at + span].to_vec();
            let to = rng.below(bytes.len());
            bytes.splice(to..to, copy);
        }
        _ => {
            let insert = INSERTS[rng.below(INSERTS.len())];
            bytes.splice(at..at, insert.iter().copied());
        }
    }
}

#[test]
fn seeded_random_mutations() {
    let mut rng = Random(0x5EED_CAFE_F00D_D00D);
    let mut failure = None;
    'seeds: for (path, seed) in seed_files() {
        for round in 0..MUTANTS_PER_SEED {
            let mut bytes = seed.clone();
            for _ in 0..=rng.below(4) {
                mutate(&mut rng, &mut bytes);
            }
            if !survives(&bytes, round % 4 == 0) {
                failure = Some((path.clone(), bytes));
                break 'seeds;
            }
        }
    }
    if let Some((path, bytes)) = failure {
        assert_survives(&bytes, true, &format!("a mutant of {}", path.display()));
    }
}

#[test]
fn pathological_nesting() {
    let deep = 100_000;
    let inputs = [
        "[".repeat(deep),
        format!("service web {{\n  depends_on = {}\n}}\n", "[".repeat(deep)),
        format!(
            "service web {{\n  x = {}{}\n}}\n",
            "[".repeat(deep),
            "]".repeat(deep)
        ),
        format!("service web {}", "{ a ".repeat(deep)),
        format!("policy p {{ require = {}true }}", "not ".repeat(deep)),
        format!(
            "policy p {{ require = {}a{} }}",
            "(".repeat(deep),
            ")".repeat(deep)
        ),
        "}".repeat(deep),
        "\"".repeat(deep),
        "/*".repeat(deep),
    ];
    for input in &inputs {
        assert_survives(input.as_bytes(), true, "deeply nested input");
    }
}

#[test]
fn ten_megabyte_file() {
    // A generated spec: a thousand services, each under a long generated comment block, so
    // the splitter, the comment table and doc comments see 10 MB while the (slow, in debug)
    // parser sees about 2 MB.
    let filler =
        "// generated: do not edit by hand; regenerate with `make spec` from the catalogue\n";
    let mut spec = String::from("app shop {\n  registry = \"ghcr.io/acme\"\n}\n");
    let mut index = 0;
    while spec.len() < 10 * 1024 * 1024 {
        spec.push_str(&filler.repeat(120));
        spec.push_str(&format!(
            "/// Service number {index}.\nservice svc-{index} {{\n  image = \"svc-{index}:1.0.{index}\"\n  \
             ports {{ http = 8080 }}\n  replicas = 2\n  resources {{ requests {{ cpu = 100m  memory = 128Mi }} }}\n}}\n"
        ));
        index += 1;
    }
    // Through the front door (files may be refused for their size, but never panic) ...
    assert_survives(spec.as_bytes(), true, "a 10 MB spec");
    // ... and straight into the checker, which takes text of any size.
    let files = vec![SourceFile {
        name: "big.slip".into(),
        text: spec,
    }];
    let checked = slipway::check(&files);
    assert!(!checked.has_errors(), "the generated spec should be valid");
    assert_eq!(checked.model.services.len(), index);
    assert_eq!(
        checked.model.services[0].doc.as_deref(),
        Some("Service number 0.")
    );
}

#[test]
fn megabyte_lines() {
    let long_string = format!(
        "service web {{\n  image = \"{}\n}}\n",
        "a".repeat(1024 * 1024)
    );
    assert_survives(long_string.as_bytes(), true, "a 1 MB unterminated string");
    let long_line = format!(
        "service web {{ {} replicas = x }}\n",
        "a = 1 ".repeat(20_000)
    );
    assert_survives(long_line.as_bytes(), true, "a 120 kB line of fields");
}
