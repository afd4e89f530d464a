#!/usr/bin/env bash
# A short fuzzing run for CI: every fuzz target in fuzz/ for FUZZ_SMOKE_SECONDS (default 20)
# seconds, from corpora seeded with every .slip file in the repository. It fails on the first
# crash, hang (5 s), or leak of memory past 2 GB, and prints how to reproduce it. The long
# runs, and what they found, are in docs/reliability.md.
#
# cargo-fuzz needs nightly only for sanitizers: `--sanitizer none` (in fuzz/run.sh) keeps
# libFuzzer's coverage guidance on the stable toolchain. cargo-fuzz is installed from
# crates.io when it is missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${FUZZ_SMOKE_SECONDS:-20}"
targets=(parse check compile format lsp lexer)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

# Build once (the fuzz crate is its own workspace, in release with debug assertions).
(cd "$repo/fuzz" && cargo fuzz build --sanitizer none)

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
# Seed a scratch corpus, so CI never grows the one a developer keeps in fuzz/corpus.
FUZZ_CORPUS="$corpus" bash "$repo/fuzz/seed.sh" "${targets[@]}" >/dev/null
for target in "${targets[@]}"; do
  echo "-- fuzz $target for ${seconds}s"
  log="$corpus/$target.log"
  if ! FUZZ_CORPUS="$corpus" FUZZ_ARTIFACTS="$corpus/artifacts" \
      bash "$repo/fuzz/run.sh" "$target" "$seconds" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz target $target failed; the input is in $corpus/artifacts/$target/."
    echo "Reproduce it with: cd fuzz && cargo fuzz run --sanitizer none $target <input>"
    trap - EXIT
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units)' "$log" | tr '\n' ' '
  echo
done
echo "fuzz smoke: no crashes in ${#targets[@]} targets"
