//! SLSA build provenance for every pushed image, and its verification before every deploy.
//!
//! The sign job attests each image it signs with a SLSA v1 provenance predicate
//! (`https://slsa.dev/provenance/v1`, GitHub's `workflow/v1` build type): which repository,
//! ref, commit and workflow file built it, in which run. The attestation is an in-toto
//! statement signed with cosign keyless, so its certificate names the workflow that asked for
//! it (`https://github.com/<repo>/.github/workflows/<file>@<ref>`) and the commit, and it is
//! bound to the image's digest. No other job gets `id-token: write`.
//!
//! Every deploy job that applies the pinned kustomization checks, before it touches the
//! cluster, that each pinned image carries such an attestation signed by this very workflow
//! (`cosign verify-attestation` with the expected certificate identity, OIDC issuer,
//! repository and commit) and that the predicate names this run. An image pushed by hand,
//! by another workflow, from another commit or by an earlier run is refused, and the job fails
//! before anything is applied. The scripts are files of their own, so shellcheck reads them.

use super::changes;
use super::images::Overlay;
use super::pins;
use super::supply;
use super::types::Step;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The attestation step of one service in the sign job.
pub(crate) fn attest_step(service: &str) -> Step {
    Step::run(
        format!("Attest the build provenance of {service}"),
        super::without_header(ATTEST),
    )
    .env("SERVICE", service)
    .env("IMAGE_REF", supply::image_reference(service))
}

/// The steps a deploy job runs right after pinning its overlay: install cosign, log in to the
/// registries of the pinned images (cosign reads the attestations from there), and verify each
/// image. Nothing when the overlay pins no image.
pub(crate) fn verify_steps(overlay: &Overlay) -> Vec<Step> {
    let pinned = overlay.pinned();
    if pinned.is_empty() {
        return Vec::new();
    }
    let mut steps = vec![Step::uses(
        "Install cosign",
        pins::COSIGN_INSTALLER.reference(),
    )];
    let hosts: BTreeSet<&str> = pinned.iter().map(|(_, host)| host.as_str()).collect();
    steps.extend(hosts.into_iter().map(supply::login));
    let mut script = super::without_header(VERIFY);
    let mut step = Step::run("Verify the provenance of the images this run built", "");
    for (service, _) in &pinned {
        let variable = service.to_ascii_uppercase().replace('-', "_");
        step = step.env(&format!("REF_{variable}"), supply::image_reference(service));
        if !overlay.keeps_unchanged() {
            let _ = writeln!(script, "verify \"$REF_{variable}\"");
            continue;
        }
        // An unchanged service keeps what it runs: this run built nothing to verify.
        let _ = writeln!(
            script,
            "if [ \"$CHANGED_{variable}\" = true ]; then verify \"$REF_{variable}\"; fi"
        );
        step = step.env(
            &format!("CHANGED_{variable}"),
            format!(
                "${{{{ needs.{}.outputs.{} }}}}",
                changes::CHANGES_JOB,
                changes::output_name(service)
            ),
        );
    }
    step.run = Some(script);
    steps.push(step);
    steps
}

const ATTEST: &str = include_str!("provenance_attest.sh");
const VERIFY: &str = include_str!("provenance_verify.sh");
