// hosts.toml `rewrite` and `auth` on a real containerd: Debian's containerd source (trixie 1.7.24, or sid 2.1.9)
// with Debian's patches and the project's own implementation of the two extensions (patches/containerd-<series>/,
// built by scripts/build-containerd.sh), against a loopback docker-registry behind gates
// (test/integration/_gate.py) that demand credentials and log every request line with the credentials it carried.
// Debian's own build of the same version (scripts/fetch-containerd.sh) runs the same files as the negative
// control: it must ignore both extensions. One suite per series: containerd-auth*.test.ts call defineAuthSuite.
//
// Everything runs in a private network and mount namespace (test/integration/_auth_e2e.py): loopback only.
import { b64 } from '../support/manifests';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ContainerdBuild, ContainerdHosts, Cri, Endpoint, EndpointSource, RegistryMode, RegistryModule, Scheme } from '../../lib';
import { EXAMPLE_IMAGES } from '../../examples/fixtures/values';
import { TEST_PKI } from '../../examples/fixtures/test-pki';

const ROOT = path.resolve(__dirname, '../..');
const CACHE = process.env.CONTAINERD_CACHE ?? '/var/cache/registry-cdk8s-containerd';

/** One containerd series under test. */
export interface AuthTarget {
  /** `1.7` or `2.1`: scripts/build-containerd.sh --series, patches/containerd-<series>/. */
  readonly series: '1.7' | '2.1';
  /** Debian's own build of the same version (the negative control). */
  readonly stockBin: string;
  readonly cri: Cri;
  readonly major: 1 | 2;
  /** The Debian revision the patched build names, before `+registry-cdk8s.<hash>`. */
  readonly revision: RegExp;
}

export const TARGET_17: AuthTarget = { series: '1.7', stockBin: `${CACHE}/trixie/usr/bin`, cri: Cri.CONTAINERD, major: 1, revision: /^1\.7\.24~ds1-6\+deb13u1$/ };
export const TARGET_21: AuthTarget = { series: '2.1', stockBin: `${CACHE}/sid/usr/bin`, cri: Cri.CONTAINERD_V2, major: 2, revision: /^2\.1\.9\+ds1-5$/ };
const RUNNER = path.join(__dirname, '_auth_e2e.py');
const FIXED = 'registry.d8-system.svc:5001';
const PULL = `${FIXED}/system/deckhouse:v1`;
const NS = `?ns=${encodeURIComponent(FIXED)}`;
const REGISTRY_D = '/etc/containerd/registry.d';
const CONFIG = 'etc/containerd/registry-config-path.toml';
let T: AuthTarget = TARGET_17;
const configToml = () => (T.major === 1
  ? `version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${REGISTRY_D}"\n`
  : `version = 3\n\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "${REGISTRY_D}"\n`);
let patched = { containerdBuild: ContainerdBuild.DECKHOUSE, containerdMajor: 1 };
let stock = { containerdBuild: ContainerdBuild.STOCK, containerdMajor: 1 };

// ---------------------------------------------------------------- prerequisites

function patchedBin(): string | undefined {
  const env = T.series === '1.7' ? process.env.CONTAINERD_PATCHED_BIN : process.env.CONTAINERD_21_PATCHED_BIN;
  if (env) return env;
  const r = spawnSync(path.join(ROOT, 'scripts/build-containerd.sh'), ['--series', T.series, '--cached-only'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (containerd needs root)';
  for (const tool of ['docker-registry', 'unshare', 'openssl', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (spawnSync('/usr/bin/python3', ['-c', 'import grpc, grpc_tools.protoc']).status !== 0) return 'python3-grpcio / python3-grpc-tools are not installed';
  const bin = patchedBin();
  if (bin === undefined || !fs.existsSync(path.join(bin, 'containerd'))) return `the patched containerd ${T.series} is not built (run scripts/build-containerd.sh --series ${T.series})`;
  if (!fs.existsSync(path.join(T.stockBin, 'containerd'))) return `${T.stockBin}/containerd is missing (run scripts/fetch-containerd.sh)`;
  return undefined;
}

// ---------------------------------------------------------------- scenario model

type Files = Record<string, string>;   // absolute node path -> content
interface Gate { name: string; port: number; tls?: boolean; auth: 'none' | 'basic' | 'bearer'; users: Array<[string, string]>; identityTokens?: Record<string, string>; tlsProbe?: 'status' | 'close' }
interface Case {
  name: string; files: Files; pull: string; client?: 'cri' | 'ctr'; gates?: Record<string, 'up' | '503' | 'down'>; systemTrust?: boolean;
  criAuth?: [string, string];
}
interface Event { gate: string; kind: string; scope?: string[]; method?: string; path?: string; status?: number; auth?: any; grant?: string; username?: string; password?: string; refreshToken?: string; answer?: string }
interface CaseResult { name: string; pull: { ok: boolean; imageRef: string | null; error: string | null }; events: Event[]; daemonLog: string[]; seconds: number }
interface RunResult { containerd: string; revision: string; imageId: string; seconds: number; cases: CaseResult[] }

const hostsToml = (body: string): Files => ({ [`/${CONFIG}`]: configToml(), [`${REGISTRY_D}/${FIXED}/hosts.toml`]: body });

function bundleFiles(mode: RegistryMode): Files {
  const chart = Testing.chart();
  const module = new RegistryModule(chart, 'Registry', { mode, nodeGroups: [{ name: 'nodes', cri: T.cri }], images: EXAMPLE_IMAGES, pki: TEST_PKI });
  const files: Files = {};
  for (const f of module.nodeConfiguration.bundles[0].files) files[f.path] = f.content;
  return files;
}

/** Every dist/<example>/[<stage>/]nodes/<group>/ tree whose containerd config is for this major (version = 2 or 3). */
function distTrees(): Array<{ name: string; files: Files }> {
  const out: Array<{ name: string; files: Files }> = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const full = path.join(dir, e.name);
      if (e.name === 'nodes') {
        for (const g of fs.readdirSync(full)) {
          const cfg = path.join(full, g, CONFIG);
          if (!fs.existsSync(cfg) || !new RegExp(`^version = ${T.major + 1}$`, 'm').test(fs.readFileSync(cfg, 'utf8'))) continue;
          const files: Files = {};
          const collect = (d: string) => {
            for (const f of fs.readdirSync(d, { withFileTypes: true })) {
              const p = path.join(d, f.name);
              if (f.isDirectory()) collect(p);
              else files[`/${path.relative(path.join(full, g), p)}`] = fs.readFileSync(p, 'utf8');
            }
          };
          collect(path.join(full, g, 'etc'));
          out.push({ name: `${rel}/${g}`.replace(/\//g, '.'), files });
        }
      } else {
        walk(full, rel === '' ? e.name : `${rel}/${e.name}`);
      }
    }
  };
  walk(path.join(ROOT, 'dist'), '');
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------- the cases

const BASIC: [string, string] = ['alice', 's3cret'];
const ABSENT = 'missing/repo';   // a repository the registry does not have
const BEARER: [string, string] = ['bob', 'b-pass'];
const GATES: Gate[] = [
  { name: 'basic', port: 5301, auth: 'basic', users: [BASIC] },
  { name: 'bearer', port: 5302, auth: 'bearer', users: [BEARER], identityTokens: { 'idtok-123': 'carol' } },
  { name: 'tls', port: 5303, tls: true, auth: 'basic', users: [BASIC] },
  { name: 'probe-status', port: 5304, auth: 'basic', users: [BASIC], tlsProbe: 'status' },
  { name: 'probe-close', port: 5305, auth: 'basic', users: [BASIC], tlsProbe: 'close' },
];

const HOSTILE: Array<{ name: string; username: string; password: string }> = [
  { name: 'quotes-backslashes', username: 'pu"ll\'er\\$#', password: 'p"a\'ss\\word $HOME ${IFS} $(id) #hash [host] a = "b" """ \'\'\'' },
  { name: 'unicode', username: 'ユーザー😀', password: 'пароль-密码-🔑-\u200b-\u202e-ß-👩‍👩‍👧' },
  { name: 'kilobytes', username: 'license-token', password: Array.from({ length: 400 }, (_, i) => `"\\$#é😀:${i}`).join('') },
];

const rewriteBlock = (url: string, rules: Array<[string, string]>) =>
  rules.map(([re, rep]) => `  [[host."${url}".rewrite]]\n  regex = ${JSON.stringify(re)}\n  replace = ${JSON.stringify(rep)}\n`).join('');
const hostBlock = (url: string, auth: string, rules: Array<[string, string]> = [['^system/deckhouse', 'deckhouse/ee']], extra = '') =>
  `[host."${url}"]\ncapabilities = ["pull", "resolve"]\n${extra}\n  [host."${url}".auth]\n${auth}\n\n${rewriteBlock(url, rules)}`;

function featureCases(): Case[] {
  const basic = 'http://127.0.0.1:5301';
  const bearer = 'http://127.0.0.1:5302';
  const tls = 'https://127.0.0.1:5303';
  const caPath = `${REGISTRY_D}/${FIXED}/gate-ca.crt`;
  return [
    { name: 'basic-username-password', files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`)), pull: PULL },
    { name: 'basic-base64-auth', files: hostsToml(hostBlock(basic, `  auth = "${b64(BASIC.join(':'))}"`)), pull: PULL },
    { name: 'bearer-username-password', files: hostsToml(hostBlock(bearer, `  username = "${BEARER[0]}"\n  password = "${BEARER[1]}"`)), pull: PULL },
    { name: 'bearer-identitytoken', files: hostsToml(hostBlock(bearer, '  identitytoken = "idtok-123"')), pull: PULL },
    { name: 'basic-wrong-password', files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "wrong"`)), pull: PULL },
    {
      name: 'auth-array-of-tables',
      files: hostsToml(`[host."${basic}"]\ncapabilities = ["pull", "resolve"]\n  [[host."${basic}".auth]]\n  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"\n`
        + rewriteBlock(basic, [['^system/deckhouse', 'deckhouse/ee']])),
      pull: PULL,
    },
    {
      name: 'rewrite-first-matching-rule-with-groups',
      files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`,
        [['^nomatch/(.+)$', 'wrong/${1}'], ['^system/(\\w+)$', '${1}/ee'], ['^system', 'wrong']])),
      pull: PULL,
    },
    // containerd 1.7: the host's credentials are used even when the CRI request carries others; 2.x: the CRI's first
    { name: 'cri-credentials-present', files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`)), pull: PULL, criAuth: ['eve', 'kubelet-secret'] },
    { name: 'ctr-hosts-dir', files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`)), pull: PULL, client: 'ctr' },
    {
      name: 'https-with-ca-file',
      files: { ...hostsToml(hostBlock(tls, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`, undefined, `ca = "${caPath}"\n`)), [caPath]: 'placeholder\n' },
      pull: PULL,
    },
    {
      // rules and credentials belong to their host: the first mirror asks for its own (absent) path with its own
      // credentials and gets 404, the second asks for its path with its credentials
      name: 'per-host-rewrite-and-auth',
      files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`, [['^system/deckhouse$', ABSENT]])
        + '\n' + hostBlock(bearer, `  username = "${BEARER[0]}"\n  password = "${BEARER[1]}"`, [['^system/(deckhouse)$', '${1}/ee']])),
      pull: PULL,
    },
    {
      name: 'rewrite-invalid-regex',
      files: hostsToml(hostBlock(basic, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`, [['^system/(deckhouse', 'deckhouse/ee']])),
      pull: PULL,
    },
    {
      name: 'rewrite-single-table',
      files: hostsToml(`[host."${basic}"]\n  [host."${basic}".rewrite]\n  regex = "^system/deckhouse"\n  replace = "deckhouse/ee"\n`),
      pull: PULL,
    },
    { name: 'https-without-ca', files: hostsToml(hostBlock(tls, `  username = "${BASIC[0]}"\n  password = "${BASIC[1]}"`)), pull: PULL },
  ];
}

/** Bundles generated with the library (RegistryMode.direct): hostile credentials, http mirrors. */
function libraryCases(): Case[] {
  const out: Case[] = [];
  for (const h of HOSTILE) {
    out.push({ name: `hostile-${h.name}-http`, files: bundleFiles(RegistryMode.direct({ imagesRepo: '127.0.0.1:5310/deckhouse/ee', scheme: Scheme.HTTP, username: h.username, password: h.password })), pull: PULL });
    out.push({ name: `hostile-${h.name}-https-ca`, files: bundleFiles(RegistryMode.direct({ imagesRepo: '127.0.0.1:5311/deckhouse/ee', scheme: Scheme.HTTPS, ca: TEST_PKI.ca.certificate, username: h.username, password: h.password })), pull: PULL });
  }
  for (const probe of ['status', 'close'] as const) {
    const port = probe === 'status' ? 5304 : 5305;
    out.push({ name: `http-mirror-tls-first-${probe}`, files: bundleFiles(RegistryMode.direct({ imagesRepo: `127.0.0.1:${port}/deckhouse/ee`, scheme: Scheme.HTTP, username: BASIC[0], password: BASIC[1] })), pull: PULL });
  }
  return out;
}

/** Every example's bundle for this major with each upstream moved to a gate of the same scheme (5320+). */
function distCases(extraGates: Gate[]): { cases: Case[]; gateOf: Map<string, Gate> } {
  const gateOf = new Map<string, Gate>();   // "<scheme>://<host>" of the example -> gate
  const cases: Case[] = [];
  for (const tree of distTrees()) {
    const files: Files = {};
    for (const [p, content] of Object.entries(tree.files)) {
      if (!p.endsWith('/hosts.toml')) { files[p] = content; continue; }
      files[p] = content.replace(/"(https?):\/\/([^"/]+)"/g, (_all, scheme: string, host: string) => {
        const key = `${scheme}://${host}`;
        if (!gateOf.has(key)) {
          const g: Gate = { name: `up-${gateOf.size + 1}`, port: 5320 + gateOf.size, tls: scheme === 'https', auth: 'basic', users: [] };
          gateOf.set(key, g);
          extraGates.push(g);
        }
        return `"${scheme}://127.0.0.1:${gateOf.get(key)!.port}"`;
      });
    }
    const dirs = new Set(Object.keys(files).filter((p) => p.startsWith(`${REGISTRY_D}/`)).map((p) => p.slice(REGISTRY_D.length + 1).split('/')[0]));
    for (const dir of dirs) {
      const host = dir.replace(/^(.*)_(\d+)_$/, '$1:$2');
      const pull = host === FIXED ? PULL : `${host}/deckhouse/ee:v1`;
      cases.push({ name: `${tree.name}${dirs.size > 1 ? `@${dir}` : ''}`, files, pull, systemTrust: true });
    }
  }
  // each gate accepts exactly the credentials the examples' files give for it
  for (const c of cases) {
    for (const e of ContainerdHosts.resolveImage(c.pull, c.files, patched).endpoints) {
      const g = [...gateOf.values()].find((x) => `127.0.0.1:${x.port}` === e.host);
      const cred = e.credentials;
      if (g && cred?.username !== undefined && cred.password !== undefined && !g.users.some(([u, p]) => u === cred.username && p === cred.password)) {
        g.users.push([cred.username, cred.password]);
      }
    }
  }
  for (const g of gateOf.values()) if (g.users.length === 0) g.auth = 'none';
  return { cases, gateOf };
}

/** The switch's transition stage with the old mirror failing, then gone. */
function transitionCases(dist: Case[], gateOf: Map<string, Gate>): Case[] {
  const out: Case[] = [];
  for (const c of dist.filter((x) => /transition/.test(x.name))) {
    const eps = ContainerdHosts.resolveImage(c.pull, c.files, patched).endpoints.filter((e) => e.source === EndpointSource.MIRROR);
    if (eps.length < 2) continue;
    const old = [...gateOf.values()].find((g) => `127.0.0.1:${g.port}` === eps[0].host)!;
    out.push({ ...c, name: `${c.name}:old-503`, gates: { [old.name]: '503' } });
    out.push({ ...c, name: `${c.name}:old-stopped`, gates: { [old.name]: 'down' } });
  }
  return out;
}

function runScenario(bin: string, gates: Gate[], cases: Case[], push: string[]): RunResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-e2e-'));
  try {
    const caFiles: string[] = [];
    const scenarioCases = cases.map((c) => {
      const tree = path.join(dir, 'trees', c.name.replace(/[^A-Za-z0-9._-]/g, '_'));
      for (const [p, content] of Object.entries(c.files)) {
        fs.mkdirSync(path.dirname(path.join(tree, p)), { recursive: true });
        fs.writeFileSync(path.join(tree, p), content);
      }
      // every CA file a hosts.toml names now holds the CA of the run's gates
      for (const [p, content] of Object.entries(c.files)) {
        if (p.endsWith('/hosts.toml')) for (const m of content.matchAll(/"(\/etc\/containerd\/[^"]+)"/g)) if (m[1] in c.files) caFiles.push(path.join(tree, m[1]));
      }
      return { name: c.name, tree, config: CONFIG, pull: c.pull, client: c.client ?? 'cri', gates: c.gates ?? {}, systemTrust: c.systemTrust ?? false, criAuth: c.criAuth };
    });
    fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify({ containerd: bin, push, caFiles, gates, cases: scenarioCases }));
    const r = spawnSync('/usr/bin/python3', [RUNNER, path.join(dir, 'scenario.json')], { encoding: 'utf8', timeout: 600_000, maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`_auth_e2e.py exited ${r.status}: ${r.stderr.slice(-3000)}`);
    return JSON.parse(r.stdout) as RunResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- assertions

const registryEvents = (r: CaseResult) => r.events.filter((e) => e.kind === 'registry');
const manifestRequests = (r: CaseResult) => registryEvents(r).filter((e) => e.path!.includes('/manifests/'));
const credsOf = (e: Event) => (e.auth && 'username' in e.auth ? { username: e.auth.username, password: e.auth.password } : null);

/** The daemon's first manifest request went where the resolver says, with the credentials it predicts, and pulled. */
function expectAsPredicted(r: CaseResult, predicted: Endpoint, gates: Gate[], imageId: string): void {
  const gate = gates.find((g) => `127.0.0.1:${g.port}` === predicted.host)!;
  const reqs = manifestRequests(r).filter((e) => e.gate === gate.name);
  expect(reqs.length).toBeGreaterThan(0);
  expect(reqs[0].path).toBe(predicted.manifestRequest);
  const authed = reqs.filter((e) => e.auth !== null);
  if (predicted.credentials === undefined) {
    expect(authed).toEqual([]);
    expect(reqs[0].status).toBe(200);
  } else {
    expect(authed.length).toBeGreaterThan(0);
    expect(credsOf(authed[0])).toEqual(predicted.credentials);
    expect(authed[0].status).toBe(200);
  }
  // every request of the pull carried the rewritten repository, never the image's own path
  for (const e of registryEvents(r).filter((x) => x.gate === gate.name)) expect(e.path!.startsWith(`/v2/${predicted.repository}/`)).toBe(true);
  expect(r.pull).toEqual({ ok: true, imageRef: imageId, error: null });
}

// ---------------------------------------------------------------- the suite

/** Defines the suite for one containerd series (call once per test file). */
export function defineAuthSuite(target: AuthTarget): void {
T = target;
patched = { containerdBuild: ContainerdBuild.DECKHOUSE, containerdMajor: target.major };
stock = { containerdBuild: ContainerdBuild.STOCK, containerdMajor: target.major };
const why = missing();
if (why !== undefined && process.env.CI) {
  test('patched containerd e2e prerequisites (required in CI)', () => {
    throw new Error(`the hosts.toml rewrite/auth e2e cannot run: ${why}; .ci/run builds and installs its prerequisites`);
  });
} else if (why !== undefined) {
  // eslint-disable-next-line no-console
  console.log(`SKIP patched-containerd e2e: ${why}`);
  test.skip('patched containerd e2e (skipped: see the line above)', () => undefined);
} else {
  const extraGates: Gate[] = [
    { name: 'hostile-http', port: 5310, auth: 'basic', users: HOSTILE.map((h) => [h.username, h.password] as [string, string]), tlsProbe: 'status' },
    { name: 'hostile-https', port: 5311, tls: true, auth: 'basic', users: HOSTILE.map((h) => [h.username, h.password] as [string, string]) },
  ];
  const features = featureCases();
  const library = libraryCases();
  const { cases: dist, gateOf } = distCases(extraGates);
  const transition = transitionCases(dist, gateOf);
  const gates = [...GATES, ...extraGates];
  const all = [...features, ...library, ...dist, ...transition];
  const push = [...new Set(all.flatMap((c) => ContainerdHosts.resolveImage(c.pull, c.files, patched).endpoints.map((e) => e.repository)))].filter((r) => r !== ABSENT);
  const byName = (res: RunResult, name: string) => res.cases.find((c) => c.name === name)!;
  let p: RunResult;
  let s: RunResult;

  beforeAll(() => {
    const t0 = Date.now();
    p = runScenario(patchedBin()!, gates, all, push);
    const t1 = Date.now();
    s = runScenario(T.stockBin, gates, [...features.filter((c) => c.name === 'basic-username-password'), ...library.filter((c) => c.name.startsWith('hostile-')), ...dist], push);
    // eslint-disable-next-line no-console
    console.log(`patched containerd ${p.containerd}: ${p.cases.length} cases in ${((t1 - t0) / 1000).toFixed(1)} s; `
      + `stock containerd ${s.containerd}: ${s.cases.length} cases in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }, 900_000);

  describe(`patched containerd ${T.series} (Debian's source + patches/containerd-${T.series})`, () => {
    test('is Debian\'s version built with this repository\'s patch; the control is Debian\'s own build of it', () => {
      const [rev, hash] = p.revision.split('+registry-cdk8s.');
      expect(rev).toMatch(T.revision);
      expect(hash).toMatch(/^[0-9a-f]{12}$/);
      expect(p.containerd.startsWith(T.series)).toBe(true);
      expect(s.containerd.startsWith(T.series)).toBe(true);
      expect(s.revision).not.toMatch(/registry-cdk8s/);
    });

    test.each(['basic-username-password', 'basic-base64-auth', 'rewrite-first-matching-rule-with-groups', ...(T.major === 1 ? ['cri-credentials-present'] : []), 'ctr-hosts-dir', 'https-with-ca-file'])(
      '%s: rewritten path, Basic credentials from hosts.toml', (name) => {
        const r = byName(p, name);
        const reqs = manifestRequests(r);
        expect(reqs[0]).toMatchObject({ gate: expect.any(String), method: 'HEAD', path: `/v2/deckhouse/ee/manifests/v1${NS}`, status: 401, auth: null });
        const authed = reqs.find((e) => e.auth !== null)!;
        expect(authed).toMatchObject({ path: `/v2/deckhouse/ee/manifests/v1${NS}`, status: 200, auth: { scheme: 'basic', username: BASIC[0], password: BASIC[1] } });
        expect(registryEvents(r).every((e) => e.path!.startsWith('/v2/deckhouse/ee/'))).toBe(true);
        expect(registryEvents(r).every((e) => e.auth === null || e.auth.username === BASIC[0])).toBe(true);
        if (name === 'ctr-hosts-dir') expect(r.pull.ok).toBe(true);
        else expect(r.pull).toEqual({ ok: true, imageRef: p.imageId, error: null });
      });

    test.each([
      ['bearer-username-password', { grant: 'password', username: BEARER[0], password: BEARER[1] }, BEARER[0]],
      ['bearer-identitytoken', { grant: 'refresh_token', refreshToken: 'idtok-123' }, 'carol'],
    ])('%s: the token is fetched with the hosts.toml credentials', (name, tokenRequest, principal) => {
      const r = byName(p, name);
      const tokens = r.events.filter((e) => e.kind === 'token');
      expect(tokens[0]).toMatchObject({ ...tokenRequest, method: 'POST', status: 200 });
      // under a rewrite the token request asks for the challenge's (rewritten) scope AND the image's own one
      // (containerd.md §9): a strict token server that refuses unknown repositories would need to allow both
      expect(tokens[0].scope!.join(' ').split(' ').sort()).toEqual(['repository:deckhouse/ee:pull', 'repository:system/deckhouse:pull']);
      const authed = manifestRequests(r).find((e) => e.auth !== null)!;
      expect(authed).toMatchObject({ path: `/v2/deckhouse/ee/manifests/v1${NS}`, status: 200, auth: { scheme: 'bearer', username: principal } });
      expect(r.pull).toEqual({ ok: true, imageRef: p.imageId, error: null });
    });

    if (T.major === 2) {
      test('containerd 2.x: credentials in the CRI request come first, hosts.toml auth is the fallback', () => {
        const r = byName(p, 'cri-credentials-present');
        const authed = registryEvents(r).filter((e) => e.auth !== null);
        expect(authed.length).toBeGreaterThan(0);
        for (const e of authed) expect(e).toMatchObject({ path: `/v2/deckhouse/ee/manifests/v1${NS}`, status: 401, auth: { username: 'eve', password: 'kubelet-secret' } });
        expect(r.pull.ok).toBe(false);
      });
    }

    test('negative control: a wrong password is sent as written and the pull fails', () => {
      const r = byName(p, 'basic-wrong-password');
      expect(r.pull.ok).toBe(false);
      const authed = registryEvents(r).filter((e) => e.auth !== null);
      expect(authed.length).toBeGreaterThan(0);
      for (const e of authed) expect(e).toMatchObject({ status: 401, auth: { username: BASIC[0], password: 'wrong' } });
    });

    test('[[auth]] (array of tables) is a decode error: the whole file is discarded', () => {
      const r = byName(p, 'auth-array-of-tables');
      expect(r.pull.ok).toBe(false);
      expect(registryEvents(r)).toEqual([]);
      expect(r.daemonLog.join('\n')).toMatch(/failed to decode.*must be a single table/);
      expect(ContainerdHosts.resolveImage(PULL, featureCases().find((c) => c.name === 'auth-array-of-tables')!.files, patched).endpoints.map((e) => e.source)).toEqual(['fallback']);
    });

    test('rules and credentials belong to their host', () => {
      const c = featureCases().find((x) => x.name === 'per-host-rewrite-and-auth')!;
      const [a, b] = ContainerdHosts.resolveImage(PULL, c.files, patched).endpoints;
      expect([a.repository, b.repository]).toEqual([ABSENT, 'deckhouse/ee']);
      const r = byName(p, c.name);
      const first = registryEvents(r).filter((e) => e.gate === 'basic');
      expect(first.find((e) => e.auth !== null)).toMatchObject({ path: a.manifestRequest, status: 404, auth: { username: BASIC[0], password: BASIC[1] } });
      expect(first.every((e) => e.path!.startsWith(`/v2/${ABSENT}/`))).toBe(true);
      const second = registryEvents(r).filter((e) => e.gate === 'bearer');
      expect(second[0].path).toBe(b.manifestRequest);
      expect(second.find((e) => e.auth !== null)).toMatchObject({ path: b.manifestRequest, status: 200, auth: { scheme: 'bearer', username: BEARER[0] } });
      const tokens = r.events.filter((e) => e.kind === 'token');
      expect(tokens.length).toBeGreaterThan(0);
      for (const t of tokens) expect([t.gate, t.username, t.status]).toEqual(['bearer', BEARER[0], 200]);   // alice never leaves her host
      expect(r.pull).toEqual({ ok: true, imageRef: p.imageId, error: null });
    });

    test.each([
      ['rewrite-invalid-regex', /failed to decode.*invalid regex/],
      ['rewrite-single-table', /failed to decode.*must be an array of tables/],
    ])('%s is a decode error: the whole file is discarded', (name, log) => {
      const r = byName(p, name);
      expect(r.pull.ok).toBe(false);
      expect(registryEvents(r)).toEqual([]);
      expect(r.daemonLog.join('\n')).toMatch(log);
      expect(ContainerdHosts.resolveImage(PULL, featureCases().find((c) => c.name === name)!.files, patched).endpoints.map((e) => e.source)).toEqual(['fallback']);
    });

    test('https without a CA for the gate: rejected by TLS verification', () => {
      const r = byName(p, 'https-without-ca');
      expect(r.pull.ok).toBe(false);
      expect(registryEvents(r)).toEqual([]);
      expect(r.events.some((e) => e.kind === 'tls-error')).toBe(true);
    });

    test.each(library.filter((c) => c.name.startsWith('hostile-')).map((c) => [c.name, c] as const))(
      '%s (library bundle): request path and credentials equal resolveImage\'s prediction', (name, c) => {
        const predicted = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, patched), c.pull)!;
        const h = HOSTILE.find((x) => name.startsWith(`hostile-${x.name}-`))!;
        expect(predicted.credentials).toEqual({ username: h.username, password: h.password });
        expect(predicted.repository).toBe('deckhouse/ee');
        expectAsPredicted(byName(p, name), predicted, gates, p.imageId);
      });

    test('http mirror with skip_verify, server answers TLS with an HTTP status line: HTTPS first, then plain HTTP', () => {
      const c = library.find((x) => x.name === 'http-mirror-tls-first-status')!;
      const predicted = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, patched), c.pull)!;
      expect(predicted).toMatchObject({ scheme: 'http', tlsFirst: true });
      const r = byName(p, c.name);
      expect(r.events[0]).toMatchObject({ kind: 'tls-probe', gate: 'probe-status' });
      expect(r.daemonLog.join('\n')).toMatch(/host will try HTTPS first since it is configured for HTTP with a TLS configuration/);
      expectAsPredicted(r, predicted, gates, p.imageId);
    });

    test('http mirror with skip_verify, server closes the TLS attempt: no plain-HTTP fallback, the mirror fails', () => {
      const c = library.find((x) => x.name === 'http-mirror-tls-first-close')!;
      expect(ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, patched), c.pull)).toMatchObject({ tlsFirst: true });
      const r = byName(p, c.name);
      expect(r.pull.ok).toBe(false);
      expect(r.events.filter((e) => e.gate === 'probe-close').map((e) => e.kind)).toContain('tls-probe');
      expect(registryEvents(r)).toEqual([]);
      expect(r.daemonLog.join('\n')).toMatch(/host will try HTTPS first since it is configured for HTTP with a TLS configuration/);
    });

    test.each(dist.map((c) => [c.name, c] as const))('%s (dist bundle re-pointed at gates): as resolveImage predicts', (name, c) => {
      const predicted = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, patched), c.pull)!;
      expect(predicted.source).toBe('mirror');
      const r = byName(p, name);
      expectAsPredicted(r, predicted, gates, p.imageId);
      // all mirrors up: only the first is asked (a final stage uses only the new upstream)
      const first = gates.find((g) => `127.0.0.1:${g.port}` === predicted.host)!;
      expect(r.events.filter((e) => e.gate !== first.name)).toEqual([]);
    });

    test.each(transition.map((c) => [c.name, c] as const))('%s: the next mirror, with its own rewrite and credentials', (name, c) => {
      const eps = ContainerdHosts.resolveImage(c.pull, c.files, patched).endpoints.filter((e) => e.source === EndpointSource.MIRROR);
      const [oldEp, newEp] = eps;
      const r = byName(p, name);
      const oldGate = gates.find((g) => `127.0.0.1:${g.port}` === oldEp.host)!;
      const newGate = gates.find((g) => `127.0.0.1:${g.port}` === newEp.host)!;
      if (name.endsWith(':old-503')) {
        const old = registryEvents(r).filter((e) => e.gate === oldGate.name);
        expect(old.length).toBeGreaterThan(0);
        expect(old.every((e) => e.status === 503 && e.path!.startsWith(`/v2/${oldEp.repository}/`))).toBe(true);
      } else {
        expect(r.events.filter((e) => e.gate === oldGate.name)).toEqual([]);
      }
      const reqs = manifestRequests(r).filter((e) => e.gate === newGate.name);
      expect(reqs[0].path).toBe(newEp.manifestRequest);
      expect(credsOf(reqs.find((e) => e.auth !== null)!)).toEqual(newEp.credentials);
      expect(r.pull).toEqual({ ok: true, imageRef: p.imageId, error: null });
    });
  });

  describe(`stock containerd ${T.series} (Debian's package): the same files, rewrite and auth ignored`, () => {
    // the bundles that use an extension (all of them with credentials in hosts.toml)
    const stockCases = [...features.filter((c) => c.name === 'basic-username-password'), ...library.filter((c) => c.name.startsWith('hostile-')), ...dist]
      .filter((c) => ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, patched), c.pull)?.credentials !== undefined);
    test.each(stockCases.map((c) => [c.name, c] as const))('%s: original path, no credentials, pull fails', (name, c) => {
      const r = byName(s, name);
      const asStock = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, stock), c.pull)!;
      const asPatched = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, patched), c.pull)!;
      const first = manifestRequests(r)[0];
      expect(first.path).toBe(asStock.manifestRequest);
      expect(registryEvents(r).every((e) => e.auth === null)).toBe(true);
      expect(r.pull.ok).toBe(false);
      // the test discriminates: the patched daemon made a different request for the same files
      if (asPatched.repository !== asStock.repository) expect(first.path).not.toBe(asPatched.manifestRequest);
      expect(asPatched.credentials).toBeDefined();
    });
  });
}
}
