// API.md is generated from lib/index.ts by scripts/api-docs.sh (`npm run docs`); this test regenerates it into a
// temporary directory and fails when the committed file differs, so the reference cannot drift from the code.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir } from './support/scratch';

const root = path.resolve(__dirname, '..');

/** The first line where `a` and `b` differ, both sides shown, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) {
      return `first difference at line ${i + 1}:\n  committed: ${JSON.stringify(al[i])}\n  generated: ${JSON.stringify(bl[i])}`;
    }
  }
  return 'no line differs';
}

describe('API.md', () => {
  let generated: string;
  let tmp: string;

  beforeAll(() => {
    tmp = scratchDir('api-docs-');
    const out = path.join(tmp, 'API.md');
    try {
      execFileSync('bash', [path.join(root, 'scripts', 'api-docs.sh'), out], { cwd: root, stdio: 'pipe', timeout: 60_000 });
    } catch (e) {
      const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
      throw new Error(`scripts/api-docs.sh failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
    generated = fs.readFileSync(out, 'utf8');
  }, 60_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the committed API.md is what `npm run docs` generates from the code', () => {
    const committedPath = path.join(root, 'API.md');
    if (!fs.existsSync(committedPath)) throw new Error('API.md is missing: run `npm run docs` and commit API.md');
    const committed = fs.readFileSync(committedPath, 'utf8');
    if (committed !== generated) {
      throw new Error(`API.md is out of date with lib/: run \`npm run docs\` and commit API.md\n${firstDifference(committed, generated)}`);
    }
  });

  test('documents the public entry points and nothing internal or machine-specific', () => {
    for (const name of ['RegistryModule', 'RegistryMode', 'RegistryModuleProps']) {
      expect(generated).toMatch(new RegExp(`^#+ ${name}$`, 'm'));
    }
    // `_`-prefixed members are internal (and must carry @internal so TypeDoc drops them); markdown escapes `_` as `\_`.
    expect(generated).not.toMatch(/^#+ (\\_|_)/m);
    expect(generated).not.toMatch(/\*\*(\\_|_)\w+\*\*/);
    // Nothing that changes with the machine or the commit.
    expect(generated).not.toContain(root);
    expect(generated).not.toContain(tmp);
    expect(generated).not.toMatch(/\/blob\/[0-9a-f]{7,40}\//);
    expect(generated).not.toMatch(/Generated (by|using) \[?TypeDoc/i);
  });
});
