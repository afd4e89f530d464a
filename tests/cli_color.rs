//! When diagnostics are coloured: `--color` is accepted before the subcommand as well as after
//! it, and with `--color auto` (the default) `NO_COLOR` turns colour off and `CLICOLOR_FORCE`
//! turns it on even in a pipe, `NO_COLOR` winning when both are set.

mod cli_support;

use cli_support::{command, finish, scratch};
use std::path::Path;

/// Arguments before the file, and environment variables.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

/// Whether `slipway ARGS` with the environment `env` coloured its report of an invalid spec.
fn coloured(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut all = args.to_vec();
    all.push("bad.slip");
    let mut prepared = command(dir, &all);
    for (name, value) in env {
        prepared.env(name, value);
    }
    let run = finish(dir, &all, prepared, None);
    assert_eq!(run.status, 1, "{}", run.stderr);
    run.stderr.contains("\u{1b}[")
}

#[test]
fn colour_follows_the_flag_then_the_environment() {
    let dir = scratch("cli_color", "table");
    std::fs::write(
        dir.join("bad.slip"),
        "service web {\n  image = \"web:1\"\n  replica = 2\n}\n",
    )
    .unwrap();
    let cases: [Case; 10] = [
        (&["check"], &[]),
        (&["check", "--color", "always"], &[]),
        (&["--color", "always", "check"], &[]),
        (&["--color", "always", "compile", "--out", "out"], &[]),
        (&["check"], &[("CLICOLOR_FORCE", "1")]),
        (&["check"], &[("CLICOLOR_FORCE", "0")]),
        (&["check"], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        (&["--color", "never", "check"], &[("CLICOLOR_FORCE", "1")]),
        (&["--color", "always", "check"], &[("NO_COLOR", "1")]),
        (&["check"], &[("NO_COLOR", "")]),
    ];
    let mut table = String::new();
    for (args, env) in cases {
        let env_text: Vec<String> = env.iter().map(|(n, v)| format!("{n}={v}")).collect();
        table.push_str(&format!(
            "{:<32} slipway {:<36} coloured: {}\n",
            env_text.join(" "),
            args.join(" "),
            coloured(&dir, args, env)
        ));
    }
    insta::assert_snapshot!(table);
}
