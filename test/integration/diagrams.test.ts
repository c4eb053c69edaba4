// Every Mermaid diagram renders with @mermaid-js/mermaid-cli in Debian's chromium, and the SVGs committed in
// docs/diagrams/ are exactly what it renders now (deterministic ids and seeds): `npm run diagrams` refreshes them.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'puppeteer-config.json'), 'utf8'));
const browser: string = process.env.PUPPETEER_EXECUTABLE_PATH ?? config.executablePath;
const why = fs.existsSync(browser) ? undefined : `${browser} not installed (apt-get install chromium)`;

if (why !== undefined && process.env.CI) {
  test('diagram rendering prerequisites (required in CI)', () => {
    throw new Error(`the diagram SVG test cannot run: ${why}; .ci/run installs chromium`);
  });
} else if (why !== undefined) {
  test.skip(`committed SVGs match a fresh mermaid-cli render (skipped: ${why})`, () => undefined);
} else {
  test('committed SVGs match a fresh mermaid-cli render (run `npm run diagrams` after changing a diagram)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'render-diagrams.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(`${r.stdout}${r.stderr}`).toMatch(/render-diagrams: \d+ SVGs are current/);
    expect(r.status).toBe(0);
  }, 180_000);
}

test('every example and hand-written diagram has its SVG, and the README shows each SVG it names', () => {
  const svgs = fs.readdirSync(path.join(ROOT, 'docs', 'diagrams')).filter((f) => f.endsWith('.svg')).sort();
  const examples = fs.readdirSync(path.join(ROOT, 'dist')).map((e) => `${e}.svg`);
  const handWritten = fs.readdirSync(path.join(ROOT, 'docs', 'diagrams')).filter((f) => f.endsWith('.mmd')).map((f) => f.replace(/\.mmd$/, '.svg'));
  expect(svgs).toEqual([...examples, ...handWritten].sort());
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/\]\((docs\/diagrams\/[^)]+\.svg)\)/g)) expect(fs.existsSync(path.join(ROOT, m[1]))).toBe(true);
  expect(readme).toContain('](docs/diagrams/node-files.svg)');
});
