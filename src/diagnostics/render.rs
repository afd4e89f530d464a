//! The one place where diagnostics become text: miette's graphical report for people, one
//! line per problem (`render_short`), and a JSON document for editors and CI.
//!
//! Labels that point into another file than the primary label are rendered as a related
//! report with that file's source, so cross-file problems (a promotion cycle spanning files)
//! still show every place involved.
//!
//! miette reads snippets through [`FileSource`], which hands it only the lines around a label
//! (found with [`LineIndex`]), so rendering many diagnostics in a big file stays linear.
//! Labels on very long lines are shown as `file:line:column` instead of a snippet: miette
//! prints whole lines, and panics when a label's column passes 65535.

use super::{visible, Applicability, Datum, Diagnostic, Fix, Label, Severity};
use crate::span::LineIndex;
use crate::span::{FileId, SourceFile, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;
use std::collections::BTreeMap;
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
pub fn render_human(
    files: &[SourceFile],
    diagnostics: &[Diagnostic],
    options: RenderOptions,
) -> String {
    // A clean check of a large spec renders nothing: spare the escaping and line tables.
    if diagnostics.is_empty() {
        return String::new();
    }
    let theme = if options.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false);
    // Nothing from a spec reaches the terminal raw: control sequences in names, strings and
    // comments are made visible first (see `visible`).
    let files: Vec<SourceFile> = files
        .iter()
        .map(|file| SourceFile {
            name: visible::escaped(&file.name).into_owned(),
            text: visible::same_length(&file.text).into_owned(),
        })
        .collect();
    let diagnostics: Vec<Diagnostic> = diagnostics.iter().map(shown_diagnostic).collect();
    let files = files.as_slice();
    let diagnostics = diagnostics.as_slice();
    let lines: Vec<LineIndex> = files
        .iter()
        .map(|file| LineIndex::new(&file.text))
        .collect();
    let sources: Vec<FileSource> = files
        .iter()
        .zip(&lines)
        .map(|(file, lines)| FileSource {
            name: &file.name,
            text: &file.text,
            lines,
        })
        .collect();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report::new(&sources, diagnostic);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
        out.push('\n');
    }
    out
}

/// `diagnostic` with its message, labels and help made safe to print (controls escaped,
/// enormous words cut).
fn shown_diagnostic(diagnostic: &Diagnostic) -> Diagnostic {
    let shown = |text: &str| visible::short_words(&visible::escaped(text)).into_owned();
    let label = |label: &Label| Label {
        span: label.span,
        message: shown(&label.message),
    };
    Diagnostic {
        message: shown(&diagnostic.message),
        primary: label(&diagnostic.primary),
        secondary: diagnostic.secondary.iter().map(label).collect(),
        help: help_with_fix(diagnostic).as_deref().map(shown),
        ..diagnostic.clone()
    }
}

/// The help line, followed by what `slipway check --fix` would do when it can fix the
/// problem by itself.
fn help_with_fix(diagnostic: &Diagnostic) -> Option<String> {
    let fix = diagnostic
        .has_safe_fix()
        .then(|| match diagnostic.fixes.as_slice() {
            [only] if only.replacement.is_empty() => "`slipway check --fix` removes it".to_string(),
            [only] => format!("`slipway check --fix` changes it to `{}`", only.replacement),
            _ => "`slipway check --fix` applies this".to_string(),
        });
    match (&diagnostic.help, fix) {
        (Some(help), Some(fix)) => Some(format!("{help}\nfix: {fix}")),
        (None, Some(fix)) => Some(format!("fix: {fix}")),
        (help, None) => help.clone(),
    }
}

/// A one-line summary such as `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Lines longer than this (in bytes) are never shown in a snippet.
const MAX_SHOWN_LINE: usize = 1000;

/// A source file as miette wants it: name plus text, borrowed, with its line index.
struct FileSource<'a> {
    name: &'a str,
    text: &'a str,
    lines: &'a LineIndex,
}

impl FileSource<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset)
    }

    /// The byte offset where `line` starts, or the end of the text past the last line.
    fn line_start(&self, line: usize) -> usize {
        self.lines.start(line, self.text.len())
    }

    /// Whether the lines of `span`, and one line either side, are short enough to show.
    fn can_show(&self, span: Span) -> bool {
        let first = self.line_of(span.start as usize).saturating_sub(1);
        let last = self.line_of(span.end as usize) + 1;
        (first..=last)
            .all(|line| self.line_start(line + 1) - self.line_start(line) <= MAX_SHOWN_LINE)
    }

    /// Whether `label` ends so far above `primary` that miette would show it in a snippet of
    /// its own before the primary label's: miette shows a line around each label and joins
    /// snippets that touch.
    fn shown_apart_before(&self, label: Span, primary: Span) -> bool {
        self.line_of(label.end as usize) + 3 < self.line_of(primary.start as usize)
    }

    /// `file:line:column` (1-based), for labels that cannot be shown in a snippet.
    fn location(&self, offset: usize) -> String {
        let position = self.lines.line_column(self.text, offset);
        let (line, column) = (position.line as usize, position.column as usize);
        format!("{}:{}:{}", self.name, line + 1, column + 1)
    }
}

impl SourceCode for FileSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette scans from the start of whatever text it is given, so give it only the lines
        // it can show (plus a spare line either side) and move the answer back into place.
        let start = span.offset().min(self.text.len());
        let end = (start + span.len()).min(self.text.len());
        let first_line = self.line_of(start).saturating_sub(context_lines_before + 1);
        let last_line = self.line_of(end) + context_lines_after + 1;
        let window_start = self.line_start(first_line);
        let window = &self.text[window_start..self.line_start(last_line + 1)];
        let local = SourceSpan::new((start - window_start).into(), end - start);
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let data_span = SourceSpan::new(
            (inner.span().offset() + window_start).into(),
            inner.span().len(),
        );
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            data_span,
            inner.line() + first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// One diagnostic (or the part of it that lives in one file) as a miette report.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<&'a FileSource<'a>>,
    labels: Vec<(&'a Label, bool)>,
    related: Vec<Report<'a>>,
    message: String,
    /// False for the related reports that show other files' labels.
    primary: bool,
}

impl<'a> Report<'a> {
    fn new(files: &'a [FileSource<'a>], diagnostic: &'a Diagnostic) -> Report<'a> {
        let primary_file = diagnostic.primary.span.file;
        let source = files.get(primary_file.0 as usize);
        let mut labels = vec![(&diagnostic.primary, true)];
        let mut earlier: Vec<(&Label, bool)> = Vec::new();
        let mut other_files: Vec<FileId> = Vec::new();
        for label in &diagnostic.secondary {
            if label.span.file != primary_file {
                if !other_files.contains(&label.span.file) {
                    other_files.push(label.span.file);
                }
            } else if source
                .is_some_and(|s| s.shown_apart_before(label.span, diagnostic.primary.span))
            {
                earlier.push((label, false));
            } else {
                labels.push((label, false));
            }
        }
        // The primary label's snippet (and its `file:line:column`) comes first: labels far
        // above it in its file, which miette would show first, follow it as a related report,
        // and so do the labels in other files.
        let mut related: Vec<Report<'a>> = Vec::new();
        if !earlier.is_empty() {
            related.push(Report::related(diagnostic, source, earlier));
        }
        related.extend(other_files.into_iter().map(|file| {
            let labels = diagnostic
                .secondary
                .iter()
                .filter(|label| label.span.file == file)
                .map(|label| (label, false))
                .collect();
            Report::related(diagnostic, files.get(file.0 as usize), labels)
        }));
        Report {
            diagnostic,
            source: files.get(primary_file.0 as usize),
            labels,
            related,
            message: diagnostic.message.clone(),
            primary: true,
        }
        .without_long_lines()
    }

    /// A report of secondary labels, shown after the primary one.
    fn related(
        diagnostic: &'a Diagnostic,
        source: Option<&'a FileSource<'a>>,
        labels: Vec<(&'a Label, bool)>,
    ) -> Report<'a> {
        Report {
            diagnostic,
            source,
            labels,
            related: Vec::new(),
            message: "related location".to_string(),
            primary: false,
        }
        .without_long_lines()
    }

    /// Drops the snippet when a label sits on a line too long to show, and names each
    /// label's place in the message instead.
    fn without_long_lines(mut self) -> Report<'a> {
        let Some(source) = self.source else {
            return self;
        };
        if self
            .labels
            .iter()
            .all(|(label, _)| source.can_show(label.span))
        {
            return self;
        }
        for (label, _) in &self.labels {
            let place = source.location(label.span.start as usize);
            self.message
                .push_str(&format!("\n  at {place}: {}", label.message));
        }
        self.source = None;
        self.labels.clear();
        self
    }

    fn is_primary(&self) -> bool {
        self.primary
    }
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
        self.source.map(|source| source as &dyn SourceCode)
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
            self.related
                .iter()
                .map(|report| report as &dyn miette::Diagnostic),
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

/// A machine-applicable edit: replace `start..end` of `file` by `replacement`.
/// `applicability` is `safe` (applied by `slipway check --fix`) or `suggested`.
#[derive(Debug, Serialize)]
pub struct JsonFix {
    pub file: String,
    pub start: JsonPosition,
    pub end: JsonPosition,
    pub replacement: String,
    pub applicability: Applicability,
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
    pub fixes: Vec<JsonFix>,
    /// The problem's facts ([`Diagnostic::data`]); left out when it has none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<&'static str, Datum>,
}

/// Turns byte spans into file names and 1-based positions.
struct Locator<'a> {
    files: &'a [SourceFile],
    lines: Vec<LineIndex>,
}

impl Locator<'_> {
    fn file_name(&self, span: Span) -> String {
        self.files
            .get(span.file.0 as usize)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    }

    fn position(&self, file: FileId, offset: u32) -> JsonPosition {
        let index = file.0 as usize;
        match (self.files.get(index), self.lines.get(index)) {
            (Some(file), Some(file_lines)) => {
                let position = file_lines.line_column(&file.text, offset as usize);
                JsonPosition {
                    line: position.line.saturating_add(1),
                    column: position.column.saturating_add(1),
                }
            }
            _ => JsonPosition { line: 1, column: 1 },
        }
    }

    fn label(&self, label: &Label) -> JsonLabel {
        JsonLabel {
            file: self.file_name(label.span),
            message: label.message.clone(),
            start: self.position(label.span.file, label.span.start),
            end: self.position(label.span.file, label.span.end),
        }
    }

    fn fix(&self, fix: &Fix) -> JsonFix {
        JsonFix {
            file: self.file_name(fix.span),
            start: self.position(fix.span.file, fix.span.start),
            end: self.position(fix.span.file, fix.span.end),
            replacement: fix.replacement.clone(),
            applicability: fix.applicability,
        }
    }
}

/// Converts diagnostics to the JSON shape printed by `slipway check --format json`.
pub fn to_json(files: &[SourceFile], diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    let locator = Locator {
        files,
        lines: files
            .iter()
            .map(|file| LineIndex::new(&file.text))
            .collect(),
    };
    diagnostics
        .iter()
        .map(|diagnostic| {
            let primary = locator.label(&diagnostic.primary);
            JsonDiagnostic {
                file: primary.file.clone(),
                code: diagnostic.code.to_string(),
                severity: diagnostic.severity,
                message: diagnostic.message.clone(),
                start: primary.start,
                end: primary.end,
                labels: std::iter::once(&diagnostic.primary)
                    .chain(&diagnostic.secondary)
                    .map(|label| locator.label(label))
                    .collect(),
                help: diagnostic.help.clone(),
                fixes: diagnostic
                    .fixes
                    .iter()
                    .map(|fix| locator.fix(fix))
                    .collect(),
                data: diagnostic.data.clone(),
            }
        })
        .collect()
}

/// One line per diagnostic, `file:line:column: severity[CODE]: message`, as rustc's `short`
/// and ruff's `concise` formats print them (positions count from 1, columns in characters).
pub fn render_short(files: &[SourceFile], diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for (diagnostic, located) in diagnostics.iter().zip(to_json(files, diagnostics)) {
        let severity = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let message = diagnostic.message.replace('\n', " ");
        text.push_str(&format!(
            "{}:{}:{}: {severity}[{}]: {message}\n",
            located.file, located.start.line, located.start.column, diagnostic.code
        ));
    }
    text
}
