#!/usr/bin/env bash
# Build the rehearsal control plane's binaries from pinned Go modules into
# ${SLIPWAY_RIG_HOME:-~/.cache/slipway-rig}/bin:
#   etcd                                          go/etcd  (go.etcd.io/etcd/server/v3)
#   kube-apiserver kube-controller-manager
#   kube-scheduler kubectl                        go/k8s   (k8s.io/kubernetes)
#   kwok                                          go/kwok  (sigs.k8s.io/kwok)
#
#   build.sh           build what is missing or out of date (a warm run does nothing)
#   build.sh --check   exit 0 when every binary is current, 1 otherwise; no network, no build
#   build.sh --force   rebuild everything
#
# A binary is current when bin/<name>.stamp holds the pinned version and the hash
# of its module's go.mod, go.sum and *.go (see `versions`). Go downloads go to the
# default GOMODCACHE / GOCACHE, shared with every other Go build on the machine.
set -euo pipefail
RIG="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HOME_DIR="${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}"
BIN="$HOME_DIR/bin"
# shellcheck source=rehearsal/rig/versions disable=SC1091
. "$RIG/versions"

log() { printf '[rig build] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

# binary -> module dir (under go/), package, pinned version, extra -X flags
module_of() {
  case "$1" in
    etcd) echo etcd ;;
    kwok) echo kwok ;;
    *) echo k8s ;;
  esac
}
package_of() {
  case "$1" in
    etcd) echo . ;;
    kwok) echo sigs.k8s.io/kwok/cmd/kwok ;;
    *) echo "k8s.io/kubernetes/cmd/$1" ;;
  esac
}
version_of() {
  case "$1" in
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    *) echo "$KUBERNETES_VERSION" ;;
  esac
}
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

# What the stamp of a binary must say: version + hash of the module's files.
expected_stamp() {
  local mod
  mod="$RIG/go/$(module_of "$1")"
  printf 'version=%s inputs=%s\n' "$(version_of "$1")" \
    "$(cat "$mod"/go.mod "$mod"/go.sum "$mod"/*.go 2>/dev/null | sha256sum | cut -c1-16)"
}
current() { # binary
  [ -x "$BIN/$1" ] && [ -f "$BIN/$1.stamp" ] && [ "$(cat "$BIN/$1.stamp")" = "$(expected_stamp "$1")" ]
}

# The go.mod files must pin what `versions` says.
requires() { # go.mod module version: the go.mod requires module at version
  grep -Eq "^(require)?[[:space:]]*$2 $3( |\$)" "$RIG/go/$1/go.mod"
}
check_pins() {
  requires k8s k8s.io/kubernetes "$KUBERNETES_VERSION" \
    || die "go/k8s/go.mod does not require k8s.io/kubernetes $KUBERNETES_VERSION"
  if grep -E '=> k8s.io/[a-z-]+ v' "$RIG/go/k8s/go.mod" | grep -qv " $KUBERNETES_STAGING_VERSION\$"; then
    die "go/k8s/go.mod replaces a staging module with something else than $KUBERNETES_STAGING_VERSION"
  fi
  requires etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" \
    || die "go/etcd/go.mod does not require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  requires kwok sigs.k8s.io/kwok "$KWOK_VERSION" \
    || die "go/kwok/go.mod does not require sigs.k8s.io/kwok $KWOK_VERSION"
}

mode="${1:-build}"
case "$mode" in
  build|--force) ;;
  --check)
    for b in "${BINARIES[@]}"; do current "$b" || exit 1; done
    exit 0 ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) die "usage: build.sh [--check|--force]" ;;
esac

check_pins
mkdir -p "$BIN"
exec 9>"$HOME_DIR/.build.lock"
flock 9 # a second build.sh waits here, then finds everything current

todo=()
for b in "${BINARIES[@]}"; do
  if [ "$mode" = --force ] || ! current "$b"; then todo+=("$b"); fi
done
[ ${#todo[@]} -gt 0 ] || exit 0
command -v go >/dev/null || die "go is not installed"

# Version strings the Kubernetes binaries report (as upstream's hack/lib/version.sh sets them).
kube_ldflags() {
  local v="${KUBERNETES_VERSION#v}" p
  local major="${v%%.*}" minor
  minor="${v#*.}"; minor="${minor%%.*}"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf ' -X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean' \
      "$p" "$KUBERNETES_VERSION" "$p" "$major" "$p" "$minor" "$p"
  done
}

OUT="$(mktemp -d "$HOME_DIR/.build.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
export CGO_ENABLED=0
for mod in etcd k8s kwok; do
  pkgs=() names=()
  for b in "${todo[@]}"; do
    [ "$(module_of "$b")" = "$mod" ] || continue
    pkgs+=("$(package_of "$b")"); names+=("$b")
  done
  [ ${#pkgs[@]} -gt 0 ] || continue
  ldflags="-s -w"
  [ "$mod" = k8s ] && ldflags+="$(kube_ldflags)"
  log "building ${names[*]} ($mod module) ..."
  t0=$SECONDS
  mkdir -p "$OUT/$mod"
  # one `go build` per module: the Kubernetes binaries share most packages
  (cd "$RIG/go/$mod" && nice -n "${RIG_NICE:-10}" go build -trimpath -ldflags="$ldflags" -o "$OUT/$mod/" "${pkgs[@]}") \
    || die "go build of ${names[*]} failed"
  for b in "${names[@]}"; do
    # go names each binary after its package's last path element (go/etcd: "etcd")
    [ -x "$OUT/$mod/$b" ] || die "go build did not produce $b"
    mv -f "$OUT/$mod/$b" "$BIN/$b"
    expected_stamp "$b" >"$BIN/$b.stamp"
  done
  log "built ${names[*]} in $((SECONDS - t0))s"
done
log "binaries in $BIN"
