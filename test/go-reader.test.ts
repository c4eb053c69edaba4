// An independent reader in CI: every embedded YAML document and every hosts.toml, of every example (dist/) and of
// the hostile-credentials corpus, decoded by Go's own libraries (gopkg.in/yaml.v2 and v3, pelletier/go-toml v1 and
// v2, and bashible-apiserver's way of reading registry-bashible-config), and compared with the value the library
// meant to write. See test/go-reader/main.go.
//
// The program is built from Debian's golang-go and golang-*-dev packages (installed by .ci/run), offline, in GOPATH
// mode, and cached under the OS temp directory by a hash of its source and the Go version. Without Go the tests
// skip with a printed reason, except under CI=true, where a missing Go is a failure.
import { testPkiFor } from '../examples/fixtures/pki';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as TOML from '@iarna/toml';
import { App } from 'cdk8s';
import fc from 'fast-check';
import * as YAML from 'yaml';
import { ClusterType, Cri, DeliveryTarget, RegistryMode, RegistryModuleProps, RegistrySwitch } from '../lib';
import { hostsToml } from '../lib/render/hosts-toml';
import * as yamlModule from '../lib/render/yaml';
import { EXAMPLES, writeExample } from '../examples';
import { propertySeeds } from './support/fc-seeds';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';
import { Creds, hostileArbitraries, hostilePieces } from './support/hostile-input';
import { decodeSecret, manifestDocuments } from './support/manifests';
import { putLines } from './support/node-script';
import { renderModule } from './support/render';
import { readTree } from './support/tree';
import { scratchDir } from './support/scratch';

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..');
const SOURCE = path.join(__dirname, 'go-reader', 'main.go');
const DEBIAN_GOPATH = '/usr/share/gocode';
const CI = process.env.CI === 'true';
/** Renders per seed and target of the hostile corpus. */
const CORPUS_RUNS = Number(process.env.GO_READER_RUNS ?? 8);

// ---- building the reader ----

type Reader = { bin: string; buildMs: number; cached: boolean } | { missing: string };

function prepareReader(): Reader {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    return { missing: 'Go is not installed (`go version` failed): apt-get install golang-go golang-gopkg-yaml.v2-dev golang-gopkg-yaml.v3-dev golang-github-pelletier-go-toml-dev golang-github-pelletier-go-toml.v2-dev' };
  }
  const hash = createHash('sha256').update(fs.readFileSync(SOURCE)).update(version.stdout).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'registry-cdk8s-go-reader');
  const bin = path.join(dir, `go-reader-${hash}`);
  if (fs.existsSync(bin)) return { bin, buildMs: 0, cached: true };
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${bin}.${process.pid}.partial`;
  const started = Date.now();
  const build = spawnSync('go', ['build', '-o', partial, SOURCE], {
    cwd: path.dirname(SOURCE),
    encoding: 'utf8',
    env: {
      ...process.env,
      GO111MODULE: 'off', // GOPATH mode: imports resolve under Debian's /usr/share/gocode/src, no network
      GOPATH: `${DEBIAN_GOPATH}:${path.join(dir, 'gopath')}`,
      GOCACHE: path.join(dir, 'cache'),
      GOFLAGS: '',
      GOPROXY: 'off',
      CGO_ENABLED: '0',
    },
  });
  if (build.status !== 0) {
    return { missing: `the Go reader does not build (are Debian's golang-gopkg-yaml.v2-dev, golang-gopkg-yaml.v3-dev, golang-github-pelletier-go-toml-dev and golang-github-pelletier-go-toml.v2-dev installed?):\n${build.stderr}` };
  }
  fs.renameSync(partial, bin);
  return { bin, buildMs: Date.now() - started, cached: false };
}

interface Case {
  readonly id: string;
  readonly format: 'yaml' | 'toml' | 'bashible';
  readonly text: string;
  readonly expected: unknown;
}

interface Mismatch { id: string; decoder: string; problem: string }

function runReader(bin: string, cases: readonly Case[]): { cases: number; decoders: string[]; mismatches: Mismatch[] } {
  const dir = scratchDir('registry-go-reader-cases-');
  try {
    const file = path.join(dir, 'cases.json');
    fs.writeFileSync(file, JSON.stringify({ cases }));
    const run = spawnSync(bin, [file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`go-reader exited with ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const reader = prepareReader();
if ('missing' in reader) {
  // eslint-disable-next-line no-console
  console.log(`go-reader: ${CI ? 'FAILING (CI=true)' : 'skipping'}: ${reader.missing}`);
} else {
  // eslint-disable-next-line no-console
  console.log(`go-reader: ${reader.cached ? `cached binary ${reader.bin}` : `built ${reader.bin} in ${reader.buildMs} ms`}`);
}
const withReader = 'missing' in reader && !CI ? test.skip : test;

test('the Go reader is available (required when CI=true)', () => {
  if ('missing' in reader && CI) throw new Error(`CI=true and ${reader.missing}`);
});

/** Runs the reader; the mismatches it reports, with the case ids. */
function mismatchesOf(cases: readonly Case[]): Mismatch[] {
  if ('missing' in reader) throw new Error(reader.missing);
  const report = runReader(reader.bin, cases);
  expect(report.cases).toBe(cases.length);
  return report.mismatches;
}

// ---- what the library meant: the value each toYaml call was given ----

/** Runs `fn`, returning the documents toYaml wrote meanwhile: text -> the value it was given (as JSON). */
function captureYaml(fn: () => void): Map<string, unknown> {
  const meant = new Map<string, unknown>();
  const original = yamlModule.toYaml;
  const spy = jest.spyOn(yamlModule, 'toYaml').mockImplementation((value: unknown) => {
    const text = original(value);
    meant.set(text, JSON.parse(JSON.stringify(value)));
    return text;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return meant;
}

const isBashible = (secret: any, key: string) => secret.metadata?.name === 'registry-bashible-config' && key === 'config';

/**
 * The cases of one rendered tree (file name -> text): every document toYaml wrote, wherever it ended up (a node
 * file, a Secret's data, a node script's payload), and every .toml file, with the value meant.
 */
function casesOfTree(where: string, files: Record<string, string>, meant: Map<string, unknown>, withManifests = false): { cases: Case[]; unknown: string[] } {
  const cases: Case[] = [];
  const unknown: string[] = [];
  const found = new Set<string>();
  const add = (id: string, name: string, text: string, bashible = false) => {
    if (meant.has(text)) {
      found.add(text);
      cases.push({ id, format: bashible ? 'bashible' : 'yaml', text, expected: meant.get(text) });
    } else if (name.endsWith('.toml')) {
      cases.push({ id, format: 'toml', text, expected: JSON.parse(JSON.stringify(TOML.parse(text))) });
    } else if (/\.ya?ml$/.test(name) || name === 'config' || name === 'raw_config') {
      unknown.push(id); // YAML that toYaml did not write: the test does not know what it meant
    }
  };
  for (const [file, text] of Object.entries(files)) {
    if (/(^|\/)(moduleconfig|kustomization)\.yaml$/.test(file)) {
      // The applied ModuleConfig (placeholders in block scalars, or inline values) and the kustomization: what the
      // library means is their YAML 1.2 reading, which Go must share.
      cases.push({ id: `${where}/${file}`, format: 'yaml', text, expected: YAML.parse(text) });
      if (meant.has(text)) found.add(text);
      continue;
    }
    if (!file.endsWith('.k8s.yaml')) {
      add(`${where}/${file}`, path.basename(file), text);
      continue;
    }
    const documents = manifestDocuments(text, { version: '1.1' });
    if (withManifests) {
      // the manifests themselves, as kubectl reads them; what cdk8s meant is its own (YAML 1.1) reading
      documents.forEach((doc, i) => cases.push({ id: `${where}/${file} document ${i + 1}`, format: 'yaml', text: doc.source, expected: YAML.parse(doc.source, { version: '1.1' }) }));
    }
    for (const { object: o } of documents) {
      if (o.kind === 'Secret') {
        for (const [k, t] of Object.entries(decodeSecret(o))) add(`${where}/${file} Secret/${o.metadata.name} ${k}`, k, t, isBashible(o, k));
      } else if (o.kind === 'NodeGroupConfiguration') {
        for (const p of putLines(o.spec.content)) add(`${where}/${file} NodeGroupConfiguration/${o.metadata.name} ${p.path}`, path.basename(p.path), p.content);
      }
    }
  }
  // (the ModuleConfig's own toYaml call writes tokens that become placeholders: it is checked as its file above)
  const missing = [...meant.keys()].filter((t) => !found.has(t) && !t.includes('__registry_credential_'));
  if (missing.length > 0) unknown.push(`${where}: ${missing.length} document(s) written by toYaml but not found in the tree`);
  return { cases, unknown };
}

// ---- the corpus: hostile credentials through every renderer of credentials ----

const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }];
const REPO = 'registry.example.com:5000/deckhouse/ee';

/** Files of a render: manifests as cdk8s writes them and the node file trees. */
function renderTree(c: Creds, target: string): Record<string, string> {
  const module = (props: RegistryModuleProps) => {
    const r = renderModule({ target: DeliveryTarget.WITH_MODULE, ...props });
    return { 'registry.k8s.yaml': r.yaml, ...r.module.toFiles() };
  };
  switch (target) {
    case 'Direct':
      return module({ mode: RegistryMode.direct({ imagesRepo: REPO, ...c }), nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI });
    case 'Unmanaged':
      return module({ mode: RegistryMode.unmanaged({ imagesRepo: REPO, ...c }), nodeGroups: GROUPS });
    case 'Proxy':
      return module({
        mode: RegistryMode.proxy({ imagesRepo: REPO, ...c }), clusterType: ClusterType.STATIC, nodeGroups: GROUPS,
        controlPlane: [{ name: 'master-0', address: '10.0.0.10' }], images: EXAMPLE_IMAGES, pki: testPkiFor([{ name: 'master-0', address: '10.0.0.10' }]),
      });
    case 'switch Unmanaged -> Direct': {
      const sw = new RegistrySwitch(new App({ outdir: '/nonexistent-outdir-never-written' }), 'Switch', {
        from: RegistryMode.unmanaged({ imagesRepo: 'old-registry.example.com/deckhouse/ee', ...c }),
        to: RegistryMode.direct({ imagesRepo: REPO, ...c }),
        nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI,
      });
      return sw.toFiles();
    }
  }
  throw new Error(`unknown target ${target}`);
}
const TARGETS = ['Direct', 'Unmanaged', 'Proxy', 'switch Unmanaged -> Direct'];

const canary = path.join(os.tmpdir(), 'pwned-go-reader-never-created');
const { creds } = hostileArbitraries(canary, path.basename(canary));

// ---- the tests ----

describe('Go reads every embedded document as the library meant it', () => {
  withReader('every example (dist/): manifests, embedded YAML (bashible payload the bashible-apiserver way too) and hosts.toml', () => {
    const fresh = scratchDir('registry-go-reader-dist-');
    try {
      const cases: Case[] = [];
      const unknown: string[] = [];
      for (const name of Object.keys(EXAMPLES)) {
        // what the library meant comes from a fresh render; what is read is the committed dist/ (examples.test.ts
        // proves the two equal)
        const meant = captureYaml(() => writeExample(name, fresh));
        const r = casesOfTree(`dist/${name}`, readTree(path.join(ROOT, 'dist', name)), meant, true);
        cases.push(...r.cases);
        unknown.push(...r.unknown);
      }
      expect(unknown).toEqual([]);
      expect(cases.filter((c) => c.format === 'bashible').length).toBeGreaterThan(0);
      expect(cases.filter((c) => c.format === 'toml').length).toBeGreaterThan(0);
      expect(mismatchesOf(cases)).toEqual([]);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  describe.each(propertySeeds())('hostile corpus, seed %i', (seed) => {
    withReader(`${CORPUS_RUNS} credentials through ${TARGETS.join(', ')}`, () => {
      const cases: Case[] = [];
      const unknown: string[] = [];
      fc.sample(creds, { seed, numRuns: CORPUS_RUNS }).forEach((c, i) => {
        for (const target of TARGETS) {
          let files: Record<string, string> = {};
          const meant = captureYaml(() => { files = renderTree(c, target); });
          const r = casesOfTree(`seed ${seed} #${i} ${target}`, files, meant);
          cases.push(...r.cases);
          unknown.push(...r.unknown);
        }
      });
      expect(unknown).toEqual([]);
      expect(mismatchesOf(cases)).toEqual([]);
    });
  });

  // Every piece of the hostile generator and a few thousand number-like strings, alone, as a map key and in a list,
  // through toYaml and through hostsToml as credentials.
  withReader('single scalars: number-like strings of every base and style, reserved words, line separators, C1 controls', () => {
    const numberish = fc.string({ unit: fc.constantFrom(...'0123456789_.:+-eExXoObBaAfFTZ nNiI'.split('')), minLength: 1, maxLength: 8 });
    const strings = [...new Set([
      ...hostilePieces(canary, path.basename(canary)),
      ...SCALARS,
      ...fc.sample(numberish, { seed: 20261130, numRuns: 3000 }),
      ...fc.sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), { seed: 20261130, numRuns: 1000 }),
    ])].filter((s) => !/[\u0000-\u001f\u007f]/.test(s) && !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')));
    const cases: Case[] = [];
    strings.forEach((s, i) => {
      // A key "<<" is a merge key to yaml.v2 and yaml.v3 even when quoted, so no writer can make it a plain key:
      // the validators refuse the one user value that becomes a key (a username "<<").
      const value = s === '<<' ? { password: s, list: [s] } : { password: s, [s]: 'a key', list: [s] };
      const text = yamlModule.toYaml(value);
      cases.push({ id: `toYaml ${JSON.stringify(s)}`, format: 'yaml', text, expected: value });
      // and the JS reader, under both YAML versions
      expect({ s, v11: YAML.parse(text, { version: '1.1' }), v12: YAML.parse(text, { version: '1.2' }) }).toEqual({ s, v11: value, v12: value });
      if (s === '') return;
      const toml = hostsToml('registry.d8-system.svc:5001', [{ host: `mirror-${i}.example.com`, scheme: 'https', auth: { username: s, password: s } }]);
      cases.push({ id: `hostsToml ${JSON.stringify(s)}`, format: 'toml', text: toml, expected: JSON.parse(JSON.stringify(TOML.parse(toml))) });
      const auth = (TOML.parse(toml) as any).host[`https://mirror-${i}.example.com`].auth;
      expect({ s, auth }).toEqual({ s, auth: { username: s, password: s } });
    });
    expect(mismatchesOf(cases)).toEqual([]);
  });
});

/** Strings each of which some YAML resolver (1.1, 1.2, yaml.v2, yaml.v3, PyYAML) reads as something else. */
const SCALARS = [
  '', '~', 'null', 'Null', 'NULL', 'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'no', 'NO', 'on', 'On', 'ON', 'off', 'OFF',
  'true', 'True', 'TRUE', 'false', 'False', '<<', '=', '.inf', '-.inf', '+.Inf', '.INF', '.nan', '.NaN', '.NAN',
  '0', '-0', '+12', '017', '09', '0o17', '0O17', '0x1F', '0x_1F', '-0x1F', '0b1', '-0b1', '0b_1', '1_000', '1__0',
  '1:20', '-1:20', '190:20:30.15', '.5', '0.', '-.5e+3', '1e3', '1E3', '12e-3', '1.2.3', '685_230.15',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2002-12-14T00:00:00Z',
  '\u2028', 'a\u2028b', 'a\u2029b', 'a\u0085b', '\u0085', 'a\u0080b', 'a\u009fb', 'a\u00a0b', '\ufeffa', 'a\ufeff', 'a\ufffdb',
];

// The applied ModuleConfig is written by the library's own YAML writer, not cdk8s's: a username "0o17" is quoted,
// and Go (kubectl) reads the string.
withReader('Go reads a ModuleConfig username "0o17" as the string "0o17"', () => {
  const m = renderModule({ target: DeliveryTarget.WITH_MODULE, mode: RegistryMode.unmanaged({ imagesRepo: REPO, username: '0o17', password: 'pw' }), nodeGroups: GROUPS }).module;
  const text = m.moduleConfig.toYaml();
  expect(YAML.parse(text).spec.settings.registry.unmanaged.username).toBe('0o17');
  expect(mismatchesOf([{ id: 'moduleconfig.yaml', format: 'yaml', text, expected: YAML.parse(text) }])).toEqual([]);
});

describe('the reader catches what it is there to catch (negative controls)', () => {
  const NEGATIVE: Case[] = [
    { id: 'plain 0o17', format: 'yaml', text: 'password: 0o17\n', expected: { password: '0o17' } },
    { id: 'plain yes', format: 'yaml', text: 'password: yes\n', expected: { password: 'yes' } },
    { id: 'plain 2001-12-14', format: 'yaml', text: 'password: 2001-12-14\n', expected: { password: '2001-12-14' } },
    { id: 'raw U+2028', format: 'yaml', text: 'password: a\u2028b\nuser: u\n', expected: { password: 'a\u2028b', user: 'u' } },
    { id: 'raw U+0085 quoted', format: 'yaml', text: 'password: "a\u0085b"\n', expected: { password: 'a\u0085b' } },
    { id: 'raw U+0080 quoted', format: 'yaml', text: 'password: "a\u0080b"\n', expected: { password: 'a\u0080b' } },
    { id: 'toml integer', format: 'toml', text: '[auth]\npassword = 17\n', expected: { auth: { password: '17' } } },
    {
      id: 'bashible 1e3',
      format: 'bashible',
      text: 'hosts:\n  h:\n    mirrors:\n    - auth: {auth: "", password: 1e3, username: u}\n      host: h\n      scheme: https\nimagesBase: h/x\nmode: Direct\nversion: "0"\n',
      expected: { hosts: { h: { mirrors: [{ auth: { auth: '', password: '1e3', username: 'u' }, host: 'h', scheme: 'https' }] } }, imagesBase: 'h/x', mode: 'Direct', version: '0' },
    },
  ];

  withReader('mis-quoted documents are reported, by each decoder that reads them differently', () => {
    const found = mismatchesOf(NEGATIVE).map((m) => `${m.id} | ${m.decoder}`).sort();
    expect(found).toEqual([
      'bashible 1e3 | bashible-apiserver', // the string "1000": sigs.k8s.io/yaml turns the float into a string
      'bashible 1e3 | yaml.v2',
      'bashible 1e3 | yaml.v3',
      'plain 0o17 | yaml.v2',
      'plain 0o17 | yaml.v3',
      'plain 2001-12-14 | yaml.v3', // a timestamp; yaml.v2 leaves timestamps as strings in interface{}
      'plain yes | yaml.v2', // a YAML 1.1 boolean; yaml.v3 is YAML 1.2 here
      'raw U+0080 quoted | yaml.v2',
      'raw U+0080 quoted | yaml.v3',
      'raw U+0085 quoted | yaml.v2',
      'raw U+0085 quoted | yaml.v3',
      'raw U+2028 | yaml.v2',
      'raw U+2028 | yaml.v3',
      'toml integer | go-toml',
      'toml integer | go-toml.v2',
    ]);
  });

  withReader('the same documents written correctly are not reported (positive control)', () => {
    const fixed = NEGATIVE.map((c) => ({ ...c, text: c.format === 'toml' ? TOML.stringify(c.expected as TOML.JsonMap) : yamlModule.toYaml(c.expected) }));
    expect(mismatchesOf(fixed)).toEqual([]);
  });

  // What this issue fixed: the `yaml` package's own YAML 1.1 quoting, which lib/render/yaml.ts used alone before,
  // leaves strings plain that Go reads as numbers, and writes line separators and C1 controls raw.
  withReader('the yaml package alone (YAML 1.1 stringify) is read differently by Go', () => {
    const cases: Case[] = SCALARS.map((s) => ({
      id: JSON.stringify(s), format: 'yaml', text: YAML.stringify({ password: s }, { version: '1.1', lineWidth: 0 }), expected: { password: s },
    }));
    const misread = [...new Set(mismatchesOf(cases).map((m) => m.id))].sort();
    expect(misread).toEqual(expect.arrayContaining(['0o17', '0O17', 'a\u0080b', 'a\u0085b', 'a\u2028b'].map((s) => JSON.stringify(s))));
  });
});
