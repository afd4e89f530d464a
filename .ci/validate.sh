#!/usr/bin/env bash
# validate.sh OUTDIR: the conformance kit's validate.sh over a compiled output tree, with the
# CRDs Slipway needs beyond the shared kit (.ci/conformance-kit.sh: External Secrets'
# ExternalSecret). The kit copy gets a home of its own (validators and converted schemas,
# ${SLIPWAY_KIT_HOME:-$HOME/.cache/slipway-conformance-kit}/home), so the shared kit's home is
# left as it is. Exit status: validate.sh's (0 no errors, 1 errors, 2 setup problem).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kit="$(bash "$here/conformance-kit.sh")" || { echo "validate.sh: building the kit failed" >&2; exit 2; }
export SLIPWAY_CONFORMANCE_HOME="${SLIPWAY_KIT_HOME:-$HOME/.cache/slipway-conformance-kit}/home"
exec bash "$kit/validate.sh" "$@"
