//! `textDocument/publishDiagnostics`: after every change, the changed file, and each other
//! file of its spec (and each file it imports, except standard modules) whose diagnostics
//! differ from those last published for it, gets its full list of diagnostics, from the same
//! check and with the same codes as `slipway check`. A file whose problems are fixed gets an
//! empty list, which clears them. An edit that changes nothing elsewhere publishes for the
//! edited file only.

use super::convert;
use super::workspace::Analysis;
use lsp_types::{PublishDiagnosticsParams, Uri};
use std::collections::HashMap;

/// What was last published for each file, by URI: what the editor shows.
#[derive(Debug, Default)]
pub struct Published {
    shown: HashMap<String, Vec<lsp_types::Diagnostic>>,
}

impl Published {
    /// The publications of `all` the editor needs: those for `changed` (the file the change
    /// was made to, published even when its list is the same, for its new version), and those
    /// whose list differs from the last one published.
    pub fn needed(
        &mut self,
        changed: &Uri,
        all: Vec<PublishDiagnosticsParams>,
    ) -> Vec<PublishDiagnosticsParams> {
        all.into_iter()
            .filter(|publication| {
                let key = publication.uri.as_str();
                let same = self.shown.get(key) == Some(&publication.diagnostics);
                if !same {
                    self.shown
                        .insert(key.to_string(), publication.diagnostics.clone());
                }
                !same || publication.uri == *changed
            })
            .collect()
    }

    /// Forgets what was published for every file not in `held`.
    pub fn keep_only(&mut self, held: &std::collections::HashSet<&str>) {
        self.shown.retain(|uri, _| held.contains(uri.as_str()));
    }

    /// How many files the record holds.
    pub fn files_held(&self) -> usize {
        self.shown.len()
    }

    /// Forgets what was published for `uri` (it left every spec and was cleared).
    pub fn forget(&mut self, uri: &Uri) {
        self.shown.remove(uri.as_str());
    }
}

/// One publication per file of the spec, in file order.
pub fn publications(analysis: &Analysis) -> Vec<PublishDiagnosticsParams> {
    let mut per_file: Vec<Vec<lsp_types::Diagnostic>> = vec![Vec::new(); analysis.files.len()];
    for diagnostic in &analysis.checked.diagnostics {
        let file = diagnostic.primary.span.file.0 as usize;
        let converted = convert::diagnostic(analysis, diagnostic);
        if let (Some(list), Some(converted)) = (per_file.get_mut(file), converted) {
            list.push(converted);
        }
    }
    analysis
        .files
        .iter()
        .zip(per_file)
        .filter(|(file, _)| !file.standard)
        .filter_map(|(file, diagnostics)| {
            let uri = file.uri.clone()?;
            Some(PublishDiagnosticsParams {
                uri,
                diagnostics,
                version: file.version,
            })
        })
        .collect()
}

/// An empty publication, for a document that left every spec.
pub fn cleared(uri: Uri) -> PublishDiagnosticsParams {
    PublishDiagnosticsParams {
        uri,
        diagnostics: Vec::new(),
        version: None,
    }
}
