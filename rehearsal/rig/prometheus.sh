#!/usr/bin/env bash
# Run a real Prometheus that scrapes scripted Istio metrics, for canary rehearsals.
#
#   prometheus.sh up RUNDIR [--scenario FILE | --exporter URL] [--owner PID]
#   prometheus.sh down RUNDIR
#   prometheus.sh status RUNDIR
#   prometheus.sh run RUNDIR [up options] -- CMD...
#
# up     starts, on 127.0.0.1 and free ports, the scripted exporter
#        (rehearsal/metrics/exporter.py, reading FILE; default RUNDIR/scenario.json,
#        created with the "healthy" preset when missing) and Prometheus scraping it
#        every second (evaluation every second too), with storage under RUNDIR.
#        With --exporter URL no exporter is started and Prometheus scrapes URL
#        (http://127.0.0.1:PORT[/path], default path /metrics).
#        Returns once Prometheus is ready and has scraped the target twice, and
#        writes RUNDIR/prometheus.env (PROMETHEUS_URL, SLIPWAY_METRICS_SCENARIO,
#        SLIPWAY_METRICS_EXPORTER_URL). Calling it again while up does nothing.
#        --owner PID: a watchdog runs `down` once that process exits (even by SIGKILL).
# down   stops both (and the watchdog) by their recorded PIDs; safe to call twice.
# run    up, then CMD with prometheus.env's variables exported, then down on any exit;
#        exits with CMD's status.
#
# The Prometheus binary is $SLIPWAY_PROMETHEUS_BIN if set, else the one that
# build-prometheus.sh keeps cached (built on first use).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
metrics_dir="$(cd "$here/../metrics" && pwd)"
python="${PYTHON:-python3}"
job=slipway-mesh

die() { echo "prometheus.sh: $*" >&2; exit 1; }
log() { echo "prometheus.sh: $*" >&2; }

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" >&2; exit 2; }

# ours, read_pid, stop_pid_file, free_ports
# shellcheck source=SCRIPTDIR/processes.sh
. "$here/processes.sh"

# Wait until `curl URL` succeeds or the PID dies; $3 is the timeout in seconds.
wait_http() {
  local url="$1" pid="$2" timeout="$3" deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

prometheus_binary() {
  if [[ -n "${SLIPWAY_PROMETHEUS_BIN:-}" ]]; then
    echo "$SLIPWAY_PROMETHEUS_BIN"
  else
    "$here/build-prometheus.sh" | tail -n 1
  fi
}

write_config() {
  local file="$1" target="$2" path="$3"
  cat >"$file.tmp" <<EOF
# Written by rehearsal/rig/prometheus.sh; rewritten on every 'up'.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: $job
    honor_labels: true
    metrics_path: $path
    fallback_scrape_protocol: PrometheusText0.0.4
    static_configs:
      - targets: ["$target"]
EOF
  mv -f "$file.tmp" "$file"
}

# Print the value of a one-sample PromQL query, or nothing.
query_value() {
  "$python" "$metrics_dir/promq.py" --url "$1" "$2" 2>/dev/null | head -n 1
}

wait_scraped_twice() {
  local url="$1" pid="$2" deadline n up
  deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    n="$(query_value "$url" "count_over_time(up{job=\"$job\"}[5m])")"
    up="$(query_value "$url" "up{job=\"$job\"}")"
    if [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 2)) && [[ "$up" == 1 ]]; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

cmd_status() {
  local rundir="$1" rc=0 name pid
  for name in exporter prometheus; do
    pid="$(read_pid "$rundir/$name.pid")"
    if [[ -n "$pid" ]] && ours "$pid" "$rundir"; then
      echo "$name: running (PID $pid)"
    elif [[ "$name" == exporter && ! -f "$rundir/exporter.pid" && -f "$rundir/prometheus.env" ]]; then
      echo "$name: external"
    else
      echo "$name: stopped"; rc=1
    fi
  done
  return "$rc"
}

cmd_down() {
  local rundir="$1"
  [[ -d "$rundir" ]] || return 0
  stop_pid_file "$rundir/prometheus.pid" "$rundir"
  stop_pid_file "$rundir/exporter.pid" "$rundir"
  rm -f "$rundir/prometheus.env"
  # Last, and not when this `down` is the watchdog itself (bash -c execs its last
  # command, so the watchdog's PID may be ours) or its child.
  local watchdog
  watchdog="$(read_pid "$rundir/watchdog.pid")"
  if [[ "$watchdog" == "$$" || "$watchdog" == "$PPID" ]]; then
    rm -f "$rundir/watchdog.pid"
  else
    stop_pid_file "$rundir/watchdog.pid" "$rundir"
  fi
}

# Runs `down` when the owner exits. Its command line names RUNDIR, so `ours` knows it.
start_watchdog() {
  local rundir="$1" owner="$2"
  kill -0 "$owner" 2>/dev/null || die "--owner $owner is not a running process"
  # shellcheck disable=SC2016  # expanded by the watchdog's own shell
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" down "$3"' \
    prometheus-watchdog "$owner" "$here/prometheus.sh" "$rundir/" \
    </dev/null >>"$rundir/watchdog.log" 2>&1 &
  echo "$!" >"$rundir/watchdog.pid"
}

# Globals for the failure trap of `up`.
up_rundir=""
up_done=0
on_up_exit() {
  if ((up_done == 0)) && [[ -n "$up_rundir" ]]; then
    log "up failed; stopping what it started (logs in $up_rundir)"
    cmd_down "$up_rundir"
  fi
}

start_exporter() {
  local rundir="$1" scenario="$2" pid port
  rm -f "$rundir/exporter.port"
  setsid "$python" "$metrics_dir/exporter.py" --scenario "$scenario" \
    --port 0 --port-file "$rundir/exporter.port" \
    </dev/null >>"$rundir/exporter.log" 2>&1 &
  pid=$!
  echo "$pid" >"$rundir/exporter.pid"
  for _ in $(seq 1 100); do
    [[ -s "$rundir/exporter.port" ]] && break
    kill -0 "$pid" 2>/dev/null || die "exporter exited; see $rundir/exporter.log"
    sleep 0.1
  done
  port="$(cat "$rundir/exporter.port" 2>/dev/null)" || die "exporter wrote no port file"
  wait_http "http://127.0.0.1:$port/healthz" "$pid" 10 || die "exporter not answering; see $rundir/exporter.log"
  echo "http://127.0.0.1:$port/metrics"
}

start_prometheus() {
  local rundir="$1" binary="$2" port pid attempt
  for attempt in 1 2 3; do
    port="$(free_ports 1)"
    setsid "$binary" \
      --config.file="$rundir/prometheus.yml" \
      --storage.tsdb.path="$rundir/prometheus-data" \
      --storage.tsdb.retention.time=1d \
      --web.listen-address="127.0.0.1:$port" \
      </dev/null >>"$rundir/prometheus.log" 2>&1 &
    pid=$!
    echo "$pid" >"$rundir/prometheus.pid"
    if wait_http "http://127.0.0.1:$port/-/ready" "$pid" 60; then
      echo "$port"
      return 0
    fi
    stop_pid_file "$rundir/prometheus.pid" "$rundir"
    log "Prometheus did not become ready on port $port (attempt $attempt)"
  done
  die "Prometheus would not start; see $rundir/prometheus.log"
}

cmd_up() {
  local rundir="$1"; shift
  local scenario="" exporter_url="" owner="" binary target path port url
  while (($#)); do
    case "$1" in
      --owner) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; owner="$2"; shift 2 ;;
      --scenario) [[ $# -ge 2 ]] || usage; scenario="$2"; shift 2 ;;
      --exporter) [[ $# -ge 2 ]] || usage; exporter_url="$2"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -z "$scenario" || -z "$exporter_url" ]] || die "--scenario and --exporter exclude each other"

  if [[ -f "$rundir/prometheus.env" ]] && cmd_status "$rundir" >/dev/null; then
    log "already up ($rundir/prometheus.env)"
    cat "$rundir/prometheus.env"
    return 0
  fi
  cmd_down "$rundir"

  up_rundir="$rundir"
  trap on_up_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  binary="$(prometheus_binary)"
  [[ -x "$binary" ]] || die "no Prometheus binary at '$binary'"

  if [[ -z "$exporter_url" ]]; then
    if [[ -z "$scenario" ]]; then
      scenario="$rundir/scenario.json"
      [[ -f "$scenario" ]] || "$python" "$metrics_dir/scenario.py" healthy "$scenario"
    fi
    [[ -f "$scenario" ]] || die "no scenario file '$scenario'"
    scenario="$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")"
    exporter_url="$(start_exporter "$rundir" "$scenario")"
  fi
  [[ "$exporter_url" =~ ^http://(127\.0\.0\.1:[0-9]+)(/.*)?$ ]] \
    || die "--exporter must be http://127.0.0.1:PORT[/path], not '$exporter_url'"
  target="${BASH_REMATCH[1]}"
  path="${BASH_REMATCH[2]:-/metrics}"

  write_config "$rundir/prometheus.yml" "$target" "$path"
  port="$(start_prometheus "$rundir" "$binary")"
  url="http://127.0.0.1:$port"
  wait_scraped_twice "$url" "$(read_pid "$rundir/prometheus.pid")" \
    || die "Prometheus has not scraped $exporter_url twice; see $rundir/prometheus.log"

  {
    echo "export PROMETHEUS_URL=$url"
    echo "export SLIPWAY_METRICS_SCENARIO=$scenario"
    echo "export SLIPWAY_METRICS_EXPORTER_URL=$exporter_url"
  } >"$rundir/prometheus.env.tmp"
  mv -f "$rundir/prometheus.env.tmp" "$rundir/prometheus.env"
  if [[ -n "$owner" ]]; then start_watchdog "$rundir" "$owner"; fi
  up_done=1
  log "up: Prometheus $url scraping $exporter_url"
  cat "$rundir/prometheus.env"
}

cmd_run() {
  local rundir="$1"; shift
  local up_args=() status=0
  while (($#)) && [[ "$1" != -- ]]; do up_args+=("$1"); shift; done
  (($# >= 2)) || usage
  shift
  cmd_up "$rundir" "${up_args[@]}" >/dev/null
  # From here on every exit path stops the pair (cmd_up's trap only covers a failed up).
  trap 'cmd_down "$up_rundir"' EXIT
  (
    set -a
    # shellcheck source=/dev/null
    source "$rundir/prometheus.env"
    set +a
    exec "$@"
  ) || status=$?
  return "$status"
}

main() {
  (($# >= 2)) || usage
  local verb="$1" rundir="$2"; shift 2
  case "$verb" in
    up|run)
      mkdir -p "$rundir"
      rundir="$(cd "$rundir" && pwd)"
      "cmd_$verb" "$rundir" "$@" ;;
    down|status)
      (($# == 0)) || usage
      [[ -d "$rundir" ]] || { [[ "$verb" == down ]] && return 0; die "no such RUNDIR '$rundir'"; }
      rundir="$(cd "$rundir" && pwd)"
      "cmd_$verb" "$rundir" ;;
    *) usage ;;
  esac
}

main "$@"
