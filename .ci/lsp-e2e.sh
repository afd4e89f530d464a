#!/usr/bin/env bash
# End-to-end test of the language server: builds the debug binary, installs the pinned
# independent client (pytest-lsp from PyPI) into a virtual environment, and runs
# tests/e2e against `target/debug/slipway lsp` over stdio. Exits non-zero on any failure,
# including when pytest collects no tests (its exit status 5).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
venv="${SLIPWAY_LSP_VENV:-$repo/target/lsp-e2e-venv}"

cargo build --locked --quiet
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt

export SLIPWAY_BIN="$repo/target/debug/slipway"
# The server keeps read-only copies of the standard modules in the cache directory (go to
# definition opens them); keep the tests' copies out of the user's cache.
export XDG_CACHE_HOME="$repo/target/lsp-e2e-cache"
status=0
(cd tests/e2e && "$venv/bin/python" -m pytest -q -p no:cacheprovider) || status=$?
if [ "$status" -eq 5 ]; then
  echo "lsp-e2e: pytest collected no tests; tests/e2e is missing or broken" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "lsp-e2e: failed (pytest exit status $status)" >&2
fi
exit "$status"
