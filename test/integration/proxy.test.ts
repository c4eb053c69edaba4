// Proxy mode against real components: the generated registry-proxy nginx.conf (`nginx -t`, then balancing over two
// loopback "control-plane nodes"), the generated node-services distribution config running as a pull-through cache
// in Debian's docker-registry, and containerd pulling the cluster's image reference through 127.0.0.1:5001 with the
// generated hosts.toml and CA file.
//
// What cannot be exercised here, and why:
// - Deckhouse's distribution fork: `proxy.remotepathonly`, `proxy.localpathalias` and `auth.token.autoredirect` /
//   `auth.token.proxy` exist only there. Debian's distribution 2.8 ignores unknown keys silently, so the cache asks
//   the upstream for `system/deckhouse` (the upstream here serves the image under that path too), and
//   `proxy.ttl` is accepted but 2.8 keeps its fixed 7 days.
// - docker_auth (the token server) is not packaged: the harness removes the `auth` section of the config (reported
//   in `adapted`), so pulls are anonymous; stock containerd ignores hosts.toml `auth` anyway.
// - distribution 2.8 cannot authenticate to a basic-auth upstream, so the upstream is anonymous.
import { pkiFor } from '../support/node-pki';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { ClusterType, ContainerdBuild, ContainerdHosts, Cri, RegistryMode, RegistryModule, Scheme } from '../../lib';
import { EXAMPLE_IMAGES } from '../../examples/fixtures/values';

const CACHE = process.env.CONTAINERD_CACHE ?? '/var/cache/registry-cdk8s-containerd';
const TARGETS = [
  { label: 'containerd 1.6', bin: '/usr/bin', cri: Cri.CONTAINERD, major: 1 },
  { label: 'containerd 2.1', bin: `${CACHE}/sid/usr/bin`, cri: Cri.CONTAINERD_V2, major: 2 },
];
const HARNESS = path.join(__dirname, 'node-e2e.sh');
const PULL = 'registry.d8-system.svc:5001/system/deckhouse:v1';
const MASTERS = [{ name: 'master-a', address: '127.0.0.2' }, { name: 'master-b', address: '127.0.0.3' }];

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (containerd and nginx need root)';
  for (const tool of ['docker-registry', 'nginx', 'unshare', 'setpriv']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!fs.existsSync('/usr/lib/nginx/modules/ngx_stream_module.so')) return 'libnginx-mod-stream is not installed';
  if (spawnSync('/usr/bin/python3', ['-c', 'import grpc, grpc_tools.protoc, yaml']).status !== 0) return 'python3-grpcio / python3-grpc-tools / python3-yaml are not installed';
  for (const t of TARGETS) if (!fs.existsSync(path.join(t.bin, 'containerd'))) return `${path.join(t.bin, 'containerd')} is missing (run scripts/fetch-containerd.sh)`;
  return undefined;
}

function renderMasterFiles(cri: Cri): Record<string, string> {
  const chart = Testing.chart();
  const module = new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.proxy({ imagesRepo: '127.0.0.1:5100/deckhouse/ee', scheme: Scheme.HTTP }),
    clusterType: ClusterType.STATIC,
    nodeGroups: [{ name: 'master', cri }],
    controlPlane: MASTERS,
    images: EXAMPLE_IMAGES,
    pki: pkiFor(MASTERS),
  });
  const files: Record<string, string> = {};
  // The group's files plus the first master's own node-services files (its per-node pairs and configs).
  const bundle = module.nodeConfiguration.bundles[0];
  for (const f of [...bundle.files, ...(bundle.nodeFiles ?? {})[MASTERS[0].name]]) files[f.path] = f.content;
  return files;
}

const why = missing();
if (why !== undefined && process.env.CI) {
  test('real nginx / distribution suite prerequisites (required in CI)', () => {
    throw new Error(`the Proxy component tests cannot run: ${why}; .ci/run installs their prerequisites`);
  });
} else if (why !== undefined) {
  // eslint-disable-next-line no-console
  console.log(`SKIP Proxy component tests: ${why}`);
  test.skip(`Proxy with real nginx and distribution (skipped: ${why})`, () => undefined);
} else {
  describe.each(TARGETS)('Proxy through nginx and two caches, $label', (target) => {
    const files = renderMasterFiles(target.cri);
    let result: any;
    beforeAll(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-e2e-'));
      for (const [file, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, 'trees/master', file)), { recursive: true });
        fs.writeFileSync(path.join(dir, 'trees/master', file), content);
      }
      const cacheConfig = 'trees/master/etc/kubernetes/registry/distribution/config.yaml';
      fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify({
        registries: [
          { name: 'upstream', port: 5100 },
          { name: 'master-a', addr: '127.0.0.2:5001', config: cacheConfig },
          { name: 'master-b', addr: '127.0.0.3:5001', config: cacheConfig },
        ],
        images: [{ registry: 'upstream', repository: 'deckhouse/ee', tag: 'v1' }, { registry: 'upstream', repository: 'system/deckhouse', tag: 'v1' }],
        mounts: { '/etc/kubernetes/registry': 'trees/master/etc/kubernetes/registry' },
        nginx: { config: 'trees/master/etc/kubernetes/registry-proxy/nginx.conf' },
        cases: [{ name: 'pull-through-local-endpoint', tree: 'trees/master', config: 'etc/containerd/registry-config-path.toml', pull: PULL, pulls: 4 }],
      }));
      const started = Date.now();
      result = JSON.parse(execFileSync('bash', [HARNESS, target.bin, dir], { timeout: 180_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString());
      // eslint-disable-next-line no-console
      console.log(`${target.label}: Proxy scenario (nginx, 2 caches, 4 pulls) in ${((Date.now() - started) / 1000).toFixed(2)} s`);
      fs.rmSync(dir, { recursive: true, force: true });
    }, 200_000);

    test('the generated nginx.conf passes nginx -t and serves 127.0.0.1:5001', () => {
      expect(result.nginx.test.exitCode).toBe(0);
      expect(result.nginx.started).toBe(true);
      expect(result.nginx.adapted.join('\n')).toMatch(/load_module/);
    });

    test('the generated distribution config runs as a pull-through cache (auth section removed: no docker_auth here)', () => {
      const caches = result.registries.filter((r: any) => r.name.startsWith('master-'));
      expect(caches.map((c: any) => [c.name, c.startError, c.proxy])).toEqual([
        ['master-a', null, expect.stringMatching(/^http:\/\/127\.0\.0\.1:5100/)], ['master-b', null, expect.stringMatching(/^http:\/\/127\.0\.0\.1:5100/)],
      ]);
      for (const c of caches) expect(c.adapted).toEqual(expect.arrayContaining(['auth removed']));
    });

    test('containerd pulls the cluster image through 127.0.0.1:5001 four times; nginx spreads the pulls over both caches', () => {
      const c = result.cases[0];
      expect(c.configDump.exitCode).toBe(0);
      expect(c.criPluginOk).toBe(true);
      expect(c.pulls).toEqual(Array(4).fill({ ok: true, imageRef: result.imageId, error: null }));
      expect(c.requestCounts['master-a']).toBeGreaterThan(0);
      expect(c.requestCounts['master-b']).toBeGreaterThan(0);
      expect(c.requestCounts.upstream).toBeGreaterThan(0);
      const predicted = ContainerdHosts.firstManifestEndpoint(ContainerdHosts.resolveImage(PULL, files, { containerdBuild: ContainerdBuild.STOCK, containerdMajor: target.major }), PULL);
      expect(predicted).toMatchObject({ source: 'mirror', scheme: 'https', host: '127.0.0.1:5001' });
      // Each registry's log is listed on its own, so look for the tag resolution the resolver predicts at either cache.
      const resolves = c.requests.filter((q: any) => q.registry.startsWith('master-') && q.method === 'HEAD' && q.path.includes('/manifests/v1'));
      expect(resolves.length).toBe(4);
      for (const q of resolves) expect(q).toMatchObject({ path: predicted!.manifestRequest, status: 200 });
    });
  });
}
