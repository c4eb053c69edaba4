// Synthesizes every example into dist/<example>/ (run through `cdk8s synth`, which empties dist/ first), then, in the
// same process, copies each example's diagram into the README (scripts/readme-diagrams.ts) when the output is this
// repository's dist/ folder.
import * as fs from 'fs';
import * as path from 'path';
import { withDiagrams } from '../scripts/readme-diagrams';
import { EXAMPLES, writeExample } from './index';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
for (const name of Object.keys(EXAMPLES)) writeExample(name, outdir);

const root = path.join(__dirname, '..');
if (path.resolve(outdir) === path.join(root, 'dist')) {
  const readme = path.join(root, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const updated = withDiagrams(text, path.join(root, 'dist'));
  if (updated !== text) fs.writeFileSync(readme, updated);
}
