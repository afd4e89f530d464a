//! The images the deploy jobs run: the ones this workflow run built, scanned, signed and
//! attested, by the digest each `image-<service>` job pushed, never the tag written in the spec.
//!
//! The overlays (like the `k8s/` and `kustomize/` output) carry the spec's image tag, which
//! stays the default for a local `kubectl apply -k`. In the workflow, the first step of every
//! deploy job that applies an overlay writes a small kustomization into the runner's temporary
//! directory: the environment's overlay is its only resource, and kustomize's `images:`
//! transformer pins each built image to the reference its image job published
//! (`needs.image-<service>.outputs.reference`, split into `newName` and `digest`). Every
//! `kubectl apply -k` of the job reads that kustomization instead of the overlay, with the
//! selectors of [`super::live`] unchanged. So the candidate tracks and the single-track
//! services take the digest when the environment deploys, a live track created on the first
//! deploy takes it too, and the promotion moves the live track to the digest the candidate ran.
//!
//! Why not `kubectl kustomize | kubectl set image --local -f - -o yaml | kubectl apply -f -`:
//! with `--local`, `set image` prints only the objects whose image it changed, reports an error
//! for every object without a pod template (Namespace, ConfigMap, Service, ...) and for every
//! workload without the named container, and does not apply `-l` (kubectl's
//! `pkg/cmd/set/set_image.go`; checked with kubectl 1.32). Its output is not the overlay.
//! kustomize refuses an absolute path as a resource (`new root ... cannot be absolute`), so the
//! step names the overlay by its path relative to the pinned kustomization.
//!
//! With change detection ([`super::changes`]), only a changed service's image is pinned: an
//! unchanged one was not built in this run, so there is no digest to pin. The pin step (after
//! kubectl is configured) checks that each unchanged service already runs in the environment
//! (else the job fails: run the workflow by hand to build everything) and writes the selector
//! every apply of the job uses, `app.kubernetes.io/name notin (<unchanged>)` besides the live
//! tracks': the unchanged service's objects are not applied, and it keeps the image it runs.
//! Its spec did not change either (a spec change changes every service), so nothing of it is
//! left behind.
//!
//! The references reach the script through `env:` only. The script checks that each one is
//! `<name>@sha256:<64 hex digits>` before it writes it into YAML and fails the job otherwise,
//! so a missing digest never falls back to the spec's tag.

use super::build::Built;
use super::changes;
use super::flow::Detection;
use super::supply;
use super::types::Step;
use crate::check::model::Deployment;
use crate::emit::Options;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The pinned kustomization, as `env:` passes it to the scripts that apply it.
const PINNED_OVERLAY: &str = "${{ runner.temp }}/pinned-overlay";

/// Whether `step` applies a pinned kustomization (its `OVERLAY` is the pinned directory).
pub(crate) fn reads_pinned(step: &Step) -> bool {
    step.env
        .get("OVERLAY")
        .is_some_and(|dir| dir == PINNED_OVERLAY)
}

/// The overlay that an environment's deploy jobs apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overlay {
    /// The generated overlay as a repository path: `[<prefix>/]kustomize/overlays/<env>`.
    pub path: String,
    /// The built images the environment runs, each pinned to this run's digest.
    pins: Vec<Pin>,
    /// Whether the workflow detects changes: an unchanged service's image is not pinned, its
    /// objects are left out of the apply, and it keeps what it runs.
    detecting: bool,
    /// The selector that leaves the live tracks out of the apply, if there are any.
    pub live_selector: Option<String>,
}

/// One image the pinned kustomization sets.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin {
    /// The service whose `image` output holds the digest reference.
    service: String,
    /// The image name without tag, as the overlay renders it: what kustomize matches.
    image: String,
    /// The registry host the image is pushed to.
    registry: String,
    /// The namespace the service runs in, in this environment.
    namespace: String,
}

impl Pin {
    /// `MY_APP` for `my-app`: service names are DNS labels, so this is a valid variable name.
    fn variable(&self) -> String {
        self.service.to_ascii_uppercase().replace('-', "_")
    }
}

impl Overlay {
    /// The overlay of `environment`, pinning the images of the deployed services that the
    /// workflow builds. Two built services with the same image name cannot be told apart by
    /// kustomize (nor by the `$IMAGE:$GITHUB_SHA` tag `image` pushes); the first one is pinned.
    pub fn new(
        environment: &str,
        deployments: &[&Deployment],
        built: &[Built<'_>],
        options: &Options,
        detection: &Detection,
    ) -> Overlay {
        let mut seen = BTreeSet::new();
        let pins = deployments
            .iter()
            .filter_map(|d| Some((d, built.iter().find(|b| b.name() == d.service)?)))
            .map(|(d, b)| Pin {
                service: b.name().to_string(),
                image: b.service.image.name(),
                registry: supply::registry_host(&b.service.image),
                namespace: d.namespace.clone(),
            })
            .filter(|pin| seen.insert(pin.image.clone()))
            .collect();
        Overlay {
            path: options.repository_path(&format!("kustomize/overlays/{environment}")),
            pins,
            detecting: detection.detects(),
            live_selector: None,
        }
    }

    /// Whether the pin step leaves unchanged services out, so it writes the selector the
    /// apply step reads.
    pub(crate) fn keeps_unchanged(&self) -> bool {
        self.detecting && self.is_pinned()
    }

    /// Applies the pinned kustomization with the selector the pin step wrote.
    pub(crate) fn apply_step(&self, environment: &str) -> Step {
        Step::run(
            format!("Apply the {environment} manifests of the changed services"),
            APPLY_SCRIPT,
        )
        .env("OVERLAY", PINNED_OVERLAY)
    }

    /// The pinned services with the registry host of each image.
    pub fn pinned(&self) -> Vec<(String, String)> {
        self.pins
            .iter()
            .map(|pin| (pin.service.clone(), pin.registry.clone()))
            .collect()
    }

    /// Whether some image is pinned, so the jobs apply the pinned kustomization.
    pub fn is_pinned(&self) -> bool {
        !self.pins.is_empty()
    }

    /// The directory every `kubectl apply -k` of the environment reads, for `env:`.
    pub fn applied(&self) -> String {
        match self.is_pinned() {
            true => PINNED_OVERLAY.to_string(),
            false => self.path.clone(),
        }
    }

    /// Whether `step` applies the pinned kustomization, so its job must write it first and
    /// needs `image`.
    pub(crate) fn read_by(&self, step: &Step) -> bool {
        self.is_pinned() && reads_pinned(step)
    }

    /// Writes the pinned kustomization: checks every reference, then prints the file so the
    /// log shows which digests the job deploys.
    pub(crate) fn pin_step(&self, environment: &str) -> Step {
        let mut script = String::from(PIN_SCRIPT_START);
        if self.detecting {
            script.push_str(KEEP_FUNCTION);
        }
        for pin in &self.pins {
            let variable = pin.variable();
            let line = format!("pin \"$IMAGE_{variable}\" \"$REF_{variable}\"");
            match self.detecting {
                true => {
                    let _ = writeln!(
                        script,
                        "if [ \"$CHANGED_{variable}\" = true ]; then\n  {line}\nelse\n  keep {} \"$NAMESPACE_{variable}\"\nfi",
                        pin.service
                    );
                }
                false => {
                    let _ = writeln!(script, "{line}");
                }
            }
        }
        if self.detecting {
            script.push_str(SELECTOR_END);
        }
        script.push_str("cat \"$PINNED/kustomization.yaml\"\n");
        let mut step = Step::run(
            format!("Pin the {environment} overlay to the images this run built"),
            script,
        )
        .env("OVERLAY", self.path.clone())
        .env("PINNED", PINNED_OVERLAY);
        for pin in &self.pins {
            let variable = pin.variable();
            step = step
                .env(&format!("IMAGE_{variable}"), pin.image.clone())
                .env(
                    &format!("REF_{variable}"),
                    supply::image_reference(&pin.service),
                );
            if self.detecting {
                step = step
                    .env(
                        &format!("CHANGED_{variable}"),
                        format!(
                            "${{{{ needs.{}.outputs.{} }}}}",
                            changes::CHANGES_JOB,
                            changes::output_name(&pin.service)
                        ),
                    )
                    .env(&format!("NAMESPACE_{variable}"), pin.namespace.clone());
            }
        }
        if self.detecting {
            step = step.env("SELECTOR", self.live_selector.clone().unwrap_or_default());
        }
        step
    }
}

/// The pin script up to the `pin` lines: `pin IMAGE REF` checks a reference and adds its
/// `images:` entry (writing to the file itself, so its error reaches the log).
const PIN_SCRIPT_START: &str = r#"set -euo pipefail
pin() {
  if [[ ! $1 =~ ^[A-Za-z0-9][A-Za-z0-9._/:-]*$ || ! $2 =~ ^[A-Za-z0-9][A-Za-z0-9._/:-]*@sha256:[0-9a-f]{64}$ ]]; then
    echo "::error::$1: no digest reference (name@sha256:...) from the image job; nothing is deployed"
    exit 1
  fi
  if [ "${2%@*}" != "$1" ]; then
    echo "::error::$1: the image job pushed ${2%@*}, not this image; nothing is deployed"
    exit 1
  fi
  printf -- '- name: %s\n  newName: %s\n  digest: %s\n' "$1" "${2%@*}" "${2#*@}" >> "$PINNED/kustomization.yaml"
}
if [ ! -f "$OVERLAY/kustomization.yaml" ]; then
  echo "::error::no overlay at $OVERLAY: commit the output of slipway compile, run from the repository root"
  exit 1
fi
mkdir -p "$PINNED"
overlay="$(realpath --relative-to="$PINNED" -- "$OVERLAY")"
printf 'resources:\n- %s\nimages:\n' "$overlay" > "$PINNED/kustomization.yaml"
"#;

/// `keep SERVICE NAMESPACE`: a service this push did not change is left out of the apply and
/// keeps the image it runs; it must run already, since this run built no image of it.
const KEEP_FUNCTION: &str = r#"unchanged=()
keep() {
  if [ -z "$(kubectl -n "$2" get deployment -l "app.kubernetes.io/name=$1" -o name)" ]; then
    echo "::error::$1 did not change, so this run built no image of it, and it does not run in $2 yet; run the workflow by hand (workflow_dispatch) to build and deploy every service"
    exit 1
  fi
  unchanged+=("$1")
  echo "$1: unchanged, keeps the image it runs"
}
"#;

/// Writes the selector of the apply: the live tracks' (`$SELECTOR`) and the unchanged services
/// left out.
const SELECTOR_END: &str = r#"selector="$SELECTOR"
if [ "${#unchanged[@]}" -gt 0 ]; then
  kept="app.kubernetes.io/name notin ($(IFS=,; echo "${unchanged[*]}"))"
  selector="${selector:+$selector,}$kept"
fi
printf '%s' "$selector" > "$PINNED/selector"
"#;

/// Applies the pinned kustomization with the selector the pin step wrote (none: everything).
const APPLY_SCRIPT: &str = r#"set -euo pipefail
selector="$(cat "$OVERLAY/selector")"
if [ -n "$selector" ]; then
  kubectl apply -k "$OVERLAY" -l "$selector"
else
  kubectl apply -k "$OVERLAY"
fi
"#;
