// Hostile strings in every free-text field (issue #6 §2). The validators accept any non-empty credential without
// control characters, so quotes, `$()`, backticks, backslashes, YAML and TOML syntax, unicode and values of a few
// KB must come out inert: every TOML and YAML document reads back to exactly the value given, nothing else in the
// output changes, and the node scripts run under bash write exactly their bundle's files and nothing else.
//
// The check is differential: each hostile render is compared with a render of the same target with benign
// credentials, after replacing every exact occurrence of a credential (as a value or a map key) by a token and
// every hash (sha256 hex, bcrypt) by a placeholder. A value that was escaped wrongly, truncated or split, or that
// changed the structure around it, leaves a difference. Embedded formats are decoded (Secret data, YAML, JSON,
// TOML, the scripts' base64 payloads); an embedded format the test does not know is compared as text and fails
// closed, which is the cue to teach `decodeData` below about it.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as TOML from '@iarna/toml';
import { App } from 'cdk8s';
import fc from 'fast-check';
import * as YAML from 'yaml';
import { Cri, RegistryMode, RegistryModule, RegistryModuleProps, RegistrySwitch } from '../lib';
import { OWNED_FILES_FILE } from '../lib/render/node-script';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';
import { decodeSecret, nodeScriptsOf, parseDocuments, putLines, renderModule, scriptSkeleton } from './support/render';
import { runScript, scratchDir, snapshotTree } from './support/scratch';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);
const BASH_RUNS = Number(process.env.HOSTILE_BASH_RUNS ?? 25);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
jest.setTimeout(120_000);

const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }];
const REPO = 'registry.example.com:5000/deckhouse/ee';
const CONTROL = /[\u0000-\u001f\u007f]/;
const HOSTS_ROOT = '/etc/containerd/registry.d';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// A file the shell would create if any value were ever evaluated; checked after every bash run.
const CANARY = path.join(os.tmpdir(), `pwned-${process.pid}-${randomBytes(4).toString('hex')}`);
const CANARY_NAME = path.basename(CANARY);

// ---- generators ----

const PIECES = [
  '"', "'", '`', '\\', '\\n', '\\"', "\\'", '\\u0000', '\\x00', '$', '$(', ')', '${', '}', '$((1+1))', '$HOME', '${IFS}',
  `$(touch ${CANARY})`, `\`touch ${CANARY}\``, `'; touch ${CANARY}; '`, `"; touch ${CANARY}; echo "`, `$(touch ${CANARY_NAME})`,
  '|', '&', ';', '&&', '>', '<', '*', '?', '#', '!', '%', '@', '=', '[', ']', '{', '}', ',', ':', ': ', ' #', ' ', '  ',
  '- ', '? ', '&anchor', '*alias', '!!binary', '!tag', '<<', '---', '...', '%YAML 1.1', '"""', "'''", '[host]', 'a = "b"',
  'é', 'ß', 'Ω', '中文', '😀', '👩‍👩‍👧', '\u200b', '\uFEFF', '\u2028', '\u2029', '\u0085', '\u00a0', '\u202e',
  'null', 'true', 'yes', 'on', '~', '0x1F', '0o17', '1e3', '1_000', '.inf', '0', 'a', 'Z', '-', '_', '.', '/', '%s', '%n',
  '{{ .Values.x }}', '<script>', 'EOF', "EOF'", 'password', 'license-token',
];

/** Strips what the validators reject (control characters) and what is not text (lone surrogates). */
const sanitize = (s: string) => s.replace(new RegExp(CONTROL.source, 'g'), '').replace(LONE_SURROGATE, '');

const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...PIECES), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...PIECES), minLength: 300, maxLength: 900 }) }, // a few KB
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PIECES) },
).map(sanitize).filter((s) => s.length > 0);

const hostileUsername = hostile.map((s) => s.replace(/:/g, '')).filter((s) => s.length > 0);

type Creds = { license: string } | { username: string; password: string };
const creds: fc.Arbitrary<Creds> = fc.oneof(
  fc.record({ license: hostile }),
  fc.record({ username: hostileUsername, password: hostile }),
);

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

const credsOf = (c: Creds) => ('license' in c ? { username: 'license-token', password: c.license } : c);

// ---- the normalized view of everything a render produces ----

const SHA256 = /^[0-9a-f]{64}$/;
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

function tokensOf(c: Creds): Map<string, string> {
  const { username, password } = credsOf(c);
  return new Map([
    [username, '<USERNAME>'],
    [password, '<PASSWORD>'],
    [Buffer.from(`${username}:${password}`, 'utf8').toString('base64'), '<BASIC-AUTH>'],
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
  return parseDocuments(app.synthYaml(), { version: '1.1' });
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
    f, f.endsWith('.k8s.yaml') ? parseDocuments(t, { version: '1.1' }).map(decodeObject) : decodeData(path.basename(f), t),
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

  test(`every TOML, YAML and JSON document reads back to the same values (${RUNS} runs over ${TARGETS.map((t) => t.name).join(', ')})`, () => {
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
      { numRuns: RUNS, seed: SEED },
    );
  });

  test(`node scripts under bash write exactly their bundle and nothing else (${BASH_RUNS} runs)`, async () => {
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
            const result = await runScript(s.script, nodeRoot, cwd);
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
        { numRuns: BASH_RUNS, seed: SEED, interruptAfterTimeLimit: 90_000 },
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

  test('a credential with a control character (newline, tab, NUL, ESC, DEL) is rejected with its field path and without its value', () => {
    fc.assert(
      fc.property(fc.constantFrom('license', 'username', 'password'), withControl, fc.constantFrom('direct', 'unmanaged'), (field, value, section) => {
        const options: Record<string, string> = field === 'license' ? { license: value } : { username: 'puller', password: 'pw', [field]: value };
        const make = () => (section === 'direct' ? RegistryMode.direct({ imagesRepo: REPO, ...options }) : RegistryMode.unmanaged({ imagesRepo: REPO, ...options }));
        expect(make).toThrow(new RegExp(`^registry\\.${section}\\.${field}: expected .*without control characters`));
        try {
          make();
        } catch (e) {
          expect((e as Error).constructor).toBe(Error);
          if (field !== 'username') expect((e as Error).message).not.toContain(value);
        }
      }),
      { numRuns: 300, seed: SEED },
    );
  });
});

describe('YAML dialects', () => {
  // Go's gopkg.in/yaml.v2 (docker_auth, distribution) and sigs.k8s.io/yaml resolve plain scalars by YAML 1.1:
  // `yes`/`on`/`y` are booleans, `1_000` and `0b101` integers, `1:20` is 80, `2001-12-14` a timestamp, and `<<` a
  // merge key. cdk8s writes its manifests as YAML 1.1 for that reason; lib/render/yaml.ts writes the embedded
  // documents (bashible `config`, `raw_config`, `distribution_config.yaml`, `auth_config.yaml`) as YAML 1.2, which
  // leaves such values plain.
  const AMBIGUOUS = ['yes', 'on', 'y', '1_000', '0b101', '1:20', '2001-12-14'];

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
      expect(parseDocuments(r.yaml, { version: '1.1' })).toEqual(parseDocuments(r.yaml));
    }
  });

  // lib/render/yaml.ts writes YAML 1.1 (as cdk8s does), which quotes these values.
  test('embedded YAML documents read the same under YAML 1.1 (Go yaml.v2) as under YAML 1.2', () => {
    for (const v of AMBIGUOUS) {
      for (const d of [...embedded({ license: v }), ...embedded({ username: v.includes(':') ? 'puller' : v, password: `${v}-pw` })]) {
        expect({ where: d.where, value: v, doc: YAML.parse(d.text, { version: '1.1' }) }).toEqual({ where: d.where, value: v, doc: YAML.parse(d.text) });
      }
    }
  });

  // A username "<<" would become a merge key in auth_config.yaml `users` for a YAML 1.1 reader, and YAML 1.1 output
  // leaves that key plain, so the validator refuses it.
  test('a username "<<" is refused (it would be a YAML merge key in auth_config.yaml)', () => {
    expect(() => embedded({ username: '<<', password: 'pw' })).toThrow(/^registry\.\w+\.username: expected a username other than "<<"/);
  });
});
