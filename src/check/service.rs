//! Lowering `service` declarations: image, build, ports, replicas, resources, env, probes,
//! autoscaling, dependencies, traffic, security, exposure and scheduling.

mod build_inputs;
pub(super) mod expose;
pub(super) mod image;
mod observe;
mod probes;
pub(super) mod scheduling;
mod secret_source;

use super::declarations::body;
use super::model::*;
use super::names::{check_name, NameRule};
use super::reader::Reader;
use super::unknown_field::UnknownField;
use super::values::{self, QuantityKind};
use super::{item_label, schema, secrets, Checker};
use crate::check::twice::{Repeated, Twice};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Entry, Expr, ExprKind, Item, Object};
use std::sync::Arc;

pub fn lower(checker: &mut Checker, item: &Item, app_registry: Option<&str>) -> Option<Service> {
    let errors_before = checker.error_count();
    check_name(
        checker,
        &item.name.text,
        item.name.span,
        NameRule::Dns1035Label,
        "service name",
    );
    let object = body(checker, item)?;
    let reader = Reader::new(checker, object, &schema::SERVICE, item_label(item));
    let image = reader
        .required_value(checker, "image")
        .and_then(|expr| image::lower(checker, expr, app_registry));
    let build = reader
        .block(checker, "build")
        .and_then(|b| lower_build(checker, b));
    let ports = reader
        .block(checker, "ports")
        .map(|b| lower_ports(checker, b))
        .unwrap_or_default();
    let replicas = match reader.value(checker, "replicas") {
        Some(expr) => {
            values::integer_u32(checker, expr, 0, 10_000).map(|v| Spanned::new(v, expr.span))
        }
        None => Some(Spanned::new(1, item.name.span)),
    };
    let resources = reader
        .block(checker, "resources")
        .map(|b| lower_resources(checker, b))
        .unwrap_or_default();
    let env = reader
        .block(checker, "env")
        .map(|b| lower_env(checker, b))
        .unwrap_or_default();
    let ports_span = reader.key_span("ports");
    let probe_context = probes::Ports {
        ports: &ports,
        declared_at: ports_span,
    };
    let probes = Probes {
        liveness: probes::field(checker, &reader, "liveness", &probe_context),
        readiness: probes::field(checker, &reader, "readiness", &probe_context),
        startup: probes::field(checker, &reader, "startup", &probe_context),
    };
    for (name, probe) in [("liveness", &probes.liveness), ("startup", &probes.startup)] {
        if let Some(probe) = probe
            .as_ref()
            .filter(|p| p.success_threshold.is_some_and(|t| t != 1))
        {
            checker.report(
                crate::check::out_of_range::OutOfRange::SuccessThreshold {
                    probe: name,
                    span: probe.span,
                }
                .diagnostic(),
            );
        }
    }
    let autoscaling_at = reader.key_span("autoscaling").unwrap_or(item_label(item));
    let autoscaling = reader
        .block(checker, "autoscaling")
        .and_then(|b| lower_autoscaling(checker, b, autoscaling_at));
    let depends_on = reader
        .value(checker, "depends_on")
        .map(|expr| values::names(checker, expr))
        .unwrap_or_default();
    let traffic = reader
        .block(checker, "traffic")
        .map(|b| lower_traffic(checker, b));
    let security = reader
        .block(checker, "security")
        .map(|b| lower_security(checker, b))
        .unwrap_or_default();
    let slo = reader
        .block(checker, "slo")
        .and_then(|b| observe::slo(checker, b));
    let metrics = reader
        .block(checker, "metrics")
        .and_then(|b| observe::metrics(checker, b, &ports));
    let expose = reader.block(checker, "expose").and_then(|b| {
        let owner = reader.key_span("expose").unwrap_or(item.name.span);
        expose::lower(checker, b, &ports, owner)
    });
    let scheduling = reader
        .block(checker, "scheduling")
        .and_then(|b| scheduling::lower(checker, b))
        .unwrap_or_default();
    if checker.error_count() > errors_before {
        return None;
    }
    Some(Service {
        name: Spanned::new(item.name.text.clone(), item.name.span),
        doc: item.doc.clone(),
        image: Arc::new(image?),
        build: build.map(Box::new),
        ports,
        replicas: replicas?,
        resources: Arc::new(resources),
        env,
        probes: Box::new(probes),
        autoscaling,
        depends_on,
        traffic,
        security,
        slo: slo.map(Box::new),
        metrics: metrics.map(Box::new),
        expose: expose.map(Box::new),
        scheduling: Arc::new(scheduling),
        span: item.span,
    })
}

fn lower_build(checker: &mut Checker, object: &Object) -> Option<Build> {
    let reader = Reader::new(checker, object, &schema::BUILD, object.span);
    let context = reader
        .value(checker, "context")
        .and_then(|e| values::string(checker, e))
        .map_or_else(|| ".".to_string(), |s| s.value);
    let dockerfile = reader
        .value(checker, "dockerfile")
        .and_then(|e| values::string(checker, e))
        .map(|s| s.value);
    let toolchain = reader
        .value(checker, "toolchain")
        .and_then(|e| lower_toolchain(checker, e));
    let platforms = reader
        .value(checker, "platforms")
        .map(|e| build_inputs::platforms(checker, e))
        .unwrap_or_default();
    let paths = reader
        .value(checker, "paths")
        .map(|e| build_inputs::paths(checker, e))
        .unwrap_or_default();
    Some(Build {
        context,
        dockerfile,
        toolchain,
        platforms,
        paths,
        span: object.span,
    })
}

fn lower_toolchain(checker: &mut Checker, expr: &Expr) -> Option<Toolchain> {
    let variant = values::variant(checker, expr, "a toolchain such as `maven { java = 17 }`")?;
    let Some((_, kind)) = ToolchainKind::ALL
        .iter()
        .find(|(name, _)| *name == variant.tag)
    else {
        let names: Vec<&str> = ToolchainKind::ALL.iter().map(|(n, _)| *n).collect();
        values::unknown_variant(checker, "toolchain", &variant, &names);
        return None;
    };
    let Some(body) = variant.body else {
        return Some(Toolchain {
            kind: *kind,
            version: None,
        });
    };
    let reader = Reader::new(checker, body, &schema::TOOLCHAIN, variant.tag_span);
    let wanted = match kind {
        ToolchainKind::Maven | ToolchainKind::Gradle => "java",
        ToolchainKind::Npm => "node",
        _ => "version",
    };
    for other in ["java", "node", "version"]
        .into_iter()
        .filter(|f| *f != wanted)
    {
        if let Some(span) = reader.key_span(other) {
            checker.report(
                UnknownField::NotForToolchain {
                    field: other,
                    toolchain: variant.tag,
                    wanted,
                    span,
                }
                .diagnostic(),
            );
        }
    }
    let version = reader
        .value(checker, wanted)
        .and_then(|expr| match &expr.kind {
            ExprKind::Number(_) => values::integer(checker, expr, 1, 1000).map(|v| v.to_string()),
            _ => values::string(checker, expr).map(|s| s.value),
        });
    Some(Toolchain {
        kind: *kind,
        version,
    })
}

fn lower_ports(checker: &mut Checker, object: &Object) -> Vec<Port> {
    let mut ports: Vec<Port> = Vec::new();
    for entry in &object.entries {
        let key = entry.key();
        if !check_name(
            checker,
            &key.text,
            key.span,
            NameRule::PortName,
            "port name",
        ) {
            continue;
        }
        let port = match entry {
            Entry::Attribute { value, .. } if !matches!(value.kind, ExprKind::Object(_)) => {
                port_number(checker, value).map(|number| (number, Protocol::Tcp))
            }
            Entry::Attribute {
                value:
                    Expr {
                        kind: ExprKind::Object(body),
                        ..
                    },
                ..
            }
            | Entry::Block { body, .. } => lower_port_block(checker, body, key.span),
            Entry::Attribute { .. } => None,
        };
        let Some((number, protocol)) = port else {
            continue;
        };
        let clashes =
            |p: &&Port| p.name.value == key.text || (p.number == number && p.protocol == protocol);
        if let Some(clash) = ports.iter().find(clashes) {
            let what = if clash.name.value == key.text {
                "name"
            } else {
                "number"
            };
            checker.report(
                Diagnostic::error(
                    Code::SW0307,
                    format!("port {what} used twice"),
                    key.span,
                    "declared again here",
                )
                .with_label(clash.name.span, "first declared here")
                .with_help("each port needs its own name and number"),
            );
            continue;
        }
        ports.push(Port {
            name: Spanned::new(key.text.clone(), key.span),
            number,
            protocol,
        });
    }
    ports
}

fn port_number(checker: &mut Checker, expr: &Expr) -> Option<u16> {
    values::integer(checker, expr, 1, 65535).and_then(|v| u16::try_from(v).ok())
}

fn lower_port_block(checker: &mut Checker, body: &Object, owner: Span) -> Option<(u16, Protocol)> {
    let reader = Reader::new(checker, body, &schema::PORT, owner);
    let number = reader
        .required_value(checker, "number")
        .and_then(|e| port_number(checker, e));
    let protocol = match reader.value(checker, "protocol") {
        Some(expr) => values::keyword(checker, expr, "protocol", Protocol::KEYWORDS)?,
        None => Protocol::Tcp,
    };
    Some((number?, protocol))
}

pub(super) fn lower_resources(checker: &mut Checker, object: &Object) -> Resources {
    let reader = Reader::new(checker, object, &schema::RESOURCES, object.span);
    let requests = reader
        .block(checker, "requests")
        .map(|b| lower_resource_list(checker, b))
        .unwrap_or_default();
    let limits = reader
        .block(checker, "limits")
        .map(|b| lower_resource_list(checker, b))
        .unwrap_or_default();
    let resources = Resources { requests, limits };
    check_requests_within_limits(checker, &resources);
    resources
}

fn lower_resource_list(checker: &mut Checker, object: &Object) -> ResourceList {
    let reader = Reader::new(checker, object, &schema::RESOURCE_LIST, object.span);
    let mut read = |name: &str, kind| {
        let expr = reader.value(checker, name)?;
        values::quantity(checker, expr, kind).map(|q| Spanned::new(q, expr.span))
    };
    ResourceList {
        cpu: read("cpu", QuantityKind::Cpu),
        memory: read("memory", QuantityKind::Memory),
    }
}

/// Reports requests above limits; used for services and again for merged overrides.
pub(super) fn check_requests_within_limits(checker: &mut Checker, resources: &Resources) {
    let pairs = [
        ("cpu", &resources.requests.cpu, &resources.limits.cpu),
        (
            "memory",
            &resources.requests.memory,
            &resources.limits.memory,
        ),
    ];
    for (name, request, limit) in pairs {
        if let (Some(request), Some(limit)) = (request, limit) {
            if request.value.milli > limit.value.milli {
                checker.report(
                    Diagnostic::error(
                        Code::SW0306,
                        format!("{name} request {} is above its limit {}", request.value.text, limit.value.text),
                        request.span,
                        "request",
                    )
                    .with_label(limit.span, "limit")
                    .with_help("a container can never get more than its limit; lower the request or raise the limit"),
                );
            }
        }
    }
}

pub(super) fn lower_env(checker: &mut Checker, object: &Object) -> Vec<EnvVar> {
    let mut env: Vec<EnvVar> = Vec::new();
    for entry in &object.entries {
        let key = entry.key();
        if !check_name(
            checker,
            &key.text,
            key.span,
            NameRule::EnvVar,
            "environment variable name",
        ) {
            continue;
        }
        if let Some(first) = env.iter().find(|var| var.name.value == key.text) {
            checker.report(
                Twice {
                    repeated: Repeated::Field,
                    name: &key.text,
                    span: key.span,
                    first: Some(first.name.span),
                }
                .diagnostic(),
            );
            continue;
        }
        let Entry::Attribute { value, .. } = entry else {
            checker.report(
                crate::check::wrong_type::WrongType::EnvBlock {
                    name: &key.text,
                    span: key.span,
                }
                .diagnostic(),
            );
            continue;
        };
        if let Some(value) = lower_env_value(checker, &key.text, value) {
            env.push(EnvVar {
                name: Spanned::new(key.text.clone(), key.span),
                value,
            });
        }
    }
    env
}

fn lower_env_value(checker: &mut Checker, name: &str, expr: &Expr) -> Option<EnvValue> {
    match &expr.kind {
        ExprKind::String(text) => {
            // A URL with credentials is reported by `secrets::check`, whatever the name.
            if secrets::looks_like_secret(name, text) && !secrets::has_url_credentials(text) {
                checker.report(
                    crate::check::inline_secret::InlineSecret::EnvValue {
                        name,
                        span: expr.span,
                    }
                    .diagnostic(),
                );
                return None;
            }
            Some(EnvValue::Literal(text.clone()))
        }
        ExprKind::Number(number) => {
            checker.report(
                crate::check::wrong_type::WrongType::EnvNumber {
                    text: format!("{}{}", number.digits, number.unit.as_deref().unwrap_or("")),
                    span: expr.span,
                }
                .diagnostic(),
            );
            None
        }
        ExprKind::Object(object) if object.tag.as_ref().is_some_and(|t| t.text == "secret") => {
            let reader = Reader::new(checker, object, &schema::SECRET_REF, object.span);
            let secret = reader
                .required_value(checker, "name")
                .and_then(|e| values::string(checker, e));
            let key = reader
                .required_value(checker, "key")
                .and_then(|e| values::string(checker, e));
            let from = match (reader.value(checker, "from"), &key) {
                (Some(expr), Some(key)) => Some(secret_source::lower(checker, expr, &key.value)?),
                _ => None,
            };
            let secret = secret?;
            if !check_name(
                checker,
                &secret.value,
                secret.span,
                NameRule::Dns1123Subdomain,
                "secret name",
            ) {
                return None;
            }
            Some(EnvValue::Secret {
                name: secret.value,
                key: key?.value,
                from,
            })
        }
        _ => {
            checker.report(
                crate::check::wrong_type::WrongType::NotEnvValue {
                    found: expr.kind.describe(),
                    span: expr.span,
                }
                .diagnostic(),
            );
            None
        }
    }
}

pub(super) fn lower_autoscaling(
    checker: &mut Checker,
    object: &Object,
    owner: Span,
) -> Option<Autoscaling> {
    let reader = Reader::new(checker, object, &schema::AUTOSCALING, owner);
    let mut read = |name| {
        let expr = reader.required_value(checker, name)?;
        values::integer_u32(checker, expr, 1, 10_000).map(|v| Spanned::new(v, expr.span))
    };
    let min = read("min");
    let max = read("max");
    let cpu_percent = match reader.value(checker, "cpu") {
        Some(expr) => values::percent(checker, expr)?,
        None => 80,
    };
    let (min, max) = (min?, max?);
    if min.value > max.value {
        checker.report(
            Diagnostic::error(
                Code::SW0305,
                format!("autoscaling min {} is above max {}", min.value, max.value),
                min.span,
                "min",
            )
            .with_label(max.span, "max")
            .with_help(format!(
                "swap them: `min = {}` and `max = {}`",
                max.value, min.value
            ))
            .with_suggested_fix(min.span, max.value.to_string())
            .with_suggested_fix(max.span, min.value.to_string()),
        );
        return None;
    }
    Some(Autoscaling {
        min,
        max,
        cpu_percent,
    })
}

fn lower_traffic(checker: &mut Checker, object: &Object) -> Traffic {
    let reader = Reader::new(checker, object, &schema::TRAFFIC, object.span);
    let timeout = reader
        .value(checker, "timeout")
        .and_then(|e| values::duration(checker, e));
    let retries = reader.block(checker, "retries").and_then(|b| {
        let retries = Reader::new(checker, b, &schema::RETRIES, b.span);
        let attempts = retries
            .required_value(checker, "attempts")
            .and_then(|e| values::integer_u32(checker, e, 1, 100))?;
        let per_try_timeout = retries
            .value(checker, "per_try_timeout")
            .and_then(|e| values::duration(checker, e));
        Some(Retries {
            attempts,
            per_try_timeout,
        })
    });
    let circuit_breaker = reader.block(checker, "circuit_breaker").and_then(|b| {
        let cb = Reader::new(checker, b, &schema::CIRCUIT_BREAKER, b.span);
        let consecutive_errors = match cb.value(checker, "consecutive_errors") {
            Some(e) => values::integer_u32(checker, e, 1, 100_000)?,
            None => 5,
        };
        let mut duration = |name, default| match cb.value(checker, name) {
            Some(e) => values::duration(checker, e),
            None => Some(Duration::from_secs(default)),
        };
        let interval = duration("interval", 10)?;
        let base_ejection_time = duration("base_ejection_time", 30)?;
        let max_ejection_percent = match cb.value(checker, "max_ejection") {
            Some(e) => values::percent(checker, e)?,
            None => 50,
        };
        Some(CircuitBreaker {
            consecutive_errors,
            interval,
            base_ejection_time,
            max_ejection_percent,
        })
    });
    Traffic {
        timeout,
        retries,
        circuit_breaker,
    }
}

fn lower_security(checker: &mut Checker, object: &Object) -> Security {
    let reader = Reader::new(checker, object, &schema::SECURITY, object.span);
    let defaults = Security::default();
    let run_as_user = reader
        .value(checker, "run_as_user")
        .and_then(|e| values::integer_u32(checker, e, 1, 2_147_483_647))
        .unwrap_or(defaults.run_as_user);
    let mut flag = |name, default| {
        reader
            .value(checker, name)
            .and_then(|e| values::boolean(checker, e))
            .unwrap_or(default)
    };
    Security {
        run_as_user,
        read_only_root_filesystem: flag(
            "read_only_root_filesystem",
            defaults.read_only_root_filesystem,
        ),
        mount_service_account_token: flag(
            "mount_service_account_token",
            defaults.mount_service_account_token,
        ),
    }
}
