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

# Measures gate INDEX once, over the window of its interval. Returns 1 when it failed, had no
# data (unless no_data = pass) or could not be measured.
measure_gate() {
  local name="${gate_names[$1]}" window query value
  window="$(scaled "${gate_intervals[$1]}")s"
  query="${gate_queries[$1]//'{{window}}'/$window}"
  value="$(measure "$query")"
  case "$value" in
    error)
      warn "$name: Prometheus did not answer; the measurement fails"
      return 1
      ;;
    none | NaN)
      if [ "$no_data" = pass ]; then
        log "$name: no data, which passes (no_data = pass)"
        return 0
      fi
      warn "$name: no data (no traffic reached $candidate, or no sidecar reports it); the measurement fails"
      return 1
      ;;
  esac
  if holds "$value" "${gate_ops[$1]}" "${gate_limits[$1]}"; then
    log "$name = $value${gate_units[$1]} (${gate_ops[$1]} ${gate_limits[$1]}${gate_units[$1]}): ok"
    return 0
  fi
  warn "$name = $value${gate_units[$1]}, must be ${gate_ops[$1]} ${gate_limits[$1]}${gate_units[$1]}"
  return 1
}

# The failed measurements of each gate. With over = rollout they count over the whole rollout,
# whose approvals split it into several jobs: between them the counts are kept in an
# annotation of the candidate Deployment.
failures_annotation=slipway.dev/failed-measurements

reset_failures() {
  local index
  gate_failures=()
  for index in "${!gate_names[@]}"; do gate_failures[index]=0; done
}

# The counts of the jobs of this rollout before this one (with over = rollout).
load_failures() {
  reset_failures
  if [ "$over" != rollout ]; then return 0; fi
  local saved count index=0
  saved="$(kubectl -n "$namespace" get deployment "$candidate" \
    -o 'jsonpath={.metadata.annotations.slipway\.dev/failed-measurements}' 2>/dev/null || true)"
  for count in $saved; do
    if [[ $count =~ ^[0-9]+$ ]] && [ "$index" -lt "${#gate_names[@]}" ]; then
      gate_failures[index]="$count"
    fi
    index=$((index + 1))
  done
  log "$service: failed measurements so far in this rollout: ${gate_failures[*]:-none}"
}

save_failures() {
  if [ "$over" != rollout ]; then return 0; fi
  kubectl -n "$namespace" annotate deployment "$candidate" --overwrite \
    "$failures_annotation=${gate_failures[*]}" >/dev/null ||
    warn "$service: could not record the failed measurements on $candidate"
}

# Analyses the canary at WEIGHT%: gate INDEX is measured as many times as the argument after
# WEIGHT at its position says, every gate_intervals[INDEX] seconds. With over = steps each step
# counts its gates' failed measurements afresh; with over = rollout they count over the whole
# rollout. The measurement that makes one gate's more than failure_limit fails the canary.
analyse() {
  local weight="$1" elapsed=0 next due index
  shift
  local rounds=("$@") taken=() counted="the rollout"
  if [ "$over" = steps ]; then
    reset_failures
    counted="this step"
  fi
  for index in "${!gate_names[@]}"; do taken[index]=0; done
  log "$service: analysing $candidate at $weight%: ${gate_names[*]} measured ${rounds[*]} time(s), every ${gate_intervals[*]}s; $failure_limit failed measurement(s) of a gate tolerated in $counted, ${gate_failures[*]} so far"
  while :; do
    next=0
    for index in "${!gate_names[@]}"; do
      if [ "${taken[index]}" -lt "${rounds[index]}" ]; then
        due=$(((taken[index] + 1) * gate_intervals[index]))
        if [ "$next" -eq 0 ] || [ "$due" -lt "$next" ]; then next="$due"; fi
      fi
    done
    if [ "$next" -eq 0 ]; then break; fi
    sleep "$(scaled $((next - elapsed)))"
    elapsed="$next"
    for index in "${!gate_names[@]}"; do
      due=$(((taken[index] + 1) * gate_intervals[index]))
      if [ "${taken[index]}" -lt "${rounds[index]}" ] && [ "$due" -eq "$next" ]; then
        taken[index]=$((taken[index] + 1))
        if ! measure_gate "$index"; then
          gate_failures[index]=$((gate_failures[index] + 1))
          save_failures
          if [ "${gate_failures[index]}" -gt "$failure_limit" ]; then
            canary_failed "$weight"
          fi
        fi
      fi
    done
    check_load
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
  check_load
}

# ---- Hooks: Jobs run before, beside (`during`) or after the steps. --------------------------

# The state of Job NAME: complete, failed (Failed, or FailureTarget on the way to it: a failed
# pod, or its deadline passed), missing, or running.
job_state() {
  local conditions
  if ! conditions="$(kubectl -n "$namespace" get job "$1" \
    -o 'jsonpath={range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}' 2>/dev/null)"; then
    echo missing
    return
  fi
  case " $conditions " in
    *" Failed "* | *" FailureTarget "*) echo failed ;;
    *" Complete "*) echo complete ;;
    *) echo running ;;
  esac
}

# Starts hook INDEX: its Job of an earlier rollout is deleted first (a Job cannot be re-run).
start_hook() {
  local job="${hook_jobs[$1]}"
  log "$service: hook ${hook_names[$1]} (${hook_at[$1]}): starting Job $job"
  kubectl -n "$namespace" delete job "$job" --ignore-not-found --wait=true
  kubectl apply -f "${hook_files[$1]}"
}

# Waits for hook INDEX to complete; returns 1 when it failed, went missing or outlived its
# timeout (with a grace period for the Job controller to mark the deadline).
await_hook() {
  local job="${hook_jobs[$1]}" deadline state
  deadline=$((SECONDS + $(scaled "${hook_timeouts[$1]}") + 30))
  while :; do
    state="$(job_state "$job")"
    case "$state" in
      complete)
        log "$service: hook ${hook_names[$1]}: Job $job completed"
        return 0
        ;;
      failed | missing)
        warn "$service: hook ${hook_names[$1]}: Job $job $state"
        kubectl -n "$namespace" logs "job/$job" --tail=40 2>/dev/null || true
        return 1
        ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "$service: hook ${hook_names[$1]}: Job $job still running after its timeout"
      return 1
    fi
    sleep 2
  done
}

# A hook failed: roll back (on_failure = rollback) or leave the traffic where it is (halt).
# Either way the job fails.
hook_failed() {
  if [ "$on_failure" = rollback ]; then
    error "$service: hook ${hook_names[$1]} (${hook_at[$1]}) failed; rolling back to $live"
    abort
  else
    error "$service: hook ${hook_names[$1]} (${hook_at[$1]}) failed; halted where it is"
  fi
  exit 1
}

# Runs the hooks at AT (before or after), one after another, each to completion.
run_hooks() {
  local index
  for index in "${!hook_names[@]}"; do
    if [ "${hook_at[$index]}" = "$1" ]; then
      start_hook "$index"
      await_hook "$index" || hook_failed "$index"
    fi
  done
}

# Whether any hook runs at AT.
has_hooks() {
  local at
  for at in "${hook_at[@]}"; do
    if [ "$at" = "$1" ]; then return 0; fi
  done
  return 1
}

# Before the first step: one candidate pod up (the mesh still sends it no traffic), then the
# `before` hooks, then the load generators (`during`), which run until the rollout ends.
begin_rollout() {
  if has_hooks before; then
    log "$service: one pod of $candidate for the hooks that run before the first step"
    hold_floor "$candidate" 1
    if [ "$(kubectl -n "$namespace" get deployment "$candidate" -o 'jsonpath={.spec.replicas}')" -lt 1 ]; then
      kubectl -n "$namespace" scale "deployment/$candidate" --replicas=1
    fi
    kubectl -n "$namespace" rollout status "deployment/$candidate" --timeout="$wait_timeout"
    run_hooks before
  fi
  local index
  for index in "${!hook_names[@]}"; do
    if [ "${hook_at[$index]}" = during ]; then start_hook "$index"; fi
  done
}

# Fails the canary when a load generator failed or outlived its timeout. One that completed
# has simply stopped: the gates judge what traffic there was.
check_load() {
  local index
  for index in "${!hook_names[@]}"; do
    if [ "${hook_at[$index]}" = during ] && [ "$(job_state "${hook_jobs[$index]}")" = failed ]; then
      warn "$service: load generator ${hook_names[$index]} failed"
      hook_failed "$index"
    fi
  done
}

# Stops the load generators: the rollout is over.
stop_load() {
  local index
  for index in "${!hook_names[@]}"; do
    if [ "${hook_at[$index]}" = during ]; then
      kubectl -n "$namespace" delete job "${hook_jobs[$index]}" --ignore-not-found --wait=false
    fi
  done
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
# applies the step's routing. The live track keeps its size, ready for a rollback. SCALE
# (the step's `scale`: a count of pods, or N% of the live track's) sizes the candidate
# instead, up or down; without it the candidate only grows.
set_weight() {
  local weight="$1" routing="$2" scale="${3:-}" total pods current
  total="$(live_replicas)"
  case "$scale" in
    "") pods=$(((total * weight + 99) / 100)) ;;
    *%) pods=$(((total * ${scale%\%} + 99) / 100)) ;;
    *) pods="$scale" ;;
  esac
  if [ -n "$autoscaling_max" ] && [ "$pods" -gt "$autoscaling_max" ]; then pods="$autoscaling_max"; fi
  if [ "$pods" -lt 1 ]; then pods=1; fi
  log "$service: $weight% of the traffic to $candidate, on $pods pod(s) beside $total"
  hold_floor "$live" "$(clamp "$total")"
  hold_floor "$candidate" "$pods"
  current="$(kubectl -n "$namespace" get deployment "$candidate" -o 'jsonpath={.spec.replicas}')"
  if [ "${current:-0}" -lt "$pods" ] || { [ -n "$scale" ] && [ "${current:-0}" -ne "$pods" ]; }; then
    kubectl -n "$namespace" scale "deployment/$candidate" --replicas="$pods"
  fi
  kubectl -n "$namespace" rollout status "deployment/$candidate" --timeout="$wait_timeout"
  kubectl apply -f "$routing"
}

# The resting state: all traffic on the live track (which still runs the version it ran
# before the rollout) and the candidate scaled to zero.
abort() {
  log "$service: all traffic back to $live, $candidate scaled to 0"
  stop_load
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
  run_hooks after
  stop_load
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
      done
      if [ "$2" = 1 ]; then
        reset_failures
        save_failures
        begin_rollout
      else
        load_failures
      fi
      for ((step = $2; step <= $3; step++)); do
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
