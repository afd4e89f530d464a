//! Lowering `environment` declarations (cluster, namespace, promotion, trigger, approval,
//! strategy, per-service overrides) and computing each service's effective settings in each
//! environment.

pub(crate) mod exposures;
mod removals;
pub(crate) mod secret_sources;

use super::declarations::body;
use super::duplicate_name::DuplicateName;
use super::invalid_image::InvalidImage;
use super::model::*;
use super::names::{check_name, NameRule};
use super::reader::Reader;
use super::unknown_field::UnknownField;
use super::{item_label, schema, service, strategy, values, Checker};
use crate::check::twice::{Repeated, Twice};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Ident, Item, Object};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an environment may refer to.
pub(crate) struct Scope<'a> {
    /// In name order.
    pub services: &'a [Service],
    /// Every declared service name, including services that failed to check (so a broken
    /// service does not also produce "unknown service" errors), in name order.
    pub declared_services: Vec<&'a str>,
    pub strategies: &'a [Strategy],
    pub declared_strategies: Vec<&'a str>,
}

pub fn lower(checker: &mut Checker, item: &Item, scope: &Scope) -> Option<Environment> {
    let errors_before = checker.error_count();
    check_name(
        checker,
        &item.name.text,
        item.name.span,
        NameRule::Dns1123Label,
        "environment name",
    );
    let object = body(checker, item)?;
    let reader = Reader::new(checker, object, &schema::ENVIRONMENT, item_label(item));
    let cluster = reader
        .required_value(checker, "cluster")
        .and_then(|e| values::string(checker, e));
    let namespace = reader
        .required_value(checker, "namespace")
        .and_then(|e| values::string(checker, e));
    if let Some(namespace) = &namespace {
        check_name(
            checker,
            &namespace.value,
            namespace.span,
            NameRule::Dns1123Label,
            "namespace",
        );
    }
    let after = reader
        .value(checker, "after")
        .map(|e| values::names(checker, e))
        .unwrap_or_default();
    let trigger = reader
        .value(checker, "trigger")
        .and_then(|e| trigger(checker, e));
    let approval = match reader.value(checker, "approval") {
        Some(expr) => approval(checker, expr).map(|a| Spanned::new(a, expr.span)),
        None => Some(Spanned::new(Approval::Automatic, item.name.span)),
    };
    let strategy = match reader.value(checker, "strategy") {
        Some(expr) => {
            strategy::lower_use(checker, expr, scope.strategies, &scope.declared_strategies)
        }
        None => Some(Strategy::default_rolling(item.name.span)),
    };
    let production = reader
        .value(checker, "production")
        .and_then(|e| values::boolean(checker, e))
        .unwrap_or(false);
    let deployer = reader
        .value(checker, "deployer")
        .and_then(|e| super::ownership::deployer(checker, e));
    let overrides = overrides(checker, &reader, scope);
    let mesh = match reader.value(checker, "mesh") {
        Some(expr) => mesh(checker, expr).map(|m| Spanned::new(m, expr.span)),
        None => Some(Spanned::new(Mesh::Istio { revision: None }, item.name.span)),
    };
    let metrics = match reader.value(checker, "metrics") {
        Some(expr) => values::keyword(checker, expr, "metrics stack", MetricsStack::KEYWORDS)
            .map(|m| Spanned::new(m, expr.span)),
        None => Some(Spanned::new(
            MetricsStack::PrometheusOperator,
            item.name.span,
        )),
    };
    let dast = reader
        .value(checker, "dast")
        .and_then(|e| super::gates::dast(checker, e));
    if checker.error_count() > errors_before {
        return None;
    }
    Some(Environment {
        name: Spanned::new(item.name.text.clone(), item.name.span),
        doc: item.doc.clone(),
        cluster: cluster?,
        namespace: namespace?,
        production,
        after,
        trigger,
        approval: approval?,
        strategy: Arc::new(strategy?),
        overrides,
        mesh: mesh?,
        metrics: metrics?,
        deployer,
        dast,
        span: item.span,
    })
}

/// `istio`, `istio { revision = "1-30" }` or `none`.
fn mesh(checker: &mut Checker, expr: &crate::syntax::ast::Expr) -> Option<Mesh> {
    let variant = values::variant(checker, expr, "a mesh: `istio` or `none`")?;
    match variant.tag {
        "istio" => {
            let Some(body) = variant.body else {
                return Some(Mesh::Istio { revision: None });
            };
            let reader = Reader::new(checker, body, &schema::ISTIO_MESH, variant.tag_span);
            let revision = match reader.value(checker, "revision") {
                Some(expr) => {
                    let revision = values::string(checker, expr)?;
                    check_name(
                        checker,
                        &revision.value,
                        revision.span,
                        NameRule::Dns1123Label,
                        "Istio revision",
                    );
                    Some(revision.value)
                }
                None => None,
            };
            Some(Mesh::Istio { revision })
        }
        "none" => Some(Mesh::None),
        _ => {
            values::unknown_variant(checker, "mesh", &variant, Mesh::KINDS);
            None
        }
    }
}

fn trigger(checker: &mut Checker, expr: &crate::syntax::ast::Expr) -> Option<Trigger> {
    let variant = values::variant(
        checker,
        expr,
        "a trigger such as `push { branch = \"main\" }`",
    )?;
    if !schema::TRIGGER_KINDS.contains(&variant.tag) {
        values::unknown_variant(checker, "trigger", &variant, schema::TRIGGER_KINDS);
        return None;
    }
    let empty = Object {
        tag: None,
        entries: Vec::new(),
        span: variant.tag_span,
    };
    let body = variant.body.unwrap_or(&empty);
    let reader = Reader::new(checker, body, &schema::TRIGGER, variant.tag_span);
    let not_for = |checker: &mut Checker, field: &str| {
        if let Some(span) = reader.key_span(field) {
            checker.report(
                UnknownField::NotForTrigger {
                    field,
                    trigger: variant.tag,
                    span,
                }
                .diagnostic(),
            );
        }
    };
    match variant.tag {
        "push" => {
            not_for(checker, "pattern");
            let branches = match reader.value(checker, "branch") {
                Some(e) => values::strings(checker, e)?,
                None => vec!["main".to_string()],
            };
            Some(Trigger::Push { branches })
        }
        "tag" => {
            not_for(checker, "branch");
            let pattern = match reader.value(checker, "pattern") {
                Some(e) => values::string(checker, e)?.value,
                None => "v*".to_string(),
            };
            Some(Trigger::Tag { pattern })
        }
        _ => {
            not_for(checker, "branch");
            not_for(checker, "pattern");
            Some(Trigger::Manual)
        }
    }
}

fn approval(checker: &mut Checker, expr: &crate::syntax::ast::Expr) -> Option<Approval> {
    let variant = values::variant(
        checker,
        expr,
        "an approval: `automatic` or `manual { reviewers = [...] }`",
    )?;
    match variant.tag {
        "automatic" => {
            if let Some(body) = variant.body {
                Reader::new(checker, body, &schema::AUTOMATIC_APPROVAL, variant.tag_span);
            }
            Some(Approval::Automatic)
        }
        "manual" => {
            let Some(body) = variant.body else {
                checker.report(no_reviewers(variant.tag_span));
                return None;
            };
            let reader = Reader::new(checker, body, &schema::APPROVAL, variant.tag_span);
            let reviewers_expr = reader.required_value(checker, "reviewers")?;
            let reviewers = values::strings(checker, reviewers_expr)?;
            if reviewers.is_empty() {
                checker.report(no_reviewers(body.span));
                return None;
            }
            Some(Approval::Manual { reviewers })
        }
        _ => {
            values::unknown_variant(checker, "approval", &variant, schema::APPROVAL_KINDS);
            None
        }
    }
}

fn no_reviewers(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::SW0310,
        "a manual approval needs reviewers",
        span,
        "nobody can approve",
    )
    .with_help("write `manual { reviewers = [\"release-managers\"] }`")
}

fn overrides(checker: &mut Checker, reader: &Reader, scope: &Scope) -> Vec<Override> {
    let mut seen: BTreeMap<&str, &Ident> = BTreeMap::new();
    let mut out = Vec::new();
    for (key, label, object) in reader.blocks(checker, "override") {
        let Some(label) = label else {
            checker.report(
                crate::check::missing::Missing::OverrideName { span: key.span }.diagnostic(),
            );
            continue;
        };
        if let Some(first) = seen.get(label.text.as_str()) {
            checker.report(
                Twice {
                    repeated: Repeated::Override,
                    name: &label.text,
                    span: label.span,
                    first: Some(first.span),
                }
                .diagnostic(),
            );
            continue;
        }
        seen.insert(&label.text, label);
        let declared = scope
            .declared_services
            .binary_search(&label.text.as_str())
            .is_ok();
        if !declared {
            checker.report(
                crate::diagnostics::UnknownReference::Name {
                    what: "service",
                    name: &label.text,
                    span: label.span,
                    candidates: scope.declared_services.iter().copied(),
                }
                .diagnostic(),
            );
            continue;
        }
        if let Some(found) = lower_override(checker, label, object, scope) {
            out.push(found);
        }
    }
    out
}

fn lower_override(
    checker: &mut Checker,
    label: &Ident,
    object: &Object,
    scope: &Scope,
) -> Option<Override> {
    let reader = Reader::new(checker, object, &schema::OVERRIDE, label.span);
    let removals = removals::read(checker, object);
    let value = |checker: &mut Checker, name: &str| match removals.skips(name) {
        true => None,
        false => reader.value(checker, name),
    };
    let block = |checker: &mut Checker, name: &str| match removals.skips(name) {
        true => None,
        false => reader.block(checker, name),
    };
    let found = scope
        .services
        .binary_search_by(|s| s.name.value.as_str().cmp(&label.text));
    let service = found.ok().and_then(|index| scope.services.get(index));
    let replicas = value(checker, "replicas")
        .and_then(|e| values::integer_u32(checker, e, 0, 10_000).map(|v| Spanned::new(v, e.span)));
    let resources = block(checker, "resources")
        .map(|b| service::lower_resources(checker, b))
        .unwrap_or_default();
    let env = block(checker, "env")
        .map(|b| service::lower_env(checker, b))
        .unwrap_or_default();
    let image_tag = value(checker, "image_tag")
        .and_then(|e| values::string(checker, e))
        .and_then(|tag| match service::image::check_tag(&tag.value) {
            Ok(_) => Some(tag),
            Err(problem) => {
                checker.report(
                    InvalidImage::Tag {
                        problem: &problem,
                        span: tag.span,
                    }
                    .diagnostic(),
                );
                None
            }
        });
    let strategy = value(checker, "strategy").and_then(|e| {
        strategy::lower_use(checker, e, scope.strategies, &scope.declared_strategies)
    });
    // A problem of the block (a missing `min`) points at the block, not at the override.
    let autoscaling_at = reader.key_span("autoscaling").unwrap_or(label.span);
    let autoscaling = block(checker, "autoscaling")
        .and_then(|b| service::lower_autoscaling(checker, b, autoscaling_at));
    let expose = match (block(checker, "expose"), service) {
        (Some(body), Some(service)) => {
            let owner = reader.key_span("expose").unwrap_or(label.span);
            service::expose::lower(checker, body, &service.ports, owner)
        }
        _ => None,
    };
    let scheduling =
        block(checker, "scheduling").and_then(|b| service::scheduling::lower(checker, b));
    let lowered = Override {
        service: Spanned::new(label.text.clone(), label.span),
        replicas,
        resources,
        env,
        image_tag,
        strategy: strategy.map(Arc::new),
        autoscaling,
        expose,
        scheduling,
        removed: removals.removed,
    };
    if let Some(service) = service {
        if let (Some(tag), Some(_)) = (&lowered.image_tag, &service.image.digest) {
            checker.report(
                InvalidImage::TagOnDigest {
                    service: &service.name.value,
                    span: tag.span,
                    image: service.image.span,
                }
                .diagnostic(),
            );
        }
        service::check_requests_within_limits(
            checker,
            &merge_resources(&service.resources, &lowered.resources),
        );
    }
    Some(lowered)
}

fn merge_list(base: &ResourceList, over: &ResourceList) -> ResourceList {
    ResourceList {
        cpu: over.cpu.clone().or_else(|| base.cpu.clone()),
        memory: over.memory.clone().or_else(|| base.memory.clone()),
    }
}

pub(crate) fn merge_resources(base: &Resources, over: &Resources) -> Resources {
    Resources {
        requests: merge_list(&base.requests, &over.requests),
        limits: merge_list(&base.limits, &over.limits),
    }
}

/// Every service in every environment, overrides applied, in promotion order.
pub fn deployments(model: &Model, memo: &mut super::Memo) -> Vec<Deployment> {
    // Sized once: a vector grown by doubling held up to twice the deployments' size (and
    // both the old and the new buffer while it moved), the largest part of `check`'s heap.
    let mut out = Vec::with_capacity(model.promotion_order.len() * model.services.len());
    for environment_name in &model.promotion_order {
        let Some(environment) = model.environment(environment_name) else {
            continue;
        };
        let mut overrides: BTreeMap<&str, &Override> = BTreeMap::new();
        for found in &environment.overrides {
            overrides.entry(&found.service.value).or_insert(found);
        }
        let fingerprint = memo.environment_fingerprint(model, environment);
        for service in &model.services {
            let compute = || {
                let found = overrides.get(service.name.value.as_str()).copied();
                let mut deployment = deployment(service, environment, found);
                if let Some(app) = &model.app {
                    deployment.pull_secrets = app.pull_secrets.clone();
                }
                deployment
            };
            out.push(memo.deployment(service, fingerprint, out.len(), compute));
        }
    }
    out
}

fn deployment(service: &Service, environment: &Environment, over: Option<&Override>) -> Deployment {
    let mut image = service.image.clone();
    let mut env = service.env.clone();
    let mut replicas = service.replicas.clone();
    let mut resources = service.resources.clone();
    let mut strategy = environment.strategy.clone();
    let mut autoscaling = service.autoscaling.clone();
    let mut expose = service.expose.clone();
    let mut scheduling = service.scheduling.clone();
    let mut removed = Vec::new();
    if let Some(over) = over {
        if let Some(tag) = &over.image_tag {
            let image = Arc::make_mut(&mut image);
            image.tag = Some(tag.value.clone());
            image.span = tag.span;
        }
        for var in &over.env {
            match env.iter_mut().find(|v| v.name.value == var.name.value) {
                Some(existing) => *existing = var.clone(),
                None => env.push(var.clone()),
            }
        }
        replicas = over.replicas.clone().unwrap_or(replicas);
        // The service's own resources are shared by its deployments unless the override
        // changes them.
        if over.resources != Resources::default() {
            resources = Arc::new(merge_resources(&resources, &over.resources));
        }
        strategy = over.strategy.clone().unwrap_or(strategy);
        autoscaling = over.autoscaling.clone().or(autoscaling);
        expose = over.expose.clone().map(Box::new).or(expose);
        if let Some(over_scheduling) = &over.scheduling {
            scheduling = Arc::new(over_scheduling.clone());
        }
        for removal in &over.removed {
            match removal.value {
                Removable::Autoscaling => autoscaling = None,
                Removable::Expose => expose = None,
                Removable::Scheduling => scheduling = Arc::default(),
                _ => {}
            }
            removed.push(removal.value);
        }
        removed.sort();
    }
    if let Some(exposure) = expose.as_mut() {
        exposure.gateway.get_or_insert_with(|| {
            let gateway = match environment.has_istio() {
                true => Gateway::default_istio(),
                false => Gateway::Ingress { class: None },
            };
            Spanned::new(gateway, exposure.span)
        });
    }
    Deployment {
        service: service.name.value.clone(),
        environment: environment.name.value.clone(),
        namespace: environment.namespace.value.clone(),
        image,
        replicas,
        resources,
        env,
        strategy,
        autoscaling,
        expose,
        scheduling,
        pull_secrets: Vec::new(),
        removed,
    }
}

/// Canary and blue-green shift traffic between two Deployments through a Service, so the
/// service must expose a port.
pub(crate) fn check_traffic_strategies(checker: &mut Checker, model: &Model) {
    let tracked = tracked_names(model);
    for (place, deployment) in model.deployments.iter().enumerate() {
        if !matches!(
            deployment.strategy.kind,
            StrategyKind::Canary { .. } | StrategyKind::BlueGreen { .. }
        ) {
            continue;
        }
        let Some(service) = service_at(model, place, deployment) else {
            continue;
        };
        if let Some(environment) = model.environment(&deployment.environment) {
            check_cluster_offers(checker, environment, deployment);
        }
        check_track_names(checker, &tracked, deployment, service);
        if !service.ports.is_empty() {
            continue;
        }
        checker.report(
            Diagnostic::error(
                Code::SW0311,
                format!(
                    "a {} strategy needs a port: `{}` has none in `{}`",
                    deployment.strategy.kind.keyword(),
                    service.name.value,
                    deployment.environment
                ),
                deployment.strategy.span,
                "shifts traffic",
            )
            .with_label(service.name.span, "declares no `ports`")
            .with_help("declare the port traffic arrives on (`ports { http = 8080 }`), or use `rolling` for services that receive no traffic"),
        );
    }
}

/// The service of the deployment at `place` in the model's deployments. [`deployments`]
/// writes them environment by environment, each in the services' order, so the service at
/// the same place in its environment's block is tried first; the search by name (a dozen
/// string comparisons for each of thousands of deployments) only when it is another.
fn service_at<'m>(model: &'m Model, place: usize, deployment: &Deployment) -> Option<&'m Service> {
    let same_place = model
        .services
        .get(place % model.services.len().max(1))
        .filter(|service| service.name.value == deployment.service);
    same_place.or_else(|| model.service(&deployment.service))
}

/// A canary or blue-green strategy needs a mesh to split traffic between its tracks, and
/// canary gates need the mesh's request metrics in a Prometheus.
fn check_cluster_offers(checker: &mut Checker, environment: &Environment, deployment: &Deployment) {
    let kind = deployment.strategy.kind.keyword();
    if !environment.has_istio() {
        let mut diagnostic = Diagnostic::error(
            Code::SW0321,
            format!(
                "a {kind} strategy needs a service mesh, and `{}` has `mesh = none`",
                environment.name.value
            ),
            deployment.strategy.span,
            "splits traffic between two tracks",
        )
        .with_label(environment.mesh.span, "no mesh in this cluster");
        // Routing by request is the mesh's work too: say so where it is written.
        if let Some(requests) = &deployment.strategy.requests {
            diagnostic = diagnostic.with_label(
                requests.span,
                "routes requests by header or mirrors them: only a mesh does that",
            );
        }
        checker.report(diagnostic.with_help(format!(
            "use `rolling` (or `recreate`) for `{}` in `{}`, or install Istio there and write `mesh = istio`",
            deployment.service, environment.name.value
        )));
        return;
    }
    let gated = matches!(
        &deployment.strategy.kind,
        StrategyKind::Canary {
            analysis: Some(_),
            ..
        }
    );
    if gated && !environment.metrics.value.has_prometheus() {
        checker.report(
            Diagnostic::error(
                Code::SW0321,
                format!(
                    "canary gates need a Prometheus, and `{}` has `metrics = none`",
                    environment.name.value
                ),
                deployment.strategy.span,
                "queries Prometheus",
            )
            .with_label(environment.metrics.span, "no Prometheus in this cluster")
            .with_help("remove the `analysis` block (pauses only), or say which Prometheus the cluster runs: `metrics = prometheus`"),
        );
    }
}

/// A service on canary runs as `<name>-stable` and `<name>-canary` (blue-green: `-blue`,
/// `-green`); another service with one of those names would collide with it.
fn check_track_names(
    checker: &mut Checker,
    tracked: &TrackedNames,
    deployment: &Deployment,
    service: &Service,
) {
    let tracks: &[&'static str] = match deployment.strategy.kind {
        StrategyKind::Canary { .. } => &["stable", "canary"],
        StrategyKind::BlueGreen { .. } => &["blue", "green"],
        _ => &[],
    };
    for track in tracks {
        if let Some(other) = tracked.get(&(service.name.value.as_str(), *track)) {
            let workload = format!("{}-{track}", service.name.value);
            checker.report(
                DuplicateName::Workload {
                    workload: &workload,
                    service: &service.name.value,
                    track,
                    strategy_kind: deployment.strategy.kind.keyword(),
                    span: other.name.span,
                    strategy_span: deployment.strategy.span,
                }
                .diagnostic(),
            );
        }
    }
}

/// The services whose name is another name followed by a track (`web-canary`), by that name
/// and the track: the only services a workload of a two-track strategy can clash with. Built
/// once per check, so each deployment asks a (usually empty) table instead of building and
/// searching for two names.
type TrackedNames<'m> = BTreeMap<(&'m str, &'static str), &'m Service>;

fn tracked_names(model: &Model) -> TrackedNames<'_> {
    let mut tracked = BTreeMap::new();
    for service in &model.services {
        for track in ["stable", "canary", "blue", "green"] {
            let base = service
                .name
                .value
                .strip_suffix(track)
                .and_then(|rest| rest.strip_suffix('-'));
            if let Some(base) = base {
                tracked.insert((base, track), service);
            }
        }
    }
    tracked
}
