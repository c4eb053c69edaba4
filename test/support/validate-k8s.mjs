// Validates Kubernetes objects (a JSON array on stdin) with an independent validator: the `kubernetes-models`
// package (its bundled Kubernetes OpenAPI schemas, checked with ajv). Custom resources are validated against the
// openAPIV3Schema of the CRD files given as arguments. Prints a JSON array of { object, error } per object.
// ESM because kubernetes-models is ESM-only; run with `node test/support/validate-k8s.mjs [crd.yaml ...] < objects.json`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const Ajv = require('ajv');

const objects = JSON.parse(readFileSync(0, 'utf8'));
const crdValidators = new Map();
const ajv = new Ajv({ allErrors: true, strict: false });
for (const file of process.argv.slice(2)) {
  for (const doc of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS();
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions) {
      const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      crdValidators.set(key, ajv.compile(stripK8sExtensions(v.schema.openAPIV3Schema)));
    }
  }
}

function stripK8sExtensions(schema) {
  if (Array.isArray(schema)) return schema.map(stripK8sExtensions);
  if (schema && typeof schema === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(schema)) if (!k.startsWith('x-')) out[k] = stripK8sExtensions(v);
    return out;
  }
  return schema;
}

const results = [];
for (const obj of objects) {
  const id = `${obj.apiVersion} ${obj.kind} ${obj.metadata?.namespace ?? '-'}/${obj.metadata?.name}`;
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const crd = crdValidators.get(`${group}/${version}/${obj.kind}`);
  try {
    if (crd) {
      if (!crd(obj)) throw new Error(ajv.errorsText(crd.errors));
    } else {
      const mod = await import(group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`);
      const Model = mod[obj.kind];
      if (!Model) throw new Error(`no schema for kind ${obj.kind} in ${obj.apiVersion}`);
      new Model(obj).validate();
    }
    results.push({ object: id, error: null });
  } catch (e) {
    results.push({ object: id, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results));
