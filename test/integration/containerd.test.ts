// Real containerd 1.6, 1.7 and 2.1 against the generated node bundles of every example with node files.
//
// For each example the same settings are rendered with the upstream moved to a loopback docker-registry
// (http on 127.0.0.1:5101, https with the test CA on 127.0.0.1:5102). test/integration/node-e2e.sh bind-mounts
// each bundle's etc/containerd onto /etc/containerd in a private mount and network namespace, checks
// `containerd config dump`, starts the daemon, does a CRI PullImage of the cluster's image reference and
// returns the registries' access logs.
//
// These are Debian's stock containerd builds. Stock containerd ignores hosts.toml `rewrite` and `auth`, so for
// bundles meant for Deckhouse's build the daemon asks the mirror for `system/deckhouse` instead of the upstream
// path: the test compares the daemon's first request with the resolver's prediction FOR A STOCK RUNTIME, and the
// registries serve the image under both paths. The rewrite itself (Deckhouse's build) is proven by the resolver's
// unit tests (test/resolver.test.ts), not here. Credentials are not exercised here either (anonymous registries).
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ContainerdBuild, ContainerdHosts, Cri, RegistryMode, RegistryModule, Scheme } from '../../lib';
import { EXAMPLE_IMAGES, EXAMPLE_LICENSE, EXAMPLE_PASSWORD } from '../../examples/fixtures/values';
import { TEST_PKI } from '../../examples/fixtures/test-pki';

const CACHE = process.env.CONTAINERD_CACHE ?? '/var/cache/registry-cdk8s-containerd';
const TARGETS = [
  { label: 'containerd 1.6 (Debian 12)', bin: '/usr/bin', cri: Cri.CONTAINERD, major: 1 },
  { label: 'containerd 1.7 (Debian trixie)', bin: `${CACHE}/trixie/usr/bin`, cri: Cri.CONTAINERD, major: 1 },
  { label: 'containerd 2.1 (Debian sid)', bin: `${CACHE}/sid/usr/bin`, cri: Cri.CONTAINERD_V2, major: 2 },
];
const HARNESS = path.join(__dirname, 'node-e2e.sh');
const FIXED = 'registry.d8-system.svc:5001';
const PORTS = { plain: 5101, tls: 5102 };

/** Why the suite cannot run here, or undefined. */
function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (containerd needs root)';
  for (const tool of ['docker-registry', 'unshare', 'setpriv']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (spawnSync('/usr/bin/python3', ['-c', 'import grpc, grpc_tools.protoc']).status !== 0) return 'python3-grpcio / python3-grpc-tools are not installed';
  for (const t of TARGETS) if (!fs.existsSync(path.join(t.bin, 'containerd'))) return `${path.join(t.bin, 'containerd')} is missing (run scripts/fetch-containerd.sh)`;
  return undefined;
}

/** The examples with node bundles, as settings pointed at a loopback registry. */
const SHAPES: Array<{ example: string; mode: (scheme: Scheme, repo: string, ca?: string) => RegistryMode; pull: (repo: string) => string }> = [
  { example: 'direct-license', mode: (scheme, repo, ca) => RegistryMode.direct({ imagesRepo: repo, scheme, ca, license: EXAMPLE_LICENSE }), pull: () => `${FIXED}/system/deckhouse:v1` },
  { example: 'direct-private', mode: (scheme, repo, ca) => RegistryMode.direct({ imagesRepo: repo, scheme, ca, username: 'deckhouse-puller', password: EXAMPLE_PASSWORD }), pull: () => `${FIXED}/system/deckhouse:v1` },
  { example: 'unmanaged-configurable', mode: (scheme, repo, ca) => RegistryMode.unmanaged({ imagesRepo: repo, scheme, ca, license: EXAMPLE_LICENSE }), pull: (repo) => `${repo}:v1` },
];

interface Case { name: string; files: Record<string, string>; pull: string; registryByPort: Record<string, string> }

function casesFor(cri: Cri): Case[] {
  const out: Case[] = [];
  for (const shape of SHAPES) {
    for (const [registry, scheme] of [['plain', Scheme.HTTP], ['tls', Scheme.HTTPS]] as const) {
      const repo = `127.0.0.1:${PORTS[registry]}/deckhouse/ee`;
      const chart = Testing.chart();
      const module = new RegistryModule(chart, 'Registry', {
        mode: shape.mode(scheme, repo, scheme === Scheme.HTTPS ? TEST_PKI.ca.certificate : undefined),
        nodeGroups: [{ name: 'nodes', cri }],
        images: EXAMPLE_IMAGES,
        pki: TEST_PKI,
      });
      const files: Record<string, string> = {};
      for (const f of module.nodeConfiguration.bundles[0].files) files[f.path] = f.content;
      out.push({ name: `${shape.example}-${registry}`, files, pull: shape.pull(repo), registryByPort: { [`127.0.0.1:${PORTS.plain}`]: 'plain', [`127.0.0.1:${PORTS.tls}`]: 'tls' } });
    }
  }
  return out;
}

function writeScenario(dir: string, cases: Case[]): void {
  fs.mkdirSync(path.join(dir, 'pki'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'pki', 'server.crt'), TEST_PKI.distribution.certificate.trimStart());
  fs.writeFileSync(path.join(dir, 'pki', 'server.key'), TEST_PKI.distribution.privateKey.trimStart(), { mode: 0o600 });
  for (const c of cases) {
    for (const [file, content] of Object.entries(c.files)) {
      const target = path.join(dir, 'trees', c.name, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  const images = ['plain', 'tls'].flatMap((registry) => ['deckhouse/ee', 'system/deckhouse'].map((repository) => ({ registry, repository, tag: 'v1' })));
  fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify({
    registries: [{ name: 'plain', port: PORTS.plain }, { name: 'tls', port: PORTS.tls, tls: { certificate: 'pki/server.crt', key: 'pki/server.key' } }],
    images,
    cases: cases.map((c) => ({ name: c.name, tree: `trees/${c.name}`, config: 'etc/containerd/registry-config-path.toml', pull: c.pull })),
  }, null, 2));
}

const why = missing();
if (why !== undefined && process.env.CI) {
  test('real containerd suite prerequisites (required in CI)', () => {
    throw new Error(`the real-containerd tests cannot run: ${why}; .ci/run installs their prerequisites`);
  });
} else if (why !== undefined) {
  // eslint-disable-next-line no-console
  console.log(`SKIP real-containerd tests: ${why}`);
  test.skip(`real containerd (skipped: ${why})`, () => undefined);
} else {
  describe.each(TARGETS)('$label', (target) => {
    const cases = casesFor(target.cri);
    let result: any;
    let seconds = 0;
    beforeAll(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-e2e-'));
      writeScenario(dir, cases);
      const started = Date.now();
      result = JSON.parse(execFileSync('bash', [HARNESS, target.bin, dir], { timeout: 180_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString());
      seconds = (Date.now() - started) / 1000;
      // eslint-disable-next-line no-console
      console.log(`${target.label}: containerd ${result.containerd}, ${cases.length} cases in ${seconds.toFixed(2)} s`);
      fs.rmSync(dir, { recursive: true, force: true });
    }, 200_000);

    test('runs the expected containerd major version', () => {
      expect(result.major).toBe(target.major);
    });

    test.each(cases.map((c) => [c.name, c] as const))('%s: config dump, CRI plugin, pull through the mirror the resolver predicts', (_name, c) => {
      const r = result.cases.find((x: any) => x.name === c.name);
      const section = target.major === 2 ? 'plugins."io.containerd.cri.v1.images".registry' : 'plugins."io.containerd.grpc.v1.cri".registry';
      expect(r.configDump).toMatchObject({ exitCode: 0, configPathSection: section });
      expect(r.criPluginOk).toBe(true);
      expect(r.daemonLog).toEqual([]);
      expect(r.pull).toEqual({ ok: true, imageRef: result.imageId, error: null });
      // Stock containerd: compare with the resolver's prediction for a stock runtime (see the header).
      const predicted = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(c.pull, c.files, { containerdBuild: ContainerdBuild.STOCK, containerdMajor: target.major }), c.pull);
      expect(predicted?.source).toBe('mirror');
      const first = r.requests.find((q: any) => q.path.includes('/manifests/'));
      expect(first).toEqual({ registry: c.registryByPort[predicted!.host], method: 'HEAD', path: predicted!.manifestRequest, status: 200 });
    });
  });
}
