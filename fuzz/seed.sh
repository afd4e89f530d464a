#!/usr/bin/env bash
# Seeds the fuzz corpora from every `.slip` file in the repository.
#
# Each file becomes one seed of every target. Each example directory is added twice more:
# its files concatenated into one seed (a whole valid spec, so `compile` starts from inputs
# that reach the emitters), and its files joined with NUL bytes (the fuzz crate splits an
# input at NUL into several files, so cross-file checks are reached too). The `lsp` target
# reads a first byte that picks its mode: its seeds are every file behind a 0 byte (opened
# as documents), plus a few framed JSON-RPC streams behind a 1 byte (read as stdin). Seeds
# are named by content hash, so running this again adds nothing twice.
# Usage: fuzz/seed.sh [target...]; FUZZ_CORPUS puts the corpora elsewhere than fuzz/corpus.
set -euo pipefail

fuzz="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$fuzz")"
corpora="${FUZZ_CORPUS:-$fuzz/corpus}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(parse check compile format lsp lexer)
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Every .slip file outside build output and the corpora themselves.
find "$repo" -name '*.slip' -type f \
  -not -path '*/target/*' -not -path "$fuzz/corpus/*" -not -path "$corpora/*" -not -path '*/.git/*' -print0 |
  sort -z | while IFS= read -r -d '' file; do
    cp "$file" "$scratch/file-$(sha1sum < "$file" | cut -c1-16)"
  done

for example in "$repo"/examples/*/; do
  mapfile -d '' specs < <(find "$example" -name '*.slip' -type f -print0 | sort -z)
  [ ${#specs[@]} -gt 0 ] || continue
  name="$(basename "$example")"
  cat "${specs[@]}" > "$scratch/example-$name"
  : > "$scratch/example-$name-files"
  for index in "${!specs[@]}"; do
    [ "$index" -eq 0 ] || printf '\0' >> "$scratch/example-$name-files"
    cat "${specs[$index]}" >> "$scratch/example-$name-files"
  done
done

# Framed JSON-RPC streams for the `lsp` target: open an example, then ask things about it.
mkdir -p "$scratch/lsp"
python3 - "$repo/examples" "$scratch/lsp" <<'PYTHON'
import json, pathlib, sys
examples, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body
for index, path in enumerate(sorted(examples.glob("*/*.slip"))):
    uri = "file:///spec/" + path.name
    at = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 6}}
    messages = [
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "slipway", "version": 1, "text": path.read_text()}}},
        {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": at},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion", "params": at},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/formatting", "params": {
            "textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "service {"}]}},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": uri}}},
    ]
    (out / ("stream-%d" % index)).write_bytes(b"\x01" + b"".join(frame(m) for m in messages))
PYTHON

for target in "${targets[@]}"; do
  mkdir -p "$corpora/$target"
  if [ "$target" = lsp ]; then
    for seed in "$scratch"/*; do
      [ -f "$seed" ] || continue
      name="$corpora/lsp/$(basename "$seed")"
      [ -e "$name" ] || { printf '\0'; cat "$seed"; } > "$name"
    done
    cp -n "$scratch"/lsp/* "$corpora/lsp/"
  else
    find "$scratch" -maxdepth 1 -type f -exec cp -n {} "$corpora/$target/" \;
  fi
  echo "$target: $(ls "$corpora/$target" | wc -l) files in $corpora/$target"
done
