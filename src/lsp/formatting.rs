//! `textDocument/formatting`: the formatter of `slipway fmt`, as one edit replacing the whole
//! document. A document with syntax errors is left alone (no edits).

use super::workspace::Workspace;
use lsp_types::{DocumentFormattingParams, Position, Range, TextEdit};

pub fn formatting(
    workspace: &mut Workspace,
    params: DocumentFormattingParams,
) -> Option<Vec<TextEdit>> {
    let uri = params.text_document.uri;
    let analysis = workspace.analysis(&uri);
    let file = analysis.files.get(analysis.file_index(&uri)?)?;
    let formatted = crate::fmt::format_source(&file.text).ok()?;
    if formatted == file.text {
        return Some(Vec::new());
    }
    let end = file.lines.position(&file.text, file.text.len());
    Some(vec![TextEdit {
        range: Range {
            start: Position::new(0, 0),
            end,
        },
        new_text: formatted,
    }])
}
