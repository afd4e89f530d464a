# The provenance step of the sign job (src/emit/github/provenance.rs): a SLSA v1 build
# provenance predicate for one pushed image, attested with cosign keyless (the job's OIDC
# identity: this workflow, at this ref, in this run).
set -euo pipefail
builder="$GITHUB_SERVER_URL/actions/runner/${RUNNER_ENVIRONMENT:-github-hosted}"
workflow_path="${GITHUB_WORKFLOW_REF#"$GITHUB_REPOSITORY"/}"
workflow_path="${workflow_path%%@*}"
predicate="$RUNNER_TEMP/provenance-$SERVICE.json"
jq --null-input \
  --arg build_type "https://actions.github.io/buildtypes/workflow/v1" \
  --arg repository "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY" \
  --arg ref "$GITHUB_REF" \
  --arg path "$workflow_path" \
  --arg event "$GITHUB_EVENT_NAME" \
  --arg repository_id "$GITHUB_REPOSITORY_ID" \
  --arg owner_id "$GITHUB_REPOSITORY_OWNER_ID" \
  --arg runner "${RUNNER_ENVIRONMENT:-github-hosted}" \
  --arg commit "$GITHUB_SHA" \
  --arg builder "$builder" \
  --arg invocation "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/$GITHUB_RUN_ATTEMPT" \
  '{
    buildDefinition: {
      buildType: $build_type,
      externalParameters: {workflow: {ref: $ref, repository: $repository, path: $path}},
      internalParameters: {github: {event_name: $event, repository_id: $repository_id,
        repository_owner_id: $owner_id, runner_environment: $runner}},
      resolvedDependencies: [{uri: ("git+" + $repository + "@" + $ref), digest: {gitCommit: $commit}}]
    },
    runDetails: {builder: {id: $builder}, metadata: {invocationId: $invocation}}
  }' > "$predicate"
cosign attest --yes --type https://slsa.dev/provenance/v1 --predicate "$predicate" "$IMAGE_REF"
