//! Shell completion offers the values an argument takes: `compile --target <TAB>` lists the
//! targets and `explain <TAB>` the diagnostic codes. The generated bash script is sourced by
//! a real bash and its completion function called as bash would call it.

mod cli_support;

use std::process::Command;

/// What the bash completion of `slipway` offers for the words `words`, the last being the
/// one completed.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
    let current = words.len() - 1;
    let previous = words.get(current.saturating_sub(1)).copied().unwrap_or("");
    let script = format!(
        "source <('{binary}' completions bash)\nCOMP_WORDS=({words})\nCOMP_CWORD={current}\n_slipway slipway '{word}' '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        binary = env!("CARGO_BIN_EXE_slipway"),
        words = quoted.join(" "),
        word = words[current],
    );
    let output = Command::new("bash").arg("-c").arg(script).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn target_values_are_offered() {
    let offered = bash_completes(&["slipway", "compile", "spec", "--target", ""]);
    insta::assert_snapshot!(offered.join("\n"));
    let targets: Vec<String> = slipway::emit::Target::ALL
        .iter()
        .map(|target| target.name().to_string())
        .collect();
    assert_eq!(offered, targets);
}

#[test]
fn explain_codes_are_offered() {
    let offered = bash_completes(&["slipway", "explain", "SW03"]);
    let expected: Vec<String> = slipway::Code::ALL
        .iter()
        .map(|code| code.as_str().to_string())
        .filter(|code| code.starts_with("SW03"))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(offered, expected);
}

#[test]
fn zsh_and_fish_describe_each_target() {
    for shell in ["zsh", "fish"] {
        let dir = cli_support::scratch("completions", shell);
        let run = cli_support::run(&dir, &["completions", shell]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(
            run.stdout
                .contains("Argo CD Applications and their AppProject"),
            "{shell}"
        );
    }
}
