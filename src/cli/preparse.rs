//! The spec's root files parsed on several threads before the check asks for them.
//!
//! Parsing is a pure function of a file's id and text, and the checker gives the root files
//! the ids `0, 1, 2, ...` in the order they are handed to it, so the command line can parse
//! them all at once, a file per thread at a time, and answer the checker's
//! [`Loader::parse`] with the tree already built. A tree is handed over only when the id and
//! the text (its length and 128-bit hash) are those it was parsed from; any other request (an
//! import, a file the checker numbered otherwise) is parsed as before, so the result is that
//! of a plain check whatever the order of the work.

use slipway::check::modules::Loader;
use slipway::syntax::ast::Module;
use slipway::{Diagnostic, FileId, LoadError, LoadedFile, RootFile};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use xxhash_rust::xxh3::xxh3_128;

/// Root files smaller than this in all are left to the check: a thread costs more.
const MIN_PARALLEL_BYTES: usize = 64 * 1024;

/// One root file's tree and syntax problems, with the text it was parsed from.
struct Parsed {
    text_len: usize,
    text_hash: u128,
    tree: Module,
    problems: Vec<Diagnostic>,
}

/// `inner`, with the trees of the root files parsed ahead of the check.
pub struct PreParsed<'a> {
    inner: &'a dyn Loader,
    parsed: RefCell<Vec<Option<Parsed>>>,
}

impl<'a> PreParsed<'a> {
    /// Parses `roots` on up to `threads` threads, largest files first, for `inner` to be
    /// asked only for what the roots do not cover. A small spec, or one thread, is left to
    /// the check as it is.
    pub fn new(inner: &'a dyn Loader, roots: &[RootFile], threads: usize) -> PreParsed<'a> {
        let total: usize = roots.iter().map(|root| root.file.text.len()).sum();
        let threads = threads.min(roots.len());
        let parsed = if total < MIN_PARALLEL_BYTES || threads < 2 {
            Vec::new()
        } else {
            parse_roots(roots, threads)
        };
        PreParsed {
            inner,
            parsed: RefCell::new(parsed),
        }
    }
}

/// The trees of `roots` parsed on `threads` threads (the calling one among them), indexed
/// as the checker numbers them.
fn parse_roots(roots: &[RootFile], threads: usize) -> Vec<Option<Parsed>> {
    let mut order: Vec<(usize, &RootFile)> = roots.iter().enumerate().collect();
    order.sort_by_key(|(_, root)| std::cmp::Reverse(root.file.text.len()));
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Parsed>>> = Mutex::new((0..roots.len()).map(|_| None).collect());
    let work = || {
        while let Some(&(index, root)) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let parsed = parse_root(index, root);
            if let Some(slot) = done
                .lock()
                .ok()
                .as_deref_mut()
                .and_then(|done| done.get_mut(index))
            {
                *slot = Some(parsed);
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    done.into_inner().unwrap_or_default()
}

fn parse_root(index: usize, root: &RootFile) -> Parsed {
    let text = &root.file.text;
    let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
    let (tree, problems) = slipway::syntax::parse(id, text);
    Parsed {
        text_len: text.len(),
        text_hash: xxh3_128(text.as_bytes()),
        tree,
        problems,
    }
}

impl Loader for PreParsed<'_> {
    fn load(&self, root: &Path, path: &str) -> Result<LoadedFile, LoadError> {
        self.inner.load(root, path)
    }

    fn repository_file(&self, path: &str) -> Option<String> {
        self.inner.repository_file(path)
    }

    fn spec_files(&self, dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        self.inner.spec_files(dir)
    }

    fn standard_module(&self, module: &slipway::stdlib::StdModule) -> Option<PathBuf> {
        self.inner.standard_module(module)
    }

    /// The tree parsed ahead when `file` and `text` are those it was parsed from (each is
    /// handed over once), else the inner loader's parse.
    fn parse(&self, file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
        let index = usize::try_from(file.0).unwrap_or(usize::MAX);
        let taken = self
            .parsed
            .borrow_mut()
            .get_mut(index)
            .and_then(Option::take);
        match taken {
            Some(parsed)
                if parsed.text_len == text.len()
                    && parsed.text_hash == xxh3_128(text.as_bytes()) =>
            {
                (parsed.tree, parsed.problems)
            }
            _ => self.inner.parse(file, text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_roots, PreParsed};
    use slipway::check::modules::NoFiles;
    use slipway::{RootFile, SourceFile};
    use std::cell::RefCell;
    use std::path::Path;

    /// Root files with syntax problems in several of them, and one duplicated across files.
    fn roots() -> Vec<RootFile> {
        let texts = [
            "app shop { registry = \"ghcr.io/acme\" }\n",
            "service api { image = \"api\" replicas = 2 port = 8080 }\nservice broken {\n",
            "service web { image = \"web\" port = 80 after = [api] }\nservice api { image = \"x\" }\n",
            "environment staging { }\nenvironment prod { after = staging approval = required }\n",
            "service { oops\n",
        ];
        texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                RootFile::named(SourceFile {
                    name: format!("f{index}.slip"),
                    text: (*text).to_string(),
                })
            })
            .collect()
    }

    fn check(loader: &dyn slipway::Loader, roots: Vec<RootFile>) -> String {
        let checked = slipway::check_project(roots, Path::new("."), loader);
        format!("{:?}\n{:?}", checked.diagnostics, checked.model)
    }

    #[test]
    fn a_check_of_trees_parsed_ahead_equals_a_plain_check() {
        let plain = check(&NoFiles, roots());
        for threads in [2, 3, 8] {
            let roots = roots();
            let loader = PreParsed {
                inner: &NoFiles,
                parsed: RefCell::new(parse_roots(&roots, threads)),
            };
            assert_eq!(check(&loader, roots), plain, "{threads} threads");
            assert!(
                loader.parsed.borrow().iter().all(Option::is_none),
                "every tree used"
            );
        }
    }

    #[test]
    fn a_tree_is_not_handed_over_for_another_text() {
        let roots = roots();
        let loader = PreParsed {
            inner: &NoFiles,
            parsed: RefCell::new(parse_roots(&roots, 2)),
        };
        let mut changed = roots;
        changed[1].file.text = "service other { image = \"o\" }\n".to_string();
        let expected = check(&NoFiles, changed.clone());
        assert_eq!(check(&loader, changed), expected);
    }
}
