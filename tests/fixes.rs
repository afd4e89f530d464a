//! Machine-applicable fixes on a corpus of broken specs: every file in `tests/cases/fix/` is
//! fixed the way `slipway check --fix` does it (check, apply the safe fixes, check again until
//! nothing changes), and one snapshot shows the spec, the fixed text, each edit and what is
//! left. The first line says what must be left: `// after fix: clean`, or the codes no safe
//! fix can remove. A second round must change nothing.

use slipway::diagnostics::fix::{apply_safe, Applied};
use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{Code, Diagnostic, FileId, SourceFile};
use std::collections::BTreeSet;
use std::path::Path;

/// The codes the `// after fix:` line says must be left (none for `clean`).
fn expected_after_fix(text: &str, path: &Path) -> BTreeSet<Code> {
    let first = text.lines().next().unwrap_or_default();
    let Some(list) = first.trim().strip_prefix("// after fix:") else {
        panic!(
            "{}: the first line must be `// after fix: ...`",
            path.display()
        );
    };
    if list.trim() == "clean" {
        return BTreeSet::new();
    }
    list.split(',')
        .map(|code| Code::parse(code).unwrap_or_else(|| panic!("`{code}` is not a code")))
        .collect()
}

fn check(name: &str, text: &str) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let file = SourceFile {
        name: name.to_string(),
        text: text.to_string(),
    };
    let checked = slipway::check(&[file]);
    (checked.files, checked.diagnostics)
}

/// Fixes `text` in rounds until no safe fix applies; returns the text and every edit.
fn fix(name: &str, text: &str) -> (String, Vec<Applied>) {
    let mut text = text.to_string();
    let mut edits = Vec::new();
    for _ in 0..10 {
        let (_, diagnostics) = check(name, &text);
        let (fixed, applied) = apply_safe(&text, FileId(0), &diagnostics);
        if applied.is_empty() {
            break;
        }
        text = fixed;
        edits.extend(applied);
    }
    (text, edits)
}

#[test]
fn fix_corpus() {
    insta::glob!("cases/fix/*.slip", |path| {
        let original = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (fixed, edits) = fix(&name, &original);
        assert!(!edits.is_empty(), "{name}: nothing was fixed");
        let (_, again) = fix(&name, &fixed);
        assert!(again.is_empty(), "{name}: a second --fix changed {again:?}");
        let (files, left) = check(&name, &fixed);
        let left_codes: BTreeSet<Code> = left.iter().map(|d| d.code).collect();
        let rendered = render_human(&files, &left, RenderOptions::default());
        assert_eq!(
            left_codes,
            expected_after_fix(&original, path),
            "{name}: what is left after --fix differs from its first line\n{rendered}"
        );
        assert!(
            left.iter().all(|d| !d.has_safe_fix()),
            "{name}: a safe fix was left behind"
        );
        let listed: Vec<String> = edits
            .iter()
            .map(|edit| format!("{} `{}` -> `{}`", edit.code, edit.before, edit.after))
            .collect();
        let rule = |title: &str| format!("---- {title} {}", "-".repeat(74 - title.len()));
        insta::assert_snapshot!(format!(
            "{original}\n{}\n{fixed}\n{}\n{}\n{}\n{rendered}",
            rule("after --fix"),
            rule("edits"),
            listed.join("\n"),
            rule("left"),
        ));
    });
}
