//! Hostile input, through the real binary. Every case in `tests/cases/hostile/` is checked
//! with `slipway check`, which must exit 1 with at least one coded diagnostic, within
//! [`MEMORY_LIMIT`] (measured on the child process with `wait4`), and
//! never crash or overflow its stack. Each case's input and rendered diagnostics (rendered by
//! the library as `tests/diagnostics.rs` does: no colour, width 80) are kept as one snapshot.
//!
//! A case is a `*.slip` file; a `*.recipe` that generates an input too big to commit (10 MB
//! files, 100,000-deep nesting; the format is documented in `hostile/recipe.rs`); or a
//! `*.files` case of several files, each after a line `=== NAME ===`, which the binary checks
//! as a directory and the library must check to the same codes in reverse order. Binary, huge
//! or invisible-character inputs are shown escaped and cut short in the snapshot.
//!
//! Set `SLIPWAY_HOSTILE_TIMES=1` (with `--nocapture`) to print each case's wall time, CPU time
//! and peak memory.
//!
//! The last tests check that work grows linearly: checking 4N duplicate declarations (or
//! unknown references, or errors) must not take 16 times as long as N.

use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{Diagnostic, FileId};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The most memory (peak resident set) a hostile case may use.
const MEMORY_LIMIT: u64 = 200 * 1024 * 1024;
/// A case that takes longer than this is killed, so a hang fails instead of blocking CI.
const KILL_AFTER: Duration = Duration::from_secs(30);
/// How much of an input or a rendered line a snapshot shows.
const SHOWN_BYTES: usize = 1500;
/// How many diagnostics a snapshot renders; the rest are counted by code.
const SHOWN_DIAGNOSTICS: usize = 12;
/// The widest rendered line a snapshot shows in full.
const SHOWN_LINE: usize = 200;

/// One finished run of the binary.
struct Run {
    status: Option<i32>,
    signal: Option<i32>,
    wall: Duration,
    cpu: Duration,
    peak_memory: u64,
    stderr: String,
}

/// Set in the environment of the measuring helper (see [`run_slipway`]).
const HELPER: &str = "SLIPWAY_HOSTILE_HELPER";

/// Runs the binary with `args`, its stderr going to `stderr_path`, and measures it.
///
/// The measuring is done by a fresh copy of this test binary, running only the
/// [`measuring_helper`] test. Linux copies the parent's peak memory into a child's
/// `ru_maxrss` when the child calls `exec`, so a child started from this (large) test
/// process would report the test's own peak; started from a small helper, it reports its own.
fn run_slipway(args: &[&std::ffi::OsStr], stderr_path: &Path) -> Run {
    // Whichever test runs first on a fresh target directory finds no directory for it.
    if let Some(parent) = stderr_path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let mut request = stderr_path.to_string_lossy().into_owned();
    for arg in args {
        request.push('\n');
        request.push_str(&arg.to_string_lossy());
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "measuring_helper",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(HELPER, request)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout
        .lines()
        .find_map(|line| line.strip_prefix("measured "))
    else {
        panic!(
            "the measuring helper failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let numbers: Vec<i64> = line.split(' ').map(|n| n.parse().unwrap()).collect();
    let [status, signal, wall, cpu, peak] = numbers[..] else {
        panic!("unexpected helper output `{line}`");
    };
    Run {
        status: (status >= 0).then_some(status as i32),
        signal: (signal >= 0).then_some(signal as i32),
        wall: Duration::from_nanos(wall as u64),
        cpu: Duration::from_nanos(cpu as u64),
        peak_memory: peak as u64,
        stderr: std::fs::read_to_string(stderr_path).unwrap_or_default(),
    }
}

/// The helper behind [`run_slipway`]: does nothing in a normal test run.
#[test]
fn measuring_helper() {
    let Some(request) = std::env::var_os(HELPER) else {
        return;
    };
    let request = request.to_string_lossy().into_owned();
    let mut lines = request.split('\n');
    let stderr_path = PathBuf::from(lines.next().unwrap());
    let args: Vec<&str> = lines.collect();
    let (status, signal, wall, cpu, peak) = measure(&args, &stderr_path);
    println!(
        "measured {} {} {} {} {peak}",
        status.unwrap_or(-1),
        signal.unwrap_or(-1),
        wall.as_nanos(),
        cpu.as_nanos()
    );
}

/// Starts the binary, waits for it with `wait4` and returns its exit status, the signal
/// that killed it, its wall time, CPU time and peak memory in bytes.
fn measure(
    args: &[&str],
    stderr_path: &Path,
) -> (Option<i32>, Option<i32>, Duration, Duration, u64) {
    let stderr = File::create(stderr_path).unwrap();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut killed = false;
    let (raw_status, usage) = loop {
        let mut raw_status = 0;
        // SAFETY: an all-zero `rusage` is a valid value, filled in by `wait4`.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own child, not reaped yet; both pointers are valid.
        let reaped = unsafe { libc::wait4(pid, &mut raw_status, libc::WNOHANG, &mut usage) };
        assert!(
            reaped >= 0,
            "wait4 failed: {}",
            std::io::Error::last_os_error()
        );
        if reaped == pid {
            break (raw_status, usage);
        }
        if !killed && started.elapsed() > KILL_AFTER {
            // SAFETY: sending a signal to our own, not yet reaped, child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let wall = started.elapsed();
    drop(child);
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (
        libc::WIFEXITED(raw_status).then(|| libc::WEXITSTATUS(raw_status)),
        libc::WIFSIGNALED(raw_status).then(|| libc::WTERMSIG(raw_status)),
        wall,
        time(usage.ru_utime) + time(usage.ru_stime),
        // Linux reports the peak resident set size in kilobytes.
        usage.ru_maxrss as u64 * 1024,
    )
}

/// The input of a case: the file itself, or what its recipe generates.
fn case_input(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|ext| ext == "recipe") {
        let text = String::from_utf8(bytes).unwrap();
        recipe::generate(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    } else {
        bytes
    }
}

/// The files of a case: one (a `.slip` file, or what a `.recipe` generates), or the several
/// files a `.files` case holds, each after a line `=== NAME ===` (lines before the first are
/// comments).
fn case_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    let input = case_input(path);
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    if path.extension().is_none_or(|ext| ext != "files") {
        return vec![(format!("{stem}.slip"), input)];
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for line in input.split_inclusive(|b| *b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let marker = text
            .trim()
            .strip_prefix("=== ")
            .and_then(|rest| rest.strip_suffix(" ==="));
        match (marker, files.last_mut()) {
            (Some(name), _) => files.push((name.to_string(), Vec::new())),
            (None, Some((_, bytes))) => bytes.extend_from_slice(line),
            (None, None) => {}
        }
    }
    assert!(
        files.len() > 1,
        "{}: a .files case needs at least two files",
        path.display()
    );
    files
}

/// Where a case's input is written for the binary, under the test's temporary directory.
fn scratch_path(path: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(path.file_name().unwrap()).with_extension("slip")
}

/// Checks one case with the binary against the limits (a file, or a directory holding the
/// files of a `.files` case); the fastest run, or what is wrong.
fn check_case_with_binary(path: &Path, files: &[(String, Vec<u8>)]) -> Result<Run, String> {
    let name = path.file_name().unwrap().to_string_lossy();
    if let [(_, input)] = files {
        let scratch = scratch_path(path);
        std::fs::write(&scratch, input).unwrap();
        let result = check_path_with_binary(&name, &scratch);
        let _ = std::fs::remove_file(&scratch);
        return result;
    }
    let dir = scratch_path(path).with_extension("");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    let result = check_path_with_binary(&name, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs `slipway check TARGET` (a file or a directory) against the limits: exit status 1, a
/// coded diagnostic, no signal, and peak memory: what does not depend on the machine's load.
/// Wall and CPU time are returned for `SLIPWAY_HOSTILE_TIMES=1` (`benches/hostile.sh`) to
/// print, never asserted.
fn check_path_with_binary(name: &str, target: &Path) -> Result<Run, String> {
    let args = [
        "check".as_ref(),
        "--color".as_ref(),
        "never".as_ref(),
        target.as_os_str(),
    ];
    let stderr_path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(format!("{name}.stderr"));
    let run = run_slipway(&args, &stderr_path);
    let tail = || {
        let skip = run.stderr.chars().count().saturating_sub(600);
        run.stderr.chars().skip(skip).collect::<String>()
    };
    if let Some(signal) = run.signal {
        return Err(format!("{name}: killed by signal {signal}\n{}", tail()));
    }
    if run.status != Some(1) {
        return Err(format!(
            "{name}: exit status {:?}, expected 1\n{}",
            run.status,
            tail()
        ));
    }
    if !has_code(&run.stderr) {
        return Err(format!("{name}: no coded diagnostic\n{}", tail()));
    }
    if run.peak_memory > MEMORY_LIMIT {
        return Err(format!(
            "{name}: peak memory {} MB is over the limit",
            run.peak_memory >> 20
        ));
    }
    Ok(run)
}

/// Whether `text` names a diagnostic code such as `SW0001`.
fn has_code(text: &str) -> bool {
    text.match_indices("SW").any(|(at, _)| {
        let digits = &text.as_bytes()[at + 2..];
        digits.len() >= 4 && digits[..4].iter().all(u8::is_ascii_digit)
    })
}

/// Decodes and checks `inputs` with the library, the way `slipway check` does (which checks
/// nothing when a file was refused for its size).
fn library_diagnostics(
    inputs: &[(String, Vec<u8>)],
) -> (Vec<slipway::SourceFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut all: Vec<Diagnostic> = Vec::new();
    for (index, (name, bytes)) in inputs.iter().enumerate() {
        let (file, problem) = slipway::decode_source(FileId(index as u32), name.clone(), bytes);
        files.push(file);
        all.extend(problem);
    }
    if !all.iter().any(|p| p.code == slipway::Code::SW0005) {
        all.extend(slipway::check(&files).diagnostics);
    }
    slipway::diagnostics::sort(&mut all);
    (files, all)
}

/// The codes and severities of `all`, sorted.
fn codes(all: &[Diagnostic]) -> Vec<(slipway::Code, slipway::Severity)> {
    let mut codes: Vec<_> = all.iter().map(|d| (d.code, d.severity)).collect();
    codes.sort();
    codes
}

/// Whether checking `files` in reverse order reports other codes: it must not.
fn order_matters(files: &[slipway::SourceFile]) -> bool {
    let mut reversed = files.to_vec();
    reversed.reverse();
    codes(&slipway::check(files).diagnostics) != codes(&slipway::check(&reversed).diagnostics)
}

/// Characters that are invisible or reorder text: shown escaped so a snapshot cannot hide
/// them (bidirectional controls, zero-width characters, the byte order mark, soft hyphen).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Bytes as readable text: `\xNN` for bytes that are not UTF-8, `\u{N}` for control and
/// invisible characters, `\r` and `\t` spelled out, lines kept.
fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push('\n'),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push('\\'),
                c if c.is_control() || is_invisible(c) => {
                    out.push_str(&format!("\\u{{{:X}}}", c as u32))
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02X}"));
        }
    }
    out
}

/// How a case's input appears in its snapshot.
fn shown_input(path: &Path, input: &[u8]) -> String {
    if path.extension().is_some_and(|ext| ext == "recipe") {
        let recipe = std::fs::read_to_string(path).unwrap();
        return format!("recipe (generates {} bytes):\n{recipe}", input.len());
    }
    let plain = std::str::from_utf8(input).is_ok_and(|text| {
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_invisible(c))
    });
    match (plain, input.len() <= SHOWN_BYTES) {
        (true, true) => String::from_utf8_lossy(input).into_owned(),
        (false, true) => format!("escaped ({} bytes):\n{}", input.len(), escape_bytes(input)),
        (_, false) => format!(
            "first {SHOWN_BYTES} of {} bytes, escaped:\n{}",
            input.len(),
            escape_bytes(&input[..SHOWN_BYTES])
        ),
    }
}

/// The first [`SHOWN_DIAGNOSTICS`] diagnostics rendered, then how many more of each code.
fn shown_diagnostics(files: &[slipway::SourceFile], all: &[Diagnostic]) -> String {
    let shown = &all[..all.len().min(SHOWN_DIAGNOSTICS)];
    let mut text = render_human(files, shown, RenderOptions::default());
    let mut more: std::collections::BTreeMap<slipway::Code, usize> =
        std::collections::BTreeMap::new();
    for diagnostic in &all[shown.len()..] {
        *more.entry(diagnostic.code).or_default() += 1;
    }
    if !more.is_empty() {
        let counts: Vec<String> = more
            .iter()
            .map(|(code, count)| format!("{code} x{count}"))
            .collect();
        text.push_str(&format!(
            "... and {} more: {}\n",
            all.len() - shown.len(),
            counts.join(", ")
        ));
    }
    text
}

/// Rendered diagnostics with every line cut at [`SHOWN_LINE`] characters.
fn shown_report(report: &str) -> String {
    let mut out = String::new();
    for line in report.lines() {
        let count = line.chars().count();
        if count > SHOWN_LINE {
            let head: String = line.chars().take(SHOWN_LINE).collect();
            out.push_str(&format!(
                "{head}[... {} more characters]",
                count - SHOWN_LINE
            ));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    escape_bytes(out.as_bytes())
}

/// Tests in this file measure time: they take this lock so they never run side by side.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn hostile_cases() {
    let _serial = serial();
    let mut problems = Vec::new();
    insta::glob!("cases/hostile/*.{slip,recipe,files}", |path| {
        let input = case_input(path);
        let files = case_files(path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match check_case_with_binary(path, &files) {
            Ok(run) if std::env::var_os("SLIPWAY_HOSTILE_TIMES").is_some() => eprintln!(
                "{:>9.1} ms wall {:>9.1} ms cpu {:>6} MB  {name}",
                run.wall.as_secs_f64() * 1e3,
                run.cpu.as_secs_f64() * 1e3,
                run.peak_memory >> 20,
            ),
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
        let (sources, all) = library_diagnostics(&files);
        if !all.iter().any(Diagnostic::is_error) {
            problems.push(format!("{name}: the library reports no error"));
        }
        let refused = all.iter().any(|d| d.code == slipway::Code::SW0005);
        if sources.len() > 1 && !refused && order_matters(&sources) {
            problems.push(format!(
                "{name}: the files in reverse order give other diagnostics"
            ));
        }
        // The formatter recurses over the same trees: it must survive every case too, and
        // formatting its output again must change nothing.
        for source in &sources {
            if let Ok(formatted) = slipway::fmt::format_source(&source.text) {
                let again = slipway::fmt::format_source(&formatted);
                if again.as_ref().ok() != Some(&formatted) {
                    problems.push(format!(
                        "{name}: formatting {} twice changes it",
                        source.name
                    ));
                }
            }
        }
        let rendered = shown_diagnostics(&sources, &all);
        let separator = "-".repeat(80);
        insta::assert_snapshot!(format!(
            "{}\n{separator}\n{}",
            shown_input(path, &input),
            shown_report(&rendered)
        ));
    });
    assert!(
        problems.is_empty(),
        "{} hostile cases failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn corpus_has_at_least_100_cases() {
    let count = std::fs::read_dir("tests/cases/hostile")
        .unwrap()
        .filter(|entry| {
            let path = entry.as_ref().unwrap().path();
            path.extension()
                .is_some_and(|ext| ext == "slip" || ext == "recipe" || ext == "files")
        })
        .count();
    assert!(
        count >= 100,
        "only {count} hostile cases; keep at least 100"
    );
}

#[test]
fn recipes_generate_what_they_say() {
    let generated = recipe::generate("# comment\ntext \"a\\n\"\nrepeat 3 \"<{i}{next}>\"\nrepeat 2 {\n  text \"[\"\n  repeat 2 \"x\"\n}\nfill 27 \"\\xff\"\n").unwrap();
    assert_eq!(
        generated,
        b"a\n<01><12><23>[xx[xx\xff\xff\xff\xff\xff\xff\xff"
    );
    assert_eq!(recipe::generate("fill 1KB \"ab\"").unwrap().len(), 1000);
    assert_eq!(recipe::generate("fill 1KiB \"ab\"").unwrap().len(), 1024);
    for bad in [
        "repeat x \"a\"",
        "text a",
        "repeat 2 {",
        "}",
        "unknown \"a\"",
        "text \"\\q\"",
    ] {
        assert!(recipe::generate(bad).is_err(), "{bad:?} should be rejected");
    }
}

/// An empty scratch directory for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile-projects")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `slipway check DIR` within the limits and returns what it printed.
fn check_project(name: &str, dir: &Path) -> String {
    match check_path_with_binary(name, dir) {
        Ok(run) => run.stderr,
        Err(problem) => panic!("{problem}"),
    }
}

#[test]
fn imports_cannot_leave_the_project_through_symlinks_or_loop_forever() {
    let _serial = serial();
    let base = scratch_dir("symlinks");
    let (outside, project) = (base.join("outside"), base.join("project"));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(project.join("sub")).unwrap();
    std::fs::write(outside.join("secret.slip"), "strategy stolen = recreate\n").unwrap();
    std::fs::write(
        project.join("main.slip"),
        format!("import \"linked/secret.slip\"\nimport \"loop.slip\"\n{APP}service web {{\n  image = \"web:1\"\n}}\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../outside", project.join("linked")).unwrap();
    std::os::unix::fs::symlink("loop.slip", project.join("loop.slip")).unwrap();
    std::os::unix::fs::symlink("..", project.join("sub").join("up")).unwrap();
    let stderr = check_project("symlinks", &project);
    assert!(
        stderr.contains("SW0107"),
        "an import through a link out of the project must be refused:\n{stderr}"
    );
    assert!(
        stderr.contains("loop.slip"),
        "the looping link must be reported:\n{stderr}"
    );
}

#[test]
fn import_cycles_and_huge_imports_are_reported() {
    let _serial = serial();
    let project = scratch_dir("imports");
    std::fs::write(
        project.join("main.slip"),
        format!("import \"a.slip\"\nimport \"big.inc\" as big\n{APP}service web {{\n  image = \"web:1\"\n}}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(project.join("lib")).unwrap();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a")] {
        let text = format!("import \"{to}.slip\"\nstrategy {from} = recreate\n");
        std::fs::write(project.join("lib").join(format!("{from}.slip")), text).unwrap();
    }
    std::fs::write(project.join("a.slip"), "import \"lib/a.slip\"\n").unwrap();
    // Not a `.slip` file, so only the import reads it (every `.slip` file is part of the spec).
    std::fs::write(project.join("big.inc"), "# padding\n".repeat(1_000_000)).unwrap();
    let stderr = check_project("imports", &project);
    assert!(
        stderr.contains("SW0108"),
        "the cycle a -> b -> c -> a must be reported:\n{stderr}"
    );
    assert!(
        stderr.contains("SW0005"),
        "the 10 MB import must be refused:\n{stderr}"
    );
}

#[test]
fn a_long_import_chain_does_not_overflow_the_stack() {
    // The search for import cycles recursed once per file of a chain: 20,000 files crashed
    // the binary, and 5,000 overflow a test thread's 2 MB stack. Root files that import each
    // other become modules, which is enough to build the chain in memory.
    let count = 5000;
    let mut files: Vec<slipway::SourceFile> = (0..count)
        .map(|index| slipway::SourceFile {
            name: format!("lib/m{index}.slip"),
            text: format!(
                "import \"m{}.slip\"\nstrategy s{index} = recreate\n",
                index + 1
            ),
        })
        .collect();
    files.push(slipway::SourceFile {
        name: format!("lib/m{count}.slip"),
        text: "import \"m0.slip\"\n".to_string(),
    });
    let checked = slipway::check(&files);
    let cycle = checked
        .diagnostics
        .iter()
        .find(|d| d.code == slipway::Code::SW0108);
    assert!(
        cycle.is_some(),
        "the chain closes into a cycle, which must be reported"
    );
}

/// CPU seconds this thread has used: immune to other processes competing for the CPU.
fn thread_cpu_seconds() -> f64 {
    // SAFETY: an all-zero `rusage` is a valid value, filled in by `getrusage`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    assert_eq!(status, 0, "getrusage failed");
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// CPU seconds that checking and rendering `text` take, the best of three runs.
fn check_seconds(text: &str) -> f64 {
    let files = [slipway::SourceFile {
        name: "scale.slip".into(),
        text: text.to_string(),
    }];
    (0..3)
        .map(|_| {
            let started = thread_cpu_seconds();
            let checked = slipway::check(&files);
            assert!(checked.has_errors());
            let _ = render_human(&files, &checked.diagnostics, RenderOptions::default());
            thread_cpu_seconds() - started
        })
        .fold(f64::INFINITY, f64::min)
}

/// Asserts that checking 4N copies of `unit` (after `head`) is far from 16 times slower
/// than N copies: linear work gives about 4, quadratic 16; 8 leaves room for noise.
fn assert_linear(what: &str, head: &str, unit: &str, n: usize) {
    assert_linear_spec(what, n, |count| {
        let mut text = head.to_string();
        for index in 0..count {
            text.push_str(&unit.replace("{i}", &index.to_string()));
        }
        text
    });
}

/// [`assert_linear`] for a spec that `spec(count)` builds at any size.
fn assert_linear_spec(what: &str, n: usize, spec: impl Fn(usize) -> String) {
    let _serial = serial();
    let (small, large) = (check_seconds(&spec(n)), check_seconds(&spec(4 * n)));
    let ratio = large / small.max(1e-6);
    eprintln!(
        "{what}: {n} took {small:.3}s, {} took {large:.3}s ({ratio:.1}x)",
        4 * n
    );
    assert!(
        ratio < 8.0,
        "{what}: {n} took {small:.3}s, {} took {large:.3}s ({ratio:.1}x)",
        4 * n
    );
}

const APP: &str = "app shop {\n  registry = \"ghcr.io/acme\"\n}\n";

#[test]
fn duplicate_declarations_scale_linearly() {
    assert_linear(
        "duplicate services",
        APP,
        "service web {\n  image = \"web:{i}\"\n}\n",
        500,
    );
    assert_linear(
        "duplicate environments",
        APP,
        "environment prod {\n  cluster = \"c\"\n  namespace = \"n\"\n  trigger = manual\n}\n",
        500,
    );
    assert_linear("duplicate strategies", APP, "strategy s = recreate\n", 1000);
}

#[test]
fn duplicate_fields_ports_and_variables_scale_linearly() {
    let head = format!("{APP}service web {{\n  image = \"web:1\"\n");
    assert_linear("duplicate fields", &head, "  replicas = {i}\n", 1000);
    assert_linear(
        "duplicate ports",
        &format!("{head}  ports {{\n"),
        "    p{i} = 8080\n",
        1000,
    );
    assert_linear(
        "duplicate variables",
        &format!("{head}  env {{\n"),
        "    MODE = \"{i}\"\n",
        1000,
    );
}

#[test]
fn unknown_references_and_errors_scale_linearly() {
    // "Did you mean" compares each unknown name with every declared one, so its work grows
    // as N * N until the check's suggestion budget is spent, and not at all after that: N is
    // chosen past that point (3,000 * 3,000 candidates is over the budget of 4,000,000).
    assert_linear(
        "unknown references",
        APP,
        "service s{i} { image = \"s:1\"  depends_on = [missing-{i}] }\n",
        3000,
    );
    assert_linear("syntax errors", "", "service s{i} { image = }\n", 500);
    assert_linear(
        "a checking error in every service",
        APP,
        "service s{i} { replicas = 1 }\n",
        500,
    );
}

#[test]
fn an_override_for_every_service_scales_linearly() {
    // Overrides and environment defaults are matched to services by name: a lookup per
    // override, never a scan of every service or of every earlier override.
    let spec = |count: usize| {
        let mut text = APP.to_string();
        for index in 0..count {
            text.push_str(&format!("service s{index} {{ image = \"s:1\" }}\n"));
        }
        text.push_str("environment prod {\n  cluster = \"c\"\n  namespace = \"n\"\n");
        text.push_str("  trigger = manual\n  defaults { replicas = 3 }\n");
        for index in 0..count {
            text.push_str(&format!("  override s{index} {{ replicas = 2 }}\n"));
        }
        // One error, so the spec is checked to the end and still fails like the others.
        text.push_str("}\nenvironment broken {}\n");
        text
    };
    assert_linear_spec("overrides", 2000, spec);
}

#[path = "hostile/recipe.rs"]
mod recipe;
