//! `textDocument/publishDiagnostics`: after every change, each file of the changed spec (and
//! each file it imports, except standard modules) gets its full list of diagnostics, from the
//! same check and with the same codes as `slipway check`. A file whose problems are fixed gets
//! an empty list, which clears them.

use super::convert;
use super::workspace::Analysis;
use lsp_types::{PublishDiagnosticsParams, Uri};

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
