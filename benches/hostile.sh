#!/usr/bin/env bash
# Timings of the hostile-input corpus (tests/cases/hostile): wall time, CPU time and peak
# memory of `slipway check` on every case, slowest first. The test (tests/hostile.rs) asserts
# only what does not depend on the machine's load (exit status, a coded diagnostic, no signal,
# peak memory); how long the cases take is measured here, on a quiet machine.
#
#   benches/hostile.sh            debug build, as the test runs it
#   PROFILE=release benches/hostile.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
profile=()
[ "${PROFILE:-debug}" = release ] && profile=(--release)
SLIPWAY_HOSTILE_TIMES=1 cargo test "${profile[@]}" --quiet --test hostile hostile_cases -- --nocapture 2>&1 \
  | grep -E ' ms wall ' | sort -k1 -n -r
