//! `slipway man DIR` writes one page per command, so every `slipway-COMMAND(1)` that a page
//! refers to exists; `slipway man` alone prints the main page.

mod cli_support;

use cli_support::{run, scratch};

#[test]
fn every_page_a_page_refers_to_is_written() {
    let dir = scratch("man_pages", "all");
    let written = run(&dir, &["man", "pages"]);
    insta::assert_snapshot!(written.transcript());
    assert_eq!(written.status, 0);
    let pages: Vec<String> = std::fs::read_dir(dir.join("pages"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for page in &pages {
        let text = std::fs::read_to_string(dir.join("pages").join(page)).unwrap();
        // roff writes `slipway\-check(1)`.
        for (at, _) in text.match_indices("(1)") {
            let start = text[..at]
                .rfind(|c: char| c.is_whitespace() || c == '"')
                .map_or(0, |space| space + 1);
            let name = text[start..at].replace("\\-", "-").replace("\\fB", "");
            if name.starts_with("slipway") {
                assert!(
                    pages.contains(&format!("{name}.1")),
                    "{page} refers to {name}(1), which was not written"
                );
            }
        }
    }
    let check = std::fs::read_to_string(dir.join("pages/slipway-check.1")).unwrap();
    assert!(check.contains("deny\\-warnings"), "{check}");
}

#[test]
fn without_a_directory_the_main_page_goes_to_stdout() {
    let dir = scratch("man_pages", "stdout");
    let printed = run(&dir, &["man"]);
    assert_eq!(printed.status, 0);
    assert!(
        printed.stdout.contains(".TH slipway 1"),
        "{}",
        printed.stdout
    );
    assert!(printed.stdout.contains("slipway\\-check(1)"));
}
