#!/usr/bin/env bash
# Regenerates the typed Deckhouse custom resources in imports/ from the CRD files kept in imports/crds/
# (offline: `cdk8s import` reads local files). Never edit the generated files by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
# The CLI's version check fails offline and prints a stack trace; show output only when the import fails.
for crd in moduleconfig nodegroupconfiguration; do
  if ! out=$(npx cdk8s import "deckhouse-${crd}:=imports/crds/${crd}.yaml" -l typescript -o imports 2>&1); then
    printf '%s\n' "$out" >&2
    exit 1
  fi
done
ls imports/deckhouse-*.ts
