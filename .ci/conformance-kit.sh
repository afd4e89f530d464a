#!/usr/bin/env bash
# conformance-kit.sh [--check]: the conformance kit Slipway's output is checked with, printed as
# a directory. It is the shared kit (../shared/conformance, or $SLIPWAY_CONFORMANCE) plus the
# CRD the kit lacks and Slipway emits: External Secrets Operator's `ExternalSecret`
# (external-secrets.io/v1, for secrets synced from Vault or another store; docs/targets.md).
#
# Without it the kit reports every ExternalSecret as an unknown kind. With it, install.sh converts
# the CRD like the kit's own, so validate.sh checks each ExternalSecret against its strict schema
# and CEL rules, and the rehearsal rig (cluster.sh, RIG_CRD_DIR=<kit>/crds) applies it before a
# server-side dry run.
#
# The CRD is upstream's file, byte for byte, taken at build time from the Go module proxy
# (github.com/external-secrets/external-secrets $ESO_VERSION, config/crds/bases/); nothing of it
# is committed. The kit copy lives in ${SLIPWAY_KIT_HOME:-$HOME/.cache/slipway-conformance-kit}
# with a stamp of what it was built from (the shared kit's files and the ESO version), so the
# script is idempotent and rebuilds only when either changed; concurrent runs serialise on a
# flock. The shared kit itself is only read.
#
# Run validate.sh of the printed kit with its own home, so it does not fight the shared kit's
# home over the CRD fingerprint: .ci/validate.sh OUTDIR does both.
#   --check   exit 0 when the cached kit is current (no network), 1 otherwise
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SLIPWAY_CONFORMANCE:-$repo/../shared/conformance}"
shared="$(cd "$shared" && pwd)"
home="${SLIPWAY_KIT_HOME:-$HOME/.cache/slipway-conformance-kit}"
kit="$home/kit"
stamp_file="$home/kit.stamp"
eso_version="${ESO_VERSION:-v0.16.2}"
eso_module=github.com/external-secrets/external-secrets
eso_crd=config/crds/bases/external-secrets.io_externalsecrets.yaml
eso_file="external-secrets-crds-${eso_version#v}-externalsecrets.yaml"

wanted_stamp() {
  printf 'recipe v1\neso %s %s\n' "$eso_version" "$eso_crd"
  (cd "$shared" && find . -type f -not -path './demo/*' | LC_ALL=C sort | xargs sha256sum) | sha256sum
}

is_current() {
  [[ -f "$stamp_file" && -f "$kit/crds/$eso_file" && -f "$kit/validate.sh" ]] || return 1
  [[ "$(cat "$stamp_file")" == "$(wanted_stamp)" ]]
}

if [[ "${1:-}" == --check ]]; then is_current; exit; fi
[[ $# -eq 0 ]] || { echo "usage: $0 [--check]" >&2; exit 2; }

mkdir -p "$home"
exec 9>"$home/.lock"
flock 9
if is_current; then echo "$kit"; exit 0; fi

command -v go >/dev/null || { echo "conformance-kit: go not found on PATH (for the ESO CRD)" >&2; exit 1; }
module_work="$(mktemp -d "$home/.module.XXXXXX")"
staging="$(mktemp -d "$home/.kit.XXXXXX")"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { rm -rf "$module_work" "$staging"; }
trap cleanup EXIT

echo "conformance-kit: fetching $eso_module@$eso_version from the Go module proxy" >&2
module_dir="$(cd "$module_work" && GOFLAGS=-mod=mod go mod download -json "$eso_module@$eso_version" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
[[ -f "$module_dir/$eso_crd" ]] || { echo "conformance-kit: $eso_crd is not in $module_dir" >&2; exit 1; }

cp -R "$shared/." "$staging/"
chmod -R u+w "$staging"
cp "$module_dir/$eso_crd" "$staging/crds/$eso_file"
rm -rf "$kit"
mv "$staging" "$kit"
wanted_stamp >"$stamp_file"
echo "conformance-kit: $kit (the shared kit plus $eso_file)" >&2
echo "$kit"
