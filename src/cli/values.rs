//! Parsers for argument values that come from a fixed list (targets, diagnostic codes): each
//! keeps its own error message and tells clap the list, so `slipway completions` offers the
//! values (`--target <TAB>`, `slipway explain <TAB>`).

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use slipway::emit::Target;
use slipway::Code;
use std::ffi::OsStr;

/// What a target is for, shown by shells that show descriptions (zsh, fish).
fn target_help(target: Target) -> &'static str {
    match target {
        Target::K8s => "Kubernetes manifests",
        Target::Istio => "Istio traffic rules",
        Target::Kustomize => "a Kustomize base and overlays",
        Target::Github => "the GitHub Actions workflow and rollout scripts",
        Target::Argocd => "Argo CD Applications and their AppProject",
        Target::Prometheus => "PrometheusRules and ServiceMonitors",
        Target::Grafana => "Grafana dashboards (JSON and sidecar ConfigMaps)",
    }
}

/// `--target`: one of [`Target::ALL`] by name.
#[derive(Debug, Clone, Copy)]
pub struct TargetParser;

impl TypedValueParser for TargetParser {
    type Value = Target;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Target, clap::Error> {
        let text = value.to_string_lossy();
        Target::parse(&text).ok_or_else(|| {
            let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
            let message = format!(
                "unknown target `{text}`; targets are {}\n",
                names.join(", ")
            );
            clap::Error::raw(ErrorKind::InvalidValue, message).with_cmd(command)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Target::ALL.iter().map(|&target| {
            PossibleValue::new(target.name()).help(target_help(target))
        })))
    }
}

/// `slipway explain CODE`: a registered code, in any case.
#[derive(Debug, Clone, Copy)]
pub struct CodeParser;

impl TypedValueParser for CodeParser {
    type Value = Code;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Code, clap::Error> {
        let text = value.to_string_lossy();
        Code::parse(&text).ok_or_else(|| {
            let message = format!(
                "`{text}` is not a Slipway diagnostic code; `slipway explain` lists them all\n"
            );
            clap::Error::raw(ErrorKind::InvalidValue, message).with_cmd(command)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Code::ALL.iter().map(|code| {
            PossibleValue::new(code.as_str()).help(code.title())
        })))
    }
}
