//! The pages shown by `slipway explain CODE` are executable documentation.
//!
//! Every registered code has a page that starts with `# CODE: title` and has an `## Example`
//! section with a spec that triggers the code and a `## Fix` section with a corrected spec. This
//! test checks both specs with the library, so a page cannot drift away from the checker: the
//! example must report its own code, and the fix must check without errors. SW0004 (a file that
//! is not UTF-8) cannot be written as text, so its example is a ```` ```bytes ```` block in
//! which `\xNN` stands for one raw byte; it is decoded with `decode_source` instead of being
//! checked as a spec. An example too big for a page (SW0006, SW0505) is a ```` ```recipe ````
//! block in the format of `tests/hostile/recipe.rs`, which generates the spec. A retired code (`Code::RETIRED`) is no longer reported, so its example
//! must check without errors instead. The listing printed by a bare `slipway explain` is
//! snapshotted.

#[path = "hostile/recipe.rs"]
mod recipe;

use slipway::{Code, Diagnostic, FileId, LoadError, LoadedFile, Loader, RootFile, SourceFile};

/// The fence of a spec that the test checks.
const SLIP_FENCE: &str = "```slip\n";
/// The fence of an example given as bytes (only for input that cannot be written as text).
const BYTES_FENCE: &str = "```bytes\n";
/// The fence of an example given as a recipe that generates the spec (only for specs too big
/// for a page).
const RECIPE_FENCE: &str = "```recipe\n";

/// The text of the section under `heading` (`## Example`), up to the next `## ` heading.
fn section<'a>(page: &'a str, heading: &str) -> Option<&'a str> {
    let start = page.find(&format!("\n{heading}\n"))? + heading.len() + 2;
    let rest = &page[start..];
    Some(rest.find("\n## ").map_or(rest, |end| &rest[..end]))
}

/// The contents of the first code block opened by `fence` in `section`.
fn first_block<'a>(section: &'a str, fence: &str) -> Option<&'a str> {
    let start = section.find(fence)? + fence.len();
    let rest = &section[start..];
    rest.find("```").map(|end| &rest[..end])
}

/// Checks `text` as a spec in a repository that holds the files of the section's
/// ```` ```dockerfile PATH ```` blocks (build contexts, SW0324).
fn check(text: &str, section: &str) -> Vec<Diagnostic> {
    let file = SourceFile {
        name: "example.slip".to_string(),
        text: text.to_string(),
    };
    let root = RootFile {
        file,
        path: "example.slip".to_string(),
    };
    let repository = Repository(repository_files(section));
    slipway::check_project(vec![root], std::path::Path::new(""), &repository).diagnostics
}

/// The ```` ```dockerfile PATH ```` blocks of a section, by path.
fn repository_files(section: &str) -> Vec<(String, String)> {
    let fence = "```dockerfile ";
    let mut files = Vec::new();
    let mut rest = section;
    while let Some(start) = rest.find(fence) {
        let after = &rest[start + fence.len()..];
        let (path, body) = after
            .split_once('\n')
            .expect("a dockerfile block has a body");
        let end = body.find("```").expect("a dockerfile block is closed");
        files.push((path.trim().to_string(), body[..end].to_string()));
        rest = &body[end..];
    }
    files
}

/// A repository holding only the files a page shows; no imports.
struct Repository(Vec<(String, String)>);

impl Loader for Repository {
    fn load(&self, _root: &std::path::Path, _path: &str) -> Result<LoadedFile, LoadError> {
        Err(LoadError::NotFound)
    }

    fn repository_file(&self, path: &str) -> Option<String> {
        let found = self.0.iter().find(|(name, _)| name == path);
        found.map(|(_, text)| text.clone())
    }
}

/// One line per diagnostic, for failure messages.
fn describe(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "    (no diagnostics)".to_string();
    }
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("    {} {:?}: {}", d.code, d.severity, d.message))
        .collect();
    lines.join("\n")
}

/// Turns a ```` ```bytes ```` block into bytes: `\xNN` is one byte, everything else is UTF-8.
fn bytes(block: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = block;
    while let Some(at) = rest.find("\\x") {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        let hex = rest.get(at + 2..at + 4).unwrap_or_default();
        let byte = u8::from_str_radix(hex, 16)
            .unwrap_or_else(|_| panic!("`\\x{hex}` in a bytes block is not a byte"));
        out.push(byte);
        rest = &rest[at + 4..];
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// Runs `problem` on every code and fails once, listing every page that is wrong.
fn for_every_page(problem: impl Fn(Code, &str) -> Option<String>) {
    let failures: Vec<String> = Code::ALL
        .iter()
        .filter_map(|code| problem(*code, code.explanation()).map(|why| format!("{code}: {why}")))
        .collect();
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn every_page_starts_with_its_code_and_title_and_has_both_sections() {
    for_every_page(|code, page| {
        let heading = format!("# {code}: {}", code.title());
        if page.lines().next() != Some(heading.as_str()) {
            return Some(format!("the page must start with `{heading}`"));
        }
        let example = page.find("\n## Example\n");
        let fix = page.find("\n## Fix\n");
        match (example, fix) {
            (Some(example), Some(fix)) if example < fix => None,
            _ => Some("the page needs `## Example` followed by `## Fix`".to_string()),
        }
    });
}

#[test]
fn every_example_reports_its_own_code() {
    for_every_page(|code, page| {
        let Some(example) = section(page, "## Example") else {
            return Some("the page has no `## Example` section".to_string());
        };
        if code == Code::SW0005 {
            // A file over the 1 MiB limit cannot be written on a page; tests/hostile.rs
            // checks generated 10 MB files.
            return None;
        }
        let generated = first_block(example, RECIPE_FENCE).map(|block| {
            let bytes = recipe::generate(block).expect("the recipe is valid");
            String::from_utf8(bytes).expect("the recipe writes UTF-8")
        });
        if let Some(spec) = generated.as_deref().or(first_block(example, SLIP_FENCE)) {
            let diagnostics = check(spec, example);
            if code.is_retired() {
                // A retired code's example is what used to report it: it no longer does.
                let reported = diagnostics.iter().any(|d| d.code == code || d.is_error());
                return reported.then(|| {
                    format!(
                        "the example of a retired code must check without errors; it reports:\n{}",
                        describe(&diagnostics)
                    )
                });
            }
            if diagnostics.iter().any(|d| d.code == code) {
                return None;
            }
            return Some(format!(
                "the example does not report {code}; it reports:\n{}",
                describe(&diagnostics)
            ));
        }
        let Some(block) = first_block(example, BYTES_FENCE) else {
            return Some("the example has no ```slip block".to_string());
        };
        let (_, diagnostic) =
            slipway::decode_source(FileId(0), "example.slip".to_string(), &bytes(block));
        match diagnostic {
            Some(diagnostic) if diagnostic.code == code => None,
            other => Some(format!("decoding the example's bytes reports {other:?}")),
        }
    });
}

#[test]
fn every_fix_checks_without_errors() {
    for_every_page(|code, page| {
        let Some(fix) = section(page, "## Fix") else {
            return Some("the page has no `## Fix` section".to_string());
        };
        let Some(spec) = first_block(fix, SLIP_FENCE) else {
            return Some("the fix has no ```slip block".to_string());
        };
        let diagnostics = check(spec, fix);
        let still_wrong = diagnostics.iter().any(|d| d.is_error() || d.code == code);
        still_wrong.then(|| format!("the fix still reports:\n{}", describe(&diagnostics)))
    });
}

#[test]
fn every_page_file_belongs_to_a_registered_code() {
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/src/diagnostics/codes");
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(directory).expect("the codes directory is readable") {
        let name = entry
            .expect("a directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let registered = name
            .strip_suffix(".md")
            .and_then(Code::parse)
            .is_some_and(|code| format!("{code}.md") == name);
        if !registered {
            strays.push(name);
        }
    }
    assert!(
        strays.is_empty(),
        "files in {directory} with no registered code: {strays:?}"
    );
}

#[test]
fn explain_without_a_code_lists_every_code_and_title() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_slipway"))
        .arg("explain")
        .output()
        .expect("the slipway binary runs");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing = String::from_utf8(output.stdout).expect("the listing is UTF-8");
    insta::assert_snapshot!("explain_listing", listing);
}
