//! `textDocument/definition`: from a reference (or a declaration name) to the declaration of
//! that environment, service, strategy or policy, in whichever file of the spec it is.

use super::index;
use super::workspace::Workspace;
use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

pub fn definition(
    workspace: &mut Workspace,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let at = params.text_document_position_params;
    let analysis = workspace.analysis(&at.text_document.uri);
    let file = analysis.file_index(&at.text_document.uri)?;
    let symbol = index::at(&analysis, file, analysis.offset(file, at.position))?;
    let locations: Vec<Location> = index::declarations(&analysis, symbol.kind, &symbol.name)
        .into_iter()
        .filter_map(|found| {
            let uri = analysis.files.get(found.file)?.uri.clone()?;
            Some(Location {
                uri,
                range: analysis.range(found.file, found.start, found.end),
            })
        })
        .collect();
    match locations.len() {
        0 => None,
        1 => locations
            .into_iter()
            .next()
            .map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}
