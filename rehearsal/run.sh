#!/usr/bin/env bash
# The rehearsal, in one command (CI and people): compile every example, send the
# output to a real API server (server-side dry run), then run the generated
# deploy jobs and rollout scripts against that cluster and a real Prometheus
# with scripted metrics, scenario by scenario, judged by the cluster's state.
#
#   rehearsal/run.sh [EXAMPLE...]       (default: every directory under examples/)
#
# 1. Builds the rig if needed (rig/build.sh, rig/build-prometheus.sh,
#    rig/build-rollouts.sh; a cold build takes about an hour on 2 cores, then
#    it is cached in
#    ${SLIPWAY_RIG_HOME:-~/.cache/slipway-rig}).
# 2. Starts one cluster (rig/cluster.sh up --crds) and, per example with
#    rollout scripts, one Prometheus + scripted exporter (rig/prometheus.sh),
#    all on 127.0.0.1, all with --owner $$ and stopped by the EXIT trap.
# 3. Compiles each example with --target k8s,istio,kustomize,github,argocd into a
#    temporary directory (the compiler: $SLIPWAY, else `cargo build` and
#    target/debug/slipway).
# 4. rehearsal/dryrun.sh on every tree, reusing the cluster: 0 rejected or fail.
# 5. rehearsal/rehearse.py on each tree that has rollout/ scripts, autoscalers
#    or Argo CD Applications; examples whose namespaces differ run at the same
#    time (each with its own Prometheus when it has gates), otherwise one after
#    the other.
#    Each tree whose overlays hold Argo Rollouts Rollouts (the argo_rollouts
#    engine) gets its own Prometheus and the real Argo Rollouts controller
#    (rig/rollouts.sh), and rehearsal/rehearse_rollouts.py runs its deploy job
#    under them.
# 6. Prints one line per scenario (PASS/FAIL) and exits 1 when anything failed.
#
# Without the tools to build or run the rig (go, python3 with PyYAML, jq, curl,
# openssl) it prints a loud SKIPPED banner and exits 0 -- unless CI=true, where
# it fails (exit 1): CI never passes a rehearsal that did not run.
#
# Environment: CI, SLIPWAY (compiler binary), RIG_NODES (fake nodes, default 4 here),
# REHEARSAL_DIVISOR (default 20:
# rollout waits and query windows divided by it), REHEARSAL_KEEP=1 (keep the
# work directory: logs, compiled trees), REHEARSAL_SEQUENTIAL=1, and the rig's
# own (SLIPWAY_RIG_HOME, RIG_CRD_DIR, ...).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
RIG="$HERE/rig"
DIVISOR="${REHEARSAL_DIVISOR:-20}"
T0=$SECONDS

say() { printf '[rehearsal] %s\n' "$*" >&2; }

skip_or_fail() { # reason
  if [ "${CI:-}" = true ]; then
    say "FAILED: cannot run the rehearsal: $1 (CI=true: a rehearsal that did not run is a failure)"
    exit 1
  fi
  {
    echo "########################################################################"
    echo "#  REHEARSAL SKIPPED: $1"
    echo "#  nothing was rehearsed; with CI=true this is a failure"
    echo "########################################################################"
  } >&2
  exit 0
}

# ---- prerequisites and the rig's binaries --------------------------------------------------
for tool in python3 jq curl openssl bash; do
  command -v "$tool" >/dev/null || skip_or_fail "$tool is not installed"
done
python3 -c 'import yaml' 2>/dev/null || skip_or_fail "python3 lacks PyYAML"
if ! "$RIG/build.sh" --check >/dev/null 2>&1 || ! "$RIG/build-prometheus.sh" --check >/dev/null 2>&1 \
  || ! "$RIG/build-rollouts.sh" --check >/dev/null 2>&1; then
  command -v go >/dev/null || skip_or_fail "the rig is not built and go is not installed"
  say "building the rig (cold: about an hour on 2 cores; cached afterwards)"
  "$RIG/build.sh" || { say "FAILED: building the control plane"; exit 1; }
  "$RIG/build-prometheus.sh" >/dev/null || { say "FAILED: building Prometheus"; exit 1; }
  "$RIG/build-rollouts.sh" >/dev/null || { say "FAILED: building the Argo Rollouts controller"; exit 1; }
fi

if [ -n "${SLIPWAY:-}" ]; then
  slipway="$SLIPWAY"
else
  command -v cargo >/dev/null || skip_or_fail "cargo is not installed and SLIPWAY is not set"
  say "cargo build"
  (cd "$ROOT" && cargo build --quiet) || { say "FAILED: cargo build"; exit 1; }
  slipway="$ROOT/target/debug/slipway"
fi

if [ $# -gt 0 ]; then
  examples=("$@")
else
  examples=()
  for dir in "$ROOT"/examples/*/; do examples+=("$(basename "$dir")"); done
fi
[ "${#examples[@]}" -gt 0 ] || { say "FAILED: no examples"; exit 1; }

# ---- work directory, servers, cleanup ------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/slipway-rehearsal.XXXXXX")"
RUN="$WORK/cluster"
prom_runs=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$? p
  trap - EXIT INT TERM HUP
  for p in ${prom_runs[@]+"${prom_runs[@]}"}; do
    "$RIG/rollouts.sh" down "$p" >/dev/null 2>&1 || true
    "$RIG/prometheus.sh" down "$p" >/dev/null 2>&1 || true
  done
  "$RIG/cluster.sh" down "$RUN" >/dev/null 2>&1 || true
  if [ "${REHEARSAL_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    say "work directory kept: $WORK (logs: */rehearsal.log, cluster/logs/)"
  else
    rm -rf "$WORK"
  fi
  say "total $((SECONDS - T0))s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

mkdir -p "$WORK/out"
trees=()
for name in "${examples[@]}"; do
  [ -d "$ROOT/examples/$name" ] || { say "FAILED: no example $name"; exit 1; }
  "$slipway" compile "$ROOT/examples/$name" --target k8s,istio,kustomize,github,argocd \
    --out "$WORK/out/$name" --quiet || { say "FAILED: compiling examples/$name"; exit 1; }
  trees+=("$WORK/out/$name")
done
say "compiled ${#trees[@]} example(s) into $WORK/out"

# Every example is rehearsed at once on one cluster: a canary at 100% runs both tracks in
# full, and one fake node (16 CPUs) ran out of CPU requests, leaving a candidate pod Pending
# until its rollout timed out. Four nodes hold every example's pods with room to spare.
# The CRDs applied: the conformance kit's, plus External Secrets' ExternalSecret, which the
# examples emit for secrets synced from Vault (.ci/conformance-kit.sh; cached).
if [ -z "${RIG_CRD_DIR:-}" ]; then
  kit="$(bash "$ROOT/.ci/conformance-kit.sh")" || { say "FAILED: building the conformance kit"; exit 1; }
  export RIG_CRD_DIR="$kit/crds"
fi
# One arm64 edge board, tainted, for the environments whose pods select and tolerate it.
RIG_NODES="${RIG_NODES:-4}" RIG_EDGE_NODES="${RIG_EDGE_NODES:-1}" "$RIG/cluster.sh" up "$RUN" --crds --owner $$ \
  || { say "FAILED: starting the cluster"; exit 1; }

# A spec names PriorityClasses, never creates them (they are the cluster's, shared by every
# team): the rig's cluster offers those the examples name, as a real one would have to.
(
  # shellcheck disable=SC1091
  . "$RUN/env"
  { grep -rhoE 'priorityClassName: [a-z0-9.-]+' "${trees[@]}" || true; } | awk '{print $2}' | sort -u \
    | while read -r class; do
        "$KUBECTL" create priorityclass "$class" --value=1000 >/dev/null
      done
) || { say "FAILED: creating the PriorityClasses the examples name"; exit 1; }

# ---- server-side dry run -------------------------------------------------------------------
dry_rc=0
SLIPWAY_RIG_RUN="$RUN" "$HERE/dryrun.sh" "${trees[@]}" >"$WORK/dryrun.out" || dry_rc=$?
cat "$WORK/dryrun.out"

# ---- the stream, piped into kubectl as a user would -----------------------------------------
# `slipway compile --out -` for `kubectl apply -f -`: the same server judges it, as one stream
# (the namespaces exist: the dry run above created them).
stream_rc=0
(
  # shellcheck disable=SC1091
  . "$RUN/env"
  for name in "${examples[@]}"; do
    "$slipway" compile "$ROOT/examples/$name" --out - --target k8s,istio,prometheus \
      | "$KUBECTL" apply --dry-run=server --validate=strict -f - >/dev/null \
      || { echo "the stream of $name was rejected"; exit 1; }
  done
  echo "${#examples[@]} stream(s) accepted"
) >"$WORK/stream.out" 2>&1 || stream_rc=$?

# ---- rehearsals ----------------------------------------------------------------------------
rehearsed=()
for tree in "${trees[@]}"; do
  # rollout scripts, autoscalers or Argo CD Applications: something to rehearse
  if compgen -G "$tree/rollout/*/*.sh" >/dev/null || compgen -G "$tree/argocd/applications/*.yaml" >/dev/null \
    || grep -qs '^kind: HorizontalPodAutoscaler' "$tree"/k8s/*/*.yaml; then
    rehearsed+=("$tree")
  fi
done
argo_trees=()
for tree in "${trees[@]}"; do
  if grep -qsx 'kind: Rollout' "$tree"/kustomize/overlays/*/*.yaml; then argo_trees+=("$tree"); fi
done
namespaces() { sed -n 's/^  name: \(.*\)$/\1/p' "$1"/k8s/*/namespace.yaml | sort -u; }
sequential="${REHEARSAL_SEQUENTIAL:-0}"
if [ "${#rehearsed[@]}" -gt 1 ]; then
  shared="$(for tree in "${rehearsed[@]}"; do namespaces "$tree"; done | sort | uniq -d)"
  if [ -n "$shared" ]; then
    say "examples share rollout namespaces ($(echo "$shared" | tr '\n' ' ')): one after the other"
    sequential=1
  fi
fi

rehearse() { # tree: its own Prometheus, then rehearse.py; output in WORK/<name>.out
  local tree="$1" name run
  name="$(basename "$tree")"
  run="$WORK/run-$name"
  mkdir -p "$run"
  cp "$RUN/env" "$run/env"
  ln -s "$RUN/bin" "$run/bin"
  if compgen -G "$tree/rollout/*/*.sh" >/dev/null; then # the gates need Prometheus
    "$RIG/prometheus.sh" up "$run" --owner $$ >"$run/prometheus-up.log" 2>&1 \
      || { echo "FAIL  $name: Prometheus did not start (see $run/prometheus-up.log)"; return 1; }
  fi
  python3 "$HERE/rehearse.py" "$tree" "$run" --divisor "$DIVISOR"
}

# tree: its own Prometheus and the Argo Rollouts controller, then rehearse_rollouts.py
rehearse_argo() {
  local tree="$1" name run
  name="$(basename "$tree")"
  run="$WORK/run-argo-$name"
  mkdir -p "$run"
  cp "$RUN/env" "$run/env"
  ln -s "$RUN/bin" "$run/bin"
  "$RIG/prometheus.sh" up "$run" --owner $$ >"$run/prometheus-up.log" 2>&1 \
    || { echo "FAIL  $name: Prometheus did not start (see $run/prometheus-up.log)"; return 1; }
  "$RIG/rollouts.sh" up "$run" --owner $$ >"$run/rollouts-up.log" 2>&1 \
    || { echo "FAIL  $name: the Argo Rollouts controller did not start (see $run/rollouts-up.log)"; return 1; }
  python3 "$HERE/rehearse_rollouts.py" "$tree" "$run" --divisor "$DIVISOR"
}

pids=()
rh_rc=0
for tree in ${rehearsed[@]+"${rehearsed[@]}"}; do
  name="$(basename "$tree")"
  prom_runs+=("$WORK/run-$name")
  say "rehearsing $name (log: $WORK/run-$name/rehearsal.log)"
  if [ "$sequential" = 1 ]; then
    rehearse "$tree" 2>&1 | tee "$WORK/$name.out" || rh_rc=1
  else
    rehearse "$tree" >"$WORK/$name.out" 2>&1 &
    pids+=("$!")
  fi
done
for tree in ${argo_trees[@]+"${argo_trees[@]}"}; do
  name="$(basename "$tree")"
  prom_runs+=("$WORK/run-argo-$name")
  say "rehearsing $name under Argo Rollouts (log: $WORK/run-argo-$name/rehearsal.log)"
  if [ "$sequential" = 1 ]; then
    rehearse_argo "$tree" 2>&1 | tee "$WORK/argo-$name.out" || rh_rc=1
  else
    rehearse_argo "$tree" >"$WORK/argo-$name.out" 2>&1 &
    pids+=("$!")
  fi
done
for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" || rh_rc=1; done

# ---- report --------------------------------------------------------------------------------
echo
echo "== Rehearsal report ($((SECONDS - T0))s, divisor $DIVISOR)"
if [ "$dry_rc" -eq 0 ]; then
  echo "PASS  server-side dry run: $(tail -n 1 "$WORK/dryrun.out")"
else
  echo "FAIL  server-side dry run (exit $dry_rc): $(tail -n 1 "$WORK/dryrun.out")"
fi
if [ "$stream_rc" -eq 0 ]; then
  echo "PASS  server-side dry run of \`compile --out -\`: $(tail -n 1 "$WORK/stream.out")"
else
  echo "FAIL  server-side dry run of \`compile --out -\`:"
  sed 's/^/      /' "$WORK/stream.out"
fi
for tree in ${rehearsed[@]+"${rehearsed[@]}"}; do
  name="$(basename "$tree")"
  grep -E '^(PASS|FAIL) |^rehearsal of ' "$WORK/$name.out" || echo "FAIL  $name: no verdicts"
  if ! grep -q '^rehearsal of .* 0 failed' "$WORK/$name.out"; then rh_rc=1; fi
done
for tree in ${argo_trees[@]+"${argo_trees[@]}"}; do
  name="$(basename "$tree")"
  grep -E '^(PASS|FAIL) |^rehearsal of ' "$WORK/argo-$name.out" || echo "FAIL  $name (argo rollouts): no verdicts"
  if ! grep -q '^rehearsal of .* 0 failed' "$WORK/argo-$name.out"; then rh_rc=1; fi
done
for tree in "${trees[@]}"; do
  case " ${rehearsed[*]-} ${argo_trees[*]-} " in
    *" $tree "*) ;;
    *) echo "----  $(basename "$tree"): nothing to rehearse (dry run only)" ;;
  esac
done
if [ "$dry_rc" -ne 0 ] || [ "$stream_rc" -ne 0 ] || [ "$rh_rc" -ne 0 ]; then
  echo "== REHEARSAL FAILED"
  exit 1
fi
echo "== rehearsal passed"
