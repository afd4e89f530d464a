#!/usr/bin/env bash
# Run the real Argo Rollouts controller against the rig's cluster, for the rehearsal of the
# `argo_rollouts` engine.
#
#   rollouts.sh up RUNDIR [--namespace NS] [--owner PID]
#   rollouts.sh down RUNDIR
#   rollouts.sh status RUNDIR
#
# up     needs RUNDIR/env (cluster.sh up writes it; a copy will do): applies the controller's
#        own CRDs (Rollout, AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate,
#        Experiment, from $SLIPWAY_RIG_HOME/rollouts-crds, which build-rollouts.sh copies from
#        the module) with server-side apply and waits until they are Established, then starts
#        bin/rollouts-controller (build-rollouts.sh) as the rig's admin, without leader
#        election, with its metrics and health endpoints on free ports of 127.0.0.1 (the
#        build makes them listen there), and returns once /healthz answers. Cluster-wide by
#        default; --namespace NS: --namespaced, watching NS only. Writes RUNDIR/rollouts.env
#        (ROLLOUTS_HEALTHZ_URL, ROLLOUTS_METRICS_URL, ROLLOUTS_LOG). Log: RUNDIR/rollouts-controller.log.
#        --owner PID: a watchdog runs `down` once that process exits (even by SIGKILL).
# down   stops the controller (and the watchdog) by their recorded PIDs, TERM then KILL after
#        10 s; safe to call twice. Leaves the CRDs and what the controller made in the cluster.
#
# Environment: SLIPWAY_RIG_HOME, SLIPWAY_ROLLOUTS_BIN (use this binary, skip the build check),
# RIG_START_TIMEOUT (seconds per wait, default 60).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rig_home="${SLIPWAY_RIG_HOME:-$HOME/.cache/slipway-rig}"
crd_dir="$rig_home/rollouts-crds"
timeout="${RIG_START_TIMEOUT:-60}"

die() { echo "rollouts.sh: $*" >&2; exit 1; }
log() { echo "rollouts.sh: $*" >&2; }
usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" >&2; exit 2; }

# ours, read_pid, stop_pid_file, free_ports
# shellcheck source=SCRIPTDIR/processes.sh
. "$here/processes.sh"

controller_binary() {
  if [[ -n "${SLIPWAY_ROLLOUTS_BIN:-}" ]]; then
    echo "$SLIPWAY_ROLLOUTS_BIN"
    return
  fi
  "$here/build-rollouts.sh" --check || die "the controller is not built or stale: run $here/build-rollouts.sh"
  echo "$rig_home/bin/rollouts-controller"
}

cmd_status() {
  local rundir="$1" pid
  pid="$(read_pid "$rundir/rollouts-controller.pid")"
  if [[ -n "$pid" ]] && ours "$pid" "$rundir"; then
    echo "rollouts-controller: running (PID $pid)"
  else
    echo "rollouts-controller: stopped"
    return 1
  fi
}

cmd_down() {
  local rundir="$1" watchdog
  [[ -d "$rundir" ]] || return 0
  stop_pid_file "$rundir/rollouts-controller.pid" "$rundir"
  rm -f "$rundir/rollouts.env" "$rundir/rollouts-controller.kubeconfig"
  # Last, and not when this `down` is the watchdog itself (bash -c execs its last command,
  # so the watchdog's PID may be ours) or its child.
  watchdog="$(read_pid "$rundir/rollouts-watchdog.pid")"
  if [[ "$watchdog" == "$$" || "$watchdog" == "$PPID" ]]; then
    rm -f "$rundir/rollouts-watchdog.pid"
  else
    stop_pid_file "$rundir/rollouts-watchdog.pid" "$rundir"
  fi
}

start_watchdog() {
  local rundir="$1" owner="$2"
  kill -0 "$owner" 2>/dev/null || die "--owner $owner is not a running process"
  # shellcheck disable=SC2016  # expanded by the watchdog's own shell
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" down "$3"' \
    rollouts-watchdog "$owner" "$here/rollouts.sh" "$rundir/" \
    </dev/null >>"$rundir/rollouts-watchdog.log" 2>&1 &
  echo "$!" >"$rundir/rollouts-watchdog.pid"
}

apply_crds() { # kubectl
  local kubectl="$1" files
  files="$(find "$crd_dir" -maxdepth 1 -name '*.yaml' | sort)"
  [[ -n "$files" ]] || die "no CRDs in $crd_dir: run $here/build-rollouts.sh"
  # shellcheck disable=SC2086 # one argument per file
  printf '%s\n' $files | sed 's/^/-f=/' | xargs "$kubectl" apply --server-side --force-conflicts \
    --field-manager slipway-rig-rollouts >/dev/null || die "applying $crd_dir failed"
  "$kubectl" wait --for condition=Established --timeout "${timeout}s" \
    crd/rollouts.argoproj.io crd/analysisruns.argoproj.io crd/analysistemplates.argoproj.io \
    crd/clusteranalysistemplates.argoproj.io crd/experiments.argoproj.io >/dev/null \
    || die "the Argo Rollouts CRDs are not Established after ${timeout}s"
}

# Globals for the failure trap of `up`.
up_rundir=""
up_done=0
on_up_exit() {
  if ((up_done == 0)) && [[ -n "$up_rundir" ]]; then
    log "up failed; stopping what it started (log: $up_rundir/rollouts-controller.log)"
    cmd_down "$up_rundir"
  fi
}

cmd_up() {
  local rundir="$1"; shift
  local owner="" namespace="" binary kubectl metrics_port healthz_port pid deadline scope=()
  while (($#)); do
    case "$1" in
      --owner) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; owner="$2"; shift 2 ;;
      --namespace) [[ $# -ge 2 ]] || usage; namespace="$2"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -f "$rundir/env" ]] || die "no $rundir/env: start the cluster first (cluster.sh up)"
  if [[ -f "$rundir/rollouts.env" ]] && cmd_status "$rundir" >/dev/null; then
    log "already up ($rundir/rollouts.env)"
    cat "$rundir/rollouts.env"
    return 0
  fi
  cmd_down "$rundir"
  up_rundir="$rundir"
  trap on_up_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  binary="$(controller_binary)"
  [[ -x "$binary" ]] || die "no controller binary at '$binary'"
  # shellcheck source=/dev/null
  source "$rundir/env"
  kubectl="${KUBECTL:-kubectl}"
  apply_crds "$kubectl"
  # a copy of the admin kubeconfig in RUNDIR: the controller's command line names RUNDIR, so
  # `down` recognises it
  cp "$KUBECONFIG" "$rundir/rollouts-controller.kubeconfig"
  if [[ -n "$namespace" ]]; then scope=(--namespaced --namespace "$namespace"); fi
  read -r metrics_port healthz_port <<<"$(free_ports 2)"
  setsid "$binary" --kubeconfig "$rundir/rollouts-controller.kubeconfig" ${scope[@]+"${scope[@]}"} \
    --leader-elect=false --metricsPort "$metrics_port" --healthzPort "$healthz_port" \
    --istio-api-version v1 --loglevel info \
    </dev/null >>"$rundir/rollouts-controller.log" 2>&1 &
  pid=$!
  echo "$pid" >"$rundir/rollouts-controller.pid"
  deadline=$((SECONDS + timeout))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$healthz_port/healthz" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$rundir/rollouts-controller.log" >&2; die "the controller exited"; }
    ((SECONDS < deadline)) || die "the controller's /healthz did not answer within ${timeout}s"
    sleep 0.2
  done
  {
    echo "export ROLLOUTS_HEALTHZ_URL=http://127.0.0.1:$healthz_port/healthz"
    echo "export ROLLOUTS_METRICS_URL=http://127.0.0.1:$metrics_port/metrics"
    echo "export ROLLOUTS_LOG=$rundir/rollouts-controller.log"
  } >"$rundir/rollouts.env.tmp"
  mv -f "$rundir/rollouts.env.tmp" "$rundir/rollouts.env"
  if [[ -n "$owner" ]]; then start_watchdog "$rundir" "$owner"; fi
  up_done=1
  log "up: $("$binary" --version | head -n 1) (PID $pid), ${namespace:-every namespace}, healthz on 127.0.0.1:$healthz_port"
  cat "$rundir/rollouts.env"
}

main() {
  (($# >= 2)) || usage
  local verb="$1" rundir="$2"; shift 2
  case "$verb" in
    up)
      [[ -d "$rundir" ]] || die "no such RUNDIR '$rundir'"
      rundir="$(cd "$rundir" && pwd)"
      cmd_up "$rundir" "$@" ;;
    down|status)
      (($# == 0)) || usage
      [[ -d "$rundir" ]] || { [[ "$verb" == down ]] && return 0; die "no such RUNDIR '$rundir'"; }
      rundir="$(cd "$rundir" && pwd)"
      "cmd_$verb" "$rundir" ;;
    *) usage ;;
  esac
}

main "$@"
