//! Which declarations each file of a spec sees, as the checker's scopes decide
//! (`check/scope.rs`): the spec's own files share their declarations and every import any of
//! them makes; a module (a project file that another file imports, or a standard module) sees
//! its own declarations and its own imports. An import makes a module's declarations visible
//! through its alias (`strategies.progressive-canary`) and, for the names it lists
//! (`import std/probes { http-health }`), also without it. Where two imports take one name the
//! first one wins, as in the checker (which reports the clash).
//!
//! The imports come from the check itself ([`crate::Checked::units`]). Names in parsed
//! declarations are resolved by the checker (`check/resolutions.rs`); this view serves what
//! the checker cannot see: references inside a declaration that does not parse (the index's
//! fallback), the names completion offers, a module's alias, and whether a declaration hover
//! shows comes from an import.

use super::workspace::Analysis;
use crate::check::modules::Role;
use std::collections::BTreeMap;

/// What one file sees.
#[derive(Debug, Default)]
pub struct Visible {
    /// The files whose declarations are seen by their bare names.
    pub own: Vec<usize>,
    /// The alias of each import, and the file it imports.
    pub aliases: BTreeMap<String, usize>,
    /// Each name an import lists, and the file that declares it.
    pub listed: BTreeMap<String, usize>,
}

/// What file `file` of the analysis sees. A file the check did not reach through the module
/// loader (a spec that was not checked) counts as one of the spec's own, without imports.
pub fn visible(analysis: &Analysis, file: usize) -> Visible {
    let units = &analysis.checked.units;
    let is_root = |index: usize| units.get(index).is_none_or(|unit| unit.role == Role::Root);
    let own: Vec<usize> = if is_root(file) {
        (0..analysis.files.len())
            .filter(|&index| is_root(index))
            .collect()
    } else {
        vec![file]
    };
    let mut visible = Visible {
        own,
        ..Visible::default()
    };
    let imports = visible
        .own
        .iter()
        .filter_map(|&index| units.get(index))
        .flat_map(|unit| &unit.imports);
    for resolved in imports {
        let Some(target) = resolved.target else {
            continue;
        };
        let target = target.0 as usize;
        if let Some(alias) = &resolved.alias {
            visible.aliases.entry(alias.clone()).or_insert(target);
        }
        for name in &resolved.import.names {
            visible.listed.entry(name.text.clone()).or_insert(target);
        }
    }
    visible
}

/// How an import of file `target` is written: `import std/strategies`,
/// `import "lib/common.slip"`.
pub fn import_line(analysis: &Analysis, target: usize) -> String {
    let path = analysis
        .checked
        .units
        .get(target)
        .map_or("", |unit| unit.path.as_str());
    match analysis.files.get(target) {
        Some(file) if file.standard => format!("import {path}"),
        _ => format!("import \"{path}\""),
    }
}
