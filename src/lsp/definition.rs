//! `textDocument/definition`: from a reference (or a declaration name) to the declaration of
//! that environment, service, strategy or policy, in whichever file of the spec it is, an
//! imported module's file or a standard module's read-only copy included; from a module's
//! alias (`strategies` in `strategies.progressive-canary`) to the top of the module.

use super::index;
use super::workspace::{Analysis, Workspace};
use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

pub fn definition(
    workspace: &mut Workspace,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let at = params.text_document_position_params;
    let analysis = workspace.analysis(&at.text_document.uri);
    let file = analysis.file_index(&at.text_document.uri)?;
    let offset = analysis.offset(file, at.position);
    let targets: Vec<(usize, usize, usize)> = match index::at(&analysis, file, offset) {
        Some(symbol) => index::resolve(&analysis, &symbol)
            .into_iter()
            .map(|found| (found.file, found.start, found.end))
            .collect(),
        None => index::module_at(&analysis, file, offset)
            .map(|module| (module, 0, 0))
            .into_iter()
            .collect(),
    };
    let mut locations: Vec<Location> = targets
        .into_iter()
        .filter_map(|(file, start, end)| location(&analysis, file, start, end))
        .collect();
    match locations.len() {
        0 => None,
        1 => locations.pop().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}

/// The location of `start..end` in `file`, if the editor can open the file.
fn location(analysis: &Analysis, file: usize, start: usize, end: usize) -> Option<Location> {
    Some(Location {
        uri: analysis.files.get(file)?.uri.clone()?,
        range: analysis.range(file, start, end),
    })
}
