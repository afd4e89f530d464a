//! Phase 3: the promotion graph (environments, `after` edges) and the service dependency graph
//! (`depends_on` edges), built with petgraph from the checked model.
//!
//! Cycles are reported once per strongly connected component, with every edge of one cycle
//! labelled where it is written. Environments that no trigger reaches are flagged. The model
//! receives the deterministic orders later phases use: environments in promotion order and
//! services after their dependencies (ties broken by name). With a [`Memo`] (the language
//! server's), the services' graph is analysed again only when a service's name or
//! dependencies changed: an edit elsewhere reuses the last check's cycles and order.

pub mod render;

use crate::check::model::Model;
use crate::check::{DeclaredNames, Memo};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A directed graph of named nodes; each edge remembers where it was written.
pub(crate) struct NamedGraph {
    pub graph: DiGraph<String, Span>,
    pub index: BTreeMap<String, NodeIndex>,
}

impl NamedGraph {
    /// Builds a graph from `(node, [(target it comes after, where)])`: edges point from the
    /// prerequisite to the dependent node.
    pub fn new<'a>(nodes: impl IntoIterator<Item = (&'a str, Vec<(&'a str, Span)>)>) -> NamedGraph {
        let nodes: Vec<_> = nodes.into_iter().collect();
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for (name, _) in &nodes {
            index.insert(name.to_string(), graph.add_node(name.to_string()));
        }
        for (name, prerequisites) in &nodes {
            for (prerequisite, span) in prerequisites {
                if let (Some(from), Some(to)) = (index.get(*prerequisite), index.get(*name)) {
                    graph.add_edge(*from, *to, *span);
                }
            }
        }
        NamedGraph { graph, index }
    }

    /// Every cycle (one per strongly connected component), as the edges along it.
    ///
    /// Components come from `kosaraju_scc`, whose depth-first searches keep their own stack:
    /// petgraph's `tarjan_scc` recurses once per node on a path and overflowed the stack on a
    /// chain of 20,000 services. The order of components does not matter: cycles are sorted.
    pub fn cycles(&self) -> Vec<Vec<(String, String, Span)>> {
        let mut cycles = Vec::new();
        for component in kosaraju_scc(&self.graph) {
            let members: BTreeSet<NodeIndex> = component.iter().copied().collect();
            let self_loop = matches!(
                component.as_slice(),
                [only] if self.graph.contains_edge(*only, *only)
            );
            if component.len() < 2 && !self_loop {
                continue;
            }
            let Some(start) = members.iter().min_by_key(|n| &self.graph[**n]).copied() else {
                continue;
            };
            cycles.push(self.cycle_from(start, &members));
        }
        cycles.sort();
        cycles
    }

    /// The shortest path from `start` back to itself inside `members`, as edges.
    fn cycle_from(
        &self,
        start: NodeIndex,
        members: &BTreeSet<NodeIndex>,
    ) -> Vec<(String, String, Span)> {
        let mut previous: BTreeMap<NodeIndex, (NodeIndex, Span)> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        while let Some(node) = queue.pop_front() {
            let mut next: Vec<_> = self
                .graph
                .edges(node)
                .map(|e| (petgraph::visit::EdgeRef::target(&e), *e.weight()))
                .collect();
            next.sort_by(|a, b| self.graph[a.0].cmp(&self.graph[b.0]));
            for (target, span) in next {
                if target == start {
                    closing = Some((node, span));
                    break;
                }
                if members.contains(&target) && !previous.contains_key(&target) {
                    previous.insert(target, (node, span));
                    queue.push_back(target);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let mut edges = Vec::new();
        let Some((mut node, span)) = closing else {
            return edges;
        };
        edges.push((self.graph[node].clone(), self.graph[start].clone(), span));
        while node != start {
            let Some((before, span)) = previous.get(&node).copied() else {
                break;
            };
            edges.push((self.graph[before].clone(), self.graph[node].clone(), span));
            node = before;
        }
        edges.reverse();
        edges
    }

    /// Nodes in dependency order (prerequisites first), ties broken by name; nodes on or
    /// behind a cycle are left out.
    pub fn order(&self) -> Vec<String> {
        let mut indegree: BTreeMap<NodeIndex, usize> =
            self.index.values().map(|n| (*n, 0)).collect();
        for edge in self.graph.edge_indices() {
            if let Some((_, to)) = self.graph.edge_endpoints(edge) {
                *indegree.entry(to).or_default() += 1;
            }
        }
        let mut ready: BTreeSet<(String, NodeIndex)> = indegree
            .iter()
            .filter(|(_, degree)| **degree == 0)
            .map(|(node, _)| (self.graph[*node].clone(), *node))
            .collect();
        let mut order = Vec::new();
        while let Some((name, node)) = ready.pop_first() {
            order.push(name);
            for target in self.graph.neighbors(node) {
                if let Some(degree) = indegree.get_mut(&target) {
                    *degree -= 1;
                    if *degree == 0 {
                        ready.insert((self.graph[target].clone(), target));
                    }
                }
            }
        }
        order
    }

    /// Every node `name` comes after, directly or through others (its transitive
    /// prerequisites: for the dependency graph, every service it depends on), by name.
    pub(crate) fn prerequisites(&self, name: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let Some(start) = self.index.get(name) else {
            return found;
        };
        let mut queue = VecDeque::from([*start]);
        while let Some(node) = queue.pop_front() {
            for prerequisite in self
                .graph
                .neighbors_directed(node, petgraph::Direction::Incoming)
            {
                if found.insert(self.graph[prerequisite].clone()) {
                    queue.push_back(prerequisite);
                }
            }
        }
        found.remove(name);
        found
    }
}

/// Builds both graphs, reports cycles, unknown references and unreachable environments,
/// and stores the promotion and service orders in the model.
pub fn analyse(model: &mut Model, declared: &DeclaredNames) -> Vec<Diagnostic> {
    analyse_with(model, declared, &mut Memo::off())
}

/// [`analyse`], taking the services' cycles and order from `memo` when their graph is the
/// last check's.
pub fn analyse_with(
    model: &mut Model,
    declared: &DeclaredNames,
    memo: &mut Memo,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let checker = &mut problems;
    check_references(checker, model, declared);
    let promotion = promotion_graph(model);
    for cycle in promotion.cycles() {
        checker.push(cycle_diagnostic(
            Code::SW0401,
            "environments promote in a cycle",
            "comes after",
            true,
            &cycle,
        ));
    }
    let on_cycles: BTreeSet<String> = promotion
        .cycles()
        .iter()
        .flatten()
        .map(|(from, _, _)| from.clone())
        .collect();
    check_reachability(checker, model, &promotion, &on_cycles);
    model.promotion_order = promotion.order();
    let fingerprint = memo.is_on().then(|| dependency_fingerprint(model));
    let (cycles, order) = memo.service_graph(fingerprint, || service_cycles_and_order(model));
    problems.extend(cycles);
    model.service_order = order;
    problems
}

/// The services' dependency cycles, reported, and the services in dependency order.
fn service_cycles_and_order(model: &Model) -> (Vec<Diagnostic>, Vec<String>) {
    let services = dependency_graph(model);
    let cycles = services
        .cycles()
        .iter()
        .map(|cycle| {
            cycle_diagnostic(
                Code::SW0402,
                "services depend on each other in a cycle",
                "depends on",
                false,
                cycle,
            )
        })
        .collect();
    (cycles, services.order())
}

/// A fingerprint of everything [`service_cycles_and_order`] reads: each service's name and
/// its dependencies with their spans, in the model's order.
fn dependency_fingerprint(model: &Model) -> u64 {
    fn number(hasher: &mut xxhash_rust::xxh3::Xxh3, value: u64) {
        hasher.update(&value.to_le_bytes());
    }
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for service in &model.services {
        number(&mut hasher, service.name.value.len() as u64);
        hasher.update(service.name.value.as_bytes());
        number(&mut hasher, service.depends_on.len() as u64);
        for dependency in &service.depends_on {
            number(&mut hasher, dependency.value.len() as u64);
            hasher.update(dependency.value.as_bytes());
            let span = dependency.span;
            number(&mut hasher, u64::from(span.file.0));
            number(
                &mut hasher,
                (u64::from(span.start) << 32) | u64::from(span.end),
            );
        }
    }
    hasher.digest()
}

pub(crate) fn promotion_graph(model: &Model) -> NamedGraph {
    NamedGraph::new(model.environments.iter().map(|environment| {
        let after = environment
            .after
            .iter()
            .map(|a| (a.value.as_str(), a.span))
            .collect();
        (environment.name.value.as_str(), after)
    }))
}

pub(crate) fn dependency_graph(model: &Model) -> NamedGraph {
    NamedGraph::new(model.services.iter().map(|service| {
        let needs = service
            .depends_on
            .iter()
            .map(|d| (d.value.as_str(), d.span))
            .collect();
        (service.name.value.as_str(), needs)
    }))
}

fn check_references(checker: &mut Vec<Diagnostic>, model: &Model, declared: &DeclaredNames) {
    for environment in &model.environments {
        for after in &environment.after {
            if !declared.environments.contains(&after.value.as_str()) {
                checker.push(
                    crate::diagnostics::UnknownReference::Name {
                        what: "environment",
                        name: &after.value,
                        span: after.span,
                        candidates: declared.environments.iter().copied(),
                    }
                    .diagnostic(),
                );
            }
        }
    }
    for service in &model.services {
        for dependency in &service.depends_on {
            if !declared.services.contains(&dependency.value.as_str()) {
                checker.push(
                    crate::diagnostics::UnknownReference::Name {
                        what: "service",
                        name: &dependency.value,
                        span: dependency.span,
                        candidates: declared.services.iter().copied(),
                    }
                    .diagnostic(),
                );
            }
        }
    }
}

/// The path in the message follows the edges when `arrows_follow_edges` ("staging -> prod":
/// staging promotes to prod), and runs against them otherwise ("web -> api": web depends on
/// api, though the edge points from api, the prerequisite, to web).
fn cycle_diagnostic(
    code: Code,
    message: &str,
    verb: &str,
    arrows_follow_edges: bool,
    cycle: &[(String, String, Span)],
) -> Diagnostic {
    // The primary label goes on the edge most likely just written: the last in file order.
    // The cycle is turned to start there, so the path in the message starts there too.
    let last = cycle
        .iter()
        .enumerate()
        .max_by_key(|(_, (_, _, span))| *span)
        .map_or(0, |(index, _)| index);
    let mut turned = cycle.to_vec();
    turned.rotate_left(last);
    let cycle = turned.as_slice();
    let mut path: Vec<&str> = cycle
        .iter()
        .map(|(from, _, _)| from.as_str())
        .chain(cycle.first().map(|(from, _, _)| from.as_str()))
        .collect();
    if !arrows_follow_edges {
        path.reverse();
    }
    let Some((first_from, first_to, first_span)) = cycle.first() else {
        return Diagnostic::error(code, message, Span::default(), "");
    };
    let shown = if path.len() > 2 * MAX_CYCLE_LABELS {
        let (head, tail) = (
            path.get(..MAX_CYCLE_LABELS / 4).unwrap_or_default(),
            path.get(path.len() - MAX_CYCLE_LABELS / 4..)
                .unwrap_or_default(),
        );
        let skipped = path.len() - head.len() - tail.len();
        format!(
            "{} -> ({skipped} more) -> {}",
            head.join(" -> "),
            tail.join(" -> ")
        )
    } else {
        path.join(" -> ")
    };
    let mut diagnostic = Diagnostic::error(
        code,
        format!("{message}: {shown}"),
        *first_span,
        format!("`{first_to}` {verb} `{first_from}`"),
    );
    for (from, to, span) in cycle.iter().skip(1).take(MAX_CYCLE_LABELS) {
        diagnostic = diagnostic.with_label(*span, format!("`{to}` {verb} `{from}`"));
    }
    let unlabelled = cycle.len().saturating_sub(1 + MAX_CYCLE_LABELS);
    if unlabelled > 0 {
        return diagnostic.with_help(format!(
            "remove one of these edges to break the cycle; {unlabelled} more edges of it are named in the message only"
        ));
    }
    diagnostic.with_help("remove one of these edges to break the cycle")
}

/// The most edges of one cycle that get a label of their own. Rendering takes time
/// quadratic in the labels of one diagnostic, and a generated spec can have a cycle through
/// thousands of declarations; the message names every step of a cycle up to twice as long,
/// and the first and last eight steps of a longer one.
const MAX_CYCLE_LABELS: usize = 32;

/// Entry environments (no `after`) need a trigger; every environment must be reachable from
/// one.
fn check_reachability(
    checker: &mut Vec<Diagnostic>,
    model: &Model,
    graph: &NamedGraph,
    on_cycles: &BTreeSet<String>,
) {
    let mut reached = BTreeSet::new();
    let mut queue = VecDeque::new();
    for environment in &model.environments {
        // On a cycle, or downstream of a declaration that failed to check, the error is already
        // reported: treat the environment as reached rather than pile on.
        let upstream_broken = on_cycles.contains(&environment.name.value)
            || environment
                .after
                .iter()
                .any(|a| model.environment(&a.value).is_none());
        if upstream_broken {
            if let Some(node) = graph.index.get(&environment.name.value) {
                queue.push_back(*node);
                reached.insert(*node);
            }
            continue;
        }
        if !environment.after.is_empty() {
            continue;
        }
        if environment.trigger.is_none() {
            checker.push(
                Diagnostic::error(Code::SW0309, format!("nothing starts a deployment to `{}`", environment.name.value), environment.name.span, "no trigger and no `after`")
                    .with_help("add `trigger = push { branch = \"main\" }`, `trigger = manual`, or `after = <environment>`"),
            );
            continue;
        }
        if let Some(node) = graph.index.get(&environment.name.value) {
            queue.push_back(*node);
            reached.insert(*node);
        }
    }
    while let Some(node) = queue.pop_front() {
        for next in graph.graph.neighbors(node) {
            if reached.insert(next) {
                queue.push_back(next);
            }
        }
    }
    for environment in &model.environments {
        let Some(node) = graph.index.get(&environment.name.value) else {
            continue;
        };
        if reached.contains(node) || environment.after.is_empty() {
            continue;
        }
        checker.push(
            Diagnostic::warning(Code::SW0403, format!("environment `{}` can never be reached", environment.name.value), environment.name.span, "unreachable")
                .with_help("every environment must follow, through `after`, an environment with a trigger; check for a cycle or a broken environment upstream"),
        );
    }
}
