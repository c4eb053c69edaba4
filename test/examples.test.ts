// The committed dist/ equals a fresh synth, and every synthesized object passes an independent schema validator.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLES, writeExample } from '../examples';
import { parseManifests } from './support/manifests';
import { readTree } from './support/tree';
import { scratchDir } from './support/scratch';

const ROOT = path.join(__dirname, '..');
const fresh = scratchDir('registry-dist-');
afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

describe.each(Object.keys(EXAMPLES))('example %s', (name) => {
  beforeAll(() => writeExample(name, fresh));

  test('committed dist/ equals a fresh synth (run `npm run synth` after changing the library)', () => {
    const committed = readTree(path.join(ROOT, 'dist', name));
    const synthesized = readTree(path.join(fresh, name));
    expect(Object.keys(committed)).toEqual(Object.keys(synthesized));
    for (const file of Object.keys(synthesized)) expect(`${file}:\n${committed[file]}`).toBe(`${file}:\n${synthesized[file]}`);
  });

  test('every object validates against the Kubernetes schemas (kubernetes-models) and the CRDs', () => {
    const objects = Object.entries(readTree(path.join(fresh, name)))
      .filter(([file]) => file.endsWith('.k8s.yaml'))
      .flatMap(([, text]) => parseManifests(text));
    expect(objects.length).toBeGreaterThan(0);
    const crds = fs.readdirSync(path.join(ROOT, 'imports', 'crds')).map((f) => path.join(ROOT, 'imports', 'crds', f));
    const out = execFileSync(process.execPath, [path.join(__dirname, 'support', 'validate-k8s.mjs'), ...crds], { input: JSON.stringify(objects) });
    const results = JSON.parse(out.toString());
    expect(results.filter((r: any) => r.error !== null)).toEqual([]);
    expect(results).toHaveLength(objects.length);
  });
});

test('the validator itself rejects a broken object (it can fail)', () => {
  const bad = [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'three', selector: {}, template: {} } }];
  const out = execFileSync(process.execPath, [path.join(__dirname, 'support', 'validate-k8s.mjs')], { input: JSON.stringify(bad) });
  expect(JSON.parse(out.toString())[0].error).toMatch(/replicas must be integer/);
});

test('the README embeds the current diagram of every example it shows (run `npm run synth` to refresh)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { withDiagrams } = require('../scripts/readme-diagrams');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const name of Object.keys(EXAMPLES)) writeExample(name, fresh);
  expect(readme).toMatch(/<!-- diagram:direct-private -->\n```mermaid\nflowchart LR/);
  expect(withDiagrams(readme, fresh)).toBe(readme);
});
