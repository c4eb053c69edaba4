// Issue 12, items 5-8, 11 and 12: the node scripts under attack and accident, run for real under bash in a mount
// namespace (bubblewrap: the host is read-only, a scratch folder is /etc), never against the real /etc.
import * as fs from 'fs';
import * as path from 'path';
import { ClusterType, Cri, DeliveryTarget, RegistryMode, RegistryModuleProps } from '../lib';
import { fakeKubeEnv } from './support/fake-kubectl';
import { pkiFor } from './support/node-pki';
import { OWNED_FILES_FILE, OWNERSHIP_FILE } from '../lib/render/node-script';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { nodeScriptIn, runNodeScript } from './support/node-script';
import { renderModule } from './support/render';
import { scratchDir } from './support/scratch';
import { snapshotTree } from './support/tree';

jest.setTimeout(60_000);

const REPO = 'registry.deckhouse.ru/deckhouse/ee';
const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }];
const HOSTS = '/etc/containerd/registry.d';
const FIXED = `${HOSTS}/registry.d8-system.svc:5001`;
const direct: RegistryModuleProps = {
  mode: RegistryMode.direct({ imagesRepo: 'registry.example.com:5000/deckhouse/ee', username: 'puller', password: 'pw', ca: TEST_UPSTREAM_CA }),
  nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI,
};
const proxy: RegistryModuleProps = {
  mode: RegistryMode.proxy({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'up', password: 'UP-PASS', ttl: '24h' }),
  clusterType: ClusterType.STATIC, nodeGroups: GROUPS,
  controlPlane: [{ name: 'master-0', address: '10.0.0.10' }], images: EXAMPLE_IMAGES, pki: pkiFor([{ name: 'master-0', address: '10.0.0.10' }]),
};
const unmanaged = (imagesRepo = REPO): RegistryModuleProps => ({ mode: RegistryMode.unmanaged({ imagesRepo, license: 'FAKE-LICENSE' }), nodeGroups: GROUPS });

/** The objects each script reads its secret files from (the kubectl stand-in serves them). */
const objectsOf = new Map<string, any[]>();
function scriptOf(props: RegistryModuleProps, group = 'master'): string {
  // Node scripts exist without the module (with it, bashible writes the node files).
  const { objects } = renderModule({ target: DeliveryTarget.WITHOUT_MODULE, ...props });
  const script = nodeScriptIn(objects, group);
  objectsOf.set(script, objects);
  lastObjects = objects;
  return script;
}
/** The objects of the last rendered script (for a script edited after rendering, such as the bashible stand-in). */
let lastObjects: any[] = [];
/** Runs a script isolated, with the kubectl stand-in serving its Secrets to node master-0. */
const runIsolated = (script: string, root: string, opts: { extraPath?: string; timeoutMs?: number } = {}) =>
  runNodeScript(script, root, { ...opts, isolated: true, env: fakeKubeEnv(objectsOf.get(script) ?? lastObjects, 'master-0') });
const at = (root: string, node: string) => path.join(root, node);
function newRoot(): string {
  const root = scratchDir('node-attack-');
  fs.mkdirSync(path.join(root, 'etc'));
  return root;
}

test('5. a node script follows a symlink out of its directory: it refuses, naming the link, and touches nothing there', async () => {
  const root = newRoot();
  fs.mkdirSync(at(root, '/etc/victim'));
  fs.writeFileSync(at(root, '/etc/victim/keep'), 'theirs');
  fs.mkdirSync(at(root, HOSTS), { recursive: true });
  fs.symlinkSync('../../victim', at(root, FIXED));
  const r = await runIsolated(scriptOf(direct), root);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/refusing to follow the symbolic link \S*\/etc\/containerd\/registry\.d\/registry\.d8-system\.svc:5001/);
  expect(fs.readdirSync(at(root, '/etc/victim'))).toEqual(['keep']);
  expect(fs.readlinkSync(at(root, FIXED))).toBe('../../victim');
  // a symlinked file and a symlinked hosts root are refused the same way
  const root2 = newRoot();
  fs.mkdirSync(at(root2, '/etc/elsewhere'));
  fs.mkdirSync(at(root2, '/etc/containerd'));
  fs.symlinkSync('../elsewhere', at(root2, HOSTS));
  const r2 = await runIsolated(scriptOf(direct), root2);
  expect(r2.status).not.toBe(0);
  expect(r2.stderr).toMatch(/symbolic link \S*\/etc\/containerd\/registry\.d\n/);
  expect(fs.readdirSync(at(root2, '/etc/elsewhere'))).toEqual([]);
  const root3 = newRoot();
  fs.mkdirSync(at(root3, FIXED), { recursive: true });
  fs.writeFileSync(at(root3, '/etc/passwd-like'), 'x');
  fs.symlinkSync('../../../passwd-like', at(root3, `${FIXED}/hosts.toml`));
  const r3 = await runIsolated(scriptOf(direct), root3);
  expect(r3.status).not.toBe(0);
  expect(r3.stderr).toMatch(/symbolic link \S*registry\.d8-system\.svc:5001\/hosts\.toml/);
  expect(fs.readFileSync(at(root3, '/etc/passwd-like'), 'utf8')).toBe('x');
});

test('6. a node script deletes files it never wrote: client.cert/client.key in an Unmanaged upstream host directory survive', async () => {
  const root = newRoot();
  const dir = at(root, `${HOSTS}/registry.deckhouse.ru`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'client.cert'), 'CERT');
  fs.writeFileSync(path.join(dir, 'client.key'), 'KEY', { mode: 0o600 });
  expect((await runIsolated(scriptOf(unmanaged()), root)).status).toBe(0);
  expect(fs.readdirSync(dir).sort()).toEqual(['client.cert', 'client.key', 'hosts.toml']);
  // leaving that upstream removes only what the script wrote there, and keeps the directory that still holds theirs
  expect((await runIsolated(scriptOf(unmanaged('other.example.com/dkp')), root)).status).toBe(0);
  expect(fs.readdirSync(dir).sort()).toEqual(['client.cert', 'client.key']);
  expect(fs.readFileSync(path.join(dir, 'client.key'), 'utf8')).toBe('KEY');
  // a file an older script version never listed is not ours either: the legacy state is read once, then dropped
  const root2 = newRoot();
  const dir2 = at(root2, `${HOSTS}/registry.deckhouse.ru`);
  fs.mkdirSync(dir2, { recursive: true });
  fs.writeFileSync(path.join(dir2, 'hosts.toml'), 'old');
  fs.writeFileSync(path.join(dir2, 'https-registry.deckhouse.ru-ca.crt'), 'old ca');
  fs.writeFileSync(path.join(dir2, 'client.cert'), 'CERT');
  fs.writeFileSync(at(root2, `${HOSTS}/${OWNERSHIP_FILE}`), 'registry.deckhouse.ru\n');
  expect((await runIsolated(scriptOf(direct), root2)).status).toBe(0);
  expect(fs.readdirSync(dir2)).toEqual(['client.cert']);
  expect(fs.existsSync(at(root2, `${HOSTS}/${OWNERSHIP_FILE}`))).toBe(false);
});

test('7. temporary static pod manifests: every temporary file is a dot-file, which kubelet and containerd ignore', async () => {
  const root = newRoot();
  const bin = scratchDir('fake-bin-');
  // a mktemp that logs its template (inside the scratch /etc), then does the real work
  fs.writeFileSync(path.join(bin, 'mktemp'), '#!/bin/bash\nprintf \'%s\\n\' "${@: -1}" >> "${REGISTRY_NODE_ROOT:-}/etc/mktemp.log"\nexec /usr/bin/mktemp "$@"\n', { mode: 0o755 });
  for (const props of [proxy, proxy]) expect((await runIsolated(scriptOf(props), root, { extraPath: bin })).status).toBe(0);
  const templates = fs.readFileSync(at(root, '/etc/mktemp.log'), 'utf8').trim().split('\n').map((t) => t.replace(root, ''));
  expect(templates).toContain('/etc/kubernetes/manifests/.registry-nodeservices.yaml.tmp.XXXXXX');
  // (mktemp -d, without a template, is the folder of the fetched Secrets: outside every watched directory)
  for (const t of templates.filter((x) => x !== '-d')) expect(path.basename(t)).toMatch(/^\./);
  fs.rmSync(at(root, '/etc/mktemp.log'));
  const leftovers = [...snapshotTree(root).keys()].filter((p) => /\.tmp\./.test(p));
  expect(leftovers).toEqual([]);
});

test('8. a destination that is a directory: an error naming it, and no temporary file swallowed', async () => {
  const root = newRoot();
  fs.mkdirSync(at(root, `${FIXED}/hosts.toml`), { recursive: true });
  const r = await runIsolated(scriptOf(direct), root);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/registry\.d8-system\.svc:5001\/hosts\.toml is in the way: a file goes there, and it is not a regular file/);
  expect(fs.readdirSync(at(root, `${FIXED}/hosts.toml`))).toEqual([]);
  expect((await runIsolated(scriptOf(direct), root)).status).not.toBe(0);
  expect(fs.readdirSync(at(root, `${FIXED}/hosts.toml`))).toEqual([]);
});

describe('11. leftovers', () => {
  test('state files are rewritten only on change (same inode, same mtime on a second run)', async () => {
    const root = newRoot();
    const script = scriptOf(direct);
    expect((await runIsolated(script, root)).status).toBe(0);
    const state = at(root, `${HOSTS}/${OWNED_FILES_FILE}`);
    const before = fs.statSync(state);
    await new Promise((r) => setTimeout(r, 20));
    expect((await runIsolated(script, root)).status).toBe(0);
    const after = fs.statSync(state);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(fs.readFileSync(state, 'utf8').split('\n').filter((l) => l !== '')).toEqual([
      '/etc/containerd/registry-config-path.toml', `${FIXED}/hosts.toml`, `${FIXED}/https-registry.example.com:5000-ca.crt`,
    ]);
  });

  test('empty managed directories are removed after leaving Proxy; the shared ones and foreign files stay', async () => {
    const root = newRoot();
    expect((await runIsolated(scriptOf(proxy), root)).status).toBe(0);
    expect(fs.existsSync(at(root, '/etc/kubernetes/registry/pki/ca.crt'))).toBe(true);
    fs.writeFileSync(at(root, '/etc/kubernetes/manifests/kube-apiserver.yaml'), 'theirs');
    expect((await runIsolated(scriptOf(direct), root)).status).toBe(0);
    expect(fs.existsSync(at(root, '/etc/kubernetes/registry'))).toBe(false);
    expect(fs.existsSync(at(root, '/etc/kubernetes/registry-proxy'))).toBe(false);
    expect(fs.readdirSync(at(root, '/etc/kubernetes/manifests'))).toEqual(['kube-apiserver.yaml']);
    expect(fs.readdirSync(at(root, HOSTS)).sort()).toEqual([OWNED_FILES_FILE, 'registry.d8-system.svc:5001']);
  });
});

test('12. nothing restarts containerd: the script reports a config_path change once, and asks bashible to restart it', async () => {
  const root = newRoot();
  const script = scriptOf(direct);
  const first = await runIsolated(script, root);
  expect(first.status).toBe(0);
  expect(first.stdout).toBe('registry node files: /etc/containerd/registry-config-path.toml changed; restart containerd to apply config_path (systemctl restart containerd)\n');
  const second = await runIsolated(script, root);
  expect([second.status, second.stdout, second.stderr]).toEqual([0, '', '']);
  // a hosts.toml change applies without a restart: no report
  expect((await runIsolated(scriptOf(unmanaged()), root)).stdout).toBe('');
  // under bashible (bb-flag-set defined), the script sets containerd-need-restart when the fragment changes
  const bashible = (s: string) => s.replace('set -euo pipefail', 'bb-flag-set() { printf \'%s\\n\' "$1" >> "${REGISTRY_NODE_ROOT:-}/etc/flags"; }\nset -euo pipefail');
  const root2 = newRoot();
  const r = await runIsolated(bashible(scriptOf(direct, 'worker')), root2);
  expect(r.stdout).toMatch(/changed; bashible restarts containerd \(flag containerd-need-restart\)/);
  expect(fs.readFileSync(at(root2, '/etc/flags'), 'utf8')).toBe('containerd-need-restart\n');
  await runIsolated(bashible(scriptOf(direct, 'worker')), root2);
  expect(fs.readFileSync(at(root2, '/etc/flags'), 'utf8')).toBe('containerd-need-restart\n');
});
