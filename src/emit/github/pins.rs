//! Every action and tool image the workflow runs, pinned immutably.
//!
//! Actions are pinned by full commit SHA with the release tag as a trailing comment (zizmor's
//! default policy wants hashes even for `actions/*`). Only official `actions/*` actions,
//! sigstore's cosign installer, GitHub's CodeQL, SonarSource's scanner and Docker's QEMU and
//! buildx setup (for `build { platforms }`) are used; Trivy and
//! OWASP ZAP run from their container images pinned by digest, in `run:` steps. Each pin was checked against public workflows that cite the same commit
//! for the same tag; the Trivy digest is the 0.69.3 image (before the compromised 0.69.4-6
//! releases), whose signature and transparency-log timestamps others verified.

/// An action pinned to a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Action {
    pub name: &'static str,
    pub sha: &'static str,
    pub version: &'static str,
}

impl Action {
    /// `owner/repo@sha`, as `uses:` takes it.
    pub fn reference(self) -> String {
        format!("{}@{}", self.name, self.sha)
    }
}

pub(crate) const CHECKOUT: Action = Action {
    name: "actions/checkout",
    sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
    version: "v4.2.2",
};

pub(crate) const SETUP_JAVA: Action = Action {
    name: "actions/setup-java",
    sha: "c5195efecf7bdfc987ee8bae7a71cb8b11521c00",
    version: "v4.7.1",
};

/// v5 caches by itself unless told not to (`package-manager-cache: false`), and zizmor
/// assumes any setup-node does, so the input must be there.
pub(crate) const SETUP_NODE: Action = Action {
    name: "actions/setup-node",
    sha: "a0853c24544627f65ddf259abe73b1d18a591444",
    version: "v5.0.0",
};

pub(crate) const SETUP_GO: Action = Action {
    name: "actions/setup-go",
    sha: "d35c59abb061a4a6fb18e82ac0862c26744d6ab5",
    version: "v5.5.0",
};

pub(crate) const SETUP_PYTHON: Action = Action {
    name: "actions/setup-python",
    sha: "a26af69be951a213d495a4c3e4e4022e16d87065",
    version: "v5.6.0",
};

pub(crate) const UPLOAD_ARTIFACT: Action = Action {
    name: "actions/upload-artifact",
    sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
    version: "v4.6.2",
};

pub(crate) const DOWNLOAD_ARTIFACT: Action = Action {
    name: "actions/download-artifact",
    sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    version: "v4.3.0",
};

/// Installs cosign v2.5.3 (its default), verifying the binary's checksum.
pub(crate) const COSIGN_INSTALLER: Action = Action {
    name: "sigstore/cosign-installer",
    sha: "d58896d6a1865668819e1d91763c7751a165e159",
    version: "v3.9.2",
};

/// CodeQL's `init` and `analyze` (one release, one commit).
pub(crate) const CODEQL_INIT: Action = Action {
    name: "github/codeql-action/init",
    sha: "ff0a06e83cb2de871e5a09832bc6a81e7276941f",
    version: "v3.28.18",
};

pub(crate) const CODEQL_ANALYZE: Action = Action {
    name: "github/codeql-action/analyze",
    sha: "ff0a06e83cb2de871e5a09832bc6a81e7276941f",
    version: "v3.28.18",
};

/// SonarSource's scanner (SonarQube Server and Cloud); `sonar.qualitygate.wait=true` makes
/// it wait for the quality gate and fail when the gate fails.
pub(crate) const SONARQUBE_SCAN: Action = Action {
    name: "SonarSource/sonarqube-scan-action",
    sha: "fd88b7d7ccbaefd23d8f36f73b59db7a3d246602",
    version: "v6.0.0",
};

/// Registers QEMU's binfmt handlers, so buildx can build images for other CPU architectures.
/// v3.6.0, as public workflows pin it.
pub(crate) const SETUP_QEMU: Action = Action {
    name: "docker/setup-qemu-action",
    sha: "29109295f81e9208d7d86ff1c6c12d2833863392",
    version: "v3.6.0",
};

/// Creates a buildx builder (docker-container driver), which builds multi-platform images.
/// v3.10.0, as public workflows pin it.
pub(crate) const SETUP_BUILDX: Action = Action {
    name: "docker/setup-buildx-action",
    sha: "b5ca514318bd6ebac0fb2aedd5d36ec1b5c232a2",
    version: "v3.10.0",
};

pub const ALL: &[Action] = &[
    CHECKOUT,
    SETUP_JAVA,
    SETUP_NODE,
    SETUP_GO,
    SETUP_PYTHON,
    UPLOAD_ARTIFACT,
    DOWNLOAD_ARTIFACT,
    COSIGN_INSTALLER,
    CODEQL_INIT,
    CODEQL_ANALYZE,
    SONARQUBE_SCAN,
    SETUP_QEMU,
    SETUP_BUILDX,
];

/// Trivy 0.69.3, by the digest of its multi-arch image index.
pub(crate) const TRIVY_IMAGE: &str =
    "ghcr.io/aquasecurity/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c";

/// OWASP ZAP 2.16.1 (its scan scripts `zap-baseline.py` and `zap-full-scan.py`), by digest.
pub const ZAP_IMAGE: &str =
    "ghcr.io/zaproxy/zaproxy:2.16.1@sha256:7840969c7c9fead565bf9734b12f49f6886db90b1d35b1f74d79710bbd081dab";

/// Adds the `# vX.Y.Z` comment after every pinned `uses:` line of a serialised workflow
/// (serde cannot write comments).
pub fn annotate(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let pin = body
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses: ")
            .and_then(pinned);
        match pin {
            Some(action) => {
                out.push_str(body);
                out.push_str(" # ");
                out.push_str(action.version);
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The action a `uses:` value names by its pinned commit (`owner/repo@sha`), if any. Names hold
/// no `@`, so the value splits at its first one.
fn pinned(used: &str) -> Option<&'static Action> {
    let (name, sha) = used.split_once('@')?;
    ALL.iter()
        .find(|action| action.name == name && action.sha == sha)
}
