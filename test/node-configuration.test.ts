// Node bundles: the files per node group and CRI, their delivery script, and agreement between the
// registry-bashible-config payload, the scripts and the file trees.
import { fakeKubeEnv } from './support/fake-kubectl';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as TOML from '@iarna/toml';
import { Testing } from 'cdk8s';
import { ContainerdBuild, Cri, NodeConfiguration, RegistryMode, RegistryModel, RegistryModuleProps, Scheme } from '../lib';
import { nodeFiles } from '../lib/render/node-files';
import { nodeScript } from '../lib/render/node-script';
import { EXAMPLE_IMAGES, parseYaml, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { secretData } from './support/manifests';
import { nodeScriptIn, runNodeScriptOk, scriptFiles } from './support/node-script';
import { renderModule } from './support/render';
import { scratchDir } from './support/scratch';
import { snapshotTree } from './support/tree';

const REPO = 'registry.deckhouse.ru/deckhouse/ee';
const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }];
const directProps = (over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode: RegistryMode.direct({ imagesRepo: 'registry.example.com:5000/deckhouse/ee', username: 'puller', password: 'pw', ca: TEST_UPSTREAM_CA }),
  nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI, ...over,
});

function render(props: RegistryModuleProps) {
  const { module, objects } = renderModule(props);
  return { module, objects, files: module.nodeConfiguration.toFiles(), ngcs: objects.filter((o) => o.kind === 'NodeGroupConfiguration') };
}

describe.each([
  ['Direct', directProps()],
  ['Direct with a licence', directProps({ mode: RegistryMode.direct({ imagesRepo: REPO, license: 'FAKE' }) })],
  ['configurable Unmanaged', { mode: RegistryMode.unmanaged({ imagesRepo: REPO, scheme: Scheme.HTTP }), nodeGroups: GROUPS }],
])('%s', (_name, props) => {
  const { files, ngcs, objects } = render(props);

  test('snapshot of the node file trees and NodeGroupConfigurations per CRI', () => {
    expect({ files, ngcs }).toMatchSnapshot();
  });

  test('one NodeGroupConfiguration per containerd node group, scoped to it', () => {
    expect(ngcs.map((n) => n.metadata.name)).toEqual(['registry-containerd-master', 'registry-containerd-worker']);
    for (const n of ngcs) {
      expect(n.apiVersion).toBe('deckhouse.io/v1alpha1');
      expect(n.metadata.namespace).toBeUndefined();
      expect(n.spec).toMatchObject({ bundles: ['*'], weight: 30 });
      expect(n.spec.nodeGroups).toEqual([n.metadata.name.replace('registry-containerd-', '')]);
    }
  });

  test('config_path lands in the right section for each runtime', () => {
    expect(TOML.parse(files['nodes/master/etc/containerd/registry-config-path.toml'])).toEqual({
      version: 2, plugins: { 'io.containerd.grpc.v1.cri': { registry: { config_path: '/etc/containerd/registry.d' } } },
    });
    expect(TOML.parse(files['nodes/worker/etc/containerd/registry-config-path.toml'])).toEqual({
      version: 3, plugins: { 'io.containerd.cri.v1.images': { registry: { config_path: '/etc/containerd/registry.d' } } },
    });
  });

  test('every hosts.toml parses, has a [host] table, known capabilities, CA files that exist, and rewrites without a leading slash', () => {
    const hostsFiles = Object.keys(files).filter((f) => f.endsWith('/hosts.toml'));
    expect(hostsFiles.length).toBeGreaterThan(0);
    for (const f of hostsFiles) {
      const group = f.split('/')[1];
      const doc = TOML.parse(files[f]) as any;
      expect(doc.server).toBeUndefined();
      expect(Object.keys(doc.host).length).toBeGreaterThan(0);
      for (const table of Object.values<any>(doc.host)) {
        expect(table.capabilities).toEqual(['pull', 'resolve']);
        for (const ca of table.ca ?? []) expect(files[`nodes/${group}${ca}`]).toMatch(/^-----BEGIN CERTIFICATE-----/);
        for (const r of table.rewrite ?? []) {
          expect(r.regex).not.toMatch(/^\^\//);
          expect(new RegExp(r.regex).test('system/deckhouse')).toBe(true);
        }
      }
    }
  });

  test('the bashible payload, the scripts and the file trees agree', () => {
    const payload = parseYaml(secretData(objects, 'registry-bashible-config').config);
    for (const group of GROUPS) {
      const fromPayload = nodeFiles(payload.hosts, group.cri);
      const tree: Record<string, string> = {};
      for (const [f, c] of Object.entries(files)) if (f.startsWith(`nodes/${group.name}/`)) tree[f.slice(`nodes/${group.name}`.length)] = c;
      const script = scriptFiles(nodeScriptIn(objects, group.name), objects);
      expect(Object.fromEntries(fromPayload.map((f) => [f.path, f.content]))).toEqual(tree);
      expect(Object.fromEntries(Object.entries(script).map(([p, v]) => [p, v.content]))).toEqual(tree);
      expect(Object.fromEntries(Object.entries(script).map(([p, v]) => [p, v.mode]))).toEqual(
        Object.fromEntries(fromPayload.map((f) => [f.path, f.path.endsWith('hosts.toml') ? '600' : '644'])));
    }
  });
});

describe('Direct hosts.toml content', () => {
  const { files } = render(directProps());
  test('mirror, CA path, auth and rewrite as Deckhouse writes them', () => {
    const doc = TOML.parse(files['nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml']) as any;
    expect(doc).toEqual({
      host: {
        'https://registry.example.com:5000': {
          capabilities: ['pull', 'resolve'],
          ca: ['/etc/containerd/registry.d/registry.d8-system.svc:5001/https-registry.example.com:5000-ca.crt'],
          auth: { username: 'puller', password: 'pw' },
          rewrite: [{ regex: '^system/deckhouse', replace: 'deckhouse/ee' }],
        },
      },
    });
    // The module's canonical PEM plus the template's newline: the file ends with an empty line (errata §10).
    expect(files['nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001/https-registry.example.com:5000-ca.crt']).toBe(`${TEST_UPSTREAM_CA.trimStart()}\n`);
  });
  test('an http mirror gets skip_verify and no ca', () => {
    const { files: f } = render(directProps({ mode: RegistryMode.direct({ imagesRepo: 'mirror.local:5000/dkp', scheme: Scheme.HTTP }) }));
    const doc = TOML.parse(f['nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml']) as any;
    expect(doc.host['http://mirror.local:5000']).toEqual({ capabilities: ['pull', 'resolve'], skip_verify: true, rewrite: [{ regex: '^system/deckhouse', replace: 'dkp' }] });
  });
});

describe('runtime flavour', () => {
  test('fails: a rewrite aimed at stock containerd', () => {
    expect(() => render(directProps({ mode: RegistryMode.direct({ imagesRepo: 'mirror.local/dkp/ce' }), containerdBuild: ContainerdBuild.STOCK })))
      .toThrow(/^containerdBuild: stock containerd ignores hosts\.toml rewrite, so "\^system\/deckhouse" -> "dkp\/ce" .*use a mirror that needs no path rewrite \(an imagesRepo whose path is \/system\/deckhouse\)/);
  });
  test('fails: hosts.toml auth aimed at stock containerd', () => {
    expect(() => render(directProps({ containerdBuild: ContainerdBuild.STOCK })))
      .toThrow(/^containerdBuild: stock containerd ignores hosts\.toml auth.*give credentials through an image pull secret/);
    expect(() => render({ mode: RegistryMode.unmanaged({ imagesRepo: REPO, license: 'k' }), containerdBuild: ContainerdBuild.STOCK })).toThrow(/ignores hosts\.toml auth/);
  });
  test('stock works for a mirror that needs no rewrite and no credentials: the identity rewrite is dropped', () => {
    const { files } = render(directProps({ mode: RegistryMode.direct({ imagesRepo: 'mirror.local/system/deckhouse' }), containerdBuild: ContainerdBuild.STOCK }));
    const doc = TOML.parse(files['nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml']) as any;
    expect(doc.host['https://mirror.local']).toEqual({ capabilities: ['pull', 'resolve'] });
  });
  test('fails on an unknown containerd build', () => {
    expect(() => new NodeConfiguration(Testing.chart(), 'N', { model: RegistryModel.resolve({ mode: RegistryMode.unmanaged(), containerdBuild: 'Patched' as any }) })).toThrow(/^containerdBuild: expected one of "Deckhouse" or "Stock"/);
  });
});

describe('what gets no node files', () => {
  test('default Unmanaged: nothing', () => {
    const { files, ngcs } = render({});
    expect(files).toEqual({});
    expect(ngcs).toEqual([]);
  });
  test('configurable Unmanaged skips node groups without containerd', () => {
    const { ngcs } = render({ mode: RegistryMode.unmanaged({ imagesRepo: REPO }), nodeGroups: [{ name: 'old', cri: Cri.DOCKER }, { name: 'new' }] });
    expect(ngcs.map((n) => n.metadata.name)).toEqual(['registry-containerd-new']);
  });
});

describe('the node script', () => {
  const scratch = () => scratchDir('node-root-');
  // The script and the objects it reads its secret files from (the kubectl stand-in serves them).
  const objectsOf = new Map<string, any[]>();
  const run = (script: string, root: string) => runNodeScriptOk(script, root, { env: fakeKubeEnv(objectsOf.get(script) ?? []) });
  const scriptOf = (props: RegistryModuleProps, group = 'master') => {
    const { objects } = render(props);
    const script = nodeScriptIn(objects, group);
    objectsOf.set(script, objects);
    return script;
  };
  const treeWithModes = (root: string) => {
    const out: Record<string, string> = {};
    for (const [f, e] of snapshotTree(root)) if (e.type === 'file') out[`${f} ${(e.mode & 0o777).toString(8)}`] = (e.content as Buffer).toString('utf8');
    return out;
  };

  test('writes exactly the bundle, with modes, and nothing else', async () => {
    const root = scratch();
    const { module } = render(directProps());
    await run(scriptOf(directProps()), root);
    const expected: Record<string, string> = {};
    for (const f of module.nodeConfiguration.bundles[0].files) expected[`${f.path} ${f.mode.toString(8)}`] = f.content;
    expected['/etc/containerd/registry.d/.cdk8s-registry-owned-files 644'] = `${module.nodeConfiguration.bundles[0].files.map((f) => f.path).sort().join('\n')}\n`;
    expect(treeWithModes(root)).toEqual(expected);
  });

  test('is idempotent: a second run changes nothing (same inodes, same content)', async () => {
    const root = scratch();
    const script = scriptOf(directProps());
    await run(script, root);
    const hosts = path.join(root, 'etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml');
    const before = fs.statSync(hosts).ino;
    const tree = treeWithModes(root);
    await run(script, root);
    expect(fs.statSync(hosts).ino).toBe(before);
    expect(treeWithModes(root)).toEqual(tree);
  });

  test('removes the files it wrote and no longer writes, then the host directories that left empty, and leaves foreign files alone', async () => {
    const root = scratch();
    await run(scriptOf({ mode: RegistryMode.unmanaged({ imagesRepo: REPO, ca: TEST_UPSTREAM_CA }), nodeGroups: GROUPS }), root);
    const foreign = path.join(root, 'etc/containerd/registry.d/docker.io/hosts.toml');
    fs.mkdirSync(path.dirname(foreign), { recursive: true });
    fs.writeFileSync(foreign, '[host."https://mirror.gcr.io"]\n');
    const certsDir = path.join(root, 'etc/containerd/certs.d/x');
    fs.mkdirSync(certsDir, { recursive: true });
    expect(fs.existsSync(path.join(root, 'etc/containerd/registry.d/registry.deckhouse.ru/https-registry.deckhouse.ru-ca.crt'))).toBe(true);
    // the same upstream without its CA: the CA file goes, the directory stays
    await run(scriptOf({ mode: RegistryMode.unmanaged({ imagesRepo: REPO }), nodeGroups: GROUPS }), root);
    expect(fs.readdirSync(path.join(root, 'etc/containerd/registry.d/registry.deckhouse.ru'))).toEqual(['hosts.toml']);
    // switch to Direct: the old host directory goes, the foreign ones stay
    await run(scriptOf(directProps()), root);
    expect(fs.readdirSync(path.join(root, 'etc/containerd/registry.d')).sort()).toEqual(['.cdk8s-registry-owned-files', 'docker.io', 'registry.d8-system.svc:5001']);
    expect(fs.existsSync(certsDir)).toBe(true);
  });

  test('hostile-looking values stay data: quotes, $(), backticks, backslashes and unicode in a password reach the file intact', async () => {
    const nasty = 'p\'"$(touch /tmp/pwned)`id`\\${HOME};\u00e9';
    const props = directProps({ mode: RegistryMode.direct({ imagesRepo: REPO, username: 'u', password: nasty }) });
    const root = scratch();
    await run(scriptOf(props), root);
    const doc = TOML.parse(fs.readFileSync(path.join(root, 'etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml'), 'utf8')) as any;
    expect(doc.host['https://registry.deckhouse.ru'].auth.password).toBe(nasty);
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });

  test('refuses to render an unsafe path', () => {
    expect(() => nodeScript('master', [{ path: '/etc/containerd/registry.d/x\'y/hosts.toml', content: '', mode: 0o600 }], ['x'])).toThrow(/refusing unsafe path/);
    expect(() => nodeScript('master', [], ['..'])).toThrow(/refusing unsafe host directory/);
  });

  const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  const runShellcheck = hasShellcheck || process.env.CI !== undefined;
  (runShellcheck ? test : test.skip)(`is shellcheck-clean${runShellcheck ? '' : ' (skipped: shellcheck not installed)'}`, () => {
    if (!hasShellcheck) throw new Error('shellcheck is required in CI (.ci/run installs it)');
    for (const props of [directProps(), { mode: RegistryMode.unmanaged({ imagesRepo: REPO }), nodeGroups: GROUPS }]) {
      const file = path.join(scratch(), 'script.sh');
      fs.writeFileSync(file, scriptOf(props));
      const r = spawnSync('shellcheck', ['-S', 'style', '-s', 'bash', file], { encoding: 'utf8' });
      expect(r.stdout).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
