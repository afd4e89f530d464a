//! Running the `slipway` binary as a user does, in a scratch directory, and writing down what
//! it did (the command, the exit status, stdout and stderr) as one text for an insta snapshot.
//! The scratch directory's path is replaced by `[dir]` so snapshots do not depend on where the
//! tests run. Colour and progress are off unless a test asks for them: `NO_COLOR`,
//! `CLICOLOR_FORCE` and `CI` from the caller's environment are removed.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one run of the binary did.
pub struct Run {
    pub args: Vec<String>,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    dir: PathBuf,
}

impl Run {
    /// `$ slipway ARGS`, the exit status, then stdout and stderr, with `[dir]` for the
    /// scratch directory.
    pub fn transcript(&self) -> String {
        let text = format!(
            "$ slipway {}\nexit status: {}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        );
        text.replace(&self.dir.display().to_string(), "[dir]")
    }
}

/// A fresh directory for one test of the test file `group`.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The command, run in `dir`, with the environment that decides colour and progress cleared.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    command_of(Path::new(env!("CARGO_BIN_EXE_slipway")), dir, args)
}

/// [`command`] with another executable: a copy of the compiler, say.
pub fn command_of(program: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("CI");
    command
}

/// Runs `slipway ARGS` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    finish(dir, args, command(dir, args), None)
}

/// Runs `slipway ARGS` in `dir` with `input` on stdin.
pub fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> Run {
    finish(dir, args, command(dir, args), Some(input))
}

/// Runs a prepared `command` (extra environment, say) and records it as `slipway ARGS`.
pub fn finish(dir: &Path, args: &[&str], mut command: Command, input: Option<&str>) -> Run {
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        // A command that refuses its arguments exits without reading stdin: the pipe is then
        // closed under the write, which is not the test's concern.
        if let Err(error) = stdin.write_all(input.as_bytes()) {
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
        }
    }
    let output = child.wait_with_output().unwrap();
    Run {
        args: args.iter().map(|arg| arg.to_string()).collect(),
        status: output
            .status
            .code()
            .expect("slipway was killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        dir: dir.to_path_buf(),
    }
}

/// A small clean spec: one service, one environment.
pub const TINY_SPEC: &str = "app shop {\n  registry = \"ghcr.io/acme\"\n}\n\nservice web {\n  \
    image = \"web:1.0.0\"\n  ports { http = 8080 }\n  resources {\n    requests { cpu = 100m  \
    memory = 128Mi }\n    limits { cpu = 500m  memory = 256Mi }\n  }\n}\n\nenvironment prod {\n  \
    cluster = \"prod\"\n  namespace = \"shop\"\n  trigger = manual\n}\n";

/// Writes `TINY_SPEC` as `dir/spec/shop.slip`.
pub fn write_tiny_spec(dir: &Path) {
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    std::fs::write(dir.join("spec/shop.slip"), TINY_SPEC).unwrap();
}
