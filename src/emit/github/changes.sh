# The step of the `changes` job (src/emit/github/changes.rs): decides, for every built service,
# whether this push changed it, so only changed services are built, scanned, signed and
# deployed. A service changed when a file under one of its WATCH pathspecs (its build context
# and its `build { paths }`) differs between BEFORE and AFTER, or when one of the services it
# depends on (DEPENDS: service, then one of its transitive dependencies) changed. Every
# service changed when an EVERYTHING pathspec matched (the spec and the generated files), when
# the run was started by hand, or when there is no previous commit to compare with (a new
# branch, a force push, a first run). Writes changed_<service>=true|false and any=true|false.
set -euo pipefail
declare -A changed=()
services=()
while read -r service _; do
  if [ -n "$service" ] && [ -z "${changed[$service]+set}" ]; then
    changed[$service]=false
    services+=("$service")
  fi
done <<<"$WATCH"

# Whether a file under a pathspec differs between BEFORE and AFTER (git's own errors fail).
differs() {
  local status=0
  git diff --quiet --no-renames "$BEFORE" "$AFTER" -- "$1" || status=$?
  case "$status" in
    0) return 1 ;;
    1) return 0 ;;
    *) echo "::error::git diff failed on $1 (status $status)"; exit "$status" ;;
  esac
}

everything=""
if [ "$EVENT" = workflow_dispatch ]; then
  everything="the run was started by hand"
elif [[ -z $BEFORE || $BEFORE =~ ^0+$ ]]; then
  everything="there is no previous commit to compare with"
elif ! git cat-file -e "$BEFORE^{commit}" 2>/dev/null; then
  everything="the previous commit $BEFORE is not in the history (a force push?)"
else
  while read -r pathspec; do
    if [ -n "$pathspec" ] && differs "$pathspec"; then
      everything="$pathspec changed"
      break
    fi
  done <<<"$EVERYTHING"
fi

if [ -n "$everything" ]; then
  echo "Every service counts as changed: $everything."
  for service in "${services[@]}"; do
    changed[$service]=true
  done
else
  echo "Comparing $BEFORE with $AFTER."
  while read -r service pathspec; do
    if [ -n "$service" ] && [ "${changed[$service]}" = false ] && differs "$pathspec"; then
      changed[$service]=true
      echo "$service: $pathspec changed"
    fi
  done <<<"$WATCH"
  # DEPENDS holds transitive dependencies, so one pass over what the files changed suffices.
  declare -A by_files=()
  for service in "${services[@]}"; do
    by_files[$service]="${changed[$service]}"
  done
  while read -r service dependency; do
    if [ -n "$service" ] && [ "${changed[$service]:-}" = false ] && [ "${by_files[$dependency]:-false}" = true ]; then
      changed[$service]=true
      echo "$service: depends on $dependency, which changed"
    fi
  done <<<"$DEPENDS"
fi

any=false
for service in "${services[@]}"; do
  echo "changed_${service//-/_}=${changed[$service]}" >> "$GITHUB_OUTPUT"
  if [ "${changed[$service]}" = true ]; then
    any=true
  else
    echo "$service: unchanged, not built or deployed"
  fi
done
echo "any=$any" >> "$GITHUB_OUTPUT"
