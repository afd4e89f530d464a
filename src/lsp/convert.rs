//! Conversions between the compiler's world (byte offsets, paths, [`Diagnostic`]s) and the
//! protocol's (line/character positions in UTF-16 or UTF-8 code units, URIs, LSP diagnostics).

use crate::diagnostics::{Diagnostic, Severity};
use crate::span::{LineColumn, LineIndex};
use lsp_types::{DiagnosticRelatedInformation, Location, NumberOrString, Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The unit of `Position::character`, agreed at initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf16,
    Utf8,
}

impl Encoding {
    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf8 => c.len_utf8(),
        }
    }
}

/// Byte offset to position conversion for one text: the compiler's [`LineIndex`], with
/// columns in the agreed encoding.
#[derive(Debug, Clone)]
pub struct Lines {
    index: LineIndex,
    encoding: Encoding,
}

impl Lines {
    pub fn new(text: &str, encoding: Encoding) -> Lines {
        Lines {
            index: LineIndex::new(text),
            encoding,
        }
    }

    /// The unit its columns are counted in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let found = self
            .index
            .line_column_in(text, offset, |c| self.encoding.width(c));
        Position {
            line: found.line,
            character: found.column,
        }
    }

    /// The byte offset of `position`; positions past the end of a line clamp to its end.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let wanted = LineColumn {
            line: position.line,
            column: position.character,
        };
        self.index
            .offset_in(text, wanted, |c| self.encoding.width(c))
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range {
            start: self.position(text, start),
            end: self.position(text, end.max(start)),
        }
    }
}

/// The file system path of a `file:` URI (percent-decoded); other schemes have none.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

/// A `file:` URI for an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    Uri::from_str(url.as_str()).ok()
}

/// What the conversion of diagnostics needs to know about each file of a spec.
pub trait FileLookup {
    fn uri(&self, file: usize) -> Option<&Uri>;
    fn text(&self, file: usize) -> &str;
    fn lines(&self, file: usize) -> Option<&Lines>;
    /// The end of a span once trailing whitespace and comments are dropped.
    fn span_end(&self, span: crate::Span) -> usize;
}

/// The range of `span` in its file.
pub fn span_range(files: &dyn FileLookup, span: crate::Span) -> Option<Range> {
    let file = span.file.0 as usize;
    let lines = files.lines(file)?;
    let end = files.span_end(span).max(span.start as usize);
    Some(lines.range(files.text(file), span.start as usize, end))
}

/// The LSP form of a diagnostic: code, severity, message (with the help line), the primary
/// range, and secondary labels as related information.
pub fn diagnostic(
    files: &dyn FileLookup,
    diagnostic: &Diagnostic,
) -> Option<lsp_types::Diagnostic> {
    let range = span_range(files, diagnostic.primary.span)?;
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            let uri = files.uri(label.span.file.0 as usize)?.clone();
            let range = span_range(files, label.span)?;
            Some(DiagnosticRelatedInformation {
                location: Location { uri, range },
                message: label.message.clone(),
            })
        })
        .collect();
    Some(lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => lsp_types::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp_types::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
        source: Some("slipway".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: (!diagnostic.data.is_empty())
            .then(|| serde_json::to_value(&diagnostic.data).ok())
            .flatten(),
        ..lsp_types::Diagnostic::default()
    })
}

#[cfg(test)]
mod tests {
    use super::{path_to_uri, uri_to_path};
    use lsp_types::Uri;
    use std::path::Path;
    use std::str::FromStr;

    #[test]
    fn file_uris_and_paths_round_trip_with_reserved_characters() {
        for path in ["/work/shop/app.slip", "/work/my shop/100% ready/é.slip"] {
            let uri = path_to_uri(Path::new(path)).unwrap();
            assert!(uri.as_str().starts_with("file:///"), "{}", uri.as_str());
            assert_eq!(uri_to_path(&uri).as_deref(), Some(Path::new(path)));
        }
        let uri = Uri::from_str("file:///work/my%20shop/app.slip").unwrap();
        assert_eq!(
            uri_to_path(&uri).as_deref(),
            Some(Path::new("/work/my shop/app.slip"))
        );
        let localhost = Uri::from_str("file://localhost/work/app.slip").unwrap();
        assert_eq!(
            uri_to_path(&localhost).as_deref(),
            Some(Path::new("/work/app.slip"))
        );
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&untitled), None);
    }
}
