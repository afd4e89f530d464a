//! The fields a policy condition can read, their types, and how each is read from a subject
//! (and, inside `all`/`any`, from one element of a list).

use super::Literal;
use crate::check::model::*;
use crate::check::schema;
use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Bool,
    Int,
    Text,
    Percent,
    Duration,
    Quantity,
    Keyword(&'static [&'static str]),
    /// A list whose elements `all` and `any` name with this word: `port`, `env`.
    List(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct PolicyField {
    pub path: &'static str,
    pub ty: FieldType,
    pub doc: &'static str,
}

/// The words that name the elements of list fields.
const ELEMENTS: &[&str] = &["port", "env"];

impl PolicyField {
    /// Whether a policy over `each` can read the field (element fields never at the top).
    pub(crate) fn available(&self, each: PolicySubject) -> bool {
        let root = self.path.split('.').next().unwrap_or("");
        match each {
            _ if self.element().is_some() => false,
            PolicySubject::Service => matches!(root, "service" | "pipeline"),
            PolicySubject::Environment => matches!(root, "environment" | "strategy"),
            PolicySubject::Deployment => true,
        }
    }

    /// For fields of a list element (`port.number`), the element's name.
    pub(crate) fn element(&self) -> Option<&'static str> {
        let root = self.path.split('.').next().unwrap_or("");
        ELEMENTS.iter().copied().find(|element| *element == root)
    }
}

const fn f(path: &'static str, ty: FieldType, doc: &'static str) -> PolicyField {
    PolicyField { path, ty, doc }
}

pub const FIELDS: &[PolicyField] = &[
    f("service.name", FieldType::Text, "The service name."),
    f("service.replicas", FieldType::Int, "Replicas (in the environment, for deployments)."),
    f("service.image.tag", FieldType::Text, "The image tag, if any."),
    f("service.image.digest", FieldType::Text, "The image digest, if any."),
    f("service.image.registry", FieldType::Text, "The image registry, if any."),
    f("service.image.pinned", FieldType::Bool, "True when the image has a digest, or a tag other than `latest`."),
    f("service.resources.requests.cpu", FieldType::Quantity, "The CPU request."),
    f("service.resources.requests.memory", FieldType::Quantity, "The memory request."),
    f("service.resources.limits.cpu", FieldType::Quantity, "The CPU limit."),
    f("service.resources.limits.memory", FieldType::Quantity, "The memory limit."),
    f("service.probes.liveness", FieldType::Bool, "True when a liveness probe is declared (for deployments: and not turned off by the environment)."),
    f("service.probes.readiness", FieldType::Bool, "True when a readiness probe is declared (for deployments: and not turned off by the environment)."),
    f("service.probes.startup", FieldType::Bool, "True when a startup probe is declared (for deployments: and not turned off by the environment)."),
    f("service.autoscaling", FieldType::Bool, "True when autoscaling is declared."),
    f("service.autoscaling.min", FieldType::Int, "The autoscaling minimum."),
    f("service.autoscaling.max", FieldType::Int, "The autoscaling maximum."),
    f("service.disruption_budget", FieldType::Bool, "True when the k8s target protects the service with a PodDisruptionBudget (more than one replica)."),
    f("service.built", FieldType::Bool, "True when the pipeline builds the image (the service has a `build` block)."),
    f("service.ports", FieldType::List("port"), "The declared ports; `all` and `any` name each one `port`."),
    f("port.name", FieldType::Text, "A port's name."),
    f("port.number", FieldType::Int, "A port's number."),
    f("port.protocol", FieldType::Keyword(&["tcp", "udp"]), "A port's protocol."),
    f("service.env", FieldType::List("env"), "The environment variables (overrides applied, for deployments); `all` and `any` name each one `env`."),
    f("env.name", FieldType::Text, "A variable's name."),
    f("env.secret", FieldType::Bool, "True when the value comes from a Secret (`secret { ... }`)."),
    f("env.sensitive", FieldType::Bool, "True when the name suggests a secret, as for SW0210: a word such as PASSWORD, PASS, PWD, SECRET, TOKEN, CREDS, API_KEY or ACCESS_KEY, unless the last word is FILE, PATH, URL, NAME or the like."),
    f("pipeline.scan", FieldType::Bool, "True when the pipeline scans the service's image for vulnerabilities before deploying it (services with a `build` block)."),
    f("pipeline.fail_on_critical", FieldType::Bool, "True when a critical vulnerability found by the scan fails the pipeline."),
    f("pipeline.sbom", FieldType::Bool, "True when the pipeline publishes an SBOM of the service's image."),
    f("pipeline.sign", FieldType::Bool, "True when the pipeline signs the service's image (and attests its SBOM)."),
    f("pipeline.provenance", FieldType::Bool, "True when the pipeline attests the SLSA build provenance of the service's image and every deploy verifies it."),
    f("environment.name", FieldType::Text, "The environment name."),
    f("environment.cluster", FieldType::Text, "The cluster."),
    f("environment.namespace", FieldType::Text, "The namespace."),
    f("environment.production", FieldType::Bool, "True for production environments."),
    f("environment.approval", FieldType::Keyword(schema::APPROVAL_KINDS), "The approval kind."),
    f("environment.trigger", FieldType::Keyword(schema::POLICY_TRIGGERS), "What starts a deployment; `promotion` when it follows another environment."),
    f("strategy.kind", FieldType::Keyword(schema::STRATEGY_KINDS), "The strategy kind."),
    f("strategy.steps", FieldType::Int, "The number of canary steps (0 for other kinds)."),
    f("strategy.first_weight", FieldType::Percent, "The traffic weight of the first canary step."),
    f("strategy.analysis", FieldType::Bool, "True when a canary has analysis gates."),
];

/// One thing a policy is checked for.
pub struct Subject<'m> {
    service: Option<ServiceView<'m>>,
    environment: Option<&'m Environment>,
    strategy: Option<&'m Strategy>,
    pipeline: &'m Pipeline,
}

struct ServiceView<'m> {
    service: &'m Service,
    deployment: Option<&'m Deployment>,
}

/// One element of a list field, inside `all` or `any`.
pub(crate) enum Element<'m> {
    Port(&'m Port),
    Env(&'m EnvVar),
}

impl Element<'_> {
    pub fn span(&self) -> Span {
        match self {
            Element::Port(port) => port.name.span,
            Element::Env(var) => var.name.span,
        }
    }
}

/// What `policy` is checked for: every service, environment or deployment, or, for a policy
/// enabled in some environments only, the ones there (services as they are deployed there).
pub(crate) fn subjects<'m>(model: &'m Model, policy: &Policy) -> Vec<Subject<'m>> {
    let enabled = |environment: &str| {
        policy.environments.is_empty() || policy.environments.iter().any(|e| e == environment)
    };
    let pipeline = &model.pipeline;
    match policy.each {
        PolicySubject::Service if policy.environments.is_empty() => model
            .services
            .iter()
            .map(|service| Subject {
                service: Some(ServiceView {
                    service,
                    deployment: None,
                }),
                environment: None,
                strategy: None,
                pipeline,
            })
            .collect(),
        PolicySubject::Environment => model
            .environments
            .iter()
            .filter(|environment| enabled(&environment.name.value))
            .map(|environment| Subject {
                service: None,
                environment: Some(environment),
                strategy: Some(&environment.strategy),
                pipeline,
            })
            .collect(),
        PolicySubject::Service | PolicySubject::Deployment => model
            .deployments
            .iter()
            .filter(|deployment| enabled(&deployment.environment))
            .filter_map(|deployment| {
                let service = model.service(&deployment.service)?;
                let environment = model.environment(&deployment.environment)?;
                Some(Subject {
                    service: Some(ServiceView {
                        service,
                        deployment: Some(deployment),
                    }),
                    environment: Some(environment),
                    strategy: Some(&deployment.strategy),
                    pipeline,
                })
            })
            .collect(),
    }
}

type Read = (Option<Literal>, Option<Span>);

impl Subject<'_> {
    /// "service `web` in environment `prod`"
    pub fn describe(&self) -> String {
        match (&self.service, self.environment) {
            (Some(view), Some(environment)) => format!(
                "service `{}` in environment `{}`",
                view.service.name.value, environment.name.value
            ),
            (Some(view), None) => format!("service `{}`", view.service.name.value),
            (None, Some(environment)) => format!("environment `{}`", environment.name.value),
            (None, None) => String::new(),
        }
    }

    /// Where a violation points when no field has a span of its own.
    pub fn span(&self) -> Span {
        match (&self.service, self.environment) {
            (Some(view), _) => view.service.name.span,
            (None, Some(environment)) => environment.name.span,
            (None, None) => Span::default(),
        }
    }

    pub(crate) fn service_name(&self) -> Option<&str> {
        self.service
            .as_ref()
            .map(|view| view.service.name.value.as_str())
    }

    pub(crate) fn environment_name(&self) -> Option<&str> {
        self.environment
            .map(|environment| environment.name.value.as_str())
    }

    /// The elements of a list field.
    pub(crate) fn elements(&self, list: &str) -> Vec<Element<'_>> {
        let Some(view) = &self.service else {
            return Vec::new();
        };
        match list {
            "service.ports" => view.service.ports.iter().map(Element::Port).collect(),
            "service.env" => view
                .deployment
                .map_or(&view.service.env, |d| &d.env)
                .iter()
                .map(Element::Env)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A field's value and span, reading element fields from `element`.
    pub fn read(&self, path: &str, element: Option<&Element>) -> Read {
        match (element, path.split_once('.')) {
            (Some(Element::Port(port)), Some(("port", field))) => port_value(port, field),
            (Some(Element::Env(var)), Some(("env", field))) => env_value(var, field),
            _ => self.value(path),
        }
    }

    pub fn value(&self, path: &str) -> Read {
        if let Some(rest) = path.strip_prefix("pipeline.") {
            return self.service.as_ref().map_or((None, None), |view| {
                pipeline_value(self.pipeline, view, rest)
            });
        }
        if let Some(rest) = path.strip_prefix("service.") {
            return self
                .service
                .as_ref()
                .map_or((None, None), |view| view.value(rest));
        }
        if let Some(rest) = path.strip_prefix("environment.") {
            return self.environment.map_or((None, None), |environment| {
                environment_value(environment, rest)
            });
        }
        if let Some(rest) = path.strip_prefix("strategy.") {
            return self.strategy.map_or((None, None), |strategy| {
                strategy_value(strategy, rest, self.environment)
            });
        }
        (None, None)
    }
}

fn text(value: &str) -> Option<Literal> {
    Some(Literal::Text(value.to_string()))
}

fn boolean(value: bool) -> Option<Literal> {
    Some(Literal::Bool(value))
}

impl ServiceView<'_> {
    fn value(&self, path: &str) -> Read {
        let service = self.service;
        let image = self.deployment.map_or(&service.image, |d| &d.image);
        let resources = self.deployment.map_or(&service.resources, |d| &d.resources);
        let replicas = self.deployment.map_or(&service.replicas, |d| &d.replicas);
        let autoscaling = self
            .deployment
            .map_or(service.autoscaling.as_ref(), |d| d.autoscaling.as_ref());
        // For a deployment, less the probes its environment turns off.
        let probes = self
            .deployment
            .map_or_else(|| Probes::clone(&service.probes), |d| d.probes(service));
        let probe = |probe: &Option<Probe>| {
            (
                boolean(probe.is_some()),
                probe.as_ref().map(|p| p.span).or(Some(service.name.span)),
            )
        };
        let quantity = |q: &Option<crate::span::Spanned<Quantity>>| match q {
            Some(q) => (Some(Literal::Milli(q.value.milli)), Some(q.span)),
            None => (None, Some(service.name.span)),
        };
        match path {
            "name" => (text(&service.name.value), Some(service.name.span)),
            "replicas" => (
                Some(Literal::Int(u64::from(replicas.value))),
                Some(replicas.span),
            ),
            "image.tag" => (image.tag.as_deref().and_then(text), Some(image.span)),
            "image.digest" => (image.digest.as_deref().and_then(text), Some(image.span)),
            "image.registry" => (image.registry.as_deref().and_then(text), Some(image.span)),
            "image.pinned" => {
                let pinned =
                    image.digest.is_some() || image.tag.as_deref().is_some_and(|t| t != "latest");
                (boolean(pinned), Some(image.span))
            }
            "resources.requests.cpu" => quantity(&resources.requests.cpu),
            "resources.requests.memory" => quantity(&resources.requests.memory),
            "resources.limits.cpu" => quantity(&resources.limits.cpu),
            "resources.limits.memory" => quantity(&resources.limits.memory),
            "probes.liveness" => probe(&probes.liveness),
            "probes.readiness" => probe(&probes.readiness),
            "probes.startup" => probe(&probes.startup),
            "autoscaling" => (boolean(autoscaling.is_some()), Some(service.name.span)),
            "autoscaling.min" => (
                autoscaling.map(|a| Literal::Int(u64::from(a.min.value))),
                autoscaling.map(|a| a.min.span),
            ),
            "autoscaling.max" => (
                autoscaling.map(|a| Literal::Int(u64::from(a.max.value))),
                autoscaling.map(|a| a.max.span),
            ),
            "disruption_budget" => (boolean(replicas.value > 1), Some(replicas.span)),
            "built" => (boolean(service.build.is_some()), Some(service.name.span)),
            "ports" => (
                None,
                service
                    .ports
                    .first()
                    .map(|p| p.name.span)
                    .or(Some(service.name.span)),
            ),
            "env" => (None, Some(service.name.span)),
            _ => (None, None),
        }
    }
}

fn environment_value(environment: &Environment, path: &str) -> Read {
    let name_span = Some(environment.name.span);
    match path {
        "name" => (text(&environment.name.value), name_span),
        "cluster" => (
            text(&environment.cluster.value),
            Some(environment.cluster.span),
        ),
        "namespace" => (
            text(&environment.namespace.value),
            Some(environment.namespace.span),
        ),
        "production" => (boolean(environment.production), name_span),
        "approval" => {
            let kind = match environment.approval.value {
                Approval::Automatic => "automatic",
                Approval::Manual { .. } => "manual",
            };
            (text(kind), Some(environment.approval.span))
        }
        "trigger" => {
            let kind = match (&environment.trigger, environment.after.is_empty()) {
                (Some(Trigger::Push { .. }), _) => "push",
                (Some(Trigger::Tag { .. }), _) => "tag",
                (Some(Trigger::Manual), _) => "manual",
                (None, false) => "promotion",
                (None, true) => return (None, name_span),
            };
            (text(kind), name_span)
        }
        _ => (None, None),
    }
}

fn strategy_value(strategy: &Strategy, path: &str, environment: Option<&Environment>) -> Read {
    let span = Some(environment.map_or(strategy.span, |e| e.strategy.span));
    let span = if span == Some(Span::default()) {
        Some(strategy.span)
    } else {
        span
    };
    match (path, &strategy.kind) {
        ("kind", kind) => (text(kind.keyword()), Some(strategy.span)),
        ("steps", StrategyKind::Canary { steps, .. }) => {
            (Some(Literal::Int(steps.len() as u64)), span)
        }
        ("steps", _) => (Some(Literal::Int(0)), span),
        ("first_weight", StrategyKind::Canary { steps, .. }) => match steps.first() {
            Some(step) => (
                Some(Literal::Int(u64::from(step.weight.value))),
                Some(step.weight.span),
            ),
            None => (None, span),
        },
        ("analysis", StrategyKind::Canary { analysis, .. }) => {
            (boolean(analysis.is_some()), Some(strategy.span))
        }
        ("analysis", _) => (boolean(false), Some(strategy.span)),
        _ => (None, span),
    }
}

fn pipeline_value(pipeline: &Pipeline, view: &ServiceView, path: &str) -> Read {
    let built = view.service.build.is_some();
    let value = match path {
        "scan" => pipeline.scan,
        "fail_on_critical" => pipeline.scan && pipeline.fail_on.contains(&CveSeverity::Critical),
        "sbom" => pipeline.sbom,
        "sign" => pipeline.sign,
        "provenance" => pipeline.provenance,
        _ => return (None, None),
    };
    (boolean(built && value), Some(view.service.name.span))
}

fn port_value(port: &Port, path: &str) -> Read {
    let span = Some(port.name.span);
    match path {
        "name" => (text(&port.name.value), span),
        "number" => (Some(Literal::Int(u64::from(port.number))), span),
        "protocol" => (
            text(if port.protocol == Protocol::Udp {
                "udp"
            } else {
                "tcp"
            }),
            span,
        ),
        _ => (None, None),
    }
}

fn env_value(var: &EnvVar, path: &str) -> Read {
    let span = Some(var.name.span);
    match path {
        "name" => (text(&var.name.value), span),
        "secret" => (boolean(matches!(var.value, EnvValue::Secret { .. })), span),
        "sensitive" => (boolean(sensitive(&var.name.value)), span),
        _ => (None, None),
    }
}

/// Whether a variable's name suggests that its value is a secret: the same test as the
/// inline secret check (SW0210).
pub(crate) fn sensitive(name: &str) -> bool {
    crate::check::secrets::is_secret_name(name)
}
