//! The `argocd` target: Argo CD deploys each environment from the repository, instead of (or
//! as well as) the workflow's deploy jobs.
//!
//! ```text
//! argocd/project.yaml                  the AppProject <app>
//! argocd/applications/<env>.yaml       the Application <app>-<env>
//! ```
//!
//! * Each Application syncs its environment's Kustomize overlay (`kustomize/overlays/<env>`,
//!   below the output directory's place in the repository, [`super::Options::repository_path`])
//!   from the app's `repository`, and, when the `prometheus` target is compiled too, the
//!   environment's `prometheus/<env>` directory as a second source.
//! * The revision is the environment's trigger: the (first) branch of a `push` trigger, the tag
//!   of a `tag` trigger without wildcards, or `HEAD` (Git has no tag patterns). A promoted
//!   environment tracks the revision of the environment it comes `after`.
//! * The destination is the environment's cluster, by Argo CD cluster name (the name `argocd
//!   cluster add <context>` gives it is the context name), or by API server when the cluster is
//!   written as an `https://` URL, and its namespace.
//! * `approval = automatic` syncs by itself (`automated` with `prune` and `selfHeal`);
//!   `approval = manual` has no `automated`: someone syncs it, which is the approval.
//! * An environment with an Argo Rollouts canary ignores the route weights and subset labels
//!   that Argo Rollouts changes while it runs (`ignoreDifferences`, respected on sync), so
//!   Argo CD does not undo a rollout in progress.
//! * The AppProject admits exactly the app's repository, the cluster and namespace pairs of the
//!   spec's environments, and of cluster-wide kinds only the Namespace the overlay creates.
//!
//! Without an `app { repository = ... }` there is nothing to sync from, and the target writes
//! nothing (`slipway compile` refuses `--target argocd` then).

pub mod types;

use super::{labels, prometheus, yaml, Options, Output};
use crate::check::model::{Approval, Environment, Model, Trigger};
use std::collections::{BTreeMap, BTreeSet};
use types::{
    AppProject, AppProjectSpec, Application, ApplicationSpec, Automated, Destination, GroupKind,
    IgnoreDifference, Info, Metadata, Source, SyncPolicy, API_VERSION, NAMESPACE,
};

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

pub fn emit(model: &Model, options: &Options, output: &mut Output) {
    let Some(repository) = repository(model) else {
        return;
    };
    let header = super::header(options);
    let included: Vec<&Environment> = super::environments(model, options).collect();
    if included.is_empty() {
        return;
    }
    let project = project(model, repository);
    output.insert(
        PROJECT_FILE,
        format!("{header}{}", yaml::document_text(&project)),
    );
    for environment in included {
        let application = application(model, options, repository, environment);
        output.insert(
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
pub fn project(model: &Model, repository: &str) -> AppProject {
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
pub fn application(
    model: &Model,
    options: &Options,
    repository: &str,
    environment: &Environment,
) -> Application {
    let name = &environment.name.value;
    let revision = revision(model, environment);
    let source = |path: String| Source {
        repo_url: repository.to_string(),
        path: options.repository_path(&path),
        target_revision: revision.clone(),
    };
    let mut sources = vec![source(format!("kustomize/overlays/{name}"))];
    if options.targets.contains(&super::Target::Prometheus)
        && prometheus::writes_files(model, environment)
    {
        sources.push(source(prometheus::environment_dir(name)));
    }
    let (source, sources) = match sources.len() {
        1 => (sources.pop(), Vec::new()),
        _ => (None, sources),
    };
    let rollouts = model
        .deployments_in(name)
        .any(|d| d.strategy.argo_rollouts().is_some());
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
            sync_policy: sync_policy(&environment.approval.value, rollouts),
            ignore_differences: if rollouts {
                rollout_owned_fields()
            } else {
                Vec::new()
            },
            info: info(environment),
        },
    }
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
pub fn revision(model: &Model, environment: &Environment) -> String {
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

/// Automatic approval syncs by itself, pruning and healing; manual approval waits for someone
/// to sync. `RespectIgnoreDifferences` keeps a sync from resetting what Argo Rollouts owns.
fn sync_policy(approval: &Approval, rollouts: bool) -> Option<SyncPolicy> {
    let automated = matches!(approval, Approval::Automatic).then_some(Automated {
        prune: true,
        self_heal: true,
    });
    let sync_options = match rollouts {
        true => vec!["RespectIgnoreDifferences=true".to_string()],
        false => Vec::new(),
    };
    (automated.is_some() || !sync_options.is_empty()).then_some(SyncPolicy {
        automated,
        sync_options,
    })
}

/// What Argo Rollouts changes while a canary runs: the route weights, and the pod-template
/// hash it adds to the subsets' labels.
fn rollout_owned_fields() -> Vec<IgnoreDifference> {
    vec![
        IgnoreDifference {
            group: "networking.istio.io".to_string(),
            kind: "VirtualService".to_string(),
            jq_path_expressions: vec![".spec.http[].route[].weight".to_string()],
        },
        IgnoreDifference {
            group: "networking.istio.io".to_string(),
            kind: "DestinationRule".to_string(),
            jq_path_expressions: vec![".spec.subsets[].labels".to_string()],
        },
    ]
}

/// What the Argo CD UI shows about the environment: who approves, and what comes first.
fn info(environment: &Environment) -> Vec<Info> {
    let approval = match &environment.approval.value {
        Approval::Automatic => "automatic: syncs by itself".to_string(),
        Approval::Manual { reviewers } => format!("manual: synced by {}", reviewers.join(", ")),
    };
    let mut info = vec![Info {
        name: "approval".to_string(),
        value: approval,
    }];
    if !environment.after.is_empty() {
        let after: Vec<&str> = environment.after.iter().map(|a| a.value.as_str()).collect();
        info.push(Info {
            name: "after".to_string(),
            value: after.join(", "),
        });
    }
    info
}
