#!/usr/bin/env bash
# Self-test of the rehearsal's Prometheus and scripted metrics.
#
#   rehearsal/metrics/selftest.sh [--keep] [--windows 5s,10s] [RUNDIR]
#
# Starts the exporter and Prometheus (rehearsal/rig/prometheus.sh up), then runs
# selftest.py: for each scenario (healthy, slow, erroring, flat, absent) the
# canary-gate queries, as Slipway generates them, must say what the scenario
# says, for each window and each way of selecting the canary. Prints how long
# after a scenario change each query reflects it; the table is kept in
# RUNDIR/lag.json. Stops both processes on every exit path; RUNDIR (a temporary
# directory unless given) is removed unless --keep is given or the test failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rig="$(cd "$here/../rig" && pwd)"

keep=0
windows=5s,10s
rundir=""
while (($#)); do
  case "$1" in
    --keep) keep=1; shift ;;
    --windows) [[ $# -ge 2 ]] || { echo "--windows needs a value" >&2; exit 2; }; windows="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) rundir="$1"; shift ;;
  esac
done

made_rundir=0
if [[ -z "$rundir" ]]; then
  rundir="$(mktemp -d "${TMPDIR:-/tmp}/slipway-metrics-selftest.XXXXXX")"
  made_rundir=1
fi
mkdir -p "$rundir"
rundir="$(cd "$rundir" && pwd)"

status=1
# shellcheck disable=SC2317  # called by the EXIT trap, which shellcheck does not follow
cleanup() {
  "$rig/prometheus.sh" down "$rundir" || true
  if ((status == 0 && keep == 0 && made_rundir == 1)); then
    rm -rf "$rundir"
  else
    echo "selftest: run directory kept: $rundir" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

python3 "$here/scenario.py" healthy "$rundir/scenario.json"
"$rig/prometheus.sh" up "$rundir" --scenario "$rundir/scenario.json" >/dev/null
# shellcheck source=/dev/null
source "$rundir/prometheus.env"
echo "selftest: Prometheus at $PROMETHEUS_URL, scenario $SLIPWAY_METRICS_SCENARIO" >&2

set +e
python3 "$here/selftest.py" --url "$PROMETHEUS_URL" --scenario "$SLIPWAY_METRICS_SCENARIO" \
  --windows "$windows" --report "$rundir/lag.json"
status=$?
set -e
if ((status == 0 && keep == 1)); then
  echo "selftest: lag table in $rundir/lag.json" >&2
fi
exit "$status"
