//! `slipway compile --check` on a spec with errors says so in one line and does not repeat the
//! diagnostics: the pre-commit hooks run it beside `slipway check`, which shows them.

mod cli_support;

use cli_support::{run, scratch, write_tiny_spec};

#[test]
fn the_drift_check_of_a_broken_spec_asks_to_fix_it_first() {
    let dir = scratch("drift_with_errors", "broken");
    write_tiny_spec(&dir);
    let compiled = run(&dir, &["compile", "spec", "--out", "out", "--quiet"]);
    assert_eq!(compiled.status, 0, "{}", compiled.stderr);
    let spec = std::fs::read_to_string(dir.join("spec/shop.slip")).unwrap();
    std::fs::write(
        dir.join("spec/shop.slip"),
        spec.replace("trigger = manual", "trigger = manaul"),
    )
    .unwrap();
    let drift = run(
        &dir,
        &["compile", "spec", "--out", "out", "--check", "--diff"],
    );
    insta::assert_snapshot!(drift.transcript());
    assert_eq!(drift.status, 1);
    let check = run(&dir, &["check", "spec"]);
    assert_eq!(check.status, 1);
    assert!(check.stderr.contains("SW0"), "check shows the diagnostic");
}
