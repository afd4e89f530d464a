#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1, with fake nodes:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
# (which plays the kubelet: nodes turn Ready, scheduled pods turn Running and
# Ready, no container ever runs). Binaries come from build.sh.
#
#   cluster.sh up RUNDIR [--crds] [--owner PID]
#        Start everything with state under RUNDIR (created; free ports, fresh
#        certificates and etcd data). Returns once the API server is ready, the
#        default ServiceAccount exists and every fake node is Ready. Writes
#        RUNDIR/env:  . RUNDIR/env; kubectl get nodes
#        --crds       also apply the CRDs (see `crds`).
#        --owner PID  stop the cluster by itself when process PID exits (a
#                     watchdog, so a killed caller leaves nothing behind).
#        A RUNDIR whose cluster is still running is left as it is.
#   cluster.sh crds RUNDIR [DIR]
#        Apply every CRD under DIR (default $RIG_CRD_DIR, else
#        $SLIPWAY_CONFORMANCE/crds, by default the shared/conformance beside the repository) and wait until all are Established.
#   cluster.sh down RUNDIR
#        Stop what `up` started, by the PIDs it recorded; keep RUNDIR/logs,
#        delete the rest. Safe to call twice, or on a RUNDIR that never started.
#   cluster.sh status RUNDIR
#        Exit 0 when every process of RUNDIR is alive.
#   cluster.sh run RUNDIR [--crds] -- CMD [ARG...]
#        up, run CMD with RUNDIR/env loaded, down on every exit path; exits
#        with CMD's status.
#
# Environment: SLIPWAY_RIG_HOME (binaries, default ~/.cache/slipway-rig),
# RIG_NODES (fake nodes, default 1), RIG_EDGE_NODES (fake arm64 edge boards,
# tainted dedicated=edge:NoSchedule, default 0), RIG_START_TIMEOUT (seconds per wait,
# default 60), RIG_CRD_DIR, RIG_NODE_GRACE (controller-manager
# --node-monitor-grace-period, default 5m).
set -euo pipefail
RIG="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HOME_DIR="${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}"
BIN="$HOME_DIR/bin"
NODES="${RIG_NODES:-1}"
EDGE_NODES="${RIG_EDGE_NODES:-0}"
TIMEOUT="${RIG_START_TIMEOUT:-60}"
# How long the node lifecycle controller lets a fake node's Lease go unrenewed
# before it marks the node Unknown and every pod on it Ready=False. kwok renews
# the Lease every 10 s (--node-lease-duration-seconds 40, renewed at 1/4); the
# default 50 s grace is too tight on a loaded 2-core machine, and nothing
# (no kubelet) would ever mark those pods Ready again but the rig-pod-ready-again
# stage in kwok-stages.yaml.
NODE_GRACE="${RIG_NODE_GRACE:-5m}"
DEFAULT_CRD_DIR="${RIG_CRD_DIR:-${SLIPWAY_CONFORMANCE:-$RIG/../../../shared/conformance}/crds}"
# shellcheck source=rehearsal/rig/versions disable=SC1091
. "$RIG/versions"
# stopped in this order (reverse start order)
# (starter: a `cluster.sh up` still starting; watchdog: see --owner)
COMPONENTS=(starter watchdog kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

log() { printf '[rig] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

usage() { sed -n '2,32p' "$0" >&2; exit 2; }

# free_ports (and the process helpers cluster.sh does not use)
# shellcheck source=SCRIPTDIR/processes.sh
. "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

# Certificates: one CA signs the API server's serving certificate and a client
# certificate per component. EC P-256 keys: fast to make.
make_certs() {
  local p="$RUN/pki" name cn org
  mkdir -p "$p"
  openssl ecparam -name prime256v1 -genkey -noout -out "$p/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$p/ca.key" -subj /CN=slipway-rig-ca -days 7 -out "$p/ca.crt" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$p/apiserver.key" 2>/dev/null
  openssl req -x509 -new -key "$p/apiserver.key" -CA "$p/ca.crt" -CAkey "$p/ca.key" -days 7 \
    -subj /CN=kube-apiserver -out "$p/apiserver.crt" \
    -addext "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    -addext "extendedKeyUsage=serverAuth" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
  # the admin and kwok are cluster admins; the controller manager and the
  # scheduler are the users their default RBAC roles are bound to
  for name in admin kube-controller-manager kube-scheduler kwok; do
    case "$name" in
      admin) cn=slipway-rig-admin org=system:masters ;;
      kwok) cn=kwok org=system:masters ;;
      *) cn="system:$name" org= ;;
    esac
    openssl ecparam -name prime256v1 -genkey -noout -out "$p/$name.key" 2>/dev/null
    openssl req -x509 -new -key "$p/$name.key" -CA "$p/ca.crt" -CAkey "$p/ca.key" -days 7 \
      -subj "/CN=$cn${org:+/O=$org}" -out "$p/$name.crt" \
      -addext "extendedKeyUsage=clientAuth" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
    kubeconfig "$RUN/$name.kubeconfig" "$name"
  done
  # service account tokens: signed by the API server, verified with the same key
  openssl ecparam -name prime256v1 -genkey -noout -out "$p/sa.key" 2>/dev/null
}

kubeconfig() { # file name
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rig
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $RUN/pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $RUN/pki/$2.crt
    client-key: $RUN/pki/$2.key
contexts:
- name: rig
  context: {cluster: rig, user: $2, namespace: default}
current-context: rig
EOF
}

start() { # name cmd...  (own session: a Ctrl-C meant for the caller does not reach it)
  local name="$1"; shift
  setsid "$@" </dev/null >"$RUN/logs/$name.log" 2>&1 &
  echo $! >"$RUN/pids/$name"
}

alive() { # name: its recorded PID runs, and is still ours (its command line names RUNDIR)
  local pid
  [ -f "$RUN/pids/$1" ] || return 1
  pid="$(cat "$RUN/pids/$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qF "$RUN" "/proc/$pid/cmdline" 2>/dev/null
}

# wait_for WHAT COMPONENT CMD...: retry CMD every 0.2 s until it succeeds; fail
# early when COMPONENT has exited
wait_for() {
  local what="$1" comp="$2" deadline=$((SECONDS + TIMEOUT)); shift 2
  until "$@" >/dev/null 2>&1; do
    if ! alive "$comp"; then
      tail -n 25 "$RUN/logs/$comp.log" >&2 || true
      die "$comp exited while waiting for $what (log: $RUN/logs/$comp.log)"
    fi
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 25 "$RUN/logs/$comp.log" >&2 || true; die "timed out after ${TIMEOUT}s waiting for $what"; }
    sleep 0.2
  done
}

api_get() { # path: GET on the API server as admin
  curl -fsS --max-time 5 --cacert "$RUN/pki/ca.crt" --cert "$RUN/pki/admin.crt" --key "$RUN/pki/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

node_ready() { # name
  api_get "/api/v1/nodes/$1" | python3 -c '
import json, sys
n = json.load(sys.stdin)
ok = any(c["type"] == "Ready" and c["status"] == "True" for c in n.get("status", {}).get("conditions", []))
ok = ok and not any(t.get("key") == "node.kubernetes.io/not-ready" for t in n.get("spec", {}).get("taints", []))
sys.exit(0 if ok else 1)'
}

fake_nodes() {
  local i
  for i in $(seq 1 "$NODES"); do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: rig-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: rig-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/worker: ""
    topology.kubernetes.io/region: rig
    topology.kubernetes.io/zone: rig-$(( (i - 1) % 3 + 1 ))
    type: kwok
status:
  capacity: {cpu: "16", memory: 64Gi, pods: "250"}
  allocatable: {cpu: "16", memory: 64Gi, pods: "250"}
EOF
  done
  # Edge boards: arm64, and tainted so that only workloads meant for them land there.
  for i in $(seq 1 "$EDGE_NODES"); do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: rig-edge-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: rig-edge-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: arm64
    topology.kubernetes.io/region: rig-edge
    topology.kubernetes.io/zone: rig-edge-$i
    type: kwok
spec:
  taints:
  - {key: dedicated, value: edge, effect: NoSchedule}
status:
  capacity: {cpu: "8", memory: 16Gi, pods: "110"}
  allocatable: {cpu: "8", memory: 16Gi, pods: "110"}
EOF
  done
}

check_binaries() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
    [ -x "$BIN/$b" ] || die "$BIN/$b missing: run $RIG/build.sh"
  done
  "$RIG/build.sh" --check || log "warning: binaries in $BIN are not the pinned versions (run $RIG/build.sh)"
}

up() {
  local crds=0 owner=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --crds) crds=1 ;;
      --owner) [ $# -ge 2 ] || usage; owner="$2"; shift ;;
      *) usage ;;
    esac
    shift
  done
  if [ -f "$RUN/env" ] && alive kube-apiserver && alive etcd; then
    log "already running ($RUN)"
    [ "$crds" = 0 ] || crds "$DEFAULT_CRD_DIR"
    return 0
  fi
  check_binaries
  command -v openssl >/dev/null || die "openssl missing"
  command -v curl >/dev/null || die "curl missing"
  down_quiet
  mkdir -p "$RUN/logs" "$RUN/pids" "$RUN/bin"
  # a failed or interrupted start leaves nothing running; `down` during the
  # start stops this process first (its EXIT trap then stops the rest)
  trap 'rc=$?; [ "$rc" -eq 0 ] || down_quiet' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  echo $$ >"$RUN/pids/starter"
  if [ -n "$owner" ]; then
    # the watchdog's command line names RUNDIR, so `alive` recognises it
    # shellcheck disable=SC2016 # expanded by the watchdog's bash
    start watchdog bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" down "$3"' \
      rig-watchdog "$owner" "$RIG/cluster.sh" "$RUN"
  fi
  local t0=$SECONDS etcd_port etcd_peer kcm_port sched_port
  read -r etcd_port etcd_peer API_PORT kcm_port sched_port <<<"$(free_ports 5)"
  make_certs

  start etcd "$BIN/etcd" --name rig --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "rig=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level warn

  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$RUN/pki/apiserver.crt" --tls-private-key-file "$RUN/pki/apiserver.key" \
    --client-ca-file "$RUN/pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$RUN/pki/sa.key" --service-account-signing-key-file "$RUN/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --authorization-mode RBAC --allow-privileged=true --profiling=false \
    --cert-dir "$RUN/pki/apiserver-generated"
  wait_for "etcd" etcd curl -fsS --max-time 2 "http://127.0.0.1:$etcd_port/health"
  wait_for "kube-apiserver /readyz" kube-apiserver api_get /readyz
  log "kube-apiserver ready on https://127.0.0.1:$API_PORT ($((SECONDS - t0))s)"
  # the CRDs cost the API server ~10 s of CPU: apply them while the rest starts
  local crd_pid=""
  if [ "$crds" = 1 ]; then
    crds "$DEFAULT_CRD_DIR" &
    crd_pid=$!
  fi

  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$RUN/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$RUN/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --cert-dir "$RUN/pki/kcm-generated" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$RUN/pki/sa.key" --root-ca-file "$RUN/pki/ca.crt" \
    --cluster-signing-cert-file "$RUN/pki/ca.crt" --cluster-signing-key-file "$RUN/pki/ca.key" \
    --service-cluster-ip-range 10.96.0.0/16 --profiling=false \
    --node-monitor-grace-period "$NODE_GRACE" --node-startup-grace-period "$NODE_GRACE"
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$RUN/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$RUN/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --cert-dir "$RUN/pki/scheduler-generated" \
    --leader-elect=false --profiling=false
  # kwok reads ~/.kwok/kwok.yaml when it exists: give it an empty home
  mkdir -p "$RUN/kwok-home"
  start kwok env HOME="$RUN/kwok-home" "$BIN/kwok" \
    --kubeconfig "$RUN/kwok.kubeconfig" --config "$RIG/kwok-stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.0/16 --node-ip 10.240.0.1 --node-lease-duration-seconds 40

  fake_nodes | "$BIN/kubectl" --kubeconfig "$RUN/admin.kubeconfig" apply -f - >/dev/null \
    || die "creating the fake nodes failed"
  wait_for "the default ServiceAccount" kube-controller-manager api_get /api/v1/namespaces/default/serviceaccounts/default
  local i
  for i in $(seq 1 "$NODES"); do
    wait_for "node rig-node-$i Ready" kwok node_ready "rig-node-$i"
  done
  for i in $(seq 1 "$EDGE_NODES"); do
    wait_for "node rig-edge-$i Ready" kwok node_ready "rig-edge-$i"
  done
  wait_for "kube-scheduler /healthz" kube-scheduler curl -fsSk --max-time 2 "https://127.0.0.1:$sched_port/healthz"

  if [ -n "$crd_pid" ]; then wait "$crd_pid" || die "applying the CRDs failed"; fi
  ln -sf "$BIN/kubectl" "$RUN/bin/kubectl"
  cat >"$RUN/env" <<EOF
# . this file: kubectl $KUBERNETES_VERSION talks to the rig's API server (Kubernetes $KUBERNETES_VERSION) as a cluster admin
export KUBECONFIG='$RUN/admin.kubeconfig'
export KUBECTL='$BIN/kubectl'
export SLIPWAY_RIG_RUN='$RUN'
export SLIPWAY_RIG_API='https://127.0.0.1:$API_PORT'
case ":\$PATH:" in *":$RUN/bin:"*) ;; *) export PATH='$RUN/bin':"\$PATH" ;; esac
EOF
  printf '%s\n' "$API_PORT" >"$RUN/api-port"
  log "control plane up in $((SECONDS - t0))s: $NODES fake node(s) and $EDGE_NODES edge board(s) Ready; . $RUN/env"
  rm -f "$RUN/pids/starter"
  trap - EXIT INT TERM
}

crds() { # dir
  local dir="$1" t0=$SECONDS files
  [ -d "$dir" ] || die "CRD directory $dir does not exist"
  [ -f "$RUN/admin.kubeconfig" ] || die "$RUN is not up"
  files="$(find "$dir" -maxdepth 1 \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)"
  [ -n "$files" ] || die "no CRD files in $dir"
  # server-side apply: the Istio CRDs are too large for the last-applied annotation
  # shellcheck disable=SC2086 # one argument per file
  printf '%s\n' $files | sed 's/^/-f=/' | xargs "$BIN/kubectl" --kubeconfig "$RUN/admin.kubeconfig" \
    apply --server-side --force-conflicts --field-manager slipway-rig >"$RUN/logs/crds.log" 2>&1 \
    || { cat "$RUN/logs/crds.log" >&2; die "applying the CRDs of $dir failed"; }
  "$BIN/kubectl" --kubeconfig "$RUN/admin.kubeconfig" wait --for condition=Established crd --all \
    --timeout "${TIMEOUT}s" >>"$RUN/logs/crds.log" 2>&1 \
    || { cat "$RUN/logs/crds.log" >&2; die "CRDs not Established after ${TIMEOUT}s"; }
  log "$(grep -c 'serverside-applied' "$RUN/logs/crds.log") CRDs from $dir Established ($((SECONDS - t0))s)"
}

any_alive() { # pid...
  local p
  for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
  return 1
}

stop_pids() { # pid...: SIGTERM all at once, SIGKILL what still runs after 5 s
  local i pid
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for i in $(seq 1 50); do
    any_alive "$@" || return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for i in $(seq 1 20); do any_alive "$@" || return 0; sleep 0.05; done
}

down_quiet() {
  local c pid first=() last=()
  [ -d "$RUN" ] || return 0
  for c in "${COMPONENTS[@]}"; do
    pid="$(cat "$RUN/pids/$c" 2>/dev/null || true)"
    # the watchdog runs `down` (exec'd in the same process) and the starter
    # runs it from its EXIT trap: neither stops itself
    if [ "$pid" != "$$" ] && alive "$c"; then
      if [ "$c" = etcd ]; then last+=("$pid"); else first+=("$pid"); fi
    fi
    rm -f "$RUN/pids/$c"
  done
  # each component takes ~2 s to shut down gracefully: all at once, but etcd
  # last (it waits for the API server's watches to close before it exits)
  stop_pids "${first[@]}"
  stop_pids "${last[@]}"
  rm -rf "${RUN:?}/etcd" "${RUN:?}/pki" "${RUN:?}/kwok-home" "${RUN:?}/bin" "$RUN"/*.kubeconfig "$RUN/env" "$RUN/api-port"
}

down() {
  [ -d "$RUN" ] || return 0
  [ -d "$RUN/pids" ] || { log "$RUN: nothing started there"; return 0; }
  down_quiet
  rmdir "$RUN/pids" 2>/dev/null || true
  log "stopped ($RUN; logs kept in $RUN/logs)"
}

status() {
  local c rc=0
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    if alive "$c"; then echo "$c running (pid $(cat "$RUN/pids/$c"))"; else echo "$c not running"; rc=1; fi
  done
  return $rc
}

run() {
  local upargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do upargs+=("$1"); shift; done
  if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then usage; fi
  shift
  ! alive kube-apiserver || die "$RUN is already running: run starts (and stops) its own cluster"
  trap 'down' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  up "${upargs[@]}"
  trap 'down' EXIT  # up clears its own traps on success
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local rc=0
  # shellcheck disable=SC1091
  ( . "$RUN/env" && "$@" ) || rc=$?
  exit "$rc"
}

[ $# -ge 2 ] || usage
cmd="$1"; RUN="$2"; shift 2
# an absolute RUNDIR, also on this process's command line (`down` recognises
# the processes of RUNDIR by it)
case "$RUN" in
  /*) RUN="${RUN%/}" ;;
  *) exec "$0" "$cmd" "$PWD/${RUN%/}" "$@" ;;
esac
API_PORT="$(cat "$RUN/api-port" 2>/dev/null || echo 0)"
case "$cmd" in
  up) up "$@" ;;
  crds) [ $# -le 1 ] || usage; crds "${1:-$DEFAULT_CRD_DIR}" ;;
  down) [ $# -eq 0 ] || usage; down ;;
  status) [ $# -eq 0 ] || usage; status ;;
  run) run "$@" ;;
  *) usage ;;
esac
