//! The one place where diagnostics become text: miette's graphical report for people, and a
//! JSON document for editors and CI.
//!
//! Labels that point into another file than the primary label are rendered as a related
//! report with that file's source, so cross-file problems (a promotion cycle spanning files)
//! still show every place involved.

use super::{Diagnostic, Label, Severity};
use crate::span::{FileId, LineIndex, SourceFile};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;
use std::fmt;

/// How human-readable reports look.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub colour: bool,
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            colour: false,
            width: 80,
        }
    }
}

/// Renders diagnostics as miette reports, one after another.
pub fn render_human(files: &[SourceFile], diagnostics: &[Diagnostic], options: RenderOptions) -> String {
    let theme = if options.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report::new(files, diagnostic);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
        out.push('\n');
    }
    out
}

/// A one-line summary such as `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

/// A source file as miette wants it: name plus text, borrowed.
struct FileSource<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for FileSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// One diagnostic (or the part of it that lives in one file) as a miette report.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<FileSource<'a>>,
    labels: Vec<(&'a Label, bool)>,
    related: Vec<Report<'a>>,
    message: String,
}

impl<'a> Report<'a> {
    fn new(files: &'a [SourceFile], diagnostic: &'a Diagnostic) -> Report<'a> {
        let primary_file = diagnostic.primary.span.file;
        let mut labels = vec![(&diagnostic.primary, true)];
        let mut other_files: Vec<FileId> = Vec::new();
        for label in &diagnostic.secondary {
            if label.span.file == primary_file {
                labels.push((label, false));
            } else if !other_files.contains(&label.span.file) {
                other_files.push(label.span.file);
            }
        }
        let related = other_files
            .into_iter()
            .map(|file| Report {
                diagnostic,
                source: file_source(files, file),
                labels: diagnostic
                    .secondary
                    .iter()
                    .filter(|label| label.span.file == file)
                    .map(|label| (label, false))
                    .collect(),
                related: Vec::new(),
                message: "related location".to_string(),
            })
            .collect();
        Report {
            diagnostic,
            source: file_source(files, primary_file),
            labels,
            related,
            message: diagnostic.message.clone(),
        }
    }

    fn is_primary(&self) -> bool {
        self.labels.first().is_some_and(|(_, primary)| *primary)
    }
}

fn file_source(files: &[SourceFile], file: FileId) -> Option<FileSource<'_>> {
    files.get(file.0 as usize).map(|source| FileSource {
        name: &source.name,
        text: &source.text,
    })
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.is_primary()
            .then(|| Box::new(self.diagnostic.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        match (self.is_primary(), self.diagnostic.severity) {
            (false, _) => Some(miette::Severity::Advice),
            (true, Severity::Error) => Some(miette::Severity::Error),
            (true, Severity::Warning) => Some(miette::Severity::Warning),
        }
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.is_primary() {
            return None;
        }
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let text_len = self.source.as_ref().map_or(0, |source| source.text.len());
        Some(Box::new(self.labels.iter().map(move |(label, primary)| {
            let start = (label.span.start as usize).min(text_len);
            let end = (label.span.end as usize).min(text_len).max(start);
            let span = SourceSpan::new(start.into(), end - start);
            let message = Some(label.message.clone()).filter(|m| !m.is_empty());
            if *primary {
                LabeledSpan::new_primary_with_span(message, span)
            } else {
                LabeledSpan::new_with_span(message, span)
            }
        })))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|report| report as &dyn miette::Diagnostic),
        ))
    }
}

/// A position in JSON output: 1-based line and column (columns count characters).
#[derive(Debug, Serialize)]
pub struct JsonPosition {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub message: String,
    pub start: JsonPosition,
    pub end: JsonPosition,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub start: JsonPosition,
    pub end: JsonPosition,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
}

/// Converts diagnostics to the JSON shape printed by `slipway check --format json`.
pub fn to_json(files: &[SourceFile], diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    let indexes: Vec<LineIndex> = files.iter().map(|file| LineIndex::new(&file.text)).collect();
    let locate = |label: &Label| {
        let file = files.get(label.span.file.0 as usize);
        let index = indexes.get(label.span.file.0 as usize);
        let position = |offset: u32| match (file, index) {
            (Some(file), Some(index)) => {
                let at = index.line_column(&file.text, offset as usize);
                JsonPosition {
                    line: at.line + 1,
                    column: at.column + 1,
                }
            }
            _ => JsonPosition { line: 1, column: 1 },
        };
        JsonLabel {
            file: file.map(|f| f.name.clone()).unwrap_or_default(),
            message: label.message.clone(),
            start: position(label.span.start),
            end: position(label.span.end),
        }
    };
    diagnostics
        .iter()
        .map(|diagnostic| {
            let primary = locate(&diagnostic.primary);
            JsonDiagnostic {
                file: primary.file.clone(),
                code: diagnostic.code.to_string(),
                severity: diagnostic.severity,
                message: diagnostic.message.clone(),
                start: primary.start,
                end: primary.end,
                labels: std::iter::once(&diagnostic.primary)
                    .chain(&diagnostic.secondary)
                    .map(locate)
                    .collect(),
                help: diagnostic.help.clone(),
            }
        })
        .collect()
}
