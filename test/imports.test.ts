// The typed Deckhouse custom resources in imports/ are exactly what `cdk8s import` makes of the CRD files kept in
// imports/crds/ (offline), so nobody edits generated code by hand.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir } from './support/scratch';

test('imports/deckhouse-*.ts are reproducible from imports/crds/ (run `npm run import` after changing a CRD)', () => {
  const root = path.join(__dirname, '..');
  const out = scratchDir('imports-');
  execFileSync('bash', [path.join(root, 'scripts', 'import-crds.sh'), out], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  const generated = fs.readdirSync(out).filter((f) => f.startsWith('deckhouse-')).sort();
  expect(generated).toEqual(['deckhouse-moduleconfig-deckhouse.io.ts', 'deckhouse-nodegroupconfiguration-deckhouse.io.ts']);
  for (const f of generated) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(root, 'imports', f), 'utf8'));
}, 120_000);
