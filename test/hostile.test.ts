// Hostile strings in every free-text field (issue #6 §2). The validators accept any non-empty credential without
// control characters or line separators, so quotes, `$()`, backticks, backslashes, YAML and TOML syntax, words YAML
// resolvers read as numbers or booleans, unicode and values of a few KB must come out inert: every TOML and YAML document reads back to exactly the value given, nothing else in the
// output changes, and the node scripts run under bash write exactly their bundle's files and nothing else.
//
// The check is differential: each hostile render is compared with a render of the same target with benign
// credentials, after replacing every exact occurrence of a credential (as a value or a map key) by a token and
// every hash (sha256 hex, bcrypt) by a placeholder. A value that was escaped wrongly, truncated or split, or that
// changed the structure around it, leaves a difference. Embedded formats are decoded (Secret data, YAML, JSON,
// TOML, the scripts' base64 payloads); an embedded format the test does not know is compared as text and fails
// closed, which is the cue to teach `decodeData` below about it.
//
// Each property runs once per seed of test/support/fc-seeds.ts: four fixed seeds by default and in CI, all 20 with
// FC_SEED=all, one printed random seed with FC_SEED=random. A seed fixes every choice the generators make; only the
// canary path inside some pieces differs between processes (it is unique per run, so runs cannot see each other's).
import { fakeKubeEnv } from './support/fake-kubectl';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as TOML from '@iarna/toml';
import { App } from 'cdk8s';
import fc from 'fast-check';
import * as YAML from 'yaml';
import { Cri, RegistryMode, RegistryModule, RegistryModuleProps, RegistrySwitch, RegistryValidationError } from '../lib';
import { OWNED_FILES_FILE } from '../lib/render/node-script';
import { toYaml } from '../lib/render/yaml';
import { propertySeeds } from './support/fc-seeds';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';
import { Creds, credsOf, hostileArbitraries } from './support/hostile-input';
import { b64, decodeSecret, parseManifests } from './support/manifests';
import { putLines, runNodeScript, scriptSkeleton } from './support/node-script';
import { nodeScriptsOf, renderModule } from './support/render';
import { scratchDir } from './support/scratch';
import { snapshotTree } from './support/tree';

// Per seed; the seeds are FIXED_SEEDS[0..3] unless FC_SEED says otherwise (test/support/fc-seeds.ts).
const RUNS = Number(process.env.HOSTILE_RUNS ?? 20);
const BASH_RUNS = Number(process.env.HOSTILE_BASH_RUNS ?? 8);
const SEEDS = propertySeeds();
jest.setTimeout(300_000);

const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }];
const REPO = 'registry.example.com:5000/deckhouse/ee';
const HOSTS_ROOT = '/etc/containerd/registry.d';

// A file the shell would create if any value were ever evaluated; checked after every bash run.
const CANARY = path.join(os.tmpdir(), `pwned-${process.pid}-${randomBytes(4).toString('hex')}`);
const CANARY_NAME = path.basename(CANARY);

// ---- generators (test/support/hostile-input.ts, shared with the Go reader's corpus) ----

const { hostile, creds } = hostileArbitraries(CANARY, CANARY_NAME);

// ---- targets: everything that renders credentials ----

interface Target {
  readonly name: string;
  /** Renders, returning the App and the root construct whose scripts and files to check. */
  render(c: Creds): { app: App; root: RegistryModule | RegistrySwitch; files: Record<string, string> };
}

const moduleTarget = (name: string, props: (c: Creds) => RegistryModuleProps): Target => ({
  name,
  render: (c) => {
    const r = renderModule(props(c));
    return { app: r.app, root: r.module, files: r.module.toFiles() };
  },
});

const TARGETS: Target[] = [
  moduleTarget('Direct', (c) => ({ mode: RegistryMode.direct({ imagesRepo: REPO, ...c }), nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI })),
  moduleTarget('configurable Unmanaged', (c) => ({ mode: RegistryMode.unmanaged({ imagesRepo: REPO, ...c }), nodeGroups: GROUPS })),
  {
    name: 'switch configurable Unmanaged -> Direct',
    render: (c) => {
      const app = new App({ outdir: '/nonexistent-outdir-never-written' });
      const sw = new RegistrySwitch(app, 'Switch', {
        from: RegistryMode.unmanaged({ imagesRepo: 'old-registry.example.com/deckhouse/ee', ...c }),
        to: RegistryMode.direct({ imagesRepo: REPO, ...c }),
        nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI,
      });
      return { app, root: sw, files: sw.toFiles() };
    },
  },
];
const BASH_TARGETS = TARGETS.slice(0, 2); // RegistryModule: Direct and configurable Unmanaged

// ---- the normalized view of everything a render produces ----

const SHA256 = /^[0-9a-f]{64}$/;
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

function tokensOf(c: Creds): Map<string, string> {
  const { username, password } = credsOf(c);
  return new Map([
    [username, '<USERNAME>'],
    [password, '<PASSWORD>'],
    [b64(`${username}:${password}`), '<BASIC-AUTH>'],
  ]);
}

function leaf(s: string, tokens: Map<string, string>): string {
  const t = tokens.get(s);
  if (t !== undefined) return t;
  if (SHA256.test(s)) return '<sha256>';
  if (BCRYPT.test(s)) return '<bcrypt>';
  return s;
}

/** Replaces credentials (values and keys) by tokens and hashes by placeholders, recursively. */
function normalize(v: unknown, tokens: Map<string, string>): unknown {
  if (typeof v === 'string') return leaf(v, tokens);
  if (Array.isArray(v)) return v.map((x) => normalize(x, tokens));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[leaf(k, tokens)] = normalize(x, tokens);
    return out;
  }
  return v;
}

/** A document embedded in a Secret or a node file, decoded by its name. */
function decodeData(name: string, text: string): unknown {
  if (name === '.dockerconfigjson') return { json: JSON.parse(text) };
  if (name.endsWith('.yaml') || name === 'config' || name === 'raw_config') return { yaml: YAML.parse(text) };
  if (name.endsWith('.toml')) return { toml: TOML.parse(text) };
  // A node file delivered from a Secret (key f-…, no name): hosts.toml is the one that starts with [host].
  if (/^f-[0-9a-f]+$/.test(name) && text.startsWith('[host]')) return { toml: TOML.parse(text) };
  return text;
}

/** A node script: its code with payloads cut out, and each payload decoded. */
function decodeScript(script: string): unknown {
  return {
    skeleton: scriptSkeleton(script),
    puts: putLines(script).map((p) => ({ path: p.path, mode: p.mode, content: decodeData(path.basename(p.path), p.content) })),
  };
}

/** Manifests as a YAML 1.1 reader (kubectl, sigs.k8s.io/yaml) sees them; cdk8s writes YAML 1.1. */
function manifestsOf(app: App): any[] {
  return parseManifests(app.synthYaml(), { version: '1.1' });
}

type Render = ReturnType<Target['render']>;

/** A manifest with its embedded formats decoded: Secret data, node scripts. */
function decodeObject(o: any): any {
  if (o.kind === 'Secret') {
    const data = decodeSecret(o);
    return { ...o, data: Object.fromEntries(Object.entries(data).map(([k, t]) => [k, decodeData(k, t)])) };
  }
  if (o.kind === 'NodeGroupConfiguration') return { ...o, spec: { ...o.spec, content: decodeScript(o.spec.content) } };
  return o;
}

/** Everything a render produces, with every embedded format decoded (not yet normalized). */
function rawView(r: Render): unknown {
  const objects = manifestsOf(r.app).map(decodeObject);
  const files = Object.fromEntries(Object.entries(r.files).map(([f, t]) => [
    f, f.endsWith('.k8s.yaml') ? parseManifests(t, { version: '1.1' }).map(decodeObject) : decodeData(path.basename(f), t),
  ]));
  return { objects, files };
}

const view = (r: Render, c: Creds) => normalize(rawView(r), tokensOf(c));

/** Every string and key of a view, for telling generated values apart from the document's own words. */
function wordsOf(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => wordsOf(x, out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.add(k); wordsOf(x, out); }
  return out;
}

const BENIGN: Creds[] = [{ license: 'benign-licence-key' }, { username: 'benign-user', password: 'benign-password' }];
const benignOf = (c: Creds) => ('license' in c ? BENIGN[0] : BENIGN[1]);
const reference = new Map<string, unknown>();
const referenceWords = new Set<string>();

beforeAll(() => {
  for (const t of TARGETS) for (const b of BENIGN) {
    const r = t.render(b);
    reference.set(`${t.name}|${'license' in b}`, view(r, b));
    // a generated value equal to a word of the document would be replaced everywhere: such values are skipped
    wordsOf(rawView(r), referenceWords);
  }
});

/** Generated credentials that can be told apart from each other and from the document's own words. */
function distinguishable(c: Creds): boolean {
  const { username, password } = credsOf(c);
  const values = 'license' in c ? [password] : [username, password];
  if (username === password) return false;
  return values.every((v) => !referenceWords.has(v) && !SHA256.test(v) && !BCRYPT.test(v)
    && !BENIGN.some((b) => Object.values(credsOf(b)).includes(v)));
}

afterAll(() => {
  expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(CANARY_NAME))).toEqual([]);
});

describe('hostile credentials render inert', () => {
  test('the reference renders carry each credential where expected (the differential check is not vacuous)', () => {
    for (const t of TARGETS) {
      for (const b of BENIGN) {
        const text = JSON.stringify(reference.get(`${t.name}|${'license' in b}`));
        expect(text).toContain('<PASSWORD>');
        expect(text).toContain('<USERNAME>');
      }
      const text = JSON.stringify(reference.get(`${t.name}|false`));
      expect(text).toContain('<BASIC-AUTH>'); // .dockerconfigjson
    }
  });

  test.each(SEEDS)(`every TOML, YAML and JSON document reads back to the same values (seed %i, ${RUNS} runs over ${TARGETS.map((t) => t.name).join(', ')})`, (seed) => {
    fc.assert(
      fc.property(fc.constantFrom(...TARGETS), creds, (target, c) => {
        fc.pre(distinguishable(c));
        const r = target.render(c);
        const { files } = r;
        const { username, password } = credsOf(c);
        // (a) hosts.toml: the auth table holds exactly the credential, under TOML's own parser
        const hostsFiles = Object.keys(files).filter((f) => f.endsWith('/hosts.toml'));
        expect(hostsFiles.length).toBeGreaterThan(0);
        for (const f of hostsFiles) {
          for (const table of Object.values<any>((TOML.parse(files[f]) as any).host)) {
            if (table.auth !== undefined) expect(table.auth).toEqual({ username, password });
          }
        }
        // (a)+(b) everything else: identical to the benign render up to the credential tokens
        expect(view(r, c)).toEqual(reference.get(`${target.name}|${'license' in benignOf(c)}`));
      }),
      { numRuns: RUNS, seed },
    );
  });

  test.each(SEEDS)(`node scripts under bash write exactly their bundle and nothing else (seed %i, ${BASH_RUNS} runs)`, async (seed) => {
    const work = scratchDir('registry-hostile-');
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...BASH_TARGETS), creds, async (target, c) => {
          const { root } = target.render(c);
          const scripts = nodeScriptsOf(root);
          expect(scripts.length).toBe(GROUPS.length);
          run++;
          await Promise.all(scripts.map(async (s, i) => {
            const nodeRoot = path.join(work, `${run}-${i}-root`);
            const cwd = path.join(work, `${run}-${i}-cwd`);
            fs.mkdirSync(nodeRoot);
            fs.mkdirSync(cwd);
            const result = await runNodeScript(s.script, nodeRoot, { cwd, env: fakeKubeEnv(s.chartObjects) });
            // the only output: the config_path fragment was new, so containerd needs a restart (issue 12, item 12)
            expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({ status: 0, stderr: '', stdout: expect.stringMatching(/^registry node files: \/etc\/containerd\/registry-config-path\.toml changed; restart containerd to apply config_path \(systemctl restart containerd\)\n$/) });

            const tree = snapshotTree(nodeRoot);
            const expected = new Map(s.bundle.files.map((f) => [f.path, f]));
            const hostDirs = [...new Set(s.bundle.files.filter((f) => f.path.startsWith(`${HOSTS_ROOT}/`)).map((f) => f.path.split('/')[4]))].sort();
            const files = [...tree].filter(([, e]) => e.type !== 'dir');
            // The script's own bookkeeping (which host directories and outside files it owns) lists only those.
            const bookkeeping = files.filter(([p]) => p === `${HOSTS_ROOT}/${OWNED_FILES_FILE}`);
            expect(bookkeeping.map(([p]) => p)).toEqual([`${HOSTS_ROOT}/${OWNED_FILES_FILE}`]);
            for (const [, e] of bookkeeping) {
              const lines = (e.content?.toString('utf8') ?? '').split('\n').filter((l) => l !== '');
              expect(lines).toEqual([...expected.keys()].sort());
            }
            expect(hostDirs.length).toBeGreaterThan(0);
            // Apart from that: exactly the bundle's files, byte for byte, with their modes (and owners).
            const written = files.filter(([p]) => !bookkeeping.some(([b]) => b === p));
            expect(written.map(([p]) => p).sort()).toEqual([...expected.keys()].sort());
            for (const [p, e] of written) {
              const want = expected.get(p)!;
              expect(e.type).toBe('file');
              expect(e.content?.equals(Buffer.from(want.content, 'utf8'))).toBe(true);
              expect(e.mode.toString(8)).toBe(want.mode.toString(8));
              if (want.owner !== undefined) expect(e.owner).toBe(want.owner);
            }
            // no directory that is not on the way to one of those files
            for (const [p, e] of tree) if (e.type === 'dir') expect(files.some(([f]) => f.startsWith(`${p}/`))).toBe(true);
            // nothing in the working directory, no canary anywhere
            expect(fs.readdirSync(cwd)).toEqual([]);
            expect(fs.existsSync(CANARY)).toBe(false);
          }));
        }),
        // shrinking re-runs bash: bound it so a failure reports in reasonable time
        { numRuns: BASH_RUNS, seed, interruptAfterTimeLimit: 90_000 },
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    expect(run).toBeGreaterThanOrEqual(BASH_RUNS);
  });
});

describe('values the validators reject', () => {
  const withControl = fc.tuple(hostile, fc.integer({ min: 0, max: 0x1f }).chain((c) => fc.constantFrom(c, 0x7f)), hostile)
    .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`);
  // C1 controls (NEL included), U+2028, U+2029 and the non-characters U+FFFE/U+FFFF: no YAML reader keeps them
  const UNPRINTABLE = [...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), 0x2028, 0x2029, 0xfffe, 0xffff];
  const withUnprintable = fc.tuple(hostile, fc.constantFrom(...UNPRINTABLE), hostile).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`);

  const rejects = (value: string, message: string) => (field: string, section: string) => {
    const options: Record<string, string> = field === 'license' ? { license: value } : { username: 'puller', password: 'pw', [field]: value };
    const make = () => (section === 'direct' ? RegistryMode.direct({ imagesRepo: REPO, ...options }) : RegistryMode.unmanaged({ imagesRepo: REPO, ...options }));
    expect(make).toThrow(new RegExp(`^registry\\.${section}\\.${field}: expected .*${message}`));
    try {
      make();
    } catch (e) {
      expect((e as Error).constructor).toBe(RegistryValidationError);
      expect((e as Error).message).not.toContain(value); // a username is not secret, but a pasted password might be
      expect((e as RegistryValidationError).got).not.toContain(value);
    }
  };

  test.each(SEEDS)('a credential with a control character (newline, tab, NUL, ESC, DEL) is rejected with its field path and without its value (seed %i)', (seed) => {
    fc.assert(
      fc.property(fc.constantFrom('license', 'username', 'password'), withControl, fc.constantFrom('direct', 'unmanaged'), (field, value, section) => {
        rejects(value, 'without control characters')(field, section);
      }),
      { numRuns: 100, seed },
    );
  });

  test.each(SEEDS)('a credential with a C1 control, a line separator (U+0085, U+2028, U+2029) or U+FFFE/U+FFFF is rejected with its field path and without its value (seed %i)', (seed) => {
    fc.assert(
      fc.property(fc.constantFrom('license', 'username', 'password'), withUnprintable, fc.constantFrom('direct', 'unmanaged'), (field, value, section) => {
        rejects(value, 'without C1 control characters, line separators \\(U\\+0085, U\\+2028, U\\+2029\\)')(field, section);
      }),
      { numRuns: 100, seed },
    );
  });

  test('the error names the character and where it is, for a username', () => {
    expect(() => RegistryMode.direct({ imagesRepo: REPO, username: 'pull\u2028er', password: 'pw' }))
      .toThrow('registry.direct.username: expected a registry username without C1 control characters, line separators (U+0085, U+2028, U+2029) or U+FFFE/U+FFFF (YAML readers do not keep them), got a string with U+2028 at character 5');
    expect(() => RegistryMode.direct({ imagesRepo: REPO, license: 'secret\u0085key' }))
      .toThrow(/^registry\.direct\.license: expected .*, got a string of 10 character\(s\) \(value hidden\)$/);
  });
});

describe('YAML dialects', () => {
  // YAML 1.1 readers (PyYAML, the `yaml` package's 1.1 schema) read `yes`/`on`/`y` as booleans, `1_000` and
  // `0b101` as integers, `1:20` as 80, `2001-12-14` as a timestamp and `<<` as a merge key; Go's yaml.v2 and v3 read
  // `0o17`, `017`, `09`, `+12`, `.5` and `1e3` as numbers too. lib/render/yaml.ts quotes all of them (and
  // test/go-reader.test.ts has Go's own readers check it); here the JS reader checks that YAML 1.1 and YAML 1.2
  // agree on every embedded document.
  const AMBIGUOUS = ['yes', 'on', 'y', 'Off', '~', 'null', '1_000', '0b101', '0o17', '0x1F', '017', '09', '+12', '.5', '1e3', '.inf', '1:20', '2001-12-14'];

  const embedded = (c: Creds) => {
    const r = renderModule({ mode: RegistryMode.direct({ imagesRepo: REPO, ...c }), nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI });
    const docs: Array<{ where: string; text: string }> = [];
    for (const o of r.objects.filter((x) => x.kind === 'Secret')) {
      for (const [k, t] of Object.entries(decodeSecret(o))) if (k.endsWith('.yaml') || k === 'config' || k === 'raw_config') docs.push({ where: `${o.metadata.name}/${k}`, text: t });
    }
    return docs;
  };

  test('manifests read the same under YAML 1.1 and YAML 1.2 for YAML-1.1-ambiguous credentials', () => {
    for (const v of AMBIGUOUS) {
      const r = renderModule({ mode: RegistryMode.unmanaged({ imagesRepo: REPO, username: v.includes(':') ? 'puller' : v, password: v }), nodeGroups: GROUPS });
      expect(parseManifests(r.yaml, { version: '1.1' })).toEqual(parseManifests(r.yaml));
    }
  });

  // The ModuleConfig is written by the library's own YAML writer (apply/moduleconfig.yaml), not by cdk8s: a username
  // "0o17" is quoted there, so YAML 1.2 readers (Go's yaml.v2 and v3, so kubectl) read the string too.
  test('a username "0o17" in the applied ModuleConfig reads the same under YAML 1.1 and 1.2', () => {
    const r = renderModule({ mode: RegistryMode.unmanaged({ imagesRepo: REPO, username: '0o17', password: 'pw' }), nodeGroups: GROUPS });
    const text = r.module.moduleConfig.toYaml();
    expect(YAML.parse(text, { version: '1.1' })).toEqual(YAML.parse(text));
    expect(YAML.parse(text).spec.settings.registry.unmanaged.username).toBe('0o17');
  });

  test('embedded YAML documents read the same under YAML 1.1 as under YAML 1.2, the ambiguous value a string', () => {
    for (const v of AMBIGUOUS) {
      for (const c of [{ license: v }, { username: v.includes(':') ? 'puller' : v, password: v }]) {
        for (const d of embedded(c)) {
          const doc = YAML.parse(d.text);
          expect({ where: d.where, value: v, doc: YAML.parse(d.text, { version: '1.1' }) }).toEqual({ where: d.where, value: v, doc });
          if (/config$/.test(d.where)) expect(JSON.stringify(doc)).toContain(JSON.stringify(v)); // as a string
        }
      }
    }
  });

  // The validators refuse these characters in credentials (above); any other string toYaml writes keeps them, as
  // escapes inside double quotes (test/go-reader.test.ts has Go read them back).
  test('toYaml writes line separators (U+2028, U+2029, NEL), C1 controls and BOM as escapes that read back as themselves', () => {
    const specials = ['\u2028', '\u2029', '\u0085', '\u0080', '\u009f', '\ufeff', '\ufffe'];
    for (const ch of specials) {
      const value = { [`k${ch}`]: `a${ch}b${ch}`, list: [ch, `${ch} x`] };
      const text = toYaml(value);
      expect({ ch, raw: [...text].filter((x) => specials.includes(x)) }).toEqual({ ch, raw: [] });
      expect(YAML.parse(text, { version: '1.1' })).toEqual(value);
      expect(YAML.parse(text)).toEqual(value);
    }
  });

  // A username "<<" would become a merge key in auth_config.yaml `users` for a YAML 1.1 reader, and YAML 1.1 output
  // leaves that key plain, so the validator refuses it.
  test('a username "<<" is refused (it would be a YAML merge key in auth_config.yaml)', () => {
    expect(() => embedded({ username: '<<', password: 'pw' })).toThrow(/^registry\.\w+\.username: expected a username other than "<<"/);
  });
});
