//! Progress on a terminal, as cargo draws it: the phase, and for the steps that go file by
//! file a bar with counts (`write [====>   ] 2/3 files`); and nothing of it left on the screen
//! when the run ends, so the summary starts on a clean line. Without a terminal (a pipe, a
//! log) nothing is drawn.
//!
//! stderr is a pseudo-terminal here; the screen is worked out from what was written to it
//! (`\r` returns to the start of the line, `ESC [2K` erases it), so the test does not depend
//! on how often the bar was redrawn.

mod cli_support;

use cli_support::{command, run, scratch, write_tiny_spec};
use std::fs::File;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::Stdio;

/// Runs `slipway ARGS` in `dir` with stderr on a new pseudo-terminal; returns the exit status
/// and every byte the terminal received.
fn run_on_terminal(dir: &Path, args: &[&str]) -> (i32, String) {
    let (mut leader, mut follower) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the integers it is given, and the null
    // pointers ask for no name, terminal settings or window size.
    let opened = unsafe {
        libc::openpty(
            &mut leader,
            &mut follower,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "openpty failed");
    // SAFETY: both descriptors were just opened by openpty and are owned by nothing else.
    let (mut leader, follower) =
        unsafe { (File::from_raw_fd(leader), OwnedFd::from_raw_fd(follower)) };
    let mut prepared = command(dir, args);
    prepared
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(follower));
    let mut child = prepared.spawn().unwrap();
    drop(prepared);
    let reader = std::thread::spawn(move || {
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        // The read fails (EIO) once the child has exited and no one holds the terminal.
        while let Ok(count) = leader.read(&mut chunk) {
            if count == 0 {
                break;
            }
            received.extend_from_slice(&chunk[..count]);
        }
        received
    });
    let status = child.wait().unwrap().code().unwrap();
    let received = reader.join().unwrap();
    (status, String::from_utf8_lossy(&received).into_owned())
}

/// The lines left on the screen after `received`.
fn screen(received: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line: Vec<char> = Vec::new();
    let mut column = 0;
    let mut rest = received;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("\u{1b}[2K") {
            line.clear();
            rest = after;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        match c {
            '\r' => column = 0,
            '\n' => {
                lines.push(line.iter().collect::<String>().trim_end().to_string());
                line.clear();
                column = 0;
            }
            c => {
                if column < line.len() {
                    line[column] = c;
                } else {
                    line.resize(column, ' ');
                    line.push(c);
                }
                column += 1;
            }
        }
    }
    let last: String = line.iter().collect();
    if !last.trim().is_empty() {
        lines.push(last);
    }
    lines
}

#[test]
fn a_compile_on_a_terminal_counts_files_and_leaves_only_the_summary() {
    let dir = scratch("cli_progress", "terminal");
    write_tiny_spec(&dir);
    let args = [
        "--color", "never", "compile", "spec", "--out", "out", "--target", "k8s",
    ];
    let (status, received) = run_on_terminal(&dir, &args);
    assert_eq!(status, 0, "{received}");
    assert!(
        received.contains("write [=========================] 3/3 files"),
        "the write step is counted: {received:?}"
    );
    assert!(received.contains("check…"), "{received:?}");
    insta::assert_snapshot!(screen(&received).join("\n"));

    let (status, received) = run_on_terminal(
        &dir,
        &[
            "compile", "spec", "--out", "out", "--target", "k8s", "--check",
        ],
    );
    assert_eq!(status, 0, "{received}");
    assert!(received.contains("compare [=========================] 2/2 files"));
    assert_eq!(screen(&received), ["out is up to date (2 files)"]);
}

#[test]
fn diagnostics_start_on_a_clean_line() {
    let dir = scratch("cli_progress", "diagnostics");
    write_tiny_spec(&dir);
    let spec = std::fs::read_to_string(dir.join("spec/shop.slip")).unwrap();
    std::fs::write(dir.join("spec/shop.slip"), spec.replace("image", "imag")).unwrap();
    let (status, received) = run_on_terminal(
        &dir,
        &["--color", "never", "compile", "spec", "--out", "out"],
    );
    assert_eq!(status, 1);
    let shown = screen(&received);
    assert!(
        shown.first().is_some_and(|line| line.starts_with("SW0")),
        "{shown:?}"
    );
    assert!(!shown.iter().any(|line| line.contains('…')), "{shown:?}");
    assert_eq!(
        shown.last().map(String::as_str),
        Some("nothing written: fix the errors above")
    );
}

#[test]
fn nothing_is_drawn_in_a_pipe_or_on_ci() {
    let dir = scratch("cli_progress", "pipe");
    write_tiny_spec(&dir);
    let piped = run(
        &dir,
        &["compile", "spec", "--out", "out", "--target", "k8s"],
    );
    assert_eq!(piped.status, 0);
    assert!(!piped.stderr.contains('\r') && !piped.stderr.contains("files]"));
    let mut on_ci = command(
        &dir,
        &["compile", "spec", "--out", "out2", "--target", "k8s"],
    );
    on_ci.env("CI", "true");
    let (status, received) = {
        let run = cli_support::finish(&dir, &["compile"], on_ci, None);
        (run.status, run.stderr)
    };
    assert_eq!(status, 0);
    assert!(!received.contains('\r'), "{received:?}");
}
