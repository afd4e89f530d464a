# The verification step of a deploy job (src/emit/github/provenance.rs): before anything is
# applied, every image the job pins must carry a SLSA v1 provenance attestation signed by this
# workflow (same file, same ref, same commit) in this run; otherwise nothing is deployed.
set -euo pipefail
identity="$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF"
run="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/"
verify() {
  local reference="$1" attestations
  if ! attestations="$(cosign verify-attestation --type https://slsa.dev/provenance/v1 \
    --certificate-identity "$identity" \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com \
    --certificate-github-workflow-repository "$GITHUB_REPOSITORY" \
    --certificate-github-workflow-sha "$GITHUB_SHA" \
    "$reference")"; then
    echo "::error::$reference: no provenance signed by $identity at $GITHUB_SHA; nothing is deployed"
    exit 1
  fi
  if ! jq --exit-status --slurp --arg run "$run" \
    'any(.[]; .payload | @base64d | fromjson | .predicate.runDetails.metadata.invocationId | startswith($run))' \
    <<<"$attestations" >/dev/null; then
    echo "::error::$reference: its provenance names another run than $run; nothing is deployed"
    exit 1
  fi
  echo "$reference: built by $identity in $run"
}
