#!/usr/bin/env bash
# Regenerates API.md, the API reference of the public API exported by lib/index.ts, with TypeDoc and
# typedoc-plugin-markdown. Usage: scripts/api-docs.sh [OUTPUT_FILE]   (default: API.md at the repository root)
#
# The output is deterministic: no source links (so no git revision), no generator line, no timestamps, and members
# inherited from external packages (Construct's node/with/toString...) are left out, so the file changes only when the
# public API or its doc comments do. test/api-docs.test.ts regenerates it and fails when the committed API.md differs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/API.md}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$root"
"$root/node_modules/.bin/typedoc" \
  --plugin typedoc-plugin-markdown \
  --tsconfig tsconfig.build.json \
  --entryPoints lib/index.ts \
  --name "@deckhouse-registry/cdk8s" \
  --readme none \
  --router module \
  --entryFileName API.md \
  --hidePageHeader \
  --hideBreadcrumbs \
  --excludeInternal \
  --excludePrivate \
  --excludeExternals \
  --disableSources \
  --disableGit \
  --hideGenerator \
  --logLevel Warn \
  --out "$tmp/out"

files="$(cd "$tmp/out" && find . -type f | sort)"
if [ "$files" != "./API.md" ]; then
  echo "api-docs: expected TypeDoc to write exactly one file API.md, got:" >&2
  echo "$files" >&2
  exit 1
fi

{
  echo '<!-- Generated from lib/index.ts by `npm run docs` (scripts/api-docs.sh); do not edit by hand. -->'
  echo
  cat "$tmp/out/API.md"
} > "$tmp/API.md"
mv "$tmp/API.md" "$out"
echo "api-docs: wrote $out ($(wc -c < "$out") bytes)"
