//! Where the pods run: tolerations, topology spread and registry credentials of the pod
//! spec, from the deployment's `scheduling` and the app's `pull_secrets`. The node selector
//! and the priority class are copied as they are (see `pod.rs`).
//!
//! `spread = zone` is one topology spread constraint over `topology.kubernetes.io/zone`
//! (`host`: `kubernetes.io/hostname`) with `maxSkew: 1`, selecting the service's pods of every
//! track, so a canary and its stable track are spread together; `ScheduleAnyway` unless the
//! spread is `strict`.

use super::Unit;
use crate::check::model::{Scheduling, Toleration};
use k8s_openapi::api::core::v1::{
    LocalObjectReference, Toleration as KubeToleration, TopologySpreadConstraint,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

pub(crate) fn tolerations(scheduling: &Scheduling) -> Option<Vec<KubeToleration>> {
    let tolerations: Vec<KubeToleration> = scheduling.tolerations.iter().map(toleration).collect();
    (!tolerations.is_empty()).then_some(tolerations)
}

fn toleration(toleration: &Toleration) -> KubeToleration {
    KubeToleration {
        key: toleration.key.clone(),
        operator: Some(
            match toleration.value {
                Some(_) => "Equal",
                None => "Exists",
            }
            .to_string(),
        ),
        value: toleration.value.clone(),
        effect: toleration
            .effect
            .map(|effect| effect.kubernetes().to_string()),
        toleration_seconds: toleration
            .for_seconds
            .map(|seconds| i64::try_from(seconds).unwrap_or(i64::MAX)),
    }
}

pub(crate) fn spread(unit: &Unit) -> Option<Vec<TopologySpreadConstraint>> {
    let spread = unit.deployment.scheduling.spread?;
    Some(vec![TopologySpreadConstraint {
        max_skew: 1,
        topology_key: spread.across.topology_key().to_string(),
        when_unsatisfiable: match spread.strict {
            true => "DoNotSchedule",
            false => "ScheduleAnyway",
        }
        .to_string(),
        label_selector: Some(LabelSelector {
            match_labels: Some(unit.selector.clone()),
            ..LabelSelector::default()
        }),
        ..TopologySpreadConstraint::default()
    }])
}

pub(crate) fn pull_secrets(names: &[String]) -> Option<Vec<LocalObjectReference>> {
    let references: Vec<LocalObjectReference> = names
        .iter()
        .map(|name| LocalObjectReference { name: name.clone() })
        .collect();
    (!references.is_empty()).then_some(references)
}
