//! The standard library: Slipway modules shipped inside the compiler.
//!
//! Each module is a `.slip` file under `stdlib/`, embedded with `include_str!` and imported by
//! path (`import std/strategies`). The files are parsed and checked exactly like user code (a
//! test checks every one of them), and [`markdown`] turns their `//!` and `///` doc comments
//! into `docs/stdlib.md`, so the reference is always the library itself.

use crate::span::FileId;
use crate::syntax::{self, ast};

/// One embedded module.
#[derive(Debug, Clone, Copy)]
pub struct StdModule {
    /// The import path, e.g. `std/strategies`.
    pub path: &'static str,
    /// The file it was embedded from, relative to the repository, for messages.
    pub file: &'static str,
    pub text: &'static str,
}

/// Every standard module, in the order the documentation lists them.
pub const MODULES: &[StdModule] = &[
    StdModule {
        path: "std/strategies",
        file: "std/strategies.slip",
        text: include_str!("../stdlib/strategies.slip"),
    },
    StdModule {
        path: "std/probes",
        file: "std/probes.slip",
        text: include_str!("../stdlib/probes.slip"),
    },
    StdModule {
        path: "std/toolchains",
        file: "std/toolchains.slip",
        text: include_str!("../stdlib/toolchains.slip"),
    },
    StdModule {
        path: "std/policies/production",
        file: "std/policies/production.slip",
        text: include_str!("../stdlib/policies/production.slip"),
    },
    StdModule {
        path: "std/policies/supply-chain",
        file: "std/policies/supply-chain.slip",
        text: include_str!("../stdlib/policies/supply-chain.slip"),
    },
];

/// The module imported as `path`, if there is one.
pub fn module(path: &str) -> Option<&'static StdModule> {
    MODULES.iter().find(|module| module.path == path)
}

/// Every import path, for "did you mean" suggestions.
pub fn paths() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|module| module.path)
}

/// The `//!` lines at the top of a module, joined as Markdown.
pub fn module_doc(parsed: &ast::Module) -> String {
    let lines: Vec<&str> = parsed
        .comments
        .iter()
        .filter_map(|comment| comment.text.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    lines.join("\n")
}

/// What an item is, in words: "strategy (`canary`)", "probe template (`http`)".
fn describe_item(item: &ast::Item) -> String {
    let tag = match &item.value.kind {
        ast::ExprKind::Object(object) => object.tag.as_ref().map(|tag| tag.text.clone()),
        ast::ExprKind::Path(path) => Some(path.dotted()),
        _ => None,
    };
    let kind = item.keyword.text.as_str();
    match (kind, tag) {
        ("template", Some(tag)) => match crate::check::schema::template_family(&tag) {
            Some(family) => format!("{family} template (`{tag}`)"),
            None => format!("template built from `{tag}`"),
        },
        ("strategy", Some(tag)) => format!("strategy (`{tag}`)"),
        (kind, _) => kind.to_string(),
    }
}

const HEADER: &str = "# The standard library

<!-- Generated from the doc comments in stdlib/*.slip; do not edit by hand.
     After changing the stdlib, run `UPDATE_STDLIB_DOCS=1 cargo test --test stdlib`. -->

The standard library ships inside the compiler. Import a module by its path, then use its
names through the module's name or list the ones you use:

```text
import std/strategies                    // strategies.progressive-canary
import std/probes { http-health }        // http-health
import std/policies/production as prod   // prod.pinned-images, policies = [prod]
```

Strategies and templates are used where a value of their kind is expected, and can be adjusted
in place (`strategy = strategies.progressive-canary { on_failure = halt }`). Policy packs are
enabled per environment with `policies = [production]`; see `docs/policies.md`.
";

/// `docs/stdlib.md`: every module with its documentation and the source of each item.
pub fn markdown() -> String {
    let mut out = String::from(HEADER);
    for (index, module) in MODULES.iter().enumerate() {
        let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let (parsed, _) = syntax::parse(file, module.text);
        out.push_str(&format!("\n## `{}`\n\n", module.path));
        let doc = module_doc(&parsed);
        if !doc.is_empty() {
            out.push_str(&doc);
            out.push('\n');
        }
        for declaration in &parsed.declarations {
            if let ast::Declaration::Item(item) = declaration {
                out.push_str(&item_section(module.text, item));
            }
        }
    }
    out
}

fn item_section(text: &str, item: &ast::Item) -> String {
    let source = text.get(item.span.range()).unwrap_or_default();
    let mut out = format!("\n### `{}`\n\n", item.name.text);
    out.push_str(&format!("A {}.\n\n", describe_item(item)));
    if let Some(doc) = &item.doc {
        out.push_str(doc);
        out.push_str("\n\n");
    }
    out.push_str("```text\n");
    out.push_str(source.trim_end());
    out.push_str("\n```\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_parses_and_is_found_by_path() {
        for module in MODULES {
            let (_, problems) = syntax::parse(FileId(0), module.text);
            assert!(problems.is_empty(), "{}: {problems:?}", module.path);
            assert!(super::module(module.path).is_some());
        }
    }
}
