//! What one check of a spec keeps for the next: the per-declaration work that is a pure
//! function of its input, with the diagnostics it reported (issue 20 point 5).
//!
//! The language server checks a spec again after every edit, and an edit changes one file.
//! A declaration of a root file is a pure function of that file's id, name and text (the
//! parser reads nothing else), so `(fingerprint of the file, index of the declaration)`
//! names its syntax tree exactly: a [`DeclarationKey`]. Work whose only input is such a tree
//! (and what else is written into its key) is done once and kept here:
//!
//! * template expansion of a service or environment, when it left the declaration as written
//!   (the common case; a declaration that a template rewrote is expanded again each time),
//!   keyed also by the whole spec when it looked a name up;
//! * the checks of the strings of a declaration that reaches the model as written (secrets,
//!   GitHub expressions);
//! * lowering a service, keyed also by the app's registry: the memo keeps what lowering
//!   reported, and the service itself is moved out of the last check's model, which the
//!   caller hands back ([`Memo::recycle`]; when it does not, the service is lowered again);
//! * a service's deployment in an environment, keyed by the service's declaration, the app
//!   and the environment (overrides included; a fingerprint of their values): moved out of
//!   the last check's model when the caller hands it back ([`Memo::recycle`]), not copied;
//! * the analysis of the services' dependency graph (its cycles and the service order),
//!   keyed by a fingerprint of every service's name and dependencies, where they are written:
//!   the cycles' diagnostics are kept, the order is moved out of the last check's model.
//!
//! Each entry holds the diagnostics its work reported, replayed at the same point of the
//! check in the same order, and the "did you mean" budget it spent (see
//! [`crate::diagnostics::SuggestionBudget`]): an entry is used only when the budget left can
//! pay for it, and kept only when its work never ran out of budget, so the suggestions are
//! those of a fresh check. A check moves the entries it uses into a new table and drops the
//! rest, so the memo holds one check's worth. [`Memo::off`], which the command line uses,
//! keeps nothing and costs nothing.

use super::model::{Deployment, Model, Service};
use super::templates::Expander;
use super::Checker;
use crate::diagnostics::{suggest, Diagnostic};
use crate::syntax::ast::Item;
use std::borrow::Cow;
use std::collections::HashMap;
use xxhash_rust::xxh3::Xxh3;

/// A declaration of a root file: the fingerprint of the file (its id, name and text) and the
/// declaration's index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct DeclarationKey {
    file: u64,
    index: u32,
}

/// What one piece of work reported and spent, to be replayed exactly.
#[derive(Debug, Clone)]
struct Replay {
    diagnostics: Vec<Diagnostic>,
    /// The suggestion cells it spent, `None` when no budget was active.
    cells: Option<u64>,
}

/// A template expansion that left its declaration as written.
#[derive(Debug, Clone)]
struct Expansion {
    replay: Replay,
    /// The spec's fingerprint when the expansion looked a name up (it depends on every
    /// declaration then), `None` when it read only its own declaration.
    spec: Option<u64>,
}

/// A service lowered: whether it reached the model (the service itself is taken from the last
/// check's model, not kept here) and what lowering it reported.
#[derive(Debug, Clone)]
struct Lowered {
    lowered: bool,
    replay: Replay,
}

/// What the services' dependency graph gave, by a fingerprint of its nodes and edges: the
/// cycles' diagnostics, and the order once the model that holds it is handed back.
#[derive(Debug)]
struct ServiceGraph {
    fingerprint: u64,
    diagnostics: Vec<Diagnostic>,
    order: Option<Vec<String>>,
}

/// The entries of one check.
#[derive(Debug, Default)]
struct Tables {
    expansions: Table<DeclarationKey, Expansion>,
    scans: Table<DeclarationKey, Replay>,
    /// Lowered services, all with the app's registry `registry`.
    services: Table<DeclarationKey, Lowered>,
    registry: Option<String>,
}

/// The memo of one spec, kept by the language server between checks.
#[derive(Debug)]
pub struct Memo {
    on: bool,
    /// What the last check kept; this check takes what it uses from here.
    previous: Tables,
    /// What this check keeps for the next.
    current: Tables,
    /// Each file's fingerprint, by file id, for this check.
    files: Vec<u64>,
    /// All files' fingerprints together.
    spec: u64,
    /// The key of each declaration the check lowers as parsed, by the address of its item
    /// (the items stay where they are for the whole check; the address is never followed).
    items: Table<usize, DeclarationKey>,
    /// The declaration of each service lowered as parsed, by name, for this check.
    services: Table<String, DeclarationKey>,
    /// Where each deployment of the last check is in its model's list, by its service's
    /// declaration and its environment's fingerprint, and the same for this check.
    placed: Table<(DeclarationKey, u64), usize>,
    placing: Table<(DeclarationKey, u64), usize>,
    /// The last check's deployments, once its model is handed back; taken one by one.
    recycled: Vec<Option<Deployment>>,
    /// Where each service of the last check is in its model's list, by declaration, and
    /// those services once the model is handed back.
    placed_services: Table<DeclarationKey, usize>,
    recycled_services: Vec<Option<Service>>,
    /// The last check's analysis of the services' dependency graph.
    service_graph: Option<ServiceGraph>,
    /// Which check this is; a model is taken back only from the check before.
    generation: u64,
    /// How many pieces of work this check took from the memo, and did afresh.
    pub hits: u64,
    pub misses: u64,
}

impl Default for Memo {
    fn default() -> Memo {
        Memo::new()
    }
}

impl Memo {
    /// A memo that keeps what each check does for the next.
    pub fn new() -> Memo {
        Memo {
            on: true,
            previous: Tables::default(),
            current: Tables::default(),
            files: Vec::new(),
            spec: 0,
            items: Table::default(),
            services: Table::default(),
            placed: Table::default(),
            placing: Table::default(),
            recycled: Vec::new(),
            placed_services: Table::default(),
            recycled_services: Vec::new(),
            service_graph: None,
            generation: 0,
            hits: 0,
            misses: 0,
        }
    }

    /// A memo that keeps nothing: a single check.
    pub fn off() -> Memo {
        Memo {
            on: false,
            ..Memo::new()
        }
    }

    /// Starts a check of `files` (name and text, by file id).
    pub(crate) fn begin<'f>(&mut self, files: impl Iterator<Item = (&'f str, &'f str)>) {
        self.hits = 0;
        self.misses = 0;
        self.items.clear();
        self.files.clear();
        self.services.clear();
        self.placing.clear();
        // Sized as the last check's, so that a check does not grow them step by step.
        self.placing.reserve(self.placed.len());
        self.services.reserve(self.placed_services.len());
        self.items.reserve(self.previous.scans.len());
        self.current
            .expansions
            .reserve(self.previous.expansions.len());
        self.current.scans.reserve(self.previous.scans.len());
        self.current.services.reserve(self.previous.services.len());
        if self.recycled.is_empty() && self.recycled_services.is_empty() {
            // The last check's model was not handed back: its places mean nothing.
            self.placed.clear();
            self.placed_services.clear();
        }
        if !self.on {
            return;
        }
        let mut spec = Xxh3::new();
        for (index, (name, text)) in files.enumerate() {
            let mut file = Xxh3::new();
            file.update(&(index as u64).to_le_bytes());
            file.update(&(name.len() as u64).to_le_bytes());
            file.update(name.as_bytes());
            file.update(text.as_bytes());
            let fingerprint = file.digest();
            spec.update(&fingerprint.to_le_bytes());
            self.files.push(fingerprint);
        }
        self.spec = spec.digest();
    }

    /// Ends a check: what it used or did is what the next one can take.
    pub(crate) fn end(&mut self, model: &Model) {
        self.previous = std::mem::take(&mut self.current);
        self.placed = std::mem::take(&mut self.placing);
        self.placed_services = model
            .services
            .iter()
            .enumerate()
            .filter_map(|(place, service)| {
                let key = self.services.get(&service.name.value)?;
                Some((*key, place))
            })
            .collect();
        self.recycled.clear();
        self.recycled_services.clear();
        self.items.clear();
        self.services.clear();
        self.generation += 1;
    }

    /// Which check the memo has last done: hand its model back with [`Memo::recycle`].
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Takes back the model of check `generation` (the last one) so that the next check can
    /// move its unchanged deployments instead of computing them again. A model of any other
    /// check is dropped.
    pub fn recycle(&mut self, model: Model, generation: u64) {
        if self.on && generation == self.generation {
            if let Some(graph) = &mut self.service_graph {
                graph.order = Some(model.service_order);
            }
            self.recycled = model.deployments.into_iter().map(Some).collect();
            self.recycled_services = model.services.into_iter().map(Some).collect();
        }
    }

    /// The fingerprint of everything a deployment in `environment` reads besides its
    /// service: the environment (with its overrides) and the app, as their values print.
    pub(crate) fn environment_fingerprint(
        &self,
        model: &Model,
        environment: &super::model::Environment,
    ) -> Option<u64> {
        if !self.on {
            return None;
        }
        let mut hasher = Hasher(Xxh3::new());
        std::fmt::Write::write_fmt(&mut hasher, format_args!("{environment:?}{:?}", model.app))
            .ok()?;
        Some(hasher.0.digest())
    }

    /// The deployment of `service` in the environment of fingerprint `environment`, as
    /// `compute` makes it, moved from the last check's model when it is the same.
    pub(crate) fn deployment(
        &mut self,
        service: &Service,
        environment: Option<u64>,
        place: usize,
        compute: impl FnOnce() -> Deployment,
    ) -> Deployment {
        let key = environment
            .zip(self.services.get(&service.name.value).copied())
            .map(|(environment, declaration)| (declaration, environment));
        let Some(key) = key else {
            return compute();
        };
        self.placing.insert(key, place);
        let found = self
            .placed
            .get(&key)
            .and_then(|at| self.recycled.get_mut(*at))
            .and_then(Option::take);
        match found {
            Some(deployment) => {
                self.hits += 1;
                deployment
            }
            None => {
                self.misses += 1;
                compute()
            }
        }
    }

    /// Whether the memo keeps anything (work for a key is wasted when it does not).
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// The diagnostics and service order of the services' dependency graph, as `analyse`
    /// makes them, taken from the last check when its graph had the same `fingerprint` (of
    /// every service's name and dependencies, with their spans) and its model was handed
    /// back. The cycles report nothing that depends on the suggestion budget.
    pub(crate) fn service_graph(
        &mut self,
        fingerprint: Option<u64>,
        analyse: impl FnOnce() -> (Vec<Diagnostic>, Vec<String>),
    ) -> (Vec<Diagnostic>, Vec<String>) {
        let Some(fingerprint) = fingerprint.filter(|_| self.on) else {
            return analyse();
        };
        let kept = self
            .service_graph
            .as_mut()
            .filter(|graph| graph.fingerprint == fingerprint);
        if let Some(graph) = kept {
            if let Some(order) = graph.order.take() {
                self.hits += 1;
                return (graph.diagnostics.clone(), order);
            }
        }
        self.misses += 1;
        let (diagnostics, order) = analyse();
        self.service_graph = Some(ServiceGraph {
            fingerprint,
            diagnostics: diagnostics.clone(),
            order: None,
        });
        (diagnostics, order)
    }

    /// The key of declaration `index` of file `file`; `None` when the memo is off.
    pub(crate) fn key(&self, file: usize, index: usize) -> Option<DeclarationKey> {
        let file = *self.files.get(file)?;
        let index = u32::try_from(index).ok()?;
        Some(DeclarationKey { file, index })
    }

    /// Remembers that `item`, as the check lowers it, is declaration `key` as parsed.
    pub(crate) fn lowered_as_parsed(&mut self, item: &Item, key: DeclarationKey) {
        self.items.insert(address(item), key);
    }

    /// `item` with its templates expanded, as [`Expander::declaration`] gives it.
    pub(crate) fn expand<'o>(
        &mut self,
        checker: &mut Checker,
        expander: &mut Expander,
        key: Option<DeclarationKey>,
        item: &'o Item,
    ) -> Option<Cow<'o, Item>> {
        let Some(key) = key else {
            return expander.declaration(checker, item);
        };
        if let Some(found) = self.previous.expansions.remove(&key) {
            let fits = found.spec.is_none_or(|spec| spec == self.spec);
            if fits && replay(checker, &found.replay) {
                self.hits += 1;
                self.current.expansions.insert(key, found);
                return Some(Cow::Borrowed(item));
            }
        }
        self.misses += 1;
        let before = expander.state();
        let (expanded, recorded) = capture(checker, |checker| expander.declaration(checker, item));
        let after = expander.state();
        let kept_as_written = matches!(expanded, Some(Cow::Borrowed(_)));
        if let (true, true, Some(replay)) = (kept_as_written, before.same_work(&after), recorded) {
            let spec = (after.lookups > before.lookups).then_some(self.spec);
            self.current
                .expansions
                .insert(key, Expansion { replay, spec });
        }
        expanded
    }

    /// Runs `scan` (the checks of a declaration's strings) unless declaration `key` as parsed
    /// was scanned before.
    pub(crate) fn scan(
        &mut self,
        checker: &mut Checker,
        key: Option<DeclarationKey>,
        scan: impl FnOnce(&mut Checker),
    ) {
        let Some(key) = key else {
            return scan(checker);
        };
        if let Some(found) = self.previous.scans.remove(&key) {
            if replay(checker, &found) {
                self.hits += 1;
                self.current.scans.insert(key, found);
                return;
            }
        }
        self.misses += 1;
        if let ((), Some(replay)) = capture(checker, scan) {
            self.current.scans.insert(key, replay);
        }
    }

    /// `item` lowered as a service, as [`super::service::lower`] lowers it.
    pub(crate) fn service(
        &mut self,
        checker: &mut Checker,
        item: &Item,
        registry: Option<&str>,
    ) -> Option<Service> {
        let Some(key) = self.items.get(&address(item)).copied() else {
            return super::service::lower(checker, item, registry);
        };
        let service = self.service_as_parsed(checker, item, registry, key);
        if let Some(service) = &service {
            self.services.insert(service.name.value.clone(), key);
        }
        service
    }

    fn service_as_parsed(
        &mut self,
        checker: &mut Checker,
        item: &Item,
        registry: Option<&str>,
        key: DeclarationKey,
    ) -> Option<Service> {
        if self.current.registry.as_deref() != registry {
            // The first service of this check, or a check with two registries (never: the
            // model has one app); services lowered with another registry are not used.
            self.current.registry = registry.map(str::to_string);
            self.current.services.clear();
        }
        let same_registry = self.previous.registry.as_deref() == registry;
        if let Some(found) = self
            .previous
            .services
            .remove(&key)
            .filter(|_| same_registry)
        {
            // The service itself is in the last check's model, if it was handed back.
            let service = match found.lowered {
                false => Some(None),
                true => self.recycled_service(key).map(Some),
            };
            if let Some(service) = service.filter(|_| replay(checker, &found.replay)) {
                self.hits += 1;
                self.current.services.insert(key, found);
                return service;
            }
        }
        self.misses += 1;
        let (service, recorded) = capture(checker, |checker| {
            super::service::lower(checker, item, registry)
        });
        if let Some(replay) = recorded {
            let lowered = service.is_some();
            self.current
                .services
                .insert(key, Lowered { lowered, replay });
        }
        service
    }

    /// The service of declaration `key` in the last check's model, moved out of it.
    fn recycled_service(&mut self, key: DeclarationKey) -> Option<Service> {
        let place = *self.placed_services.get(&key)?;
        self.recycled_services.get_mut(place)?.take()
    }
}

/// The memo's tables, asked tens of thousands of times a check: their keys are fingerprints
/// already, names and addresses, which need no hash that resists chosen keys (SipHash was a
/// tenth of a check).
type Table<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Feeds what is printed into a hash.
struct Hasher(Xxh3);

impl std::fmt::Write for Hasher {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.update(text.as_bytes());
        Ok(())
    }
}

/// The address of an item, to find its key during one check.
fn address(item: &Item) -> usize {
    std::ptr::from_ref(item) as usize
}

/// Runs `work`, and records what it reported and the suggestion cells it spent; no record
/// when its work ran out of budget (what it suggested then depends on the work before it).
fn capture<T>(checker: &mut Checker, work: impl FnOnce(&mut Checker) -> T) -> (T, Option<Replay>) {
    let mark = checker.diagnostics.len();
    let before = suggest::cells_left();
    let value = work(checker);
    let after = suggest::cells_left();
    let cells = match (before, after) {
        (None, None) => Some(None),
        (Some(before), Some(after)) if after > 0 => Some(Some(before - after)),
        _ => None,
    };
    let replay = cells.map(|cells| Replay {
        diagnostics: checker
            .diagnostics
            .get(mark..)
            .map(<[Diagnostic]>::to_vec)
            .unwrap_or_default(),
        cells,
    });
    (value, replay)
}

/// Reports what `replay` recorded and spends its cells; false (and nothing done) when the
/// budget left differs in kind or cannot pay for them.
fn replay(checker: &mut Checker, replay: &Replay) -> bool {
    let paid = match (replay.cells, suggest::cells_left()) {
        (None, None) => true,
        (Some(cells), Some(left)) if left >= cells => suggest::spend(cells),
        _ => false,
    };
    if paid {
        checker.report_all(replay.diagnostics.iter().cloned());
    }
    paid
}
