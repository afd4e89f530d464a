//! The `build-<service>` jobs and the `test` job: each service that declares a `build`, when
//! the `changes` job says it changed, is compiled with its toolchain (Java 17 + Maven, Node + npm, Go, Python, Rust via the
//! runner's rustup), or, without a toolchain, by building its container image only. Actions
//! come from [`pins`]; caches stay off, because a workflow that publishes images must not
//! restore state a pull request could have written.

use super::changes;
use super::pins;
use super::types::{Job, Permissions, Step};
use crate::check::model::{Build, Model, Service, Toolchain, ToolchainKind};

/// A service the workflow builds: it has a `build` block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Built<'m> {
    pub service: &'m Service,
    pub build: &'m Build,
}

impl Built<'_> {
    pub fn name(&self) -> &str {
        &self.service.name.value
    }

    /// The build context as a step's `working-directory`, unless it is the repository root.
    fn working_directory(&self) -> Option<String> {
        (self.build.context != ".").then(|| self.build.context.clone())
    }

    /// The Dockerfile path as `docker build -f` takes it (relative to the checkout).
    pub fn dockerfile(&self) -> String {
        self.build.dockerfile_path()
    }
}

/// The services with a `build` block, dependencies first.
pub(crate) fn built_services(model: &Model) -> Vec<Built<'_>> {
    model
        .service_order
        .iter()
        .filter_map(|name| model.service(name))
        .filter_map(|service| service.build.as_ref().map(|build| Built { service, build }))
        .collect()
}

pub(crate) fn read_contents() -> Permissions {
    Permissions::from([("contents", "read")])
}

/// Checks out the repository without leaving the token in `.git/config`.
pub fn checkout() -> Step {
    Step::uses("Check out", pins::CHECKOUT.reference()).flag("persist-credentials", false)
}

/// `build-<service>`: compile with the toolchain, or build the image when there is none.
pub(crate) fn build_job(built: Built<'_>) -> Job {
    let mut steps = vec![checkout()];
    match &built.build.toolchain {
        Some(toolchain) => {
            steps.extend(setup(toolchain));
            steps.push(
                Step::run(
                    format!("Build {}", built.name()),
                    build_script(toolchain.kind),
                )
                .working_directory(built.working_directory()),
            );
        }
        None => steps.push(docker_build(built)),
    }
    Job::new(format!("Build {}", built.name()), read_contents(), steps)
        .needs(vec![changes::CHANGES_JOB.to_string()])
        .when(changes::changed(built.name()))
}

/// `test`: the unit tests of every service with a toolchain; `None` when no service has one.
/// It runs after the build jobs of the changed services (those of unchanged services are
/// skipped, which must not skip the tests) unless one of them failed.
pub(crate) fn test_job(built: &[Built<'_>], builds: Vec<String>) -> Option<Job> {
    let mut steps = vec![checkout()];
    steps.extend(toolchain_steps(built, "Test", test_script));
    let mut needs = vec![changes::CHANGES_JOB.to_string()];
    needs.extend(builds);
    (steps.len() > 1).then(|| {
        Job::new("Test", read_contents(), steps)
            .needs(needs)
            .when("!cancelled() && !contains(needs.*.result, 'failure')")
    })
}

/// Sets up each toolchain and compiles every service that has one (without its tests), for
/// an analysis that reads the compiled code.
pub(crate) fn compile_steps(built: &[Built<'_>]) -> Vec<Step> {
    toolchain_steps(built, "Build", build_script)
}

/// For every service with a toolchain: set the toolchain up, then run `script` of its kind in
/// the service's directory, in a step named `<verb> <service>`.
fn toolchain_steps(
    built: &[Built<'_>],
    verb: &str,
    script: fn(ToolchainKind) -> &'static str,
) -> Vec<Step> {
    let mut steps = Vec::new();
    for service in built {
        let Some(toolchain) = &service.build.toolchain else {
            continue;
        };
        steps.extend(setup(toolchain));
        steps.push(
            Step::run(format!("{verb} {}", service.name()), script(toolchain.kind))
                .working_directory(service.working_directory()),
        );
    }
    steps
}

/// Builds a service's image, tagged with the commit SHA.
pub(crate) fn docker_build(built: Built<'_>) -> Step {
    Step::run(
        format!("Build the {} image", built.name()),
        "docker build --pull --file \"$DOCKERFILE\" --tag \"$IMAGE:$GITHUB_SHA\" \"$CONTEXT\"",
    )
    .env("IMAGE", built.service.image.name())
    .env("CONTEXT", built.build.context.clone())
    .env("DOCKERFILE", built.dockerfile())
}

/// The steps that install a toolchain's runtime.
fn setup(toolchain: &Toolchain) -> Vec<Step> {
    let version = |default: &str| {
        toolchain
            .version
            .clone()
            .unwrap_or_else(|| default.to_string())
    };
    match toolchain.kind {
        ToolchainKind::Maven | ToolchainKind::Gradle => vec![Step::uses("Set up Java", pins::SETUP_JAVA.reference())
            .with("distribution", "temurin")
            .with("java-version", version("17"))],
        ToolchainKind::Npm => vec![Step::uses("Set up Node.js", pins::SETUP_NODE.reference())
            .with("node-version", version("lts/*"))
            .flag("package-manager-cache", false)],
        ToolchainKind::Go => vec![Step::uses("Set up Go", pins::SETUP_GO.reference())
            .with("go-version", version("stable"))
            .flag("cache", false)],
        ToolchainKind::Python => {
            vec![Step::uses("Set up Python", pins::SETUP_PYTHON.reference()).with("python-version", version("3.x"))]
        }
        ToolchainKind::Cargo => vec![Step::run(
            "Set up Rust",
            "rustup toolchain install \"$RUST_TOOLCHAIN\" --profile minimal\nrustup default \"$RUST_TOOLCHAIN\"\n",
        )
        .env("RUST_TOOLCHAIN", version("stable"))],
    }
}

fn build_script(kind: ToolchainKind) -> &'static str {
    match kind {
        ToolchainKind::Maven => "mvn --batch-mode --no-transfer-progress package -DskipTests",
        ToolchainKind::Gradle => "./gradlew --no-daemon assemble",
        ToolchainKind::Npm => "npm ci\nnpm run build --if-present\n",
        ToolchainKind::Go => "go build ./...",
        ToolchainKind::Cargo => "cargo build --locked",
        ToolchainKind::Python => {
            "if [ -f requirements.txt ]; then python -m pip install -r requirements.txt; fi\npython -m compileall -q .\n"
        }
    }
}

fn test_script(kind: ToolchainKind) -> &'static str {
    match kind {
        ToolchainKind::Maven => "mvn --batch-mode --no-transfer-progress verify",
        ToolchainKind::Gradle => "./gradlew --no-daemon check",
        ToolchainKind::Npm => "npm ci\nnpm test\n",
        ToolchainKind::Go => "go test ./...",
        ToolchainKind::Cargo => "cargo test --locked",
        ToolchainKind::Python => {
            "if [ -f requirements.txt ]; then python -m pip install -r requirements.txt; fi\npython -m unittest discover\n"
        }
    }
}
