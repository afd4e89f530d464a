//! The supply-chain jobs between the tests and the first deployment, one set per built
//! service, in parallel with the other services' and only for a service the `changes` job
//! marks as changed ([`super::changes`]): `image-<service>` (build the image, tag it with the
//! commit SHA, push it and publish its digest; see [`super::publish`]), `scan-<service>`
//! (Trivy, failing on HIGH and CRITICAL findings, on every platform the image is built for),
//! `sbom-<service>` (CycloneDX documents) and `sign-<service>` (cosign keyless signatures, SBOM
//! attestations and SLSA build provenance through the job's OIDC token; see
//! [`super::provenance`]).
//!
//! Separate jobs rather than a matrix: a matrix job has one set of outputs for all its legs
//! (the last leg to finish wins), and every deploy must read the digest of each service's own
//! push. The jobs of an unchanged service are skipped; the deploy jobs keep such a service as
//! it runs (see [`super::images`]).
//!
//! Later jobs address images by the digest `image-<service>` pushed, never by a tag. Pull
//! requests build the images of the changed services but never push, scan, sign or deploy
//! them.

use super::build::Built;
use super::changes;
use super::pins;
use super::provenance;
use super::publish;
use super::triggers::NOT_PULL_REQUEST;
use super::types::{Job, Permissions, Step};
use crate::check::model::Image;

/// The id of a service's job of one supply-chain stage: `image-<service>`, ...
pub(crate) fn job_id(stage: &str, service: &str) -> String {
    format!("{stage}-{service}")
}

pub const IMAGE: &str = "image";
pub const SCAN: &str = "scan";
pub const SBOM: &str = "sbom";
pub(crate) const SIGN: &str = "sign";

pub(crate) const GHCR: &str = "ghcr.io";

/// The supply-chain jobs of every built service, or nothing when no service is built.
/// `needs(service)` are the jobs a service's image waits for besides `changes` (the tests
/// and the code analysis gate).
pub fn jobs(built: &[Built<'_>], needs: impl Fn(&Built<'_>) -> Vec<String>) -> Vec<(String, Job)> {
    let mut jobs = Vec::new();
    for service in built {
        let name = service.name();
        let host = registry_host(&service.service.image);
        let mut image_needs = vec![changes::CHANGES_JOB.to_string()];
        image_needs.extend(needs(service));
        jobs.push((
            job_id(IMAGE, name),
            publish::image_job(*service, &host, image_needs),
        ));
        jobs.push((job_id(SCAN, name), scan_job(*service, &host)));
        jobs.push((job_id(SBOM, name), sbom_job(*service, &host)));
        jobs.push((job_id(SIGN, name), sign_job(*service, &host)));
    }
    jobs
}

/// The registry host of an image: `ghcr.io` for `ghcr.io/acme/web`, Docker Hub without one.
pub(crate) fn registry_host(image: &Image) -> String {
    image
        .registry
        .as_deref()
        .and_then(|registry| registry.split('/').next())
        .filter(|host| !host.is_empty())
        .unwrap_or("docker.io")
        .to_string()
}

/// Whether an image lives in GitHub's registry (pushed with the job's own token).
pub(crate) fn on_ghcr(image: &Image) -> bool {
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

/// `packages: <access>` when the image lives in GitHub's registry.
pub fn packages(host: &str, access: &'static str) -> Permissions {
    let mut permissions = Permissions::new();
    if host == GHCR {
        permissions.insert("packages", access);
    }
    permissions
}

/// Logs docker (and so cosign) in to a registry.
pub(crate) fn login(host: &str) -> Step {
    let (user, password) = credentials(host);
    Step::run(
        format!("Log in to {host}"),
        "printf '%s' \"$REGISTRY_PASSWORD\" | docker login \"$REGISTRY\" --username \"$REGISTRY_USERNAME\" --password-stdin",
    )
    .env("REGISTRY", host)
    .env("REGISTRY_USERNAME", user)
    .env("REGISTRY_PASSWORD", password)
}

/// An expression for a service's pushed image reference (`<name>@sha256:<digest>`), in jobs
/// that need `image-<service>`; empty when that job was skipped (the service did not change).
pub(crate) fn image_reference(service: &str) -> String {
    format!(
        "${{{{ needs.{}.outputs.reference }}}}",
        job_id(IMAGE, service)
    )
}

/// Trivy reads registry credentials from `TRIVY_USERNAME`/`TRIVY_PASSWORD`.
fn with_trivy_credentials(step: Step, built: Built<'_>) -> Step {
    let (user, password) = credentials(&registry_host(&built.service.image));
    step.env("IMAGE_REF", image_reference(built.name()))
        .env("TRIVY_USERNAME", user)
        .env("TRIVY_PASSWORD", password)
}

/// The `--platform` values the scan and the SBOM go through: each platform the image is built
/// for, or none (the image's only one) without `platforms`.
fn platform_names(built: Built<'_>) -> Vec<&'static str> {
    built
        .build
        .platforms
        .iter()
        .map(|p| p.value.name())
        .collect()
}

/// A Trivy command for the image, once, or once per platform it is built for.
fn per_platform(built: Built<'_>, command: impl Fn(Option<&str>) -> String) -> String {
    let platforms = platform_names(built);
    if platforms.is_empty() {
        return command(None);
    }
    platforms.into_iter().map(|p| command(Some(p))).collect()
}

fn scan_job(built: Built<'_>, host: &str) -> Job {
    let name = built.name();
    let script = per_platform(built, |platform| {
        let flag = platform.map_or(String::new(), |p| format!(" --platform {p}"));
        format!(
            "docker run --rm --env TRIVY_USERNAME --env TRIVY_PASSWORD \\\n  {} \\\n  \
             image{flag} --exit-code 1 --severity HIGH,CRITICAL --no-progress \"$IMAGE_REF\"\n",
            pins::TRIVY_IMAGE
        )
    });
    let step = with_trivy_credentials(Step::run(format!("Scan {name}"), script), built);
    Job::new(
        format!("Scan the {name} image"),
        packages(host, "read"),
        vec![step],
    )
    .needs(vec![job_id(IMAGE, name)])
    .when(NOT_PULL_REQUEST)
}

/// The artifact holding a service's SBOMs.
fn sbom_artifact(service: &str) -> String {
    format!("sbom-{service}")
}

fn sbom_job(built: Built<'_>, host: &str) -> Job {
    let name = built.name();
    let mut script = String::from("mkdir -p \"$RUNNER_TEMP/sbom\"\n");
    script.push_str(&per_platform(built, |platform| {
        let (flag, file) = match platform {
            Some(p) => (format!(" --platform {p}"), format!("{name}-{}", p.replace('/', "-"))),
            None => (String::new(), name.to_string()),
        };
        format!(
            "docker run --rm --env TRIVY_USERNAME --env TRIVY_PASSWORD --volume \"$RUNNER_TEMP/sbom:/sbom\" \\\n  {} \\\n  \
             image{flag} --format cyclonedx --output /sbom/{file}.cdx.json --no-progress \"$IMAGE_REF\"\n",
            pins::TRIVY_IMAGE
        )
    }));
    let steps = vec![
        with_trivy_credentials(Step::run(format!("SBOM of {name}"), script), built),
        Step::uses("Upload the SBOMs", pins::UPLOAD_ARTIFACT.reference())
            .with("name", sbom_artifact(name))
            .with("path", "${{ runner.temp }}/sbom")
            .with("if-no-files-found", "error"),
    ];
    Job::new(
        format!("CycloneDX SBOM of {name}"),
        packages(host, "read"),
        steps,
    )
    .needs(vec![job_id(IMAGE, name)])
    .when(NOT_PULL_REQUEST)
}

fn sign_job(built: Built<'_>, host: &str) -> Job {
    let name = built.name();
    let script = "set -euo pipefail\n\
        cosign sign --yes \"$IMAGE_REF\"\n\
        for predicate in \"$RUNNER_TEMP\"/sbom/*.cdx.json; do\n  \
        cosign attest --yes --type cyclonedx --predicate \"$predicate\" \"$IMAGE_REF\"\n\
        done\n";
    let steps = vec![
        Step::uses("Install cosign", pins::COSIGN_INSTALLER.reference()),
        Step::uses("Download the SBOMs", pins::DOWNLOAD_ARTIFACT.reference())
            .with("name", sbom_artifact(name))
            .with("path", "${{ runner.temp }}/sbom"),
        login(host),
        Step::run(format!("Sign {name} and attest its SBOM"), script)
            .env("IMAGE_REF", image_reference(name)),
        provenance::attest_step(name),
    ];
    let mut permissions = packages(host, "write");
    permissions.insert("id-token", "write");
    Job::new(
        format!("Sign and attest {name} (cosign keyless)"),
        permissions,
        steps,
    )
    .needs(vec![
        job_id(IMAGE, name),
        job_id(SCAN, name),
        job_id(SBOM, name),
    ])
    .when(NOT_PULL_REQUEST)
}
