//! `textDocument/documentSymbol`: the outline of a file. Each declaration is a symbol with
//! its blocks and fields as children; a declaration that does not parse still appears, with
//! the kind and name that could be read.

use super::workspace::{Analysis, Workspace};
use crate::span::Span;
use crate::syntax::ast::{Declaration, Entry, ExprKind, Ident, ImportTarget, Object};
use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

pub fn document_symbols(
    workspace: &mut Workspace,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let uri = params.text_document.uri;
    let analysis = workspace.analysis(&uri);
    let file = analysis.file_index(&uri)?;
    let module = analysis.checked.modules.get(file)?;
    let outline = Outline {
        analysis: &analysis,
        file,
    };
    let symbols = module
        .declarations
        .iter()
        .filter_map(|d| outline.declaration(d))
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

fn kind_of(keyword: &str) -> SymbolKind {
    match keyword {
        "app" => SymbolKind::MODULE,
        "service" => SymbolKind::CLASS,
        "environment" => SymbolKind::NAMESPACE,
        "strategy" => SymbolKind::ENUM,
        "policy" => SymbolKind::INTERFACE,
        _ => SymbolKind::OBJECT,
    }
}

struct Outline<'a> {
    analysis: &'a Analysis,
    file: usize,
}

impl Outline<'_> {
    fn range(&self, span: Span) -> lsp_types::Range {
        let end = super::convert::FileLookup::span_end(self.analysis, span);
        self.analysis.range(self.file, span.start as usize, end)
    }

    #[allow(deprecated)]
    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        spans: (Span, Span),
    ) -> DocumentSymbol {
        DocumentSymbol {
            name,
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: self.range(spans.0),
            selection_range: self.range(spans.1),
            children: None,
        }
    }

    fn declaration(&self, declaration: &Declaration) -> Option<DocumentSymbol> {
        match declaration {
            Declaration::Item(item) => {
                let tag = match &item.value.kind {
                    ExprKind::Object(object) => object.tag.as_ref().map(|tag| tag.text.clone()),
                    ExprKind::Path(path) => Some(path.dotted()),
                    _ => None,
                };
                let detail = Some(match tag {
                    Some(tag) => format!("{} = {tag}", item.keyword.text),
                    None => item.keyword.text.clone(),
                });
                let kind = kind_of(&item.keyword.text);
                let mut symbol = self.symbol(
                    item.name.text.clone(),
                    detail,
                    kind,
                    (item.span, item.name.span),
                );
                if let ExprKind::Object(object) = &item.value.kind {
                    symbol.children = Some(self.entries(object));
                }
                Some(symbol)
            }
            Declaration::Import(import) => {
                let (name, span) = match &import.target {
                    ImportTarget::File(file) => (file.value.clone(), file.span),
                    ImportTarget::Module(module) => (module.text.clone(), module.span),
                };
                Some(self.symbol(
                    name,
                    Some("import".to_string()),
                    SymbolKind::FILE,
                    (import.span, span),
                ))
            }
            Declaration::Error(broken) => {
                let keyword = broken.keyword.as_ref().map_or("", |k| k.text.as_str());
                let name = broken
                    .name
                    .as_ref()
                    .map_or_else(|| format!("{keyword} (does not parse)"), |n| n.text.clone());
                let selection = broken
                    .name
                    .as_ref()
                    .or(broken.keyword.as_ref())
                    .map_or(broken.span, |i: &Ident| i.span);
                let detail = Some(format!("{keyword} (does not parse)"));
                Some(self.symbol(name, detail, kind_of(keyword), (broken.span, selection)))
            }
        }
    }

    fn entries(&self, object: &Object) -> Vec<DocumentSymbol> {
        object
            .entries
            .iter()
            .map(|entry| self.entry(entry))
            .collect()
    }

    fn entry(&self, entry: &Entry) -> DocumentSymbol {
        match entry {
            Entry::Attribute { key, value } => {
                let mut symbol = self.symbol(
                    key.text.clone(),
                    None,
                    SymbolKind::FIELD,
                    (entry.span(), key.span),
                );
                if let ExprKind::Object(object) = &value.kind {
                    symbol.detail = object.tag.as_ref().map(|tag| tag.text.clone());
                    symbol.children = Some(self.entries(object));
                }
                symbol
            }
            Entry::Block { key, label, body } => {
                let name = match label {
                    Some(label) => format!("{} {}", key.text, label.text),
                    None => key.text.clone(),
                };
                let mut symbol =
                    self.symbol(name, None, SymbolKind::STRUCT, (entry.span(), key.span));
                symbol.children = Some(self.entries(body));
                symbol
            }
        }
    }
}
