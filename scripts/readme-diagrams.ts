// Copies each example's generated Mermaid diagram (dist/<example>/expected/DIAGRAM.md, or the diagram in PLAN.md) into the
// README between `<!-- diagram:<example> -->` and `<!-- /diagram -->`. Run after `npm run synth`; a test fails when
// the README is behind.
import * as fs from 'fs';
import * as path from 'path';

export function diagramFor(dist: string, example: string): string {
  const diagram = path.join(dist, example, 'expected', 'DIAGRAM.md');
  if (fs.existsSync(diagram)) return fs.readFileSync(diagram, 'utf8');
  const plan = fs.readFileSync(path.join(dist, example, 'PLAN.md'), 'utf8');
  const m = plan.match(/```mermaid\n[\s\S]*?```\n/);
  if (!m) throw new Error(`${example}: no diagram in PLAN.md`);
  return m[0];
}

export function withDiagrams(readme: string, dist: string): string {
  return readme.replace(/<!-- diagram:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/diagram -->/g,
    (_all, example: string) => `<!-- diagram:${example} -->\n${diagramFor(dist, example)}<!-- /diagram -->`);
}

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const file = path.join(root, 'README.md');
  fs.writeFileSync(file, withDiagrams(fs.readFileSync(file, 'utf8'), path.join(root, 'dist')));
}
