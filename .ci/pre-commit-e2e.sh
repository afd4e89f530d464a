#!/usr/bin/env bash
# End-to-end check of Slipway's pre-commit hooks with the real `pre-commit` tool (PyPI):
# in a scratch git repository, a spec with an error must block the commit, stale generated
# output must block the commit, and fixing both must let the commit through.
#
# The hooks' own speed is measured too: once built, a full run over the example must take well
# under a second.
#
# Usage: .ci/pre-commit-e2e.sh [path/to/slipway]   (default: target/debug/slipway)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$(cd "$(dirname "${1:-$repo/target/debug/slipway}")" && pwd)/$(basename "${1:-slipway}")"
[ -x "$binary" ] || { echo "no slipway binary at $binary (run cargo build)"; exit 2; }

venv="${SLIPWAY_PRECOMMIT_VENV:-$HOME/.cache/slipway-pre-commit-venv}"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==4.2.0"
fi
export PATH="$venv/bin:$PATH"
export PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$HOME/.cache/slipway-pre-commit-home}"

work="$(mktemp -d)"
logs="$(mktemp -d)"   # outside the scratch repository, so pre-commit's stash never touches it
trap 'rm -rf "$work" "$logs"' EXIT
cd "$work"
git init --quiet
git config user.email ci@example.invalid
git config user.name "Slipway CI"

# The hooks as a consuming repository configures them, with `language: system` pointing at
# the built binary (the published hooks use `language: rust`, which builds from source).
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: local
    hooks:
      - id: slipway-check
        name: slipway check
        entry: $binary check --dirs
        language: system
        files: \.slip$
        require_serial: true
      - id: slipway-fmt
        name: slipway fmt
        entry: $binary fmt --check
        language: system
        files: \.slip$
      - id: slipway-drift
        name: slipway drift
        entry: $binary compile spec --out deploy --check --diff
        language: system
        pass_filenames: false
        files: \.(slip|ya?ml|slipway-manifest)$
YAML
pre-commit install --install-hooks >/dev/null

mkdir spec
cp "$repo"/examples/delivery-matrix/*.slip spec/
"$binary" compile spec --out deploy --quiet
git add -A
git commit --quiet -m "good spec and its output"
echo "ok: a good spec with fresh output commits"

expect_blocked() {
  local what="$1"
  if git commit --quiet -m "$what" >"$logs/commit.log" 2>&1; then
    cat "$logs/commit.log"; echo "FAIL: the commit with $what went through"; exit 1
  fi
  echo "ok: $what blocks the commit"
}

sed -i 's/replicas = 3/replicas = many/' spec/services.slip
git add spec
expect_blocked "a spec error"
grep -q "SW0204" "$logs/commit.log" || { cat "$logs/commit.log"; echo "FAIL: diagnostic not shown"; exit 1; }

sed -i 's/replicas = many/replicas = 4/' spec/services.slip
git add spec
expect_blocked "stale generated output"
grep -q "differs: " "$logs/commit.log" || { cat "$logs/commit.log"; echo "FAIL: stale files not listed"; exit 1; }

"$binary" compile spec --out deploy --quiet
git add -A
git commit --quiet -m "regenerated"
echo "ok: after fixing both, the commit goes through"

sed -i 's/^  replicas = 4/  replicas =    4/' spec/services.slip
git add spec
expect_blocked "an unformatted spec"
grep -q "would reformat" "$logs/commit.log" || { cat "$logs/commit.log"; echo "FAIL: unformatted file not named"; exit 1; }
sed -i 's/^  replicas =    4/  replicas = 4/' spec/services.slip
git add spec

first="$(grep -v '^#' deploy/.slipway-manifest | head -1)"
echo "# hand edit" >> "deploy/$first"
git add -A
expect_blocked "a hand-edited generated file"
git checkout --quiet HEAD -- deploy
started=$(date +%s%N)
pre-commit run --all-files >/dev/null
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "a full hook run over the example took ${elapsed_ms} ms"
echo "pre-commit e2e: all cases passed"
