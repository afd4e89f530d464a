#!/usr/bin/env bash
# Server-side dry run of compiled Slipway output trees against the rehearsal
# rig's real control plane (Kubernetes API server v1.37, see README.md).
#
#   rehearsal/dryrun.sh DIR...
#
# Starts a cluster (rig/cluster.sh; or reuses the one whose RUNDIR is in
# $SLIPWAY_RIG_RUN, and leaves it running), applies the CRDs ($RIG_CRD_DIR,
# default the crds/ of .ci/conformance-kit.sh: the shared kit's plus ExternalSecret), creates the namespaces the documents
# name, then sends every YAML document of every DIR on its own to
# `kubectl apply --dry-run=server --validate=strict`: k8s/, istio/, argocd/,
# prometheus/, rollouts/ ... and the build of each kustomize/overlays/<env>
# (`kubectl kustomize`); .github/ is skipped.
# Prints `REJECTED <file>#<doc> <Kind>/<name>: <message>` per rejected document
# and a summary; exits 0 when nothing is rejected, 1 when something is, 2 on a
# setup error. Stops everything it started on every exit path.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RIG="$HERE/rig"

[ $# -ge 1 ] || { echo "usage: dryrun.sh DIR..." >&2; exit 2; }
for d in "$@"; do
  [ -e "$d" ] || { echo "dryrun.sh: $d: no such file or directory" >&2; exit 2; }
done
python3 -c 'import yaml' 2>/dev/null || { echo "dryrun.sh: python3 lacks PyYAML" >&2; exit 2; }
if ! "$RIG/build.sh" --check; then
  "$RIG/build.sh" || { echo "dryrun.sh: building the rig failed" >&2; exit 2; }
fi

# The kit's CRDs plus External Secrets' ExternalSecret (.ci/conformance-kit.sh; cached).
if [ -z "${RIG_CRD_DIR:-}" ]; then
  kit="$(bash "$HERE/../.ci/conformance-kit.sh")" || { echo "dryrun.sh: building the conformance kit failed" >&2; exit 2; }
  export RIG_CRD_DIR="$kit/crds"
fi

T0=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/slipway-dryrun.XXXXXX")"
OWN_RUN=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  if [ -n "$OWN_RUN" ]; then "$RIG/cluster.sh" down "$OWN_RUN" 2>/dev/null || true; fi
  if [ "${DRYRUN_KEEP:-0}" = 1 ]; then echo "dryrun.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

if [ -n "${SLIPWAY_RIG_RUN:-}" ] && "$RIG/cluster.sh" status "$SLIPWAY_RIG_RUN" >/dev/null 2>&1; then
  RUN="$SLIPWAY_RIG_RUN"
  echo "dryrun.sh: reusing the cluster of $RUN" >&2
  "$RIG/cluster.sh" crds "$RUN" || { echo "dryrun.sh: applying the CRDs failed" >&2; exit 2; }
else
  RUN="$WORK/cluster"
  OWN_RUN="$RUN"
  # --owner: even a SIGKILLed dryrun.sh leaves no server behind
  "$RIG/cluster.sh" up "$RUN" --crds --owner $$ || { echo "dryrun.sh: starting the cluster failed" >&2; exit 2; }
fi
# shellcheck disable=SC1091
. "$RUN/env"

set +e
python3 "$RIG/dryrun.py" "$WORK" "$@"
rc=$?
set -e
echo "dryrun.sh: $((SECONDS - T0))s" >&2
[ "$rc" -le 2 ] || rc=2
exit "$rc"
