//! The checked, typed model: what every later phase (graph, emitters, policies, language
//! server) consumes. Nothing here is a raw string that still needs parsing: quantities,
//! durations, percentages and references have been read and validated by the checker.
//!
//! Entities keep the [`Span`]s of the fields that policies and diagnostics point at;
//! serialisation skips spans, so snapshots of the model show meaning only.

use crate::span::{Span, Spanned};
use serde::Serialize;
use std::sync::Arc;

mod analysis;
mod cluster;
mod engine;
mod exposure;
mod gates;
mod hooks;
mod keywords;
mod observability;
mod ownership;
mod platform;
mod policy;
mod routing;
mod scheduling;
mod secret_source;

pub use analysis::{Analysis, Gate, GateOp, Metric, NoData, Over, Threshold};
pub use cluster::{Mesh, MetricsStack};
pub use engine::{ArgoRollouts, Engine};
pub use exposure::{Exposure, Gateway, Removable};
pub use gates::{CiReference, Dast, DastScan, QualityGate, Risk, SecuritySeverity};
pub use hooks::{Hook, HookAt};
pub use keywords::{and_word, spelling_of, spellings_of};
pub use observability::{AlertSeverity, Scrape, Slo};
pub use ownership::Deployer;
pub use platform::Platform;
pub use policy::{Policy, PolicySeverity, PolicySubject, Waiver};
pub use routing::{cookie_pattern, RequestMatch, RequestRouting, ValueMatch, COOKIE_HEADER};
pub use scheduling::{Scheduling, Spread, SpreadTopology, TaintEffect, Toleration};
pub use secret_source::{
    secret_uses, SecretSource, SecretUse, StoreKind, StoreRef, SyncedKey, SyncedSecret,
    SyncedSecrets,
};

/// A whole checked spec.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    pub app: Option<App>,
    /// Sorted by name.
    pub services: Vec<Service>,
    /// Sorted by name.
    pub environments: Vec<Environment>,
    /// Named strategies, sorted by name.
    pub strategies: Vec<Strategy>,
    /// Sorted by name.
    pub policies: Vec<Policy>,
    /// Every service in every environment with overrides applied, in promotion order, then
    /// service name.
    pub deployments: Vec<Deployment>,
    /// Environment names in promotion order (every environment after the ones it follows;
    /// ties broken by name).
    pub promotion_order: Vec<String>,
    /// Service names with every service after the services it depends on.
    pub service_order: Vec<String>,
    /// Policy waivers declared in the spec, in source order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    /// What the delivery pipeline does with the images it builds (policies read it).
    #[serde(skip)]
    pub pipeline: Pipeline,
    /// Which service's file holds each synced Secret's `ExternalSecret`, per namespace: built
    /// from the deployments on first use (by emit; a check does not need it).
    #[serde(skip)]
    pub(crate) synced_secrets: std::sync::OnceLock<SyncedSecrets>,
}

impl Model {
    /// The service named `name`: a binary search, since services are sorted by name (a
    /// linear scan here made checking and emitting quadratic in the number of services).
    pub fn service(&self, name: &str) -> Option<&Service> {
        let found = self
            .services
            .binary_search_by(|s| s.name.value.as_str().cmp(name));
        found.ok().and_then(|index| self.services.get(index))
    }

    /// Which service's file holds each synced Secret's `ExternalSecret`, per namespace.
    pub fn synced_secrets(&self) -> &SyncedSecrets {
        self.synced_secrets.get_or_init(|| SyncedSecrets::of(self))
    }

    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name.value == name)
    }

    pub fn strategy(&self, name: &str) -> Option<&Strategy> {
        self.strategies
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
    }

    /// The deployments of one environment, in service-name order.
    pub fn deployments_in<'a>(
        &'a self,
        environment: &'a str,
    ) -> impl Iterator<Item = &'a Deployment> + 'a {
        self.deployments
            .iter()
            .filter(move |d| d.environment == environment)
    }

    /// The app name, or `app` when the spec declares none.
    pub(crate) fn app_name(&self) -> &str {
        self.app
            .as_ref()
            .map_or("app", |app| app.name.value.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct App {
    pub name: Spanned<String>,
    pub repository: Option<String>,
    pub registry: Option<String>,
    /// The Prometheus that Argo Rollouts analysis queries from inside the clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// Secrets with the credentials of a private registry, given to every pod.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pull_secrets: Vec<String>,
    /// The code analysis that must pass before any image is built.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_gate: Option<QualityGate>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: Spanned<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    pub image: Arc<Image>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Box<Build>>,
    pub ports: Vec<Port>,
    pub replicas: Spanned<u32>,
    pub resources: Arc<Resources>,
    pub env: Vec<EnvVar>,
    pub probes: Box<Probes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    pub depends_on: Vec<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Traffic>,
    pub security: Security,
    /// Service-level objectives, alerted on by the `prometheus` target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slo: Option<Box<Slo>>,
    /// An explicit `metrics` block; see [`Service::scrape`] for the convention without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Box<Scrape>>,
    /// How traffic from outside the cluster reaches the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose: Option<Box<Exposure>>,
    /// Where the pods may run and how they are spread.
    #[serde(skip_serializing_if = "Scheduling::is_empty")]
    pub scheduling: Arc<Scheduling>,
    #[serde(skip)]
    pub span: Span,
}

impl Service {
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name.value == name)
    }
}

/// `registry/repository[:tag][@digest]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Image {
    /// The image without tag or digest: `ghcr.io/acme/web`.
    pub fn name(&self) -> String {
        match &self.registry {
            Some(registry) => format!("{registry}/{}", self.repository),
            None => self.repository.clone(),
        }
    }

    /// The full reference as a container runtime takes it.
    pub fn reference(&self) -> String {
        let mut out = self.name();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Build {
    pub context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<Toolchain>,
    /// The platforms the image is built for (`platforms`); empty: the runner's, linux/amd64.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Spanned<Platform>>,
    /// Repository paths outside the context that the image also depends on (`paths`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// The `build` block.
    #[serde(skip)]
    pub span: Span,
}

impl Build {
    /// The Dockerfile's path from the repository root, as `docker build -f` takes it in the
    /// image job: `dockerfile` (default `Dockerfile`) inside `context`.
    pub(crate) fn dockerfile_path(&self) -> String {
        let file = self.dockerfile.as_deref().unwrap_or("Dockerfile");
        match self.context.trim_end_matches('/') {
            "." | "" => file.to_string(),
            context => format!("{context}/{file}"),
        }
    }

    /// The CPU architectures (`kubernetes.io/arch` values) the image runs on: those of
    /// `platforms`, or amd64 (the runner's) without them.
    pub(crate) fn architectures(&self) -> Vec<&'static str> {
        match self.platforms.is_empty() {
            true => vec![Platform::LinuxAmd64.architecture()],
            false => self
                .platforms
                .iter()
                .map(|p| p.value.architecture())
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolchainKind {
    Maven,
    Gradle,
    Npm,
    Go,
    Cargo,
    Python,
}

impl ToolchainKind {
    pub const ALL: &'static [(&'static str, ToolchainKind)] = &[
        ("maven", ToolchainKind::Maven),
        ("gradle", ToolchainKind::Gradle),
        ("npm", ToolchainKind::Npm),
        ("go", ToolchainKind::Go),
        ("cargo", ToolchainKind::Cargo),
        ("python", ToolchainKind::Python),
    ];
}

/// A build toolchain and the version of its runtime (`java = 17`, `node = "20"`).
#[derive(Debug, Clone, Serialize)]
pub struct Toolchain {
    pub kind: ToolchainKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    pub(crate) const KEYWORDS: &'static [(&'static str, Protocol)] =
        &[("tcp", Protocol::Tcp), ("udp", Protocol::Udp)];
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub name: Spanned<String>,
    pub number: u16,
    pub protocol: Protocol,
}

/// A Kubernetes resource quantity, kept as written and as an exact number of milli-units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub text: String,
    pub milli: u128,
}

impl Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceList {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Spanned<Quantity>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Spanned<Quantity>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub requests: ResourceList,
    pub limits: ResourceList,
}

/// A duration, exact to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    pub millis: u64,
}

impl Duration {
    pub fn from_secs(secs: u64) -> Duration {
        Duration {
            millis: secs.saturating_mul(1000),
        }
    }

    /// Whole seconds, rounded up (Kubernetes fields count seconds).
    pub(crate) fn seconds_ceil(self) -> u64 {
        self.millis.div_ceil(1000)
    }

    /// The shortest exact text: `90s`, `5m`, `1h`, `250ms`.
    pub fn text(self) -> String {
        let ms = self.millis;
        for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000)] {
            if ms >= size && ms % size == 0 {
                return format!("{}{unit}", ms / size);
            }
        }
        format!("{ms}ms")
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// A count or a percentage, as Kubernetes' `IntOrString` surge settings take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntOrPercent {
    Count(u32),
    Percent(u32),
}

impl IntOrPercent {
    pub(crate) fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Count(0) | IntOrPercent::Percent(0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: Spanned<String>,
    pub value: EnvValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    Literal(String),
    /// A key of a Kubernetes Secret; the value itself never appears in a spec. With `from`,
    /// the Secret is synced from an External Secrets Operator store.
    Secret {
        name: String,
        key: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<SecretSource>,
    },
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Probes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup: Option<Probe>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub action: ProbeAction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeAction {
    Http { path: String, port: PortRef },
    Tcp { port: PortRef },
    Grpc { port: PortRef },
    Exec { command: Vec<String> },
}

/// A port by declared name (always resolved to a declared port by the checker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortRef {
    pub name: String,
    pub number: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Autoscaling {
    pub min: Spanned<u32>,
    pub max: Spanned<u32>,
    pub cpu_percent: u32,
}

/// Istio traffic settings: timeouts, retries, circuit breaking.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Traffic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<Retries>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<CircuitBreaker>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Retries {
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CircuitBreaker {
    pub consecutive_errors: u32,
    pub interval: Duration,
    pub base_ejection_time: Duration,
    pub max_ejection_percent: u32,
}

/// Pod security settings. The defaults are the secure ones; a spec can relax them.
#[derive(Debug, Clone, Serialize)]
pub struct Security {
    pub run_as_user: u32,
    pub read_only_root_filesystem: bool,
    pub mount_service_account_token: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            run_as_user: 10001,
            read_only_root_filesystem: true,
            mount_service_account_token: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub name: Spanned<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    pub cluster: Spanned<String>,
    pub namespace: Spanned<String>,
    pub production: bool,
    pub after: Vec<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    pub approval: Spanned<Approval>,
    pub strategy: Arc<Strategy>,
    pub overrides: Vec<Override>,
    /// The service mesh of the environment's cluster.
    pub mesh: Spanned<Mesh>,
    /// Where the environment's metrics live.
    pub metrics: Spanned<MetricsStack>,
    /// `deployer`: who deploys the environment, when the spec says (see
    /// [`Environment::owner`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployer: Option<Spanned<Deployer>>,
    /// The scan of the deployed environment that must pass before the environments after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dast: Option<Dast>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Push { branches: Vec<String> },
    Tag { pattern: String },
    Manual,
}

impl Trigger {
    /// In words, for graphs and reports: `push to main`, `tag v*`, `manual run`.
    pub fn text(&self) -> String {
        match self {
            Trigger::Push { branches } => format!("push to {}", branches.join(", ")),
            Trigger::Tag { pattern } => format!("tag {pattern}"),
            Trigger::Manual => "manual run".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    Automatic,
    Manual { reviewers: Vec<String> },
}

/// Per-environment changes to one service.
#[derive(Debug, Clone, Serialize)]
pub struct Override {
    pub service: Spanned<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Spanned<u32>>,
    pub resources: Resources,
    pub env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_tag: Option<Spanned<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Arc<Strategy>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// The exposure in this environment (replaces the service's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose: Option<Exposure>,
    /// Where the pods run in this environment (replaces the service's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<Scheduling>,
    /// Settings of the service turned off here (`autoscaling = none`), each where it is written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<Spanned<Removable>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Strategy {
    /// The declared name, for named strategies; `None` for inline ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub kind: StrategyKind,
    /// Who runs a canary's steps (always the workflow for other kinds).
    #[serde(skip_serializing_if = "Engine::is_workflow")]
    pub engine: Engine,
    /// A canary's routing by request: header and cookie routes and the mirror (`None` for
    /// other kinds, and for a canary without a `requests` block).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestRouting>,
    #[serde(skip)]
    pub span: Span,
}

impl Strategy {
    /// The strategy of a deployment that names none: rolling, a quarter more pods at a time
    /// and none unavailable (the Deployment defaults, with no downtime).
    pub fn default_rolling(span: Span) -> Strategy {
        Strategy {
            name: None,
            kind: StrategyKind::Rolling {
                max_surge: IntOrPercent::Percent(25),
                max_unavailable: IntOrPercent::Count(0),
            },
            engine: Engine::Workflow,
            requests: None,
            span,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StrategyKind {
    Rolling {
        max_surge: IntOrPercent,
        max_unavailable: IntOrPercent,
    },
    Recreate,
    BlueGreen {
        preview: bool,
        auto_promote: bool,
        scale_down_delay: Duration,
    },
    Canary {
        steps: Vec<CanaryStep>,
        #[serde(skip_serializing_if = "Option::is_none")]
        analysis: Option<Analysis>,
        on_failure: OnFailure,
        /// Jobs run before, beside or after the steps (`hook NAME { ... }`), in spec order.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        hooks: Vec<Hook>,
    },
}

impl StrategyKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            StrategyKind::Rolling { .. } => "rolling",
            StrategyKind::Recreate => "recreate",
            StrategyKind::BlueGreen { .. } => "blue_green",
            StrategyKind::Canary { .. } => "canary",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CanaryStep {
    /// Percent of traffic sent to the canary, 1..=100.
    pub weight: Spanned<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    /// Where the pause is written, for diagnostics about it.
    #[serde(skip)]
    pub pause_span: Option<Span>,
    /// The canary's pods in this step when not in proportion to the weight (`scale = 3` pods,
    /// or `scale = 50%` of the live track's); `None` follows the weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<IntOrPercent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pause {
    For(Duration),
    UntilApproved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    Rollback,
    Halt,
}

impl OnFailure {
    pub(crate) const KEYWORDS: &'static [(&'static str, OnFailure)] =
        &[("rollback", OnFailure::Rollback), ("halt", OnFailure::Halt)];
}

/// Vulnerability severities, as scanners grade them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CveSeverity {
    Critical,
    High,
}

impl CveSeverity {
    /// The name scanners use: `CRITICAL`.
    pub fn scanner_name(self) -> &'static str {
        match self {
            CveSeverity::Critical => "CRITICAL",
            CveSeverity::High => "HIGH",
        }
    }
}

/// What the delivery pipeline does with every image it builds before the image is deployed.
/// The GitHub target emits exactly this (a test compares its workflow with [`Pipeline`]), and
/// the `pipeline.*` policy fields read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pipeline {
    /// A vulnerability scan (Trivy).
    pub scan: bool,
    /// The severities that fail the scan, and with it the pipeline.
    pub fail_on: &'static [CveSeverity],
    /// A CycloneDX SBOM, published as an artifact and attested.
    pub sbom: bool,
    /// A cosign keyless signature.
    pub sign: bool,
    /// SLSA build provenance, attested with cosign keyless and verified by every deploy.
    pub provenance: bool,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            scan: true,
            fail_on: &[CveSeverity::High, CveSeverity::Critical],
            sbom: true,
            sign: true,
            provenance: true,
        }
    }
}

/// One service as it runs in one environment: the service with the environment's overrides
/// applied. Emitters read this instead of merging overrides themselves.
#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    pub service: String,
    pub environment: String,
    pub namespace: String,
    pub image: Arc<Image>,
    pub replicas: Spanned<u32>,
    pub resources: Arc<Resources>,
    pub env: Vec<EnvVar>,
    pub strategy: Arc<Strategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// The exposure here, with the gateway the environment gives it; `None` when the service
    /// is not exposed (or the environment turns it off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose: Option<Box<Exposure>>,
    /// Where the pods run here: the override's scheduling, else the service's.
    #[serde(skip_serializing_if = "Scheduling::is_empty")]
    pub scheduling: Arc<Scheduling>,
    /// The app's registry credentials, given to every pod.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pull_secrets: Vec<String>,
    /// Settings of the service the environment turns off (probes and traffic are read from the
    /// service, less these: [`Deployment::probes`], [`Deployment::traffic`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<Removable>,
}

impl Deployment {
    /// The service's probes, less those the environment turns off.
    pub fn probes(&self, service: &Service) -> Probes {
        let keep = |setting, probe: &Option<Probe>| match self.removes(setting) {
            true => None,
            false => probe.clone(),
        };
        Probes {
            liveness: keep(Removable::Liveness, &service.probes.liveness),
            readiness: keep(Removable::Readiness, &service.probes.readiness),
            startup: keep(Removable::Startup, &service.probes.startup),
        }
    }

    /// The service's traffic settings, unless the environment turns them off.
    pub fn traffic<'s>(&self, service: &'s Service) -> Option<&'s Traffic> {
        match self.removes(Removable::Traffic) {
            true => None,
            false => service.traffic.as_ref(),
        }
    }
}
