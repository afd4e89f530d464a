//! `textDocument/codeAction`: a quick fix for every diagnostic under the cursor or selection
//! that carries machine-applicable fixes (the "did you mean" replacements of the checker,
//! units, quotes). Safe fixes, the ones `slipway check --fix` applies, are marked preferred;
//! suggested ones are offered too, for a person to choose.

use super::convert::{self, FileLookup};
use super::workspace::{Analysis, Workspace};
use crate::Diagnostic;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Range, TextEdit, Uri,
    WorkspaceEdit,
};
use std::collections::HashMap;

pub fn code_actions(
    workspace: &mut Workspace,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    let analysis = workspace.analysis(&uri);
    let file = analysis.file_index(&uri)?;
    let actions = analysis
        .checked
        .diagnostics
        .iter()
        .filter(|d| !d.fixes.is_empty() && d.primary.span.file.0 as usize == file)
        .filter_map(|d| quick_fix(&analysis, d, params.range))
        .map(CodeActionOrCommand::CodeAction)
        .collect();
    Some(actions)
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// `WorkspaceEdit::changes` is keyed by `Uri`, which clippy flags for its interior cache; the
/// keys are never mutated here.
#[allow(clippy::mutable_key_type)]
fn quick_fix(analysis: &Analysis, diagnostic: &Diagnostic, wanted: Range) -> Option<CodeAction> {
    let converted = convert::diagnostic(analysis, diagnostic)?;
    if !overlaps(converted.range, wanted) {
        return None;
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for fix in &diagnostic.fixes {
        let file = fix.span.file.0 as usize;
        let uri = analysis.uri(file)?.clone();
        let end = analysis.span_end(fix.span).max(fix.span.start as usize);
        let range = analysis.range(file, fix.span.start as usize, end);
        changes.entry(uri).or_default().push(TextEdit {
            range,
            new_text: fix.replacement.clone(),
        });
    }
    let title = match diagnostic.fixes.as_slice() {
        [only] if only.replacement.is_empty() => "Remove it".to_string(),
        [only] => format!("Change to `{}`", only.replacement),
        _ => "Apply the suggested fixes".to_string(),
    };
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![converted]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        // Safe fixes are the ones `slipway check --fix` applies; an editor may apply a
        // preferred fix with one key.
        is_preferred: Some(diagnostic.has_safe_fix()),
        ..CodeAction::default()
    })
}
