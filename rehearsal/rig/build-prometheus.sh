#!/usr/bin/env bash
# Build the Prometheus server used by the rehearsal rig, once, into a cache.
#
#   build-prometheus.sh           build if missing or stale, print the binary path
#   build-prometheus.sh --check   exit 0 if the cached binary is current (no network,
#                                 no Go needed), 1 otherwise
#   build-prometheus.sh --force   rebuild even if current
#
# The binary goes to ${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}/bin/prometheus,
# next to a stamp file that records what it was built from: the sha256 of
# prometheus-go/go.mod and go.sum plus the build flags. A change to any of those
# makes the cache stale. Concurrent runs serialise on a flock in the cache dir.
#
# The Prometheus version is whatever prometheus-go/go.mod requires. Module
# versions v0.3xx.y are Prometheus 3.xx.y; the web UI assets are not embedded
# (default build tags), which the rig does not need: it only uses the HTTP API.
# Service discovery is compiled out (static_configs only), see build_tags below.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module_dir="$here/prometheus-go"
rig_home="${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}"
bin_dir="$rig_home/bin"
binary="$bin_dir/prometheus"
stamp_file="$bin_dir/prometheus.stamp"
lock_file="$rig_home/.build-prometheus.lock"

# Bump when the way the binary is built changes in a way the inputs don't show.
# remove_all_sd drops every service discovery plugin (Kubernetes, clouds, Consul, ...):
# the rig scrapes one static target, and the plugins are most of the build time.
build_tags=remove_all_sd
recipe="v2 -trimpath -s -w -tags=$build_tags cmd/prometheus"

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --force) mode=force ;;
  -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;;
esac

prom_version() {
  # "github.com/prometheus/prometheus v0.316.0" -> v0.316.0
  awk '$1 == "github.com/prometheus/prometheus" || ($1 == "require" && $2 == "github.com/prometheus/prometheus") { print $NF; exit }' \
    "$module_dir/go.mod"
}

# v0.316.0 -> 3.16.0 (Prometheus 3.x is published as module v0.3xx.y)
semver_of() {
  local v="${1#v0.}" major minor patch
  minor="${v%%.*}"; patch="${v#*.}"
  major="${minor:0:1}"; minor="${minor:1}"
  echo "$major.$((10#$minor)).$patch"
}

wanted_stamp() {
  local sums
  sums="$(cd "$module_dir" && sha256sum go.mod go.sum | awk '{print $1}' | tr '\n' ' ')"
  printf 'prometheus %s\nrecipe %s\ninputs %s\n' "$(prom_version)" "$recipe" "$sums"
}

is_current() {
  [[ -x "$binary" && -f "$stamp_file" ]] || return 1
  # Compare only the lines that define the build; the stamp also records
  # go version and build time for humans.
  [[ "$(grep -E '^(prometheus|recipe|inputs) ' "$stamp_file")" == "$(wanted_stamp)" ]] || return 1
  "$binary" --version >/dev/null 2>&1
}

if [[ "$mode" == check ]]; then
  if is_current; then exit 0; fi
  exit 1
fi

mkdir -p "$bin_dir"
exec 9>"$lock_file"
flock 9

# Another run may have finished the build while we waited for the lock.
if [[ "$mode" == build ]] && is_current; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "build-prometheus: go not found on PATH" >&2; exit 1; }

tmp_out="$(mktemp "$bin_dir/.prometheus.XXXXXX")"
cleanup() { rm -f "$tmp_out"; }
trap cleanup EXIT

version="$(prom_version)"
semver="$(semver_of "$version")"
pkg=github.com/prometheus/common/version
ldflags="-s -w -X $pkg.Version=$semver -X $pkg.Revision=module-$version -X $pkg.Branch=module"
ldflags+=" -X $pkg.BuildUser=slipway-rehearsal -X $pkg.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"

echo "build-prometheus: building Prometheus $semver ($version) into $binary" >&2
start=$SECONDS
(cd "$module_dir" && exec 9>&- && go build -mod=readonly -trimpath -tags="$build_tags" -ldflags="$ldflags" -o "$tmp_out" \
  github.com/prometheus/prometheus/cmd/prometheus)
elapsed=$((SECONDS - start))

chmod 0755 "$tmp_out"
"$tmp_out" --version >/dev/null
mv -f "$tmp_out" "$binary"
{
  wanted_stamp
  echo "go $(go env GOVERSION)"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${elapsed}s"
} >"$stamp_file.tmp"
mv -f "$stamp_file.tmp" "$stamp_file"
echo "build-prometheus: done in ${elapsed}s" >&2
echo "$binary"
