//! The `image-<service>` job: builds a changed service's image, tags it with the commit SHA,
//! pushes it (never for a pull request) and publishes exactly what it pushed, by digest, as
//! its output `reference`.
//!
//! Without `build { platforms }` the runner's Docker builds the image for linux/amd64 and
//! `docker push` publishes it. With platforms, QEMU (`docker/setup-qemu-action`) lets buildx
//! (`docker/setup-buildx-action`) build every platform on the amd64 runner, and
//! `docker buildx build --platform ... --push` pushes one image index; its digest comes from
//! buildx's metadata file. A multi-platform image cannot be loaded into the runner's Docker,
//! so a pull request builds every platform and keeps the result in the build cache only.
//! buildx's own attestations stay off (`--provenance=false`): the sign job attests the image
//! with cosign, and a plain index is what Trivy and the deploys read.

use super::build::{checkout, docker_build, Built};
use super::changes;
use super::pins;
use super::supply;
use super::triggers::NOT_PULL_REQUEST;
use super::types::{Job, Step};

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

/// Builds every platform with buildx and pushes the image index; publishes its digest.
const BUILDX_PUSH_SCRIPT: &str = r#"set -euo pipefail
metadata="$RUNNER_TEMP/buildx-metadata.json"
docker buildx build --platform "$PLATFORMS" --provenance=false --pull \
  --file "$DOCKERFILE" --tag "$IMAGE:$GITHUB_SHA" --metadata-file "$metadata" --push "$CONTEXT"
digest="$(jq -r '."containerimage.digest" // empty' "$metadata")"
if [[ ! $digest =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::$IMAGE: buildx reported no digest for the pushed image; nothing is deployed"
  exit 1
fi
echo "reference=$IMAGE@$digest" >> "$GITHUB_OUTPUT"
"#;

/// Builds every platform with buildx, for a pull request: nothing is pushed or loaded.
const BUILDX_CHECK_SCRIPT: &str = r#"docker buildx build --platform "$PLATFORMS" --provenance=false --pull \
  --file "$DOCKERFILE" --tag "$IMAGE:$GITHUB_SHA" "$CONTEXT""#;

/// `image-<service>`, run only when the service changed.
pub(crate) fn image_job(built: Built<'_>, host: &str, needs: Vec<String>) -> Job {
    let name = built.name();
    let mut steps = vec![checkout(), supply::login(host).when(NOT_PULL_REQUEST)];
    let push_id = format!("push-{name}");
    if built.build.platforms.is_empty() {
        steps.push(docker_build(built));
        steps.push(
            Step::run(format!("Push the {name} image"), PUSH_SCRIPT)
                .id(push_id.clone())
                .when(NOT_PULL_REQUEST)
                .env("IMAGE", built.service.image.name()),
        );
    } else {
        steps.extend(buildx_steps(built, &push_id));
    }
    let mut permissions = supply::packages(host, "write");
    permissions.insert("contents", "read");
    let mut job = Job::new(
        format!("Build and push the {name} image"),
        permissions,
        steps,
    )
    .needs(needs)
    .when(changes::changed(name));
    job.outputs.insert(
        "reference".to_string(),
        format!("${{{{ steps.{push_id}.outputs.reference }}}}"),
    );
    job
}

/// QEMU (for any platform but the runner's), buildx, then the build: checked for a pull
/// request, pushed otherwise.
fn buildx_steps(built: Built<'_>, push_id: &str) -> Vec<Step> {
    let platforms: Vec<&str> = built
        .build
        .platforms
        .iter()
        .map(|p| p.value.name())
        .collect();
    let platforms = platforms.join(",");
    let mut steps = Vec::new();
    let emulated = built
        .build
        .platforms
        .iter()
        .any(|p| p.value.architecture() != "amd64");
    if emulated {
        steps.push(
            Step::uses("Set up QEMU", pins::SETUP_QEMU.reference())
                .with("platforms", platforms.clone()),
        );
    }
    steps.push(Step::uses("Set up buildx", pins::SETUP_BUILDX.reference()));
    let with_build_env = |step: Step| {
        step.env("IMAGE", built.service.image.name())
            .env("PLATFORMS", platforms.clone())
            .env("CONTEXT", built.build.context.clone())
            .env("DOCKERFILE", built.dockerfile())
    };
    let name = built.name();
    steps.push(
        with_build_env(Step::run(
            format!("Build the {name} image for {platforms}"),
            BUILDX_CHECK_SCRIPT,
        ))
        .when("github.event_name == 'pull_request'"),
    );
    steps.push(
        with_build_env(Step::run(
            format!("Build and push the {name} image for {platforms}"),
            BUILDX_PUSH_SCRIPT,
        ))
        .id(push_id)
        .when(NOT_PULL_REQUEST),
    );
    steps
}
