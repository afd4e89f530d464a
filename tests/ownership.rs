//! One owner per environment, on the checker's side: `deployer` is read into the model,
//! `Environment::owner` and `Environment::deployed_by_workflow` resolve the default, and a spec
//! that asks for two owners reports `SW0322` (the rendered diagnostics are the snapshots of
//! `tests/cases/invalid/two-deployers-*.slip`), while every combination with one owner checks.

mod emit_support;

use emit_support::{codes, inline};
use slipway::check::model::Deployer;

/// One environment with `DEPLOYER` and `STRATEGY` put in.
fn spec(deployer: &str, strategy: &str) -> String {
    format!(
        r#"
app shop {{ repository = "https://github.com/acme/shop" }}
service web {{ image = "ghcr.io/acme/web:1"  ports {{ http = 8080 }} }}
strategy switch = blue_green {{}}
environment prod {{
  cluster   = "prod"
  namespace = "prod"
  trigger   = push
  {deployer}
  strategy  = {strategy}
}}
"#
    )
}

const WORKFLOW_CANARY: &str = "canary { step { weight = 50% } step { weight = 100% } }";
const ARGO_CANARY: &str = "canary { engine = argo_rollouts  step { weight = 50% } }";
const ROLLING: &str = "rolling { max_surge = 1  max_unavailable = 0 }";

fn prod(text: &str) -> slipway::check::model::Environment {
    let checked = slipway::check(&inline(text));
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.model.environment("prod").unwrap().clone()
}

#[test]
fn without_deployer_the_owner_depends_on_what_is_compiled() {
    let environment = prod(&spec("", ROLLING));
    assert_eq!(environment.declared_deployer(), None);
    assert_eq!(environment.owner(true), Deployer::Workflow);
    assert_eq!(environment.owner(false), Deployer::Argocd);
    assert!(environment.deployed_by_workflow());
}

#[test]
fn a_declared_deployer_wins_over_the_default() {
    for (written, owner) in [
        ("deployer = workflow", Deployer::Workflow),
        ("deployer = argocd", Deployer::Argocd),
        ("deployer = [argocd]", Deployer::Argocd),
    ] {
        let environment = prod(&spec(written, ROLLING));
        assert_eq!(environment.declared_deployer(), Some(owner), "{written}");
        assert_eq!(environment.owner(true), owner, "{written}");
        assert_eq!(environment.owner(false), owner, "{written}");
        assert_eq!(
            environment.deployed_by_workflow(),
            owner == Deployer::Workflow,
            "{written}"
        );
    }
}

#[test]
fn two_owners_are_refused() {
    for (deployer, strategy) in [
        ("deployer = [workflow, argocd]", ROLLING),
        ("deployer = [argocd, workflow]", ARGO_CANARY),
        ("deployer = argocd", WORKFLOW_CANARY),
        ("deployer = argocd", "switch"),
    ] {
        assert_eq!(
            codes(&spec(deployer, strategy)),
            ["SW0322"],
            "{deployer} with {strategy}"
        );
    }
}

#[test]
fn one_owner_with_a_rollout_it_can_run_checks() {
    for (deployer, strategy) in [
        ("deployer = argocd", ARGO_CANARY),
        ("deployer = argocd", ROLLING),
        ("deployer = workflow", WORKFLOW_CANARY),
        ("deployer = workflow", "switch"),
        ("deployer = workflow", ARGO_CANARY),
        ("", WORKFLOW_CANARY),
    ] {
        assert!(
            codes(&spec(deployer, strategy)).is_empty(),
            "{deployer} with {strategy}"
        );
    }
}

#[test]
fn an_unknown_deployer_is_an_unknown_variant() {
    assert_eq!(codes(&spec("deployer = flux", ROLLING)), ["SW0208"]);
}
