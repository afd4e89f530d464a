//! The supply-chain jobs between the tests and the first deployment: `image` (build every
//! service image, tag it with the commit SHA, push it and publish its digest), `scan` (Trivy,
//! failing on HIGH and CRITICAL findings), `sbom` (a CycloneDX document per image) and `sign`
//! (cosign keyless signatures, SBOM attestations and SLSA build provenance through the job's
//! OIDC token; see [`super::provenance`]).
//!
//! Later jobs address images by the digest `image` pushed, never by a tag. Pull requests build
//! the images but never push, scan, sign or deploy them.

use super::build::{checkout, docker_build, Built};
use super::pins;
use super::provenance;
use super::triggers::NOT_PULL_REQUEST;
use super::types::{Job, Permissions, Step};
use crate::check::model::Image;
use std::collections::{BTreeMap, BTreeSet};

/// Pushes the image and publishes the digest reference of exactly what it pushed: the repo
/// digest of `$IMAGE` itself. `index .RepoDigests 0` would be wrong when two services are
/// built from one context (the same image ID under two names): Docker lists the repo digests
/// of both, in lexical order, and one service would be pinned to the other's repository.
const PUSH_SCRIPT: &str = r#"set -euo pipefail
docker push "$IMAGE:$GITHUB_SHA"
reference="$(docker inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$IMAGE:$GITHUB_SHA" \
  | awk -v want="$IMAGE@sha256:" 'index($0, want) == 1 { print; exit }')"
if [[ ! $reference =~ @sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::$IMAGE: the push gave no digest of $IMAGE itself; nothing is deployed"
  exit 1
fi
echo "reference=$reference" >> "$GITHUB_OUTPUT"
"#;

pub const IMAGE_JOB: &str = "image";
pub const SCAN_JOB: &str = "scan";
pub const SBOM_JOB: &str = "sbom";
pub const SIGN_JOB: &str = "sign";
/// The jobs an entry environment's deployment waits for.
pub const SUPPLY_CHAIN: &[&str] = &[SCAN_JOB, SBOM_JOB, SIGN_JOB];

const SBOM_ARTIFACT: &str = "sbom";
pub const GHCR: &str = "ghcr.io";

/// The supply-chain jobs in order, or nothing when no service is built.
pub fn jobs(built: &[Built<'_>], needs: Vec<String>) -> Vec<(String, Job)> {
    if built.is_empty() {
        return Vec::new();
    }
    let registries: BTreeSet<String> = built
        .iter()
        .map(|b| registry_host(&b.service.image))
        .collect();
    vec![
        (IMAGE_JOB.to_string(), image_job(built, &registries, needs)),
        (SCAN_JOB.to_string(), scan_job(built, &registries)),
        (SBOM_JOB.to_string(), sbom_job(built, &registries)),
        (SIGN_JOB.to_string(), sign_job(built, &registries)),
    ]
}

/// The registry host of an image: `ghcr.io` for `ghcr.io/acme/web`, Docker Hub without one.
pub fn registry_host(image: &Image) -> String {
    image
        .registry
        .as_deref()
        .and_then(|registry| registry.split('/').next())
        .filter(|host| !host.is_empty())
        .unwrap_or("docker.io")
        .to_string()
}

/// Whether an image lives in GitHub's registry (pushed with the job's own token).
pub fn on_ghcr(image: &Image) -> bool {
    registry_host(image) == GHCR
}

/// The expressions for a registry's user name and password: the job's own token for GitHub's
/// registry, repository secrets for any other.
fn credentials(host: &str) -> (&'static str, &'static str) {
    if host == GHCR {
        ("${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}")
    } else {
        (
            "${{ secrets.REGISTRY_USERNAME }}",
            "${{ secrets.REGISTRY_PASSWORD }}",
        )
    }
}

/// `packages: <access>` when an image lives in GitHub's registry.
fn packages(registries: &BTreeSet<String>, access: &'static str) -> Permissions {
    let mut permissions = Permissions::new();
    if registries.contains(GHCR) {
        permissions.insert("packages", access);
    }
    permissions
}

/// Logs docker (and so cosign) in to a registry.
pub fn login(host: &str) -> Step {
    let (user, password) = credentials(host);
    Step::run(
        format!("Log in to {host}"),
        "printf '%s' \"$REGISTRY_PASSWORD\" | docker login \"$REGISTRY\" --username \"$REGISTRY_USERNAME\" --password-stdin",
    )
    .env("REGISTRY", host)
    .env("REGISTRY_USERNAME", user)
    .env("REGISTRY_PASSWORD", password)
}

/// The `image` job output holding a service's pushed image, by digest.
fn output_name(service: &str) -> String {
    format!("ref_{}", service.replace('-', "_"))
}

/// An expression for a service's pushed image reference (`<name>@sha256:<digest>`), in jobs
/// that need `image`.
pub fn image_reference(service: &str) -> String {
    format!(
        "${{{{ needs.{IMAGE_JOB}.outputs.{} }}}}",
        output_name(service)
    )
}

fn image_job(built: &[Built<'_>], registries: &BTreeSet<String>, needs: Vec<String>) -> Job {
    let mut steps = vec![checkout()];
    steps.extend(
        registries
            .iter()
            .map(|host| login(host).when(NOT_PULL_REQUEST)),
    );
    let mut outputs = BTreeMap::new();
    for service in built {
        let name = service.name();
        steps.push(docker_build(*service));
        let id = format!("push-{name}");
        steps.push(
            Step::run(format!("Push the {name} image"), PUSH_SCRIPT)
                .id(id.clone())
                .when(NOT_PULL_REQUEST)
                .env("IMAGE", service.service.image.name()),
        );
        outputs.insert(
            output_name(name),
            format!("${{{{ steps.{id}.outputs.reference }}}}"),
        );
    }
    let mut permissions = packages(registries, "write");
    permissions.insert("contents", "read");
    let mut job = Job::new("Build and push images", permissions, steps).needs(needs);
    job.outputs = outputs;
    job
}

/// Trivy reads registry credentials from `TRIVY_USERNAME`/`TRIVY_PASSWORD`.
fn with_trivy_credentials(step: Step, built: Built<'_>) -> Step {
    let (user, password) = credentials(&registry_host(&built.service.image));
    step.env("IMAGE_REF", image_reference(built.name()))
        .env("TRIVY_USERNAME", user)
        .env("TRIVY_PASSWORD", password)
}

fn scan_job(built: &[Built<'_>], registries: &BTreeSet<String>) -> Job {
    let steps = built
        .iter()
        .map(|service| {
            let script = format!(
                "docker run --rm --env TRIVY_USERNAME --env TRIVY_PASSWORD \\\n  {} \\\n  \
                 image --exit-code 1 --severity HIGH,CRITICAL --no-progress \"$IMAGE_REF\"\n",
                pins::TRIVY_IMAGE
            );
            with_trivy_credentials(
                Step::run(format!("Scan {}", service.name()), script),
                *service,
            )
        })
        .collect();
    Job::new("Scan images", packages(registries, "read"), steps)
        .needs(vec![IMAGE_JOB.to_string()])
        .when(NOT_PULL_REQUEST)
}

fn sbom_job(built: &[Built<'_>], registries: &BTreeSet<String>) -> Job {
    let mut steps: Vec<Step> = built
        .iter()
        .map(|service| {
            let script = format!(
                "mkdir -p \"$RUNNER_TEMP/sbom\"\n\
                 docker run --rm --env TRIVY_USERNAME --env TRIVY_PASSWORD --volume \"$RUNNER_TEMP/sbom:/sbom\" \\\n  {} \\\n  \
                 image --format cyclonedx --output /sbom/{}.cdx.json --no-progress \"$IMAGE_REF\"\n",
                pins::TRIVY_IMAGE,
                service.name()
            );
            with_trivy_credentials(Step::run(format!("SBOM of {}", service.name()), script), *service)
        })
        .collect();
    steps.push(
        Step::uses("Upload the SBOMs", pins::UPLOAD_ARTIFACT.reference())
            .with("name", SBOM_ARTIFACT)
            .with("path", "${{ runner.temp }}/sbom")
            .with("if-no-files-found", "error"),
    );
    Job::new("CycloneDX SBOMs", packages(registries, "read"), steps)
        .needs(vec![IMAGE_JOB.to_string()])
        .when(NOT_PULL_REQUEST)
}

fn sign_job(built: &[Built<'_>], registries: &BTreeSet<String>) -> Job {
    let mut steps = vec![
        Step::uses("Install cosign", pins::COSIGN_INSTALLER.reference()),
        Step::uses("Download the SBOMs", pins::DOWNLOAD_ARTIFACT.reference())
            .with("name", SBOM_ARTIFACT)
            .with("path", "${{ runner.temp }}/sbom"),
    ];
    steps.extend(registries.iter().map(|host| login(host)));
    for service in built {
        let name = service.name();
        let script = format!(
            "cosign sign --yes \"$IMAGE_REF\"\n\
             cosign attest --yes --type cyclonedx --predicate \"$RUNNER_TEMP/sbom/{name}.cdx.json\" \"$IMAGE_REF\"\n"
        );
        steps.push(
            Step::run(format!("Sign {name} and attest its SBOM"), script)
                .env("IMAGE_REF", image_reference(name)),
        );
        steps.push(provenance::attest_step(name));
    }
    let mut permissions = packages(registries, "write");
    permissions.insert("id-token", "write");
    Job::new(
        "Sign and attest images (cosign keyless)",
        permissions,
        steps,
    )
    .needs(vec![
        IMAGE_JOB.to_string(),
        SCAN_JOB.to_string(),
        SBOM_JOB.to_string(),
    ])
    .when(NOT_PULL_REQUEST)
}
