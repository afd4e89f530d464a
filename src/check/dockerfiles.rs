//! Build contexts: does the image job's Dockerfile build what the service's build job built?
//!
//! The generated workflow builds a service's code in its `build-<service>` job and its image in
//! the `image` job, from a fresh checkout of `build.context` with its Dockerfile. The build
//! job's output (the jar, the binary, `dist/`) is not passed to the image job, so an image
//! whose Dockerfile only copies that output in (one `FROM` stage) is built from files that are
//! not there, or, worse, from stale ones committed by mistake. The Dockerfile must build from
//! source itself: a multi-stage Dockerfile. This module reads the Dockerfile through the
//! loader (the CLI reads it from the repository; without a repository nothing is checked) and
//! reports SW0324 on a single-stage one.

use crate::check::model::{Build, Model, ToolchainKind};
use crate::check::modules::Project;
use crate::diagnostics::{Code, Diagnostic};

/// SW0324 for every service with a build job whose Dockerfile, read through `loader`, has a
/// single stage. A Dockerfile the loader cannot find is not judged.
pub fn check(model: &Model, project: Project) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for service in &model.services {
        let Some(build) = &service.build else {
            continue;
        };
        let Some(toolchain) = &build.toolchain else {
            continue;
        };
        let path = dockerfile_path(build);
        let Some(text) = project.repository_file(&path) else {
            continue;
        };
        if stages(&text) == 1 {
            found.push(single_stage(
                &service.name.value,
                build,
                toolchain.kind,
                &path,
            ));
        }
    }
    found
}

/// The Dockerfile the image job builds with ([`Build::dockerfile_path`]), without `.` or
/// empty segments, as the loader takes repository paths.
fn dockerfile_path(build: &Build) -> String {
    build
        .dockerfile_path()
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The number of build stages: `FROM` instructions, case-insensitive, after joining lines
/// continued with the escape character (`\`, or the one a `# escape=` directive names) and
/// skipping comments.
pub fn stages(text: &str) -> usize {
    let escape = escape_character(text);
    let mut count = 0;
    let mut continued = false;
    for line in text.lines() {
        let trimmed = line.trim();
        // Comments and blank lines neither start nor end an instruction, inside a
        // continuation too.
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let word = trimmed.split_whitespace().next().unwrap_or_default();
        if !continued && word.eq_ignore_ascii_case("FROM") {
            count += 1;
        }
        continued = trimmed.ends_with(escape);
    }
    count
}

/// The escape character of a Dockerfile: a parser directive `# escape=` before the first
/// instruction, else `\`.
fn escape_character(text: &str) -> char {
    for line in text.lines() {
        let trimmed = line.trim();
        let Some(directive) = trimmed.strip_prefix('#') else {
            break;
        };
        let directive = directive.trim();
        if let Some(value) = directive
            .to_ascii_lowercase()
            .strip_prefix("escape")
            .and_then(|rest| rest.trim_start().strip_prefix('='))
        {
            return value.trim().chars().next().unwrap_or('\\');
        }
    }
    '\\'
}

fn single_stage(service: &str, build: &Build, toolchain: ToolchainKind, path: &str) -> Diagnostic {
    let (tool, base) = match toolchain {
        ToolchainKind::Maven => ("Maven", "maven:3-eclipse-temurin-21"),
        ToolchainKind::Gradle => ("Gradle", "gradle:8-jdk21"),
        ToolchainKind::Npm => ("npm", "node:22"),
        ToolchainKind::Go => ("Go", "golang:1.23"),
        ToolchainKind::Cargo => ("Cargo", "rust:1"),
        ToolchainKind::Python => ("Python", "python:3.12"),
    };
    Diagnostic::warning(
        Code::SW0324,
        format!(
            "the image of `{service}` is built from a single-stage Dockerfile ({path}), which cannot contain what its {tool} build job built"
        ),
        build.span,
        format!("the image job builds {path} in a fresh checkout"),
    )
    .with_help(format!(
        "build from source in the Dockerfile: a first stage `FROM {base} AS build` that runs the build, then `COPY --from=build` into the runtime stage (the `build-{service}` job's output is not passed to the image job)"
    ))
}

#[cfg(test)]
mod tests {
    use super::stages;

    #[test]
    fn counts_from_instructions_only() {
        assert_eq!(stages("FROM alpine\nCOPY app /app\n"), 1);
        assert_eq!(
            stages("# syntax=docker/dockerfile:1\nfrom golang:1.23 as build\nRUN go build\nFROM scratch\nCOPY --from=build /app /app\n"),
            2
        );
    }

    #[test]
    fn skips_comments_and_continued_lines() {
        let text = "FROM alpine\n# FROM commented out\nRUN echo \\\n  FROM not an instruction\n";
        assert_eq!(stages(text), 1);
    }

    #[test]
    fn follows_the_escape_directive() {
        let text =
            "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  FROM c:\\\nFROM alpine\n";
        assert_eq!(stages(text), 2);
    }
}
