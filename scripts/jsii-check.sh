#!/usr/bin/env bash
# Compiles the public API with jsii, as cdk8s-plus is compiled, so that it stays usable from Python, Java, .NET and
# Go. Usage: scripts/jsii-check.sh [ASSEMBLY_FILE]   (`npm run jsii`; ASSEMBLY_FILE receives a copy of the .jsii)
#
# jsii compiles the whole project directory with a tsconfig of its own, and would bring cli/, test/, examples/ and
# scripts/ in, and write tsconfig.json, .jsii and its output next to them. So it runs on a copy that holds only what
# the package's entry point (`types`: build/lib/index.d.ts -> lib/index.ts) can reach: package.json (its `jsii`
# section), README.md, LICENSE, lib/ and imports/, with node_modules symlinked. Nothing in the checkout changes, and
# `npm run build` (tsc -> build/) is unaffected. Offline: no language package is generated (no jsii-pacmak), which
# would need the languages' toolchains and package registries.
#
# Exit status: jsii's (non-zero on any jsii error); then the classes of the assembly are listed, constructs first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
assembly_out="${1:-}"
case "$assembly_out" in "" | /*) ;; *) assembly_out="$PWD/$assembly_out" ;; esac

if [ ! -x "$root/node_modules/.bin/jsii" ]; then
  echo "jsii-check: node_modules/.bin/jsii is missing: run \`npm ci\`" >&2
  exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/jsii-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

cp "$root/package.json" "$root/README.md" "$root/LICENSE" "$tmp/"
cp -R "$root/lib" "$root/imports" "$tmp/"
# Compiled files a stale in-place build may have left beside the sources would be compiled again or clash.
find "$tmp/lib" "$tmp/imports" \( -name '*.js' -o -name '*.d.ts' \) -delete
ln -s "$root/node_modules" "$tmp/node_modules"

start=$(date +%s)
# jsii warns on every run that Node 20 is past its end of life; CI runs Node 20, 22 and 24.
(cd "$tmp" && JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 "$root/node_modules/.bin/jsii")
echo "jsii-check: jsii $("$root/node_modules/.bin/jsii" --version 2>/dev/null | cut -d' ' -f1) compiled lib/ and imports/ in $(($(date +%s) - start)) s"

if [ -n "$assembly_out" ]; then cp "$tmp/.jsii" "$assembly_out"; fi

# The classes of the assembly; a construct is a class whose base chain reaches constructs.Construct (bases in
# dependencies are read from their own assemblies, gzipped or not).
node - "$tmp/.jsii" "$root/node_modules" <<'EOF'
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const [file, modules] = process.argv.slice(2);
const load = (f) => {
  const a = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (a.schema === 'jsii/file-redirect') {
    const target = path.join(path.dirname(f), a.filename);
    const buf = fs.readFileSync(target);
    return JSON.parse((a.compression === 'gzip' ? zlib.gunzipSync(buf) : buf).toString('utf8'));
  }
  return a;
};
const assembly = load(file);
const types = { ...assembly.types };
const loaded = new Set([assembly.name]);
const typeOf = (fqn) => {
  if (types[fqn] === undefined) {
    // A dependency's type: load its assembly once (the fqn starts with the package name, `@scope/name` included).
    const pkg = fqn.split('.')[0];
    if (!loaded.has(pkg)) {
      loaded.add(pkg);
      const f = path.join(modules, pkg, '.jsii');
      if (fs.existsSync(f)) Object.assign(types, load(f).types);
    }
  }
  return types[fqn];
};
const isConstruct = (fqn) => {
  for (let t = typeOf(fqn); t !== undefined; t = t.base === undefined ? undefined : typeOf(t.base)) {
    if (t.fqn === 'constructs.Construct') return true;
  }
  return false;
};
const own = Object.values(assembly.types).sort((a, b) => a.fqn.localeCompare(b.fqn));
const classes = own.filter((t) => t.kind === 'class');
const constructs = classes.filter((t) => isConstruct(t.fqn));
const count = (kind, pred = () => true) => own.filter((t) => t.kind === kind && pred(t)).length;
console.log(`assembly ${assembly.name}@${assembly.version}: ${own.length} types: ${classes.length} classes `
  + `(${constructs.length} constructs), ${count('interface', (t) => t.datatype === true)} structs, `
  + `${count('interface', (t) => t.datatype !== true)} interfaces, ${count('enum')} enums`);
for (const t of constructs) console.log(`construct ${t.name} (base ${t.base})`);
for (const t of classes.filter((c) => !constructs.includes(c))) console.log(`class ${t.name}${t.base === undefined ? '' : ` (base ${t.base})`}`);
EOF
