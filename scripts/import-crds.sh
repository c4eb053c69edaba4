#!/usr/bin/env bash
# Regenerates the typed Deckhouse custom resources from the CRD files kept in imports/crds/ (offline: `cdk8s import`
# reads local files). Never edit the generated files by hand.
#   scripts/import-crds.sh [OUT_DIR]   (default: imports)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-imports}
# The CLI's version check fails offline and prints a stack trace; show output only when the import fails.
for crd in moduleconfig nodegroupconfiguration; do
  if ! log=$(npx cdk8s import "deckhouse-${crd}:=imports/crds/${crd}.yaml" -l typescript -o "$out" 2>&1); then
    printf '%s\n' "$log" >&2
    exit 1
  fi
done
ls "$out"/deckhouse-*.ts
