//! Pictures of the promotion graph and the service dependency graph: Graphviz DOT, Mermaid
//! (pastes into a pull request) and plain text (prints in a terminal).
//!
//! Environments appear in promotion order; each edge into an environment carries what
//! guards it: the approval and the strategy. Entry environments show their trigger.

use crate::check::model::{Approval, Environment, Model, Strategy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
    Text,
}

pub fn render(model: &Model, format: Format) -> String {
    match format {
        Format::Dot => dot(model),
        Format::Mermaid => mermaid(model),
        Format::Text => text(model),
    }
}

fn environments(model: &Model) -> impl Iterator<Item = &Environment> {
    model
        .promotion_order
        .iter()
        .filter_map(|name| model.environment(name))
}

fn approval_text(approval: &Approval) -> String {
    match approval {
        Approval::Automatic => "automatic".to_string(),
        Approval::Manual { reviewers } => format!("approval by {}", reviewers.join(", ")),
    }
}

fn strategy_text(strategy: &Strategy) -> String {
    match &strategy.name {
        Some(name) => format!("{} {name}", strategy.kind.keyword()),
        None => strategy.kind.keyword().to_string(),
    }
}

/// The strategy, plus per-service strategy overrides: `blue_green switch; my-app: canary`.
fn strategies_text(environment: &Environment) -> String {
    let mut parts = vec![strategy_text(&environment.strategy)];
    for over in &environment.overrides {
        if let Some(strategy) = &over.strategy {
            parts.push(format!(
                "{}: {}",
                over.service.value,
                strategy_text(strategy)
            ));
        }
    }
    parts.join("; ")
}

fn edge_text(environment: &Environment) -> String {
    format!(
        "{} · {}",
        approval_text(&environment.approval.value),
        strategies_text(environment)
    )
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(model: &Model) -> String {
    let mut out = format!("digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n", dot_escape(model.app_name()));
    out.push_str("  subgraph cluster_promotion {\n    label=\"promotion\";\n");
    for environment in environments(model) {
        let name = dot_escape(&environment.name.value);
        let production = if environment.production {
            ", penwidth=2"
        } else {
            ""
        };
        out.push_str(&format!(
            "    \"env:{name}\" [label=\"{name}\\n{}\"{production}];\n",
            dot_escape(&environment.namespace.value)
        ));
        if let Some(trigger) = &environment.trigger {
            out.push_str(&format!(
                "    \"trigger:{name}\" [shape=plaintext, label=\"{}\"];\n",
                dot_escape(&trigger.text())
            ));
            out.push_str(&format!(
                "    \"trigger:{name}\" -> \"env:{name}\" [label=\"{}\"];\n",
                dot_escape(&edge_text(environment))
            ));
        }
        for after in &environment.after {
            out.push_str(&format!(
                "    \"env:{}\" -> \"env:{name}\" [label=\"{}\"];\n",
                dot_escape(&after.value),
                dot_escape(&edge_text(environment))
            ));
        }
    }
    out.push_str("  }\n  subgraph cluster_services {\n    label=\"services\";\n");
    for name in &model.service_order {
        out.push_str(&format!(
            "    \"svc:{0}\" [label=\"{0}\"];\n",
            dot_escape(name)
        ));
    }
    for service in &model.services {
        for dependency in &service.depends_on {
            out.push_str(&format!(
                "    \"svc:{}\" -> \"svc:{}\" [label=\"depends on\"];\n",
                dot_escape(&service.name.value),
                dot_escape(&dependency.value)
            ));
        }
    }
    out.push_str("  }\n}\n");
    out
}

/// Mermaid node ids: letters, digits and `_` only.
fn mermaid_id(prefix: &str, name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}_{cleaned}")
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

fn mermaid(model: &Model) -> String {
    let mut out = String::from("flowchart LR\n  subgraph promotion\n");
    for environment in environments(model) {
        let id = mermaid_id("env", &environment.name.value);
        out.push_str(&format!(
            "    {id}[\"{}\"]\n",
            mermaid_text(&environment.name.value)
        ));
        if let Some(trigger) = &environment.trigger {
            let trigger_id = mermaid_id("trigger", &environment.name.value);
            out.push_str(&format!(
                "    {trigger_id}([\"{}\"]) -->|\"{}\"| {id}\n",
                mermaid_text(&trigger.text()),
                mermaid_text(&edge_text(environment))
            ));
        }
        for after in &environment.after {
            out.push_str(&format!(
                "    {} -->|\"{}\"| {id}\n",
                mermaid_id("env", &after.value),
                mermaid_text(&edge_text(environment))
            ));
        }
    }
    out.push_str("  end\n  subgraph services\n");
    for name in &model.service_order {
        out.push_str(&format!(
            "    {}[\"{}\"]\n",
            mermaid_id("svc", name),
            mermaid_text(name)
        ));
    }
    for service in &model.services {
        for dependency in &service.depends_on {
            out.push_str(&format!(
                "    {} -->|depends on| {}\n",
                mermaid_id("svc", &service.name.value),
                mermaid_id("svc", &dependency.value)
            ));
        }
    }
    out.push_str("  end\n");
    out
}

fn text(model: &Model) -> String {
    let mut out = String::from("Promotion (in order)\n");
    let width = model
        .environments
        .iter()
        .map(|e| e.name.value.len())
        .max()
        .unwrap_or(0);
    for environment in environments(model) {
        let source = match (&environment.trigger, environment.after.is_empty()) {
            (Some(trigger), true) => trigger.text(),
            (Some(trigger), false) => {
                format!("{} after {}", trigger.text(), names(&environment.after))
            }
            (None, _) => format!("after {}", names(&environment.after)),
        };
        let production = if environment.production {
            " [production]"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {:width$}  <- {source} · {}{production}\n",
            environment.name.value,
            edge_text(environment)
        ));
    }
    out.push_str("Services (each after its dependencies)\n");
    for name in &model.service_order {
        let needs = model
            .service(name)
            .map(|s| names(&s.depends_on))
            .unwrap_or_default();
        if needs.is_empty() {
            out.push_str(&format!("  {name}\n"));
        } else {
            out.push_str(&format!("  {name} -> depends on {needs}\n"));
        }
    }
    out
}

fn names(list: &[crate::span::Spanned<String>]) -> String {
    list.iter()
        .map(|n| n.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
