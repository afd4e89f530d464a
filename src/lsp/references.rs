//! `textDocument/references`: every place in the spec that names the same declaration as the
//! cursor (a reference or the declaration itself), with the declaration when asked for. A
//! declaration of an imported module is referred to through its alias or a listed name.

use super::index;
use super::workspace::Workspace;
use lsp_types::{Location, ReferenceParams};

pub fn references(workspace: &mut Workspace, params: ReferenceParams) -> Option<Vec<Location>> {
    let at = params.text_document_position;
    let analysis = workspace.analysis(&at.text_document.uri);
    let file = analysis.file_index(&at.text_document.uri)?;
    let target = index::at(&analysis, file, analysis.offset(file, at.position))?;
    let include_declaration = params.context.include_declaration;
    let locations = index::references(&analysis, &target)
        .into_iter()
        .filter(|s| include_declaration || !s.is_declaration)
        .filter_map(|s| {
            let uri = analysis.files.get(s.file)?.uri.clone()?;
            Some(Location {
                uri,
                range: analysis.range(s.file, s.start, s.end),
            })
        })
        .collect();
    Some(locations)
}
