//! The `argocd` target: an Argo CD Application per environment, which either deploys the
//! environment (Argo CD owns it) or observes what the workflow deploys (the workflow owns it).
//!
//! ```text
//! argocd/project.yaml                  the AppProject <app>
//! argocd/applications/<env>.yaml       the Application <app>-<env>
//! ```
//!
//! * Each Application's sources are the environment as it is deployed, from the app's
//!   `repository` (below the output directory's place in the repository,
//!   [`super::Options::repository_path`]): its Kustomize overlay (`kustomize/overlays/<env>`);
//!   when the `istio` target is compiled, the resting Istio files of `istio/<env>`
//!   (`<service>/virtualservice.yaml` and `<service>/destinationrule.yaml`, not the `steps/`
//!   and `switch/` states the workflow applies during a rollout); when the `prometheus` target
//!   is compiled, `prometheus/<env>`; when the `grafana` target is, the dashboard ConfigMaps of
//!   `grafana/<env>` (`*.yaml`: the `.json` copies are not manifests).
//! * Who owns the environment decides the sync policy ([`ownership`]): with the `github` target
//!   (or `deployer = workflow`) the workflow deploys and the Application only observes, with
//!   no automated sync; otherwise (or with `deployer = argocd`) Argo CD syncs, by itself only
//!   for an entry environment with `approval = automatic`.
//! * The revision is the environment's trigger: the (first) branch of a `push` trigger, the tag
//!   of a `tag` trigger without wildcards, or `HEAD` (Git has no tag patterns). A promoted
//!   environment tracks the revision of the environment it comes `after`.
//! * The destination is the environment's cluster, by Argo CD cluster name (the name `argocd
//!   cluster add <context>` gives it is the context name), or by API server when the cluster is
//!   written as an `https://` URL, and its namespace.
//! * The AppProject admits exactly the app's repository, the cluster and namespace pairs of the
//!   spec's environments, and of cluster-wide kinds only the Namespace the overlay creates.
//!
//! Without an `app { repository = ... }` there is nothing to sync from, and the target writes
//! nothing (`slipway compile` refuses `--target argocd` then).

mod ownership;
pub mod types;

use super::{grafana, istio, labels, prometheus, yaml, Options, Sink, Target};
use crate::check::model::{Deployment, Environment, Model, Trigger};
use std::collections::{BTreeMap, BTreeSet};
use types::{
    AppProject, AppProjectSpec, Application, ApplicationSpec, Destination, Directory, GroupKind,
    Metadata, Source, API_VERSION, NAMESPACE,
};

/// The resting Istio files of an environment's directory, relative to `istio/<env>`.
pub(crate) const ISTIO_INCLUDE: &str = "{*/virtualservice.yaml,*/destinationrule.yaml}";
/// The same, for an environment with Gateways (`gateways/<name>.yaml`).
pub(crate) const ISTIO_INCLUDE_WITH_GATEWAYS: &str =
    "{*/virtualservice.yaml,*/destinationrule.yaml,gateways/*.yaml}";
/// The rollout states the workflow applies one at a time, which are not the resting state.
/// Each pattern holds whether or not `*` crosses `/`.
pub(crate) const ISTIO_EXCLUDE: &str = "{*/steps/*/*,*/switch/*}";

/// `argocd/project.yaml`
pub const PROJECT_FILE: &str = "argocd/project.yaml";

/// `argocd/applications/<env>.yaml`
pub fn application_path(environment: &str) -> String {
    format!("argocd/applications/{environment}.yaml")
}

/// Why the target cannot be written for this model, if it cannot.
pub fn unmet_requirement(model: &Model) -> Option<String> {
    repository(model).is_none().then(|| {
        "the argocd target syncs from the app's repository: add `repository = \"https://...\"` to the `app` declaration".to_string()
    })
}

fn repository(model: &Model) -> Option<&str> {
    model.app.as_ref().and_then(|app| app.repository.as_deref())
}

pub fn emit(model: &Model, options: &Options, output: &mut dyn Sink) {
    let Some(repository) = repository(model) else {
        return;
    };
    let header = super::header(options);
    let included: Vec<&Environment> = super::environments(model, options).collect();
    if included.is_empty() {
        return;
    }
    let project = project(model, repository);
    output.put(
        PROJECT_FILE.to_string(),
        format!("{header}{}", yaml::document_text(&project)),
    );
    for environment in included {
        let application = application(model, options, repository, environment);
        output.put(
            application_path(&environment.name.value),
            format!("{header}{}", yaml::document_text(&application)),
        );
    }
}

/// The labels of both kinds: which app they belong to and who wrote them.
fn object_labels(model: &Model) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/part-of".to_string(),
            model.app_name().to_string(),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            labels::MANAGED_BY.to_string(),
        ),
    ])
}

/// The AppProject: every environment of the spec (whichever are compiled), so compiling one
/// environment never narrows what the others may deploy to.
pub(crate) fn project(model: &Model, repository: &str) -> AppProject {
    let mut destinations = Vec::new();
    let mut seen = BTreeSet::new();
    for name in &model.promotion_order {
        if let Some(environment) = model.environment(name) {
            let destination = destination(environment);
            if seen.insert(destination.clone()) {
                destinations.push(destination);
            }
        }
    }
    let environments = model.promotion_order.join(", ");
    AppProject {
        api_version: API_VERSION,
        kind: "AppProject",
        metadata: Metadata {
            name: model.app_name().to_string(),
            namespace: NAMESPACE.to_string(),
            labels: object_labels(model),
        },
        spec: AppProjectSpec {
            description: format!(
                "{}, delivered by slipway to {environments}",
                model.app_name()
            ),
            source_repos: vec![repository.to_string()],
            destinations,
            cluster_resource_whitelist: vec![GroupKind {
                group: String::new(),
                kind: "Namespace".to_string(),
            }],
        },
    }
}

/// The Application of one environment.
pub(crate) fn application(
    model: &Model,
    options: &Options,
    repository: &str,
    environment: &Environment,
) -> Application {
    let name = &environment.name.value;
    let owner = environment.owner(options.targets.contains(&Target::Github));
    let deployments: Vec<&Deployment> = model.deployments_in(name).collect();
    let ignored = ownership::ignored_fields(&deployments, owner);
    let mut sources = sources(model, options, repository, environment);
    let (source, sources) = match sources.len() {
        1 => (sources.pop(), Vec::new()),
        _ => (None, sources),
    };
    Application {
        api_version: API_VERSION,
        kind: "Application",
        metadata: Metadata {
            name: format!("{}-{name}", model.app_name()),
            namespace: NAMESPACE.to_string(),
            labels: object_labels(model),
        },
        spec: ApplicationSpec {
            project: model.app_name().to_string(),
            source,
            sources,
            destination: destination(environment),
            sync_policy: ownership::sync_policy(environment, owner, &ignored),
            ignore_differences: ignored,
            info: ownership::info(environment, owner),
        },
    }
}

/// The environment as it is deployed: the overlay, the resting Istio files and the
/// Prometheus files, each where the compiled targets write it.
fn sources(
    model: &Model,
    options: &Options,
    repository: &str,
    environment: &Environment,
) -> Vec<Source> {
    let name = &environment.name.value;
    let revision = revision(model, environment);
    let source = |path: String, directory: Option<Directory>| Source {
        repo_url: repository.to_string(),
        path: options.repository_path(&path),
        target_revision: revision.clone(),
        directory,
    };
    let mut sources = vec![source(format!("kustomize/overlays/{name}"), None)];
    if options.targets.contains(&Target::Istio) && has_resting_istio_files(model, environment) {
        let include = match istio::gateway_files(model, environment).is_empty() {
            true => ISTIO_INCLUDE.to_string(),
            false => ISTIO_INCLUDE_WITH_GATEWAYS.to_string(),
        };
        let directory = Directory {
            recurse: true,
            include,
            exclude: ISTIO_EXCLUDE.to_string(),
        };
        sources.push(source(format!("istio/{name}"), Some(directory)));
    }
    if options.targets.contains(&Target::Prometheus) && prometheus::writes_files(model, environment)
    {
        sources.push(source(prometheus::environment_dir(name), None));
    }
    let has_services = model.deployments_in(name).next().is_some();
    if options.targets.contains(&Target::Grafana)
        && grafana::has_dashboards(environment)
        && has_services
    {
        let directory = Directory {
            recurse: false,
            include: "*.yaml".to_string(),
            exclude: String::new(),
        };
        sources.push(source(format!("grafana/{name}"), Some(directory)));
    }
    sources
}

/// Whether the `istio` target writes a resting file for some service of the environment.
fn has_resting_istio_files(model: &Model, environment: &Environment) -> bool {
    model
        .deployments_in(&environment.name.value)
        .filter_map(|deployment| istio::layout(model, deployment))
        .any(|layout| !layout.resting().is_empty())
        || !istio::gateway_files(model, environment).is_empty()
}

/// The cluster (by name, or by server for a URL) and the namespace of an environment.
fn destination(environment: &Environment) -> Destination {
    let cluster = environment.cluster.value.clone();
    let is_url = cluster.starts_with("https://") || cluster.starts_with("http://");
    Destination {
        name: (!is_url).then(|| cluster.clone()),
        server: is_url.then_some(cluster),
        namespace: environment.namespace.value.clone(),
    }
}

/// The revision an environment deploys (see the module documentation).
pub(crate) fn revision(model: &Model, environment: &Environment) -> String {
    let mut current = environment;
    let mut visited = BTreeSet::new();
    loop {
        if !visited.insert(current.name.value.as_str()) {
            return "HEAD".to_string();
        }
        match &current.trigger {
            Some(Trigger::Push { branches }) => {
                return branches
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "HEAD".to_string())
            }
            Some(Trigger::Tag { pattern }) if !pattern.contains(['*', '?', '[']) => {
                return pattern.clone()
            }
            Some(Trigger::Tag { .. } | Trigger::Manual) => return "HEAD".to_string(),
            None => {}
        }
        let before = current
            .after
            .first()
            .and_then(|name| model.environment(&name.value));
        match before {
            Some(before) => current = before,
            None => return "HEAD".to_string(),
        }
    }
}
