# The DAST step of a `dast-<env>` job (src/emit/github/dast.rs): OWASP ZAP scans the deployed
# environment, and any alert of the spec's risk or higher fails the job, so the environments
# after this one are not promoted. The reports stay with the run.
set -euo pipefail
report="$RUNNER_TEMP/zap"
mkdir -p "$report"
# ZAP runs as its own user (uid 1000) and writes its reports into the mounted directory.
chmod a+rwx "$report"
status=0
docker run --rm --volume "$report:/zap/wrk:rw" "$ZAP_IMAGE" \
  "$SCAN" -t "$TARGET" -J report.json -r report.html || status=$?
# 0: no alert, 1: an alert ZAP's rules call a failure, 2: warnings only; anything else means
# the scan did not complete, which must not pass for a clean result.
if [ "$status" -gt 2 ] || [ ! -s "$report/report.json" ]; then
  echo "::error::ZAP could not scan $TARGET (exit status $status); the promotion stops"
  exit 1
fi
findings="$(jq -r --argjson minimum "$FAIL_ON" \
  '.site[]?.alerts[]? | select((.riskcode | tonumber) >= $minimum) | "\(.riskdesc): \(.name) (\(.count // "?") instances)"' \
  "$report/report.json")"
if [ -n "$findings" ]; then
  echo "::error::ZAP found alerts of risk $FAIL_ON_NAME or higher on $TARGET; the promotion stops"
  printf '%s\n' "$findings"
  exit 1
fi
echo "ZAP found no alert of risk $FAIL_ON_NAME or higher on $TARGET"
