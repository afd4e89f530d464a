//! The fields each block accepts: name, shape, type and documentation.
//!
//! This table is the single source of truth for field names. The checker rejects fields that
//! are not listed (with a "did you mean"), and the language server reads the same table for
//! hover and completion, so documentation and behaviour cannot drift apart.

mod exposure;
mod gates;
mod routing;
mod scheduling;
mod strategies;

use crate::check::model;
use crate::spellings;
pub use exposure::{EXPOSE, INGRESS, ISTIO_GATEWAY, NONE, TLS_SECRET};
pub use gates::{CI_REFERENCE, CODEQL, DAST, SONARQUBE};
pub use routing::{COOKIE_MATCH, HEADER_MATCH, REQUESTS};
pub use scheduling::{SCHEDULING, SPREAD, TOLERATION};

pub use strategies::{ANALYSIS, BLUE_GREEN, CANARY, CANARY_STEP, HOOK, RECREATE, ROLLING};

/// How a field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `name = value`
    Value,
    /// `name { ... }`, at most once.
    Block,
    /// `name label? { ... }`, any number of times.
    Repeated,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// The type in words, as hover shows it: `duration`, `quantity (cpu)`, `integer ≥ 0`.
    pub ty: &'static str,
    pub doc: &'static str,
    pub required: bool,
    /// The kind of declaration the field's value names (`depends_on`: services), or for a
    /// repeated block, the kind its label names (`override web`: a service). The language
    /// server navigates by what `check/resolutions.rs` records for it.
    pub names: Option<&'static str>,
}

impl Field {
    /// The kind of declaration this field names when it is written as `shape` (a label of
    /// a repeated block, or a value).
    pub fn names_when(&self, shape: Shape) -> Option<&'static str> {
        (self.shape == shape).then_some(self.names?)
    }

    /// This field, naming declarations of `kind`.
    const fn naming(self, kind: &'static str) -> Field {
        Field {
            names: Some(kind),
            ..self
        }
    }
}

const fn value(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Value,
        ty,
        doc,
        required: false,
        names: None,
    }
}

const fn required(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Value,
        ty,
        doc,
        required: true,
        names: None,
    }
}

const fn block(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Block,
        ty,
        doc,
        required: false,
        names: None,
    }
}

const fn repeated(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Repeated,
        ty,
        doc,
        required: false,
        names: None,
    }
}

/// A table of fields, named for messages ("unknown field `x` in a service").
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub what: &'static str,
    pub fields: &'static [Field],
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.fields.iter().map(|field| field.name)
    }
}

/// The top-level declaration kinds.
pub const DECLARATIONS: &[(&str, &str)] = &[
    ("app", "The application: its name, source repository and container registry."),
    ("service", "A deployable service: image, build, ports, replicas, resources, probes."),
    ("environment", "A place services run: cluster, namespace, promotion order, approval, strategy."),
    ("strategy", "A named, reusable rollout strategy: rolling, recreate, blue_green or canary."),
    ("policy", "A rule checked at compile time over services and environments."),
    ("template", "A reusable body: `template web = service { ... }`, used with `service api from web { ... }`, or a probe, toolchain or strategy preset."),
    ("waive", "Accepts violations of a policy for a written reason: `waive pinned-images { service = web  reason = \"...\" }`."),
    ("import", "Uses another file or a standard module: `import \"common.slip\"`, `import std/strategies`."),
];

pub const APP: Schema = Schema {
    what: "the app",
    fields: &[
        value("repository", "string", "The source repository, e.g. `https://github.com/acme/shop`."),
        value("registry", "string", "The container registry images are pushed to, e.g. `ghcr.io/acme`."),
        value("prometheus", "string", "The Prometheus URL that Argo Rollouts analysis queries from inside the clusters (default `http://prometheus-operated.monitoring.svc:9090`)."),
        value("pull_secrets", "list of Secret names", "Secrets of type `kubernetes.io/dockerconfigjson` with the credentials of a private registry, given to every pod: `[\"ghcr-pull\"]`."),
        value("quality_gate", "quality gate", "The code analysis that must pass before any image is built: `sonarqube { host, token, project }` (its quality gate) or `codeql { fail_on = high }`."),
    ],
};

pub const SERVICE: Schema = Schema {
    what: "a service",
    fields: &[
        required("image", "string", "The container image: `registry/name`, optionally `:tag` or `@sha256:digest`. Without a registry the app's registry is used."),
        block("build", "block", "How the image is built: `context`, `dockerfile`, a `toolchain`, its `platforms` and further `paths`."),
        block("ports", "map of port name to number", "Named ports, e.g. `ports { http = 8080 }`. Probes and traffic refer to them by name."),
        value("replicas", "integer ≥ 0", "How many pods run (default 1). Environments may override it."),
        block("resources", "block", "CPU and memory `requests` and `limits`, as Kubernetes quantities (`500m`, `2Gi`)."),
        block("env", "map of name to string or secret", "Environment variables. Use `secret { name = ..., key = ... }` for secret values."),
        value("liveness", "probe", "Restarts the container when it fails: `http { path, port }`, `tcp { port }`, `grpc { port }` or `exec { command }`."),
        value("readiness", "probe", "Takes the pod out of load balancing while it fails."),
        value("startup", "probe", "Holds the other probes until the container has started."),
        block("autoscaling", "block", "Horizontal autoscaling: `min`, `max` replicas and a `cpu` target percentage."),
        value("depends_on", "list of service names", "Services this one needs; they are deployed first.").naming("service"),
        block("traffic", "block", "Mesh settings: `timeout`, `retries`, `circuit_breaker`."),
        block("security", "block", "Pod security overrides; the defaults are the secure ones."),
        block("slo", "block", "Service-level objectives, alerted on by the `prometheus` target: `objectives`, `window`, `for`, `severity`, `runbook`."),
        block("metrics", "block", "Where Prometheus scrapes the service: `port`, `path`, `interval` (a port named `metrics` is scraped without one)."),
        block("expose", "block", "How outside traffic reaches the service: `hosts`, `path`, `port`, `tls`, `gateway`."),
        block("scheduling", "block", "Where the pods may run and how they are spread: `node_selector`, `toleration`, `spread`, `priority_class`."),
    ],
};

pub const SLO: Schema = Schema {
    what: "an slo block",
    fields: &[
        required("objectives", "list of conditions", "What must hold, written like canary gates: `p99_latency < 500ms`, `success_rate >= 99.9%`."),
        value("window", "duration", "The rate window of the alert queries (default 5m)."),
        value("for", "duration", "How long an objective must be missed before its alert fires (default 5m)."),
        value("severity", "critical | warning | info", "The `severity` label of the alerts (default warning)."),
        value("runbook", "string", "The runbook URL, added to every alert as `runbook_url`."),
    ],
};

pub const METRICS: Schema = Schema {
    what: "a metrics block",
    fields: &[
        value(
            "port",
            "port name",
            "The port Prometheus scrapes (default: the port named `metrics`).",
        ),
        value(
            "path",
            "string",
            "The HTTP path of the metrics (default `/metrics`).",
        ),
        value(
            "interval",
            "duration",
            "How often Prometheus scrapes (default 30s).",
        ),
    ],
};

pub const BUILD: Schema = Schema {
    what: "a build block",
    fields: &[
        value("context", "string", "The build context directory (default `.`)."),
        value("dockerfile", "string", "The Dockerfile, relative to the context (default `Dockerfile`)."),
        value("toolchain", "toolchain", "The language toolchain: `maven { java = 17 }`, `gradle`, `npm { node = 20 }`, `go`, `cargo`, `python`."),
        value("platforms", "list of platforms", "The platforms the image is built for, e.g. `[\"linux/amd64\", \"linux/arm64\"]` (default: the runner's, linux/amd64)."),
        value("paths", "list of strings", "Further repository paths the image depends on (git globs from the repository root, e.g. `\"libs/common/**\"`): a change there rebuilds the service."),
    ],
};

pub const TOOLCHAIN: Schema = Schema {
    what: "a toolchain",
    fields: &[
        value("java", "integer", "The Java version (maven, gradle)."),
        value("node", "integer", "The Node.js version (npm)."),
        value(
            "version",
            "string",
            "The toolchain version (go, cargo, python).",
        ),
    ],
};

pub const PORT: Schema = Schema {
    what: "a port",
    fields: &[
        required("number", "integer 1..65535", "The container port."),
        value("protocol", "tcp | udp", "The protocol (default tcp)."),
    ],
};

pub const RESOURCES: Schema = Schema {
    what: "a resources block",
    fields: &[
        block(
            "requests",
            "block",
            "What the scheduler reserves: `cpu`, `memory`.",
        ),
        block(
            "limits",
            "block",
            "The most the container may use: `cpu`, `memory`.",
        ),
    ],
};

pub const RESOURCE_LIST: Schema = Schema {
    what: "a resource list",
    fields: &[
        value("cpu", "quantity (cpu)", "CPU in cores: `1`, `0.5`, `500m`."),
        value(
            "memory",
            "quantity (memory)",
            "Memory in bytes: `512Mi`, `2Gi`.",
        ),
    ],
};

pub const SECRET_REF: Schema = Schema {
    what: "a secret reference",
    fields: &[
        required("name", "string", "The name of the Kubernetes Secret."),
        required("key", "string", "The key inside the Secret."),
        value(
            "from",
            "secret store",
            "`store { ... }` or `cluster_store { ... }`: sync the Secret from an External Secrets Operator store (Vault, ...).",
        ),
    ],
};

/// `from = cluster_store { name = "vault"  path = "shop/db" }` in a secret reference.
pub(crate) const SECRET_SOURCE: Schema = Schema {
    what: "a secret store reference",
    fields: &[
        required(
            "name",
            "string",
            "The External Secrets `SecretStore` (`store`) or `ClusterSecretStore` (`cluster_store`).",
        ),
        required(
            "path",
            "string",
            "The path of the value in the store, e.g. a Vault KV path (`remoteRef.key`).",
        ),
        value(
            "property",
            "string",
            "The field at that path (default: the reference's `key`).",
        ),
        value(
            "refresh",
            "duration",
            "How often the store is read again (default `1h`).",
        ),
    ],
};

/// The kinds of store a secret reference's `from` names: the names of
/// [`model::StoreKind::ALL`], in its order (a test holds them equal).
pub(crate) const SECRET_STORE_KINDS: &[&str] = crate::spellings!(model::StoreKind::ALL);

pub const PROBE: Schema = Schema {
    what: "a probe",
    fields: &[
        value("path", "string", "The HTTP path (http probes)."),
        value(
            "port",
            "port name",
            "A port declared in `ports` (http, tcp and grpc probes).",
        ),
        value(
            "command",
            "list of strings",
            "The command to run (exec probes).",
        ),
        value(
            "initial_delay",
            "duration",
            "Wait this long after start before the first probe.",
        ),
        value("period", "duration", "How often to probe."),
        value("timeout", "duration", "How long one probe may take."),
        value(
            "success_threshold",
            "integer ≥ 1",
            "Consecutive successes to count as healthy.",
        ),
        value(
            "failure_threshold",
            "integer ≥ 1",
            "Consecutive failures to count as unhealthy.",
        ),
    ],
};

pub const AUTOSCALING: Schema = Schema {
    what: "an autoscaling block",
    fields: &[
        required("min", "integer ≥ 1", "The fewest replicas."),
        required("max", "integer ≥ 1", "The most replicas."),
        value(
            "cpu",
            "percentage",
            "Target average CPU utilisation (default 80%).",
        ),
    ],
};

pub const TRAFFIC: Schema = Schema {
    what: "a traffic block",
    fields: &[
        value("timeout", "duration", "Request timeout."),
        block("retries", "block", "`attempts` and `per_try_timeout`."),
        block("circuit_breaker", "block", "Outlier detection: `consecutive_errors`, `interval`, `base_ejection_time`, `max_ejection`."),
    ],
};

pub const RETRIES: Schema = Schema {
    what: "a retries block",
    fields: &[
        required("attempts", "integer ≥ 1", "How many retries."),
        value("per_try_timeout", "duration", "Timeout of each try."),
    ],
};

pub const CIRCUIT_BREAKER: Schema = Schema {
    what: "a circuit breaker",
    fields: &[
        value(
            "consecutive_errors",
            "integer ≥ 1",
            "Errors before a host is ejected (default 5).",
        ),
        value(
            "interval",
            "duration",
            "How often hosts are scanned (default 10s).",
        ),
        value(
            "base_ejection_time",
            "duration",
            "The minimum ejection time (default 30s).",
        ),
        value(
            "max_ejection",
            "percentage",
            "The most hosts that may be ejected (default 50%).",
        ),
    ],
};

pub const SECURITY: Schema = Schema {
    what: "a security block",
    fields: &[
        value(
            "run_as_user",
            "integer ≥ 1",
            "The user id the container runs as (default 10001; never root).",
        ),
        value(
            "read_only_root_filesystem",
            "boolean",
            "Mount the root filesystem read-only (default true).",
        ),
        value(
            "mount_service_account_token",
            "boolean",
            "Mount the Kubernetes API token (default false).",
        ),
    ],
};

pub const ENVIRONMENT: Schema = Schema {
    what: "an environment",
    fields: &[
        required("cluster", "string", "The Kubernetes cluster (context name) to deploy to."),
        required("namespace", "string", "The namespace services run in."),
        value("after", "environment name or list", "The environments that must succeed first (promotion order).").naming("environment"),
        value("trigger", "trigger", "What starts a deployment: `push { branch = \"main\" }`, `tag { pattern = \"v*\" }` or `manual`. Environments with `after` are promoted instead."),
        value("approval", "approval", "`automatic` or `manual { reviewers = [\"team\"] }`."),
        value("strategy", "strategy", "A named strategy or an inline `rolling { }`, `recreate`, `blue_green { }`, `canary { }` (default `rolling`).").naming("strategy"),
        value("production", "boolean", "Marks a production environment (policies use it)."),
        value("mesh", "mesh", "The cluster's service mesh: `istio` (default), `istio { revision = \"1-30\" }` or `none`. Canary and blue-green need one."),
        value("metrics", "metrics stack", "The cluster's metrics: `prometheus_operator` (default), `prometheus` (no operator CRDs) or `none` (no gates)."),
        repeated("override", "block", "`override service-name { replicas, resources, env, strategy, image_tag, autoscaling, expose }` for this environment; `autoscaling`, `traffic`, `liveness`, `readiness`, `startup` and `expose` can be turned off with `= none`.").naming("service"),
        block("defaults", "block", "Settings for every service in this environment (`replicas`, `resources`, `env`, `autoscaling`, `scheduling`), below each service's own `override`."),
        value("policies", "list of packs or policies", "Imported policy packs (`production`) or policies (`production.pinned-images`) checked for this environment."),
        value("dast", "dast scan", "An OWASP ZAP scan of the deployed environment that must pass before the environments after it: `zap_baseline { fail_on = medium }` or `zap_full { url = \"https://...\" }`."),
        value("deployer", "`workflow` or `argocd`", "Who deploys this environment: the delivery workflow (Argo CD, if compiled, only observes) or Argo CD (the workflow does not deploy it). Default: the workflow when the `github` target is compiled, else Argo CD."),
    ],
};

pub const TRIGGER: Schema = Schema {
    what: "a trigger",
    fields: &[
        value(
            "branch",
            "string or list",
            "Branches whose pushes deploy (push triggers).",
        ),
        value(
            "pattern",
            "string",
            "Tag pattern such as `v*` (tag triggers).",
        ),
    ],
};

pub(crate) const AUTOMATIC_APPROVAL: Schema = Schema {
    what: "an automatic approval",
    fields: &[],
};

pub(crate) const ISTIO_MESH: Schema = Schema {
    what: "an istio mesh",
    fields: &[value(
        "revision",
        "string",
        "The Istio revision that injects the sidecars (`istio.io/rev`); without it `istio-injection: enabled`.",
    )],
};

pub const APPROVAL: Schema = Schema {
    what: "an approval",
    fields: &[required(
        "reviewers",
        "list of strings",
        "Groups or people who may approve.",
    )],
};

pub(crate) const DEFAULTS: Schema = Schema {
    what: "an environment's defaults",
    fields: &[
        value(
            "replicas",
            "integer ≥ 0",
            "Replicas of every service in this environment.",
        ),
        block(
            "resources",
            "block",
            "Requests and limits of every service (merged field by field).",
        ),
        block(
            "env",
            "map",
            "Environment variables added to every service.",
        ),
        block("autoscaling", "block or `none`", "Autoscaling of every service, or `none` to turn it off (services get their `replicas` again)."),
        block("scheduling", "block or `none`", "Where every service's pods run (a service's own `override` replaces it as a whole), or `none`: anywhere."),
    ],
};

pub(crate) const WAIVER: Schema = Schema {
    what: "a waiver",
    fields: &[
        value(
            "service",
            "service name or list",
            "Only violations by these services (default: all).",
        ),
        value(
            "environment",
            "environment name or list",
            "Only violations in these environments (default: all).",
        ),
        required(
            "reason",
            "string",
            "Why the rule may be broken here, and until when.",
        ),
    ],
};

pub const OVERRIDE: Schema = Schema {
    what: "an override",
    fields: &[
        value("replicas", "integer ≥ 0", "Replicas in this environment."),
        block(
            "resources",
            "block",
            "Requests and limits in this environment (merged field by field).",
        ),
        block(
            "env",
            "map",
            "Environment variables added or replaced in this environment.",
        ),
        value(
            "image_tag",
            "string",
            "The image tag deployed in this environment.",
        ),
        value(
            "strategy",
            "strategy",
            "The strategy for this service in this environment.",
        )
        .naming("strategy"),
        block("autoscaling", "block or `none`", "Autoscaling in this environment (replaces the service's), or `none` to turn it off: the service gets its `replicas` again."),
        value("traffic", "`none`", "`traffic = none` turns the service's traffic settings (timeout, retries, circuit breaker) off in this environment."),
        value("liveness", "`none`", "`liveness = none` turns the service's liveness probe off in this environment."),
        value("readiness", "`none`", "`readiness = none` turns the service's readiness probe off in this environment."),
        value("startup", "`none`", "`startup = none` turns the service's startup probe off in this environment."),
        block("expose", "block or `none`", "The exposure in this environment (replaces the service's), or `none`: not exposed here."),
        block("scheduling", "block or `none`", "Where the pods run in this environment (replaces the service's block as a whole), or `none`: anywhere."),
    ],
};

pub const POLICY: Schema = Schema {
    what: "a policy",
    fields: &[
        value(
            "severity",
            "deny | warn",
            "`deny` fails the check; `warn` reports only (default deny).",
        ),
        required(
            "each",
            "service | environment | deployment",
            "What the rule is checked for.",
        ),
        value(
            "when",
            "condition",
            "Only check subjects for which this holds.",
        ),
        required("require", "condition", "What must hold."),
        required(
            "message",
            "string",
            "What is wrong, shown as the diagnostic message.",
        ),
        value("help", "string", "How to fix it."),
    ],
};

/// Kinds that fields accept as their value, or before their settings (`canary { ... }`).
pub const STRATEGY_KINDS: &[&str] = &["rolling", "recreate", "blue_green", "canary"];
pub(crate) const PROBE_KINDS: &[&str] = &["http", "tcp", "grpc", "exec"];
pub(crate) const TOOLCHAIN_KINDS: &[&str] = crate::spellings!(model::ToolchainKind::ALL);
pub(crate) const TRIGGER_KINDS: &[&str] = &["push", "tag", "manual"];
/// What the policy language's `environment.trigger` may be: a trigger kind, or `promotion`
/// when the environment follows another one.
pub(crate) const POLICY_TRIGGERS: &[&str] =
    &model::and_word::<{ TRIGGER_KINDS.len() + 1 }>(TRIGGER_KINDS, "promotion");
pub(crate) const APPROVAL_KINDS: &[&str] = &["automatic", "manual"];
pub(crate) const METRICS_KINDS: &[&str] = crate::spellings!(model::MetricsStack::KEYWORDS);

/// What a template's kind makes it, in words: `http` a probe, `maven` a toolchain, `canary` a
/// strategy, `service` and `environment` themselves. `None` for a word that is not a kind.
pub(crate) fn template_family(kind: &str) -> Option<&'static str> {
    [
        ("probe", PROBE_KINDS),
        ("toolchain", TOOLCHAIN_KINDS),
        ("strategy", STRATEGY_KINDS),
        ("service", &["service"]),
        ("environment", &["environment"]),
    ]
    .into_iter()
    .find(|(_, kinds)| kinds.contains(&kind))
    .map(|(family, _)| family)
}

/// What a field's body is, for [`for_path`].
enum Child {
    Block(&'static Schema),
    /// A kind first, then its settings: `strategy = canary { ... }`.
    Tagged(fn(&str) -> Option<&'static Schema>),
    /// Free keys (port names, variable names), each holding this.
    Map(&'static Child),
}

fn strategy_kind(kind: &str) -> Option<&'static Schema> {
    match kind {
        "rolling" => Some(&ROLLING),
        "recreate" => Some(&RECREATE),
        "blue_green" => Some(&BLUE_GREEN),
        "canary" => Some(&CANARY),
        _ => None,
    }
}

fn gateway_kind(kind: &str) -> Option<&'static Schema> {
    match kind {
        "istio" => Some(&ISTIO_GATEWAY),
        "ingress" => Some(&INGRESS),
        _ => None,
    }
}

fn quality_gate_kind(kind: &str) -> Option<&'static Schema> {
    match kind {
        "sonarqube" => Some(&SONARQUBE),
        "codeql" => Some(&CODEQL),
        _ => None,
    }
}

fn kind_of(kinds: &[&str], kind: &str, schema: &'static Schema) -> Option<&'static Schema> {
    kinds.contains(&kind).then_some(schema)
}

fn child(parent: &Schema, key: &str) -> Option<&'static Child> {
    Some(match (parent.what, key) {
        ("a service", "build") => &Child::Block(&BUILD),
        ("a service" | "an override", "resources") => &Child::Block(&RESOURCES),
        ("a resources block", "requests" | "limits") => &Child::Block(&RESOURCE_LIST),
        ("a service", "ports") => &Child::Map(&Child::Block(&PORT)),
        ("a service" | "an override", "env") => {
            &Child::Map(&Child::Tagged(|k| kind_of(&["secret"], k, &SECRET_REF)))
        }
        ("a service", "liveness" | "readiness" | "startup") => {
            &Child::Tagged(|k| kind_of(PROBE_KINDS, k, &PROBE))
        }
        ("a service" | "an override", "autoscaling") => &Child::Block(&AUTOSCALING),
        ("a service" | "an override", "expose") => &Child::Block(&EXPOSE),
        ("an expose block", "gateway") => &Child::Tagged(gateway_kind),
        ("a service" | "an override" | "an environment's defaults", "scheduling") => {
            &Child::Block(&SCHEDULING)
        }
        ("a scheduling block", "toleration") => &Child::Block(&TOLERATION),
        ("a scheduling block", "spread") => {
            &Child::Tagged(|k| kind_of(model::SpreadTopology::KEYWORDS, k, &SPREAD))
        }
        ("a secret reference", "from") => {
            &Child::Tagged(|k| kind_of(SECRET_STORE_KINDS, k, &SECRET_SOURCE))
        }
        ("an expose block", "tls") => &Child::Tagged(|k| kind_of(&["secret"], k, &TLS_SECRET)),
        ("a service", "traffic") => &Child::Block(&TRAFFIC),
        ("a service", "security") => &Child::Block(&SECURITY),
        ("a service", "slo") => &Child::Block(&SLO),
        ("a service", "metrics") => &Child::Block(&METRICS),
        ("a traffic block", "retries") => &Child::Block(&RETRIES),
        ("a traffic block", "circuit_breaker") => &Child::Block(&CIRCUIT_BREAKER),
        ("a build block", "toolchain") => {
            &Child::Tagged(|k| kind_of(TOOLCHAIN_KINDS, k, &TOOLCHAIN))
        }
        ("the app", "quality_gate") => &Child::Tagged(quality_gate_kind),
        ("a sonarqube quality gate", "host" | "token") => {
            &Child::Tagged(|k| kind_of(model::CiReference::KINDS, k, &CI_REFERENCE))
        }
        ("an environment", "dast") => &Child::Tagged(|k| kind_of(model::DastScan::KINDS, k, &DAST)),
        ("an environment", "trigger") => &Child::Tagged(|k| kind_of(TRIGGER_KINDS, k, &TRIGGER)),
        ("an environment", "approval") => &Child::Tagged(|k| kind_of(&["manual"], k, &APPROVAL)),
        ("an environment", "mesh") => &Child::Tagged(|k| kind_of(&["istio"], k, &ISTIO_MESH)),
        ("an environment" | "an override", "strategy") => &Child::Tagged(strategy_kind),
        ("an environment", "override") => &Child::Block(&OVERRIDE),
        ("a canary strategy", "step") => &Child::Block(&CANARY_STEP),
        ("a canary strategy", "analysis") => &Child::Block(&ANALYSIS),
        ("a canary strategy", "hook") => &Child::Block(&HOOK),
        ("a canary strategy", "requests") => &Child::Block(&REQUESTS),
        ("a requests block", "header") => &Child::Block(&HEADER_MATCH),
        ("a requests block", "cookie") => &Child::Block(&COOKIE_MATCH),
        _ => return None,
    })
}

/// The schema of the body at `path`, for the language server: the declaration kind, then
/// each enclosing field, with the kind of a tagged value as a segment of its own. For example
/// `["service", "resources", "limits"]`, `["environment", "strategy", "canary", "step"]`,
/// `["service", "liveness", "http"]`, `["strategy", "canary"]` (`strategy x = canary { }`).
pub fn for_path(path: &[&str]) -> Option<&'static Schema> {
    let (kind, rest) = path.split_first()?;
    let (start, rest) = match *kind {
        "app" => (&APP, rest),
        "service" => (&SERVICE, rest),
        "environment" => (&ENVIRONMENT, rest),
        "policy" => (&POLICY, rest),
        "strategy" => {
            let (tag, rest) = rest.split_first()?;
            (strategy_kind(tag)?, rest)
        }
        _ => return None,
    };
    descend(start, rest)
}

fn descend(schema: &'static Schema, path: &[&str]) -> Option<&'static Schema> {
    let Some((key, rest)) = path.split_first() else {
        return Some(schema);
    };
    follow(child(schema, key)?, rest)
}

fn follow(child: &'static Child, path: &[&str]) -> Option<&'static Schema> {
    match child {
        Child::Block(schema) => descend(schema, path),
        Child::Tagged(kinds) => {
            let (kind, rest) = path.split_first()?;
            descend(kinds(kind)?, rest)
        }
        Child::Map(value) => follow(value, path.get(1..)?),
    }
}

/// The keywords `field` of `schema` accepts (kinds, or choices such as `deny | warn`), for
/// completion. Names of declarations are not included.
pub fn choices(schema: &Schema, field: &str) -> &'static [&'static str] {
    match (schema.what, field) {
        ("a service", "liveness" | "readiness" | "startup") => PROBE_KINDS,
        ("a build block", "toolchain") => TOOLCHAIN_KINDS,
        ("a port", "protocol") => spellings!(model::Protocol::KEYWORDS),
        ("an environment", "trigger") => TRIGGER_KINDS,
        ("an environment", "approval") => APPROVAL_KINDS,
        ("an environment", "mesh") => model::Mesh::KINDS,
        ("an environment", "metrics") => METRICS_KINDS,
        ("an environment" | "an override", "strategy") => STRATEGY_KINDS,
        ("a canary strategy", "on_failure") => spellings!(model::OnFailure::KEYWORDS),
        ("a canary strategy", "engine") => model::Engine::KEYWORDS,
        ("an slo block", "severity") => spellings!(model::AlertSeverity::ALL),
        ("a canary step", "pause") => &["approval"],
        ("a canary hook", "at") => spellings!(model::HookAt::KEYWORDS),
        ("an analysis block", "over") => spellings!(model::Over::KEYWORDS),
        ("an analysis block", "no_data") => spellings!(model::NoData::KEYWORDS),
        ("an expose block", "gateway") => model::Gateway::KINDS,
        ("a secret reference", "from") => SECRET_STORE_KINDS,
        (
            "an override",
            "autoscaling" | "traffic" | "liveness" | "readiness" | "startup" | "expose"
            | "scheduling",
        ) => &["none"],
        ("an environment's defaults", "autoscaling" | "scheduling") => &["none"],
        ("a scheduling block", "spread") => model::SpreadTopology::KEYWORDS,
        ("a toleration", "effect") => model::TaintEffect::KEYWORDS,
        ("a policy", "severity") => spellings!(model::PolicySeverity::KEYWORDS),
        ("the app", "quality_gate") => model::QualityGate::KINDS,
        ("a sonarqube quality gate", "host" | "token") => model::CiReference::KINDS,
        ("a codeql quality gate", "fail_on") => spellings!(model::SecuritySeverity::KEYWORDS),
        ("an environment", "dast") => model::DastScan::KINDS,
        ("a dast scan", "fail_on") => spellings!(model::Risk::KEYWORDS),
        ("a policy", "each") => spellings!(model::PolicySubject::KEYWORDS),
        _ => match schema.field(field) {
            Some(found) if found.ty == "boolean" => &["true", "false"],
            _ => &[],
        },
    }
}

#[cfg(test)]
mod tests;
