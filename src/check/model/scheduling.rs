//! Where a service's pods may run and how they are spread: `scheduling { ... }` of a service
//! (replaced as a whole by an override's), and the app's `pull_secrets` for a private
//! registry.

use crate::span::Spanned;
use serde::Serialize;
use std::collections::BTreeMap;

/// `scheduling { node_selector, toleration..., spread, priority_class }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scheduling {
    /// Node labels a node must carry for the pods to run there.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Taints the pods tolerate, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// Across which topology the pods are spread evenly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<Spread>,
    /// The `PriorityClass` of the pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_class: Option<String>,
    /// The `kubernetes.io/arch` value of `node_selector`, where the spec writes it: the CPU
    /// architecture the pods' image must be built for.
    #[serde(skip)]
    pub architecture: Option<Spanned<String>>,
}

impl Scheduling {
    /// Whether the block sets nothing (the pods go wherever the scheduler puts them).
    pub fn is_empty(&self) -> bool {
        *self == Scheduling::default()
    }
}

/// One `toleration { key, value, effect, for }`. Without `value` it tolerates every value of
/// the key (`operator: Exists`); without `key` as well, every taint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toleration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `None`: every effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// With `no_execute`: how long the pod stays on a node after the taint appears.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_seconds: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    /// The spec's keywords, in the order the docs list them.
    pub(crate) const KEYWORDS: &'static [&'static str] =
        &["no_schedule", "prefer_no_schedule", "no_execute"];

    /// The effect one of [`TaintEffect::KEYWORDS`] names.
    pub(crate) fn from_keyword(keyword: &str) -> Option<TaintEffect> {
        match keyword {
            "no_schedule" => Some(TaintEffect::NoSchedule),
            "prefer_no_schedule" => Some(TaintEffect::PreferNoSchedule),
            "no_execute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }

    /// As Kubernetes writes it.
    pub fn kubernetes(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// `spread = zone | host`: at most one pod more in any zone (or node) than in another, where
/// the scheduler can; `spread = zone { strict = true }` refuses to schedule otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Spread {
    pub across: SpreadTopology,
    /// `DoNotSchedule` instead of `ScheduleAnyway`.
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpreadTopology {
    Zone,
    Host,
}

impl SpreadTopology {
    /// The spec's keywords.
    pub(crate) const KEYWORDS: &'static [&'static str] = &["zone", "host"];

    /// The topology one of [`SpreadTopology::KEYWORDS`] names.
    pub(crate) fn from_keyword(keyword: &str) -> Option<SpreadTopology> {
        match keyword {
            "zone" => Some(SpreadTopology::Zone),
            "host" => Some(SpreadTopology::Host),
            _ => None,
        }
    }

    /// The well-known node label of the topology.
    pub(crate) fn topology_key(self) -> &'static str {
        match self {
            SpreadTopology::Zone => "topology.kubernetes.io/zone",
            SpreadTopology::Host => "kubernetes.io/hostname",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SpreadTopology, TaintEffect};

    #[test]
    fn every_keyword_names_a_value() {
        for keyword in TaintEffect::KEYWORDS {
            assert!(TaintEffect::from_keyword(keyword).is_some(), "{keyword}");
        }
        for keyword in SpreadTopology::KEYWORDS {
            assert!(SpreadTopology::from_keyword(keyword).is_some(), "{keyword}");
        }
    }
}
