//! What a service says about watching it run: its service-level objectives (`slo { ... }`),
//! which become Prometheus alerts, and where Prometheus scrapes its own metrics
//! (`metrics { ... }`, or a port named `metrics`).

use super::{Duration, Gate, PortRef, Protocol, Service};
use crate::span::Span;
use serde::Serialize;

/// `slo { objectives = [p99_latency < 500ms, success_rate >= 99.9%]  runbook = "..." }`
#[derive(Debug, Clone, Serialize)]
pub struct Slo {
    /// What must hold, written like canary gates.
    pub objectives: Vec<Gate>,
    /// The rate window of the alert queries.
    pub window: Duration,
    /// How long an objective must be missed before its alert fires (Prometheus `for:`).
    #[serde(rename = "for")]
    pub pending: Duration,
    pub severity: AlertSeverity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Slo {
    pub(crate) const DEFAULT_WINDOW_SECS: u64 = 300;
    pub(crate) const DEFAULT_FOR_SECS: u64 = 300;
}

/// The `severity` label of an alert, as Alertmanager routes usually expect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Critical,
    Warning,
    Info,
}

impl AlertSeverity {
    pub const ALL: &'static [(&'static str, AlertSeverity)] = &[
        ("critical", AlertSeverity::Critical),
        ("warning", AlertSeverity::Warning),
        ("info", AlertSeverity::Info),
    ];

    pub fn name(self) -> &'static str {
        super::spelling_of(AlertSeverity::ALL, &self)
    }

    /// One grade lower: what a slow error-budget burn (a ticket, not a page) is raised as.
    pub fn lower(self) -> AlertSeverity {
        match self {
            AlertSeverity::Critical => AlertSeverity::Warning,
            AlertSeverity::Warning | AlertSeverity::Info => AlertSeverity::Info,
        }
    }
}

/// `metrics { port = metrics  path = "/metrics"  interval = 30s }`: where Prometheus scrapes
/// the service's own metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scrape {
    pub port: PortRef,
    pub path: String,
    pub interval: Duration,
}

impl Scrape {
    /// The port a service is scraped on when it declares no `metrics` block.
    pub(crate) const CONVENTIONAL_PORT: &'static str = "metrics";
    pub(crate) const DEFAULT_PATH: &'static str = "/metrics";
    pub(crate) const DEFAULT_INTERVAL_SECS: u64 = 30;
}

impl Service {
    /// Where Prometheus scrapes the service: its `metrics` block, or else, by convention, a
    /// TCP port named `metrics` with the default path and interval. `None` when neither.
    pub(crate) fn scrape(&self) -> Option<Scrape> {
        if let Some(scrape) = &self.metrics {
            return Some(Scrape::clone(scrape));
        }
        let port = self
            .port(Scrape::CONVENTIONAL_PORT)
            .filter(|port| port.protocol == Protocol::Tcp)?;
        Some(Scrape {
            port: PortRef {
                name: port.name.value.clone(),
                number: port.number,
            },
            path: Scrape::DEFAULT_PATH.to_string(),
            interval: Duration::from_secs(Scrape::DEFAULT_INTERVAL_SECS),
        })
    }
}
