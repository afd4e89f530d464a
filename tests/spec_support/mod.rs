//! Shared by the spec-case tests (policies, waivers, templates, modules): reading a case's
//! `// expect:` line, checking a case with an in-memory project, and rendering the result
//! the way snapshots store it (the sources, then the diagnostics, no colour, width 80).

#![allow(dead_code)]

use slipway::diagnostics::render::{render_human, RenderOptions};
use slipway::{Checked, Code, LoadError, LoadedFile, Loader, RootFile, SourceFile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The codes on a case's first line: `// expect: SW0502, SW0503` or `// expect: nothing`.
pub fn expected_codes(text: &str, name: &str) -> BTreeSet<Code> {
    let first = text.lines().next().unwrap_or_default();
    let list = first
        .trim()
        .strip_prefix("// expect:")
        .unwrap_or_else(|| {
            panic!(
                "{name}: the first line must be `// expect: SW0xxx, ...` or `// expect: nothing`"
            )
        })
        .trim();
    if list == "nothing" {
        return BTreeSet::new();
    }
    list.split(',')
        .map(|code| {
            Code::parse(code).unwrap_or_else(|| panic!("{name}: `{}` is not a code", code.trim()))
        })
        .collect()
}

/// Codes reported, errors and warnings alike.
pub fn reported(checked: &Checked) -> BTreeSet<Code> {
    checked.diagnostics.iter().map(|d| d.code).collect()
}

/// The case's files and its diagnostics, as a snapshot shows them.
pub fn render(checked: &Checked, own_files: usize) -> String {
    let separator = "-".repeat(80);
    let mut out = String::new();
    for file in checked.files.iter().take(own_files) {
        out.push_str(&format!("=== {}\n{}\n", file.name, file.text.trim_end()));
    }
    let rendered = render_human(
        &checked.files,
        &checked.diagnostics,
        RenderOptions {
            colour: false,
            width: 80,
        },
    );
    out.push_str(&format!("{separator}\n{rendered}"));
    out
}

/// Checks one `.slip` file as a whole spec.
pub fn check_file(path: &Path) -> (String, Checked) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let checked = slipway::check(&[SourceFile {
        name: name.clone(),
        text: text.clone(),
    }]);
    (text, checked)
}

/// A project held in memory: every file under a directory, by path relative to it.
pub struct Project {
    pub files: BTreeMap<String, String>,
}

impl Project {
    /// Reads every file under `dir`.
    pub fn read(dir: &Path) -> Project {
        let mut files = BTreeMap::new();
        read_into(dir, dir, &mut files);
        Project { files }
    }

    /// Checks the top-level `.slip` files under `spec/` as the spec; imports may reach any
    /// file of the project, with paths relative to `spec/` (so `../outside.slip` exists but
    /// is outside the root).
    pub fn check(&self) -> Checked {
        let roots: Vec<RootFile> = self
            .files
            .iter()
            .filter_map(|(path, text)| {
                let inside = path.strip_prefix("spec/")?;
                (!inside.contains('/') && inside.ends_with(".slip")).then(|| RootFile {
                    file: SourceFile {
                        name: path.clone(),
                        text: text.clone(),
                    },
                    path: inside.to_string(),
                })
            })
            .collect();
        let loader = MemoryLoader { project: self };
        slipway::check_project(roots, Path::new("spec"), &loader)
    }

    pub fn root_file_count(&self) -> usize {
        self.files
            .keys()
            .filter(|p| p.strip_prefix("spec/").is_some_and(|p| !p.contains('/')))
            .count()
    }
}

fn read_into(base: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_into(base, &path, files);
        } else {
            let relative = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(relative, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Serves files of the project under `spec/`; a file named `*.link` holds the path of the
/// file it stands for, like a symbolic link (relative to the project), so a link that leads
/// out of `spec/` is reported as outside the root.
struct MemoryLoader<'p> {
    project: &'p Project,
}

impl Loader for MemoryLoader<'_> {
    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        let prefix = format!("{}/", root.display());
        let key = format!("{prefix}{path}");
        if let Some(target) = self.project.files.get(&format!("{key}.link")) {
            let target = target.trim();
            return match target.strip_prefix(&prefix) {
                Some(inside) => self.load(root, inside),
                None => Err(LoadError::OutsideRoot {
                    target: target.to_string(),
                }),
            };
        }
        let text = self.project.files.get(&key).ok_or(LoadError::NotFound)?;
        Ok(LoadedFile {
            path: path.to_string(),
            name: key,
            bytes: text.as_bytes().to_vec(),
        })
    }
}
