//! How an Application behaves given who owns its environment (see
//! [`crate::check::model::Environment::owner`] and `docs/semantics.md`, "One owner per
//! environment"):
//!
//! * **The workflow owns it** (push; the default when the `github` target is compiled): the
//!   Application only observes. It has no `automated` sync, so Argo CD shows drift and health
//!   and never reverts the workflow. It ignores what the workflow sets and the repository
//!   cannot hold: the container images (the workflow deploys this run's digests, the
//!   repository has the spec's tags) and the replicas of the candidate tracks the workflow
//!   scales (`<service>-canary`, `<service>-green`).
//! * **Argo CD owns it** (GitOps; the default when only the `argocd` target is compiled): an
//!   entry environment (no `after`) with `approval = automatic` syncs by itself, pruning and
//!   healing. Every other environment is synced by hand: `approval = manual` asks for it, and
//!   an environment that comes `after` another would otherwise sync from the same revision at
//!   the same moment as the one it must wait for, since Argo CD knows nothing of promotion
//!   order. Syncing it once the earlier environment is healthy is the promotion.
//!
//! Either way, an environment with an Argo Rollouts canary ignores what Argo Rollouts changes
//! while it runs (route weights, the stable and canary Services' selectors, and the header
//! and mirror routes it adds for a canary's `requests`: a self-heal that removed them halfway
//! would end the routing for good, since Argo Rollouts sets them only at their step), and
//! `RespectIgnoreDifferences` keeps a sync, automated or by hand, from resetting the ignored
//! fields.

use super::types::{Automated, IgnoreDifference, Info, SyncPolicy};
use crate::check::model::{
    Approval, Deployer, Deployment, Environment, RequestRouting, StrategyKind,
};
use crate::emit::tracks;

/// The label Argo Rollouts adds to the selectors of a canary's stable and canary Services.
const POD_TEMPLATE_HASH: &str = "rollouts-pod-template-hash";
/// The annotation Argo Rollouts puts on the Services it manages (`/` escaped as `~1`).
const MANAGED_BY_ROLLOUTS: &str = "argo-rollouts.argoproj.io~1managed-by-rollouts";

/// Whether Argo CD syncs the environment by itself.
pub(crate) fn syncs_automatically(environment: &Environment, owner: Deployer) -> bool {
    owner == Deployer::Argocd
        && matches!(environment.approval.value, Approval::Automatic)
        && environment.after.is_empty()
}

/// The sync policy; `None` when there is nothing to say (a manual sync with no ignored fields).
pub(crate) fn sync_policy(
    environment: &Environment,
    owner: Deployer,
    ignored: &[IgnoreDifference],
) -> Option<SyncPolicy> {
    let automated = syncs_automatically(environment, owner).then_some(Automated {
        prune: true,
        self_heal: true,
    });
    let sync_options = match ignored.is_empty() {
        true => Vec::new(),
        false => vec!["RespectIgnoreDifferences=true".to_string()],
    };
    (automated.is_some() || !sync_options.is_empty()).then_some(SyncPolicy {
        automated,
        sync_options,
    })
}

/// The fields the Application leaves alone, in a fixed order.
pub(crate) fn ignored_fields(
    deployments: &[&Deployment],
    owner: Deployer,
) -> Vec<IgnoreDifference> {
    let mut ignored = Vec::new();
    if deployments
        .iter()
        .any(|d| d.strategy.argo_rollouts().is_some())
    {
        ignored.extend(rollout_owned_fields());
        ignored.extend(deployments.iter().filter_map(|d| managed_routes(d)));
    }
    if owner == Deployer::Workflow {
        ignored.extend(workflow_owned_fields(deployments));
    }
    ignored
}

/// What Argo Rollouts changes while a canary runs: the route weights, and the pod-template
/// hash (and its own annotation) on the stable and canary Services.
fn rollout_owned_fields() -> Vec<IgnoreDifference> {
    vec![
        IgnoreDifference {
            group: "networking.istio.io".to_string(),
            kind: "VirtualService".to_string(),
            name: None,
            json_pointers: Vec::new(),
            jq_path_expressions: vec![".spec.http[].route[].weight".to_string()],
        },
        IgnoreDifference {
            group: String::new(),
            kind: "Service".to_string(),
            name: None,
            json_pointers: vec![
                format!("/spec/selector/{POD_TEMPLATE_HASH}"),
                format!("/metadata/annotations/{MANAGED_BY_ROLLOUTS}"),
            ],
            jq_path_expressions: Vec::new(),
        },
    ]
}

/// The header and mirror routes Argo Rollouts adds to a canary's VirtualService while it runs
/// (see [`crate::emit::rollouts`]); `None` without a `requests` block.
fn managed_routes(deployment: &Deployment) -> Option<IgnoreDifference> {
    let settings = deployment.strategy.argo_rollouts()?;
    let requests = deployment.strategy.requests.as_ref()?;
    let primary = &settings.route.value;
    let mut names = Vec::new();
    if !requests.matches.is_empty() {
        names.push(RequestRouting::header_route(primary));
    }
    if requests.mirror.is_some() {
        names.push(RequestRouting::mirror_route(primary));
    }
    Some(IgnoreDifference {
        group: "networking.istio.io".to_string(),
        kind: "VirtualService".to_string(),
        name: Some(deployment.service.clone()),
        json_pointers: Vec::new(),
        jq_path_expressions: names
            .iter()
            .map(|name| format!(".spec.http[] | select(.name == \"{name}\")"))
            .collect(),
    })
}

/// What the workflow sets that the repository cannot hold: images by digest, and the
/// replicas of the candidate tracks it scales.
fn workflow_owned_fields(deployments: &[&Deployment]) -> Vec<IgnoreDifference> {
    let images = |group: &str, kind: &str| IgnoreDifference {
        group: group.to_string(),
        kind: kind.to_string(),
        name: None,
        json_pointers: Vec::new(),
        jq_path_expressions: vec![".spec.template.spec.containers[].image".to_string()],
    };
    let mut ignored = vec![images("apps", "Deployment")];
    if deployments
        .iter()
        .any(|d| d.strategy.argo_rollouts().is_some())
    {
        ignored.push(images("argoproj.io", "Rollout"));
    }
    for deployment in deployments {
        let progressive = matches!(
            deployment.strategy.kind,
            StrategyKind::Canary { .. } | StrategyKind::BlueGreen { .. }
        );
        let candidate = tracks(deployment).into_iter().nth(1);
        if let (true, Some(candidate)) = (progressive, candidate) {
            ignored.push(IgnoreDifference {
                group: "apps".to_string(),
                kind: "Deployment".to_string(),
                name: Some(candidate.workload),
                json_pointers: vec!["/spec/replicas".to_string()],
                jq_path_expressions: Vec::new(),
            });
        }
    }
    ignored
}

/// What the Argo CD UI shows about the environment: who deploys it, who approves, and what
/// comes first.
pub fn info(environment: &Environment, owner: Deployer) -> Vec<Info> {
    let entry = |name: &str, value: String| Info {
        name: name.to_string(),
        value,
    };
    let deployer = match owner {
        Deployer::Workflow => {
            "the delivery workflow applies this environment; Argo CD only observes (no automated sync)"
        }
        Deployer::Argocd => "Argo CD syncs this environment; the workflow does not deploy it",
    };
    let approval = match (&environment.approval.value, owner) {
        (Approval::Manual { reviewers }, Deployer::Argocd) => {
            format!("manual: synced by {}", reviewers.join(", "))
        }
        (Approval::Manual { reviewers }, Deployer::Workflow) => {
            format!("manual: approved in the workflow by {}", reviewers.join(", "))
        }
        (Approval::Automatic, _) if syncs_automatically(environment, owner) => {
            "automatic: syncs by itself".to_string()
        }
        (Approval::Automatic, Deployer::Argocd) => {
            "automatic, but Argo CD cannot wait for the environments before it: sync by hand once they are healthy".to_string()
        }
        (Approval::Automatic, Deployer::Workflow) => "automatic: the workflow deploys".to_string(),
    };
    let mut info = vec![
        entry("deployer", deployer.to_string()),
        entry("approval", approval),
    ];
    if !environment.after.is_empty() {
        let after: Vec<&str> = environment.after.iter().map(|a| a.value.as_str()).collect();
        info.push(entry("after", after.join(", ")));
    }
    info
}
