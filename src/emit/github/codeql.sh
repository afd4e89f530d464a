# The gate step of a `codeql-<language>` job (src/emit/github/quality.rs): CodeQL has uploaded
# its alerts to code scanning; this fails the job, and so the image build that needs it, when
# any alert's security severity reaches the spec's threshold.
set -euo pipefail
shopt -s nullglob
reports=("$RESULTS"/*.sarif)
if [ "${#reports[@]}" -eq 0 ]; then
  echo "::error::CodeQL wrote no results under $RESULTS; the build stops"
  exit 1
fi
findings="$(jq -r --argjson minimum "$MINIMUM_SCORE" '
  .runs[] |
  ([(.tool.driver.rules // [])[], ((.tool.extensions // [])[] | (.rules // [])[])]
    | map({key: .id, value: ((.properties["security-severity"] // "0") | tonumber)})
    | from_entries) as $scores |
  .results[] |
  select(($scores[.ruleId] // 0) >= $minimum) |
  "\(.ruleId) (\($scores[.ruleId])): \(.locations[0].physicalLocation.artifactLocation.uri // "?"):\(.locations[0].physicalLocation.region.startLine // 0)"
' "${reports[@]}")"
if [ -n "$findings" ]; then
  echo "::error::CodeQL found alerts of security severity $FAIL_ON or higher; the build stops"
  printf '%s\n' "$findings"
  exit 1
fi
echo "CodeQL found no alert of security severity $FAIL_ON or higher"
