#!/usr/bin/env bash
# End-to-end check of Slipway's pre-commit hooks with the real `pre-commit` tool (PyPI):
# in a scratch git repository, a spec with an error must block the commit (its diagnostics
# shown once, not again by the drift hook), stale generated output must block the commit, and
# fixing both must let the commit through.
#
# The hooks are this checkout's `.pre-commit-hooks.yaml`, used as a consuming repository uses
# it (`repo:` and `rev:`), with the `language: system` ids and the binary on PATH. The
# `language: rust` ids build the crate from source (minutes), so they are not run here; the
# script checks that each `-system` hook runs exactly what its `language: rust` twin runs.
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
export PATH="$(dirname "$binary"):$venv/bin:$PATH"
export PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$HOME/.cache/slipway-pre-commit-home}"
[ "$(command -v slipway)" = "$binary" ] || { echo "FAIL: slipway on PATH is not $binary"; exit 1; }

"$venv/bin/python" - "$repo/.pre-commit-hooks.yaml" <<'PY'
import sys, yaml
hooks = {hook["id"]: hook for hook in yaml.safe_load(open(sys.argv[1]))}
for name in ("slipway-check", "slipway-fmt", "slipway-drift"):
    rust, system = hooks[name], hooks[name + "-system"]
    assert rust["language"] == "rust" and system["language"] == "system", name
    for key in ("entry", "files", "pass_filenames", "require_serial"):
        assert rust.get(key) == system.get(key), f"{name}: {key} differs"
print("ok: each -system hook runs what its language: rust twin runs")
PY

work="$(mktemp -d)"
logs="$(mktemp -d)"   # outside the scratch repository, so pre-commit's stash never touches it
hooks="$(mktemp -d)"
trap 'rm -rf "$work" "$logs" "$hooks"' EXIT

# The hooks repository: this checkout's hook definitions, committed (uncommitted edits to
# them are tested too).
git -C "$hooks" init --quiet
cp "$repo/.pre-commit-hooks.yaml" "$hooks/"
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" -c user.email=ci@example.invalid -c user.name="Slipway CI" commit --quiet -m hooks
hooks_rev="$(git -C "$hooks" rev-parse HEAD)"

cd "$work"
git init --quiet
git config user.email ci@example.invalid
git config user.name "Slipway CI"

# The hooks as a consuming repository that installed the binary configures them.
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hooks
    rev: $hooks_rev
    hooks:
      - id: slipway-check-system
      - id: slipway-fmt-system
      - id: slipway-drift-system
        args: [spec, --out, deploy]
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
shown="$(grep -c "SW0204" "$logs/commit.log")"
[ "$shown" -eq 1 ] || { cat "$logs/commit.log"; echo "FAIL: the diagnostic was shown $shown times"; exit 1; }
grep -q "the spec has errors (1 error, 0 warnings): fix them first" "$logs/commit.log" \
  || { cat "$logs/commit.log"; echo "FAIL: the drift hook does not say to fix the errors first"; exit 1; }
echo "ok: the diagnostic is shown once; the drift hook only says to fix it first"

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

first="$(grep -v '^#' deploy/.slipway-manifest | head -1 | cut -f1)"
echo "# hand edit" >> "deploy/$first"
git add -A
expect_blocked "a hand-edited generated file"
git checkout --quiet HEAD -- deploy
started=$(date +%s%N)
pre-commit run --all-files >/dev/null
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "a full hook run over the example took ${elapsed_ms} ms"
echo "pre-commit e2e: all cases passed"
