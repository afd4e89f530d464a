//! Usage and file errors: clap's errors, and for `check --format json` the same errors as a
//! JSON object on stdout, so a program that asked for JSON never has to parse text.
//!
//! The object is `{"error": {"kind": "usage" | "io", "message": "..."}, "diagnostics": []}`;
//! the exit status stays 2.

use super::status;

/// Reports a failed parse of the arguments (help and `--version` are not failures) and
/// returns the exit status.
pub fn parse_failed(error: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    let kind = error.kind();
    let informational = matches!(
        kind,
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !informational && check_wants_json(std::env::args_os().skip(1)) {
        print_json_error("usage", error.render().to_string().trim_end());
        return status::USAGE;
    }
    drop(error.print());
    u8::try_from(error.exit_code()).unwrap_or(status::USAGE)
}

/// A file that cannot be read (exit status 2), as JSON or as a line on stderr.
pub fn file_error(message: &str, json: bool) -> u8 {
    if json {
        print_json_error("io", message);
    } else {
        eprintln!("error: {message}");
    }
    status::USAGE
}

fn print_json_error(kind: &str, message: &str) {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let document = serde_json::json!({
        "error": { "kind": kind, "message": message },
        "diagnostics": [],
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string())
    );
}

/// Whether the raw arguments run `check` with `--format json` (or `--format=json`).
fn check_wants_json(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let is_check = args.iter().any(|arg| arg == "check");
    let json = args.iter().any(|arg| arg == "--format=json")
        || args
            .windows(2)
            .any(|pair| matches!(pair, [flag, value] if flag == "--format" && value == "json"));
    is_check && json
}

#[cfg(test)]
mod tests {
    use super::check_wants_json;

    fn wants(args: &[&str]) -> bool {
        check_wants_json(args.iter().map(std::ffi::OsString::from))
    }

    #[test]
    fn only_check_with_json_format_gets_json_errors() {
        assert!(wants(&["check", "--format", "json", "--nope"]));
        assert!(wants(&["--color", "never", "check", "--format=json"]));
        assert!(!wants(&["check", "--format", "short", "--nope"]));
        assert!(!wants(&["graph", "--format", "json"]));
    }
}
