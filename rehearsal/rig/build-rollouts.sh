#!/usr/bin/env bash
# Build the Argo Rollouts controller used by the rehearsal, once, into a cache.
#
#   build-rollouts.sh           build if missing or stale, print the binary path
#   build-rollouts.sh --check   exit 0 if the cached binary is current (no network,
#                               no Go needed), 1 otherwise
#   build-rollouts.sh --force   rebuild even if current
#
# The binary goes to ${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}/bin/rollouts-controller,
# next to a stamp that records what it was built from: the pinned version (rig/versions,
# which go/rollouts/go.mod must require), the sha256 of go/rollouts/go.mod and go.sum, the
# Go toolchain and the build recipe. A change to any of those makes the cache stale.
# Concurrent runs serialise on a flock in the cache dir.
#
# It is upstream's own main package, github.com/argoproj/argo-rollouts/cmd/rollouts-controller,
# built from the module proxy. argo-rollouts v1.10 declares `go 1.26.10`, newer than the
# machine's Go, so the build runs with GOTOOLCHAIN=$RIG_ROLLOUTS_TOOLCHAIN (default go1.27.3,
# which the go command fetches from the module proxy once).
#
# One change to upstream, made at build time (nothing of it is committed): the controller
# listens for its metrics and health checks on "0.0.0.0:%d", a constant without a flag, so
# the build compiles a copy of the module (from the module cache, in a temporary directory
# that go/rollouts' go.mod is copied to, with `replace github.com/argoproj/argo-rollouts =>
# ./argo-rollouts`) whose controller/controller.go says "127.0.0.1:%d" instead: the rig's
# rule (everything on 127.0.0.1) holds. (`go build -overlay` refuses files in GOMODCACHE.)
# The build fails if that line is not found exactly once. The same build copies the module's own CRDs (manifests/crds: Rollout,
# AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate, Experiment) to
# $SLIPWAY_RIG_HOME/rollouts-crds, for the controller to run against the CRDs of its version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module_dir="$here/go/rollouts"
rig_home="${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}"
bin_dir="$rig_home/bin"
binary="$bin_dir/rollouts-controller"
stamp_file="$bin_dir/rollouts-controller.stamp"
crd_dir="$rig_home/rollouts-crds"
lock_file="$rig_home/.build-rollouts.lock"
toolchain="${RIG_ROLLOUTS_TOOLCHAIN:-go1.27.3}"
nice_level="${RIG_NICE:-10}"
package=github.com/argoproj/argo-rollouts/cmd/rollouts-controller
# shellcheck source=rehearsal/rig/versions disable=SC1091
. "$here/versions"

# Bump when the way the binary is built changes in a way the inputs don't show.
recipe="v3 CGO_ENABLED=0 -trimpath -s -w $toolchain cmd/rollouts-controller listen=127.0.0.1 crds"

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --force) mode=force ;;
  -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;;
esac

wanted_stamp() {
  local sums
  sums="$(cd "$module_dir" && sha256sum go.mod go.sum | awk '{print $1}' | tr '\n' ' ')"
  printf 'argo-rollouts %s\nrecipe %s\ninputs %s\n' "$ARGO_ROLLOUTS_VERSION" "$recipe" "$sums"
}

is_current() {
  [[ -x "$binary" && -f "$stamp_file" && -f "$crd_dir/rollout-crd.yaml" ]] || return 1
  # Only the lines that define the build; the stamp also records the build time.
  [[ "$(grep -E '^(argo-rollouts|recipe|inputs) ' "$stamp_file")" == "$(wanted_stamp)" ]] || return 1
  "$binary" --version >/dev/null 2>&1
}

if [[ "$mode" == check ]]; then
  if is_current; then exit 0; fi
  exit 1
fi

grep -Eq "^(require)?[[:space:]]*github.com/argoproj/argo-rollouts $ARGO_ROLLOUTS_VERSION( |\$)" \
  "$module_dir/go.mod" || {
  echo "build-rollouts: go/rollouts/go.mod does not require argo-rollouts $ARGO_ROLLOUTS_VERSION (rig/versions)" >&2
  exit 2
}

mkdir -p "$bin_dir"
exec 9>"$lock_file"
flock 9

# Another run may have finished the build while we waited for the lock.
if [[ "$mode" == build ]] && is_current; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "build-rollouts: go not found on PATH" >&2; exit 1; }

tmp_out="$(mktemp "$bin_dir/.rollouts-controller.XXXXXX")"
work="$(mktemp -d "$bin_dir/.rollouts-build.XXXXXX")"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { rm -f "$tmp_out"; rm -rf "$work" "$crd_dir.tmp"; }
trap cleanup EXIT

pkg=github.com/argoproj/argo-rollouts/utils/version
ldflags="-s -w -X $pkg.version=${ARGO_ROLLOUTS_VERSION#v} -X $pkg.gitTag=$ARGO_ROLLOUTS_VERSION"
ldflags+=" -X $pkg.gitCommit=module-$ARGO_ROLLOUTS_VERSION -X $pkg.gitTreeState=clean"
ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# The module's source, from the module cache, copied with its listen address on 127.0.0.1.
(cd "$module_dir" && GOTOOLCHAIN="$toolchain" go mod download github.com/argoproj/argo-rollouts)
module_src="$(cd "$module_dir" && GOTOOLCHAIN="$toolchain" go list -mod=readonly -m -f '{{.Dir}}' github.com/argoproj/argo-rollouts)"
[[ -n "$module_src" && -f "$module_src/controller/controller.go" ]] || {
  echo "build-rollouts: the argo-rollouts module is not in the module cache" >&2
  exit 1
}
listen='listenAddr                         = "0.0.0.0:%d"'
[[ "$(grep -cF "$listen" "$module_src/controller/controller.go")" == 1 ]] || {
  echo "build-rollouts: controller/controller.go no longer has the line: $listen" >&2
  exit 1
}
cp "$module_dir/go.mod" "$module_dir/go.sum" "$module_dir/tools.go" "$work/"
cp -R "$module_src" "$work/argo-rollouts"
chmod -R u+w "$work/argo-rollouts"
rm -rf "$work/argo-rollouts/docs"
sed -i 's/"0\.0\.0\.0:%d"/"127.0.0.1:%d"/' "$work/argo-rollouts/controller/controller.go"
printf '\nreplace github.com/argoproj/argo-rollouts => ./argo-rollouts\n' >>"$work/go.mod"

echo "build-rollouts: building Argo Rollouts $ARGO_ROLLOUTS_VERSION ($toolchain, nice $nice_level) into $binary" >&2
start=$SECONDS
(cd "$work" && exec 9>&- && GOTOOLCHAIN="$toolchain" CGO_ENABLED=0 nice -n "$nice_level" \
  go build -mod=readonly -trimpath -ldflags="$ldflags" -o "$tmp_out" "$package")
elapsed=$((SECONDS - start))

chmod 0755 "$tmp_out"
"$tmp_out" --version >/dev/null
rm -rf "$crd_dir.tmp" && mkdir -p "$crd_dir.tmp"
cp "$module_src"/manifests/crds/*-crd.yaml "$crd_dir.tmp/"
rm -rf "$crd_dir" && mv "$crd_dir.tmp" "$crd_dir"
mv -f "$tmp_out" "$binary"
{
  wanted_stamp
  echo "go $(cd "$module_dir" && GOTOOLCHAIN="$toolchain" go env GOVERSION)"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${elapsed}s"
} >"$stamp_file.tmp"
mv -f "$stamp_file.tmp" "$stamp_file"
echo "build-rollouts: done in ${elapsed}s" >&2
echo "$binary"
