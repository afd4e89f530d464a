# The audit step of a deploy job (src/emit/github/audit.rs): the record in the job summary
# and on the Deployments. Never fails the job.
set -u
when="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
run="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
query='[.[] | select(any(.environments[]; .name == env.GATE)) | "\(.user.login) (\(.state))"] | join(", ")'
if ! approved="$(gh api "repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/approvals" --jq "$query" 2>/dev/null)"; then
  approved="(not readable)"
  echo "::warning::the approvals of this run could not be read from GitHub's API"
fi
approved="${approved:-no review required}"
images="$(kubectl -n "$NAMESPACE" get deployments -l "$SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}{"="}{.spec.template.spec.containers[0].image}{"\n"}{end}' 2>/dev/null || true)"
{
  echo "### Deployment record: $ENVIRONMENT"
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| GitHub environment | $GATE |"
  echo "| result | $RESULT |"
  echo "| commit | $GITHUB_SHA |"
  echo "| triggered by | $GITHUB_ACTOR |"
  echo "| approved by | $approved |"
  echo "| at | $when |"
  echo "| run | $run |"
  echo
  echo "Deployments and the images they run:"
  echo
  printf '%s\n' "${images:-(none readable)}" | sed 's/^/    /'
} >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
if ! kubectl -n "$NAMESPACE" annotate deployments -l "$SELECTOR" --overwrite \
  "slipway.dev/last-run=$run" \
  "slipway.dev/last-commit=$GITHUB_SHA" \
  "slipway.dev/last-result=$RESULT" \
  "slipway.dev/last-triggered-by=$GITHUB_ACTOR" \
  "slipway.dev/last-approved-by=$approved" \
  "slipway.dev/last-deployed-at=$when" >/dev/null 2>&1; then
  echo "::warning::the Deployments of $NAMESPACE could not be annotated with this record"
fi
