# ---- The rollout library: the same in every generated rollout script. -----------------------

log() { printf '%s\n' "$*"; }
warn() { printf '::warning::%s\n' "$*"; }
error() { printf '::error::%s\n' "$*"; }

# Whole seconds after SLIPWAY_TIME_DIVISOR, which only rehearsals set: every wait and every
# query window is divided by it, and never drops below one second.
scaled() {
  local divisor="${SLIPWAY_TIME_DIVISOR:-1}" seconds
  if [[ ! $divisor =~ ^[1-9][0-9]{0,5}$ ]]; then
    error "SLIPWAY_TIME_DIVISOR must be a whole number from 1, not '$divisor'"
    exit 2
  fi
  seconds=$(($1 / divisor))
  if [ "$seconds" -lt 1 ]; then seconds=1; fi
  printf '%s\n' "$seconds"
}

# Runs one PromQL query and prints Prometheus' JSON answer: at PROMETHEUS_URL (with the bearer
# token PROMETHEUS_TOKEN when it is set), or else through the API server's service proxy with
# the job's kubeconfig.
prometheus() {
  if [ -n "${PROMETHEUS_URL:-}" ]; then
    local auth=()
    if [ -n "${PROMETHEUS_TOKEN:-}" ]; then
      auth=(--header "Authorization: Bearer $PROMETHEUS_TOKEN")
    fi
    curl -fsS --max-time 30 "${auth[@]}" --get --data-urlencode "query=$1" \
      "${PROMETHEUS_URL%/}/api/v1/query"
  else
    local encoded
    encoded="$(jq -rn --arg query "$1" '$query | @uri')"
    kubectl get --raw "$prometheus_proxy/api/v1/query?query=$encoded"
  fi
}

# The value of a query: the first sample, `none` when no series matched, `error` when
# Prometheus did not answer or refused the query.
measure() {
  local answer
  if ! answer="$(prometheus "$1" 2>/dev/null)"; then
    echo error
    return
  fi
  jq -r 'if .status != "success" then "error"
    elif (.data.result | length) == 0 then "none"
    else .data.result[0].value[1] end' <<<"$answer" 2>/dev/null || echo error
}

# Whether VALUE OP LIMIT holds for a number; anything else does not hold.
holds() {
  local value="$1"
  case "$value" in
    +Inf | Inf) value=1e308 ;;
    -Inf) value=-1e308 ;;
  esac
  [[ $value =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]] || return 1
  awk -v value="$value" -v op="$2" -v limit="$3" 'BEGIN {
    if (op == "<") exit !(value + 0 < limit + 0)
    if (op == "<=") exit !(value + 0 <= limit + 0)
    if (op == ">") exit !(value + 0 > limit + 0)
    exit !(value + 0 >= limit + 0)
  }'
}

# One round: every gate once. Returns 1 when a gate failed, had no data (unless
# no_data = pass) or could not be measured.
gate_round() {
  local window failed=0 index query value name
  window="$(scaled "$interval")s"
  for index in "${!gate_names[@]}"; do
    name="${gate_names[$index]}"
    query="${gate_queries[$index]//'{{window}}'/$window}"
    value="$(measure "$query")"
    case "$value" in
      error)
        warn "$name: Prometheus did not answer; the round fails"
        failed=1
        ;;
      none | NaN)
        if [ "$no_data" = pass ]; then
          log "$name: no data, which passes (no_data = pass)"
        else
          warn "$name: no data (no traffic reached $candidate, or no sidecar reports it); the round fails"
          failed=1
        fi
        ;;
      *)
        if holds "$value" "${gate_ops[$index]}" "${gate_limits[$index]}"; then
          log "$name = $value${gate_units[$index]} (${gate_ops[$index]} ${gate_limits[$index]}${gate_units[$index]}): ok"
        else
          warn "$name = $value${gate_units[$index]}, must be ${gate_ops[$index]} ${gate_limits[$index]}${gate_units[$index]}"
          failed=1
        fi
        ;;
    esac
  done
  return "$failed"
}

# Analyses the canary at WEIGHT% for ROUNDS rounds. The failed rounds count over the whole
# run of this script; the round that makes them more than failure_limit fails the canary.
analyse() {
  local weight="$1" rounds="$2" round=0
  log "$service: analysing $candidate at $weight% for $rounds round(s) of ${interval}s ($failures failed round(s) so far, $failure_limit tolerated)"
  while [ "$round" -lt "$rounds" ]; do
    round=$((round + 1))
    sleep "$(scaled "$interval")"
    if ! gate_round; then
      failures=$((failures + 1))
      if [ "$failures" -gt "$failure_limit" ]; then
        canary_failed "$weight"
      fi
    fi
  done
}

# The canary failed at WEIGHT%: roll back (on_failure = rollback) or leave the traffic where
# it is for a person to look (on_failure = halt). Either way the job fails.
canary_failed() {
  if [ "$on_failure" = rollback ]; then
    error "$service: the canary failed its analysis at $1%; rolling back to $live"
    abort
  else
    error "$service: the canary failed its analysis at $1%; halted with $1% of the traffic on it"
  fi
  exit 1
}

# Waits SECONDS on purpose.
hold() {
  log "$service: waiting $1s"
  sleep "$(scaled "$1")"
}

# The replicas of the live track now (an autoscaler may have changed them), or the spec's.
live_replicas() {
  local current
  current="$(kubectl -n "$namespace" get deployment "$live" -o 'jsonpath={.spec.replicas}' 2>/dev/null || true)"
  if [[ $current =~ ^[1-9][0-9]*$ ]]; then
    printf '%s\n' "$current"
  else
    printf '%s\n' "$replicas"
  fi
}

# COUNT within the autoscaling bounds (unchanged without autoscaling).
clamp() {
  local count="$1"
  if [ -n "$autoscaling_min" ]; then
    if [ "$count" -lt "$autoscaling_min" ]; then count="$autoscaling_min"; fi
    if [ "$count" -gt "$autoscaling_max" ]; then count="$autoscaling_max"; fi
  fi
  printf '%s\n' "$count"
}

# Sets the floor of WORKLOAD's autoscaler (named after it) to COUNT: an autoscaler alone
# would undo a `kubectl scale` when the load is low.
hold_floor() {
  if [ -n "$autoscaling_min" ]; then
    kubectl -n "$namespace" patch "hpa/$1" --type=merge -p "{\"spec\":{\"minReplicas\":$2}}"
  fi
}

# Gives both autoscalers their own floor back once the rollout is over.
release_floors() {
  if [ -n "$autoscaling_min" ]; then
    hold_floor "$live" "$autoscaling_min"
    hold_floor "$candidate" "$autoscaling_min"
  fi
}

# Sends WEIGHT% of the traffic to the candidate: first scales it to WEIGHT% of the live
# track's pods (at least one, at most the autoscaling maximum; not raised to the autoscaling
# minimum: the candidate's autoscaler is held at this count) and waits for them, so that
# traffic outside the mesh, which Services split by ready pods, follows the weight too; then
# applies the step's routing. The live track keeps its size, ready for a rollback.
set_weight() {
  local weight="$1" routing="$2" total pods current
  total="$(live_replicas)"
  pods=$(((total * weight + 99) / 100))
  if [ -n "$autoscaling_max" ] && [ "$pods" -gt "$autoscaling_max" ]; then pods="$autoscaling_max"; fi
  if [ "$pods" -lt 1 ]; then pods=1; fi
  log "$service: $weight% of the traffic to $candidate, on $pods pod(s) beside $total"
  hold_floor "$live" "$(clamp "$total")"
  hold_floor "$candidate" "$pods"
  current="$(kubectl -n "$namespace" get deployment "$candidate" -o 'jsonpath={.spec.replicas}')"
  if [ "${current:-0}" -lt "$pods" ]; then
    kubectl -n "$namespace" scale "deployment/$candidate" --replicas="$pods"
  fi
  kubectl -n "$namespace" rollout status "deployment/$candidate" --timeout="$wait_timeout"
  kubectl apply -f "$routing"
}

# The resting state: all traffic on the live track (which still runs the version it ran
# before the rollout) and the candidate scaled to zero.
abort() {
  log "$service: all traffic back to $live, $candidate scaled to 0"
  kubectl apply -f "$resting"
  if kubectl -n "$namespace" get deployment "$candidate" -o name >/dev/null 2>&1; then
    kubectl -n "$namespace" scale "deployment/$candidate" --replicas=0
  fi
  release_floors
}

# Moves the live track to the candidate's version (from OVERLAY, the kustomization the deploy
# applied, with this run's image digests), waits for it, gives it all traffic and scales the
# candidate to zero.
promote() {
  : "${OVERLAY:?OVERLAY must name the kustomization the deploy applied}"
  log "$service: promoting $candidate's version to $live"
  kubectl apply -k "$OVERLAY" -l "$live_selector"
  kubectl -n "$namespace" rollout status "deployment/$live" --timeout="$wait_timeout"
  kubectl apply -f "$resting"
  kubectl -n "$namespace" scale "deployment/$candidate" --replicas=0
  release_floors
}

# Sends all traffic to the candidate once it is ready (a blue-green switch).
switch() {
  kubectl -n "$namespace" rollout status "deployment/$candidate" --timeout="$wait_timeout"
  log "$service: all traffic to $candidate"
  kubectl apply -f "$switched"
}

usage() {
  echo "usage: $0 run FIRST LAST | switch | promote | abort" >&2
  exit 2
}

main() {
  case "${1:-}" in
    run)
      [[ ${2:-} =~ ^[1-9][0-9]*$ && ${3:-} =~ ^[1-9][0-9]*$ ]] || usage
      local step
      for ((step = $2; step <= $3; step++)); do
        declare -F "step_$step" >/dev/null || usage
        "step_$step"
      done
      ;;
    switch) switch ;;
    promote)
      if [ "$keep_live_seconds" -gt 0 ]; then hold "$keep_live_seconds"; fi
      promote
      ;;
    abort) abort ;;
    *) usage ;;
  esac
}
