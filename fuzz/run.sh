#!/usr/bin/env bash
# Runs one fuzz target on the stable toolchain for a while: fuzz/run.sh TARGET SECONDS.
#
# cargo-fuzz needs nightly only for sanitizers; `--sanitizer none` keeps libFuzzer's
# coverage guidance (sancov flags are stable) and works with the stable toolchain. Safe Rust
# needs no AddressSanitizer; overflow checks and debug assertions stay on (fuzz/Cargo.toml).
# One job only (-jobs is left at its default of one process). The corpus lives in
# fuzz/corpus/TARGET (seed it with fuzz/seed.sh); crashes land in fuzz/artifacts/TARGET.
# FUZZ_CORPUS and FUZZ_ARTIFACTS move both (to fuzz a copy of the tree with the same corpus).
set -euo pipefail

fuzz="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:?usage: fuzz/run.sh TARGET SECONDS}"
seconds="${2:-300}"
corpus="${FUZZ_CORPUS:-$fuzz/corpus}/$target"
artifacts="${FUZZ_ARTIFACTS:-$fuzz/artifacts}/$target"
mkdir -p "$corpus" "$artifacts"
[ -n "$(ls -A "$corpus")" ] || "$fuzz/seed.sh" "$target"
cd "$fuzz"
exec cargo fuzz run --sanitizer none "$target" "$corpus" -- \
  -max_total_time="$seconds" -max_len=16384 -timeout=5 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/"
