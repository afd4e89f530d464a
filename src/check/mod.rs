//! Phase 2: syntax trees to the typed [`Model`].
//!
//! The checker walks every declaration of every file, reads it against the field tables in
//! [`schema`], resolves references by name, and lowers it into [`model`] types. It never
//! stops at the first problem: each declaration is checked on its own, a broken one is left
//! out of the model, and everything else is still checked. The driver in `src/pipeline.rs`
//! runs [`lower`], then the graph phase ([`crate::graph`]), then [`finish`] (per-environment
//! settings and policies, which need the promotion order).

mod analysis;
mod architectures;
mod canary_shorthand;
mod declarations;
mod defaults;
pub(crate) mod dockerfiles;
mod duplicate_name;
mod environment;
mod gates;
mod hooks;
mod injection;
mod inline_secret;
mod invalid_image;
mod invalid_name;
pub(crate) mod limits;
pub mod memo;
mod missing;
pub mod model;
pub mod modules;
pub(crate) mod names;
mod out_of_range;
mod ownership;
mod packs;
pub mod policy;
pub(crate) mod program;
pub(crate) mod provenance;
mod reader;
pub mod resolutions;
mod rollouts;
mod routing;
pub mod schema;
mod scope;
pub(crate) mod secrets;
mod service;
mod strategy;
mod strings;
mod templates;
mod twice;
mod units;
mod unknown_field;
mod unknown_variant;
pub(crate) mod values;
mod waivers;
mod wrong_template;
mod wrong_type;
mod wrong_unit;

use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax::ast;
pub use memo::Memo;
use model::Model;
use std::borrow::Cow;

/// Collects diagnostics while checking. It holds no other state: everything the checker
/// learns goes into the model it returns.
#[derive(Debug, Default)]
pub struct Checker {
    diagnostics: Vec<Diagnostic>,
    /// How many of `diagnostics` are errors, kept as they come: lowering asks after every
    /// declaration, and counting each time made checking quadratic in the number of errors.
    errors: usize,
}

impl Checker {
    pub(crate) fn report_all(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.errors += usize::from(diagnostic.is_error());
        self.diagnostics.push(diagnostic);
    }

    /// The collected diagnostics, in the order they were found.
    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    pub(crate) fn error_count(&self) -> usize {
        self.errors
    }
}

/// Names declared in the spec, including declarations that failed to parse or check, so a
/// reference to a broken declaration is not also reported as unknown.
pub struct DeclaredNames<'a> {
    pub environments: Vec<&'a str>,
    pub services: Vec<&'a str>,
}

/// Lowers parsed modules into the model (without the graph orders, which
/// [`crate::graph::analyse`] adds) and returns the declared names for the graph phase.
pub(crate) fn lower<'a>(
    checker: &mut Checker,
    declarations: &'a [Cow<'_, ast::Declaration>],
    memo: &mut Memo,
) -> (Model, DeclaredNames<'a>) {
    let declared = declarations::collect(checker, declarations);
    let model = declarations::lower(checker, &declared, memo);
    let names = DeclaredNames {
        environments: declared.names("environment"),
        services: declared.names("service"),
    };
    (model, names)
}

/// The last checks, which need the graph orders: each service's settings per environment,
/// and the policies evaluated over them. A spec with more deployments than
/// [`limits::MAX_DEPLOYMENTS`] gets none of these (the limit is reported).
pub fn finish(checker: &mut Checker, model: &mut Model, memo: &mut Memo) {
    if !limits::deployments_fit(checker, model) {
        return;
    }
    model.deployments = environment::deployments(model, memo);
    environment::check_traffic_strategies(checker, model);
    hooks::check_deployments(checker, model);
    environment::exposures::check(checker, model);
    routing::check_deployments(checker, model);
    gates::resolve_dast_targets(checker, model);
    gates::check_quality_gate(checker, model);
    environment::secret_sources::check(checker, model);
    architectures::check(checker, model);
    ownership::check_rollouts_owned_by_workflow(checker, model);
    policy::run(checker, model);
}

/// A declaration span for "declared here" labels when nothing better exists.
pub(crate) fn item_label(item: &ast::Item) -> Span {
    item.keyword.span.to(item.name.span)
}
