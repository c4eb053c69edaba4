// Renders every Mermaid diagram to SVG with @mermaid-js/mermaid-cli in Debian's chromium (one browser for all):
//   - dist/<example>/expected/DIAGRAM.md, or the diagram in dist/<example>/PLAN.md  -> docs/diagrams/<example>.svg
//   - docs/diagrams/<name>.mmd (hand-written diagrams)                     -> docs/diagrams/<name>.svg
// The SVGs live in docs/diagrams/ rather than beside DIAGRAM.md because `cdk8s synth` empties dist/ on every run;
// the README shows them. Output is deterministic (mermaid deterministicIds, a fixed seed and svg id per diagram).
//
//   node scripts/render-diagrams.mjs           write the SVGs (and remove SVGs without a source)
//   node scripts/render-diagrams.mjs --check   exit 1 when a committed SVG is stale, missing or orphaned
//
// The browser: scripts/puppeteer-config.json (the file `mmdc -p` takes), or PUPPETEER_EXECUTABLE_PATH. Puppeteer's
// own browser download is never used (package.json: puppeteer.skipDownload, allowScripts).
import { readFileSync, readdirSync, existsSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer';
import { renderMermaid } from '@mermaid-js/mermaid-cli';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'diagrams');
const check = process.argv.includes('--check');

/** name -> Mermaid source */
function sources() {
  const found = new Map();
  const dist = join(root, 'dist');
  for (const example of readdirSync(dist).sort()) {
    for (const file of ['expected/DIAGRAM.md', 'PLAN.md']) {
      const p = join(dist, example, file);
      if (!existsSync(p)) continue;
      const m = readFileSync(p, 'utf8').match(/```mermaid\n([\s\S]*?)```/);
      if (m) { found.set(example, m[1]); break; }
    }
  }
  for (const f of readdirSync(out).filter((f) => f.endsWith('.mmd')).sort()) found.set(f.slice(0, -'.mmd'.length), readFileSync(join(out, f), 'utf8'));
  return found;
}

const config = JSON.parse(readFileSync(join(root, 'scripts', 'puppeteer-config.json'), 'utf8'));
if (process.env.PUPPETEER_EXECUTABLE_PATH) config.executablePath = process.env.PUPPETEER_EXECUTABLE_PATH;
if (!existsSync(config.executablePath)) {
  process.stderr.write(`render-diagrams: ${config.executablePath} not found (apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH)\n`);
  process.exit(2);
}

mkdirSync(out, { recursive: true });
const wanted = sources();
const browser = await puppeteer.launch(config);
const problems = [];
try {
  for (const [name, definition] of wanted) {
    const { data } = await renderMermaid(browser, definition, 'svg', {
      backgroundColor: 'white',
      svgId: `diagram-${name}`,
      mermaidConfig: { theme: 'default', deterministicIds: true, deterministicIDSeed: name, handDrawnSeed: 1, flowchart: { htmlLabels: false } },
    });
    const svg = `${Buffer.from(data).toString('utf8').trimEnd()}\n`;
    const file = join(out, `${name}.svg`);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === svg) continue;
    if (check) problems.push(`${current === undefined ? 'missing' : 'stale'}: docs/diagrams/${name}.svg`);
    else { writeFileSync(file, svg); process.stdout.write(`wrote docs/diagrams/${name}.svg\n`); }
  }
} finally {
  await browser.close();
}
for (const f of readdirSync(out).filter((f) => f.endsWith('.svg'))) {
  if (wanted.has(f.slice(0, -'.svg'.length))) continue;
  if (check) problems.push(`orphaned (no source): docs/diagrams/${f}`);
  else rmSync(join(out, f));
}
if (problems.length > 0) {
  process.stderr.write(`render-diagrams: ${problems.join('\n  ')}\nrun \`npm run diagrams\` and commit docs/diagrams/\n`);
  process.exit(1);
}
if (check) process.stdout.write(`render-diagrams: ${wanted.size} SVGs are current\n`);
