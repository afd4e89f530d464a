//! Our own serde types for the Grafana dashboard JSON the `grafana` target writes, with only
//! the fields we emit, in a fixed order (struct order), so the JSON is byte-stable. The field
//! names are Grafana's dashboard model (schema version [`SCHEMA_VERSION`]); the panels are
//! `timeseries` panels reading one Prometheus data source chosen by the `datasource` variable.

use serde::Serialize;

/// The dashboard schema version the JSON is written for (Grafana 10 and 11 read it as is).
pub(crate) const SCHEMA_VERSION: u32 = 39;

/// The template variable every panel's data source names.
pub(crate) const DATASOURCE_VARIABLE: &str = "datasource";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub editable: bool,
    /// 1: a shared crosshair, so the tracks line up in time across panels.
    pub graph_tooltip: u8,
    pub refresh: &'static str,
    pub schema_version: u32,
    pub time: TimeRange,
    pub timezone: &'static str,
    pub templating: Templating,
    pub panels: Vec<Panel>,
    pub version: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeRange {
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Templating {
    pub list: Vec<Variable>,
}

/// A `datasource` variable: the Prometheus to read, chosen in Grafana.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variable {
    pub name: &'static str,
    pub label: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub query: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataSource {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uid: String,
}

impl DataSource {
    /// The Prometheus the `datasource` variable names.
    pub fn variable() -> DataSource {
        DataSource {
            kind: "prometheus",
            uid: format!("${{{DATASOURCE_VARIABLE}}}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    pub id: u32,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub grid_pos: GridPos,
    pub datasource: DataSource,
    pub field_config: FieldConfig,
    pub targets: Vec<Target>,
}

/// Where a panel sits on Grafana's 24-column grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GridPos {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldConfig {
    pub defaults: FieldDefaults,
    pub overrides: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDefaults {
    /// Grafana's unit id: `reqps`, `percent`, `ms`, `none`.
    pub unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    pub thresholds: Thresholds,
    pub custom: Custom,
}

/// The panel's thresholds: the gates and objectives on its metric, drawn as lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    pub mode: &'static str,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub color: &'static str,
    /// `None` (JSON `null`) for the base step, below every threshold.
    pub value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Custom {
    pub thresholds_style: ThresholdsStyle,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdsStyle {
    /// `line` when the panel has a threshold, else `off`.
    pub mode: &'static str,
}

/// One query of a panel: one track's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub ref_id: String,
    pub datasource: DataSource,
    pub expr: String,
    pub legend_format: String,
    pub range: bool,
}
