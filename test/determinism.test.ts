// Determinism (issue #6 §4): every example synthesizes to the same bytes twice in one process, and in child
// processes with another time zone, locale, working directory, unrelated environment variables, and with every
// input object's keys in reverse order.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLES, writeExample } from '../examples';
import { reverseKeys } from './support/synth-examples';
import { ChildRun, runChild, tsNodeCommand, tsNodeEnv } from './support/child';
import { scratchDir } from './support/scratch';
import { readBytesTree } from './support/tree';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..');
const CHILD = path.join(__dirname, 'support', 'synth-examples.ts');
const work = scratchDir('registry-determinism-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function synthInProcess(dir: string): Record<string, Buffer> {
  for (const name of Object.keys(EXAMPLES)) writeExample(name, dir);
  return readBytesTree(dir);
}

interface Child {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly flags: string[];
}

/** The environment a child gets: only PATH and ts-node's settings survive from ours. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...tsNodeEnv({ PATH: process.env.PATH ?? '/usr/bin:/bin' }), TS_NODE_PREFER_TS_EXTS: 'true', ...extra };
}

function synthInChild(child: Child, outdir: string): Promise<ChildRun> {
  const cwd = scratchDir(`registry-cwd-${child.name}-`);
  return runChild(...tsNodeCommand(CHILD, [outdir, ...child.flags]), { cwd, env: childEnv(child.env), timeout: 50_000 })
    .finally(() => fs.rmSync(cwd, { recursive: true, force: true }));
}

const CHILDREN: Child[] = [
  {
    name: 'env',
    flags: [],
    env: {
      TZ: 'Pacific/Chatham', LANG: 'C', LC_ALL: 'C', HOME: '/nonexistent', USER: 'nobody', CDK8S_OUTDIR: '/nonexistent',
      REGISTRY_NODE_ROOT: '/nonexistent', SOURCE_DATE_EPOCH: '0', [`RANDOM_${randomBytes(3).toString('hex').toUpperCase()}`]: randomBytes(16).toString('hex'),
      [`X_${randomBytes(3).toString('hex').toUpperCase()}`]: '$(touch /tmp/never) "quoted" \\ backslash',
    },
  },
  {
    name: 'reversed-keys',
    flags: ['--reverse-keys'],
    env: { TZ: 'America/St_Johns', LANG: 'tr_TR.UTF-8', LC_CTYPE: 'tr_TR.UTF-8', [`RANDOM_${randomBytes(3).toString('hex').toUpperCase()}`]: 'x' },
  },
];

describe('synthesis is byte-for-byte deterministic', () => {
  let first: Record<string, Buffer>;

  beforeAll(() => {
    first = synthInProcess(path.join(work, 'first'));
  });

  const expectSameTree = (actual: Record<string, Buffer>, label: string) => {
    expect(Object.keys(actual)).toEqual(Object.keys(first));
    const differing = Object.keys(first).filter((f) => !actual[f].equals(first[f]));
    expect({ label, differing }).toEqual({ label, differing: [] });
  };

  test('every example writes output (the comparison is not vacuous)', () => {
    for (const name of Object.keys(EXAMPLES)) expect(Object.keys(first).some((f) => f.startsWith(`/${name}/`))).toBe(true);
    expect(Object.keys(first).some((f) => f.endsWith('.k8s.yaml'))).toBe(true);
    expect(Object.keys(first).some((f) => f.includes('/nodes/'))).toBe(true);
  });

  test('twice in one process (caches warm)', () => {
    expectSameTree(synthInProcess(path.join(work, 'second')), 'second in-process synth');
  });

  test(`in child processes: ${CHILDREN.map((c) => `${c.name} (${c.flags.join(' ') || 'no flags'}; TZ=${c.env.TZ})`).join(', ')}, each with another cwd`, async () => {
    const results = await Promise.all(CHILDREN.map(async (c) => {
      const outdir = path.join(work, `child-${c.name}`);
      return { c, outdir, run: await synthInChild(c, outdir) };
    }));
    for (const { c, outdir, run } of results) {
      expect({ child: c.name, status: run.status, stderr: run.stderr }).toEqual({ child: c.name, status: 0, stderr: '' });
      const report = JSON.parse(run.stdout.trim().split('\n').pop() as string);
      expect(report).toMatchObject({ examples: Object.keys(EXAMPLES), reversed: c.flags.includes('--reverse-keys'), tz: c.env.TZ });
      expect(report.cwd).not.toBe(ROOT);
      if (c.flags.includes('--reverse-keys')) {
        // the examples really went through the reversing hooks
        // (every example builds a RegistryModule or a RegistrySwitch)
        expect((report.calls.RegistryModule ?? 0) + (report.calls.RegistrySwitch ?? 0)).toBeGreaterThanOrEqual(Object.keys(EXAMPLES).length);
        expect(Object.keys(report.calls).filter((k) => k.startsWith('RegistryMode.')).length).toBeGreaterThan(0);
      }
      expectSameTree(readBytesTree(outdir), `child ${c.name}`);
    }
    expect(fs.existsSync('/tmp/never')).toBe(false);
  });
});

test('reverseKeys reverses every plain object and leaves arrays and class instances in place', () => {
  class Box {
    constructor(public readonly a = 1, public readonly b = 2) {}
  }
  const box = new Box();
  const out = reverseKeys({ a: 1, b: { c: [{ d: 1, e: 2 }], f: box }, g: 'x' });
  expect(JSON.stringify(out)).toBe('{"g":"x","b":{"f":{"a":1,"b":2},"c":[{"e":2,"d":1}]},"a":1}');
  expect((out as any).b.f).toBe(box);
});
