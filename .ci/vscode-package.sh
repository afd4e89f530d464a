#!/usr/bin/env bash
# Packs the VS Code extension (editors/vscode) the way it is published, with the real vsce
# (npm), in a scratch copy, and fails on any vsce warning: a missing licence or repository,
# an unbundled client, files that should not be packed. The .vsix is thrown away.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$repo/editors/vscode" "$work/vscode"
cd "$work/vscode"
rm -rf node_modules dist ./*.vsix
npm ci --no-audit --no-fund --loglevel=error >/dev/null
npx --yes @vscode/vsce@3 package --out "$work/slipway.vsix" </dev/null >"$work/vsce.log" 2>&1 \
  || { cat "$work/vsce.log"; echo "FAIL: vsce package failed"; exit 1; }
if grep -q "WARNING" "$work/vsce.log"; then
  cat "$work/vsce.log"; echo "FAIL: vsce package warned"; exit 1
fi
python3 - "$work/slipway.vsix" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "extension/dist/extension.js" in names, "the bundle is not in the package"
assert not any("node_modules/" in name for name in names), "node_modules was packed"
print(f"vsce package: no warnings, {len(names)} entries")
PY
