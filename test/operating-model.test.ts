// Issue #10: the two targets (who writes what), the applied ModuleConfig (merged, substitution-safe), GitOps-shaped
// output, and Secret-backed delivery of node files that hold credentials or keys.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import {
  ClusterType, CredentialForm, Cri, DeliveryTarget, RegistryConstants, RegistryMode, RegistryModuleProps, RegistrySettings, RegistrySwitch,
} from '../lib';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { fakeKubeEnv } from './support/fake-kubectl';
import { b64, decodeSecret, parseManifests, secretData } from './support/manifests';
import { pkiFor } from './support/node-pki';
import { nodeScriptIn, runNodeScript } from './support/node-script';
import { renderModule, Rendered } from './support/render';
import { scratchDir } from './support/scratch';
import { readTree } from './support/tree';


const LICENSE = 'FAKE-LICENSE-operating-model';
const MASTERS = [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }];
const direct = (over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: LICENSE }),
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  ...over,
});
const proxy = (over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode: RegistryMode.proxy({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: LICENSE }),
  clusterType: ClusterType.STATIC, controlPlane: MASTERS,
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  ...over,
});

/** Renders with the library's default target unless `props` names one. */
function module(props: RegistryModuleProps): Rendered & { files: Record<string, string> } {
  const r = renderModule({ target: DeliveryTarget.WITH_MODULE, ...props });
  return Object.assign(r, { files: r.module.toFiles() });
}
const docs = (text: string): any[] => parseManifests(text);

describe('with the module (the default target)', () => {
  const { objects, files } = module(direct());

  test('the chart synthesizes nothing: what the module renders is never applied by accident', () => {
    expect(objects).toEqual([]);
  });

  test('apply/ holds only ModuleConfig/deckhouse and a kustomization; expected/ the module\'s objects and bashible\'s files', () => {
    expect(Object.keys(files).filter((f) => f.startsWith('apply/')).sort()).toEqual(['apply/README.md', 'apply/kustomization.yaml', 'apply/moduleconfig.yaml']);
    expect(docs(files['apply/moduleconfig.yaml']).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ModuleConfig/deckhouse']);
    const expected = docs(files['expected/registry.k8s.yaml']);
    expect(expected.map((o) => o.kind)).not.toContain('NodeGroupConfiguration');
    expect(expected.map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['registry-bashible-config', 'registry-incluster-proxy', 'deckhouse-registry']));
    expect(Object.keys(files).filter((f) => f.startsWith('expected/nodes/'))).toEqual(expect.arrayContaining([
      'expected/nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml',
    ]));
    for (const f of ['README.md', 'apply/README.md', 'expected/README.md']) expect(files[f].length).toBeGreaterThan(100);
    expect(files['expected/README.md']).toMatch(/review only: never apply/);
  });

  test('no PKI and no image digests needed: what the module generates or knows is marked, not made up', () => {
    const expected = files['expected/registry.k8s.yaml'];
    const pki = docs(expected).find((o) => o.metadata.name === 'registry-pki');
    for (const v of Object.values(decodeSecret(pki))) expect(v).toBe(RegistryConstants.MODULE_GENERATED);
    const d = docs(expected).find((o) => o.kind === 'Deployment');
    expect(d.spec.template.spec.containers[0].image).toBe(`registry.d8-system.svc:5001/system/deckhouse@${RegistryConstants.MODULE_GENERATED}`);
    expect(d.metadata.annotations['registry.deckhouse.io/hash']).toBe(RegistryConstants.MODULE_GENERATED);
    // Direct's bashible payload holds no generated value: its version is the module's own recipe, computed.
    const bashible = YAML.parse(secretData(docs(expected), 'registry-bashible-config').config);
    expect(bashible.version).toMatch(/^[0-9a-f]{64}$/);
  });

  test('Proxy without a PKI: user passwords, hashes, keys and versions are the module\'s', () => {
    const { files: f } = module(proxy());
    const expected = docs(f['expected/registry.k8s.yaml']);
    expect(secretData(expected, 'registry-user-ro').password).toBe(RegistryConstants.MODULE_GENERATED);
    const hosts = f['expected/nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml'];
    expect(hosts).toContain(`password = "${RegistryConstants.MODULE_GENERATED}"`);
    expect(f['expected/nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001/https-127.0.0.1:5001-ca.crt']).toBe(RegistryConstants.MODULE_GENERATED);
    const nodeConfig = YAML.parse(secretData(expected, 'registry-node-config-master-0').config);
    expect([nodeConfig.auth_key, nodeConfig.user_ro.password, nodeConfig.http_secret]).toEqual([RegistryConstants.MODULE_GENERATED, RegistryConstants.MODULE_GENERATED, RegistryConstants.MODULE_GENERATED]);
  });

  test('a PKI given anyway is used; passwords and hashes stay the module\'s', () => {
    const { files: f } = module(proxy({ pki: pkiFor(MASTERS), images: EXAMPLE_IMAGES }));
    const expected = docs(f['expected/registry.k8s.yaml']);
    expect(secretData(expected, 'registry-pki')['ca.crt']).toBe(TEST_PKI.ca.certificate.trimStart());
    expect(secretData(expected, 'registry-user-ro').password).toBe(RegistryConstants.MODULE_GENERATED);
  });
});

describe('without the module (opt-in)', () => {
  const { objects, files } = module(direct({ target: DeliveryTarget.WITHOUT_MODULE, pki: TEST_PKI, images: EXAMPLE_IMAGES }));

  test('fails without the PKI and the image digests it must render for real', () => {
    expect(() => module(direct({ target: DeliveryTarget.WITHOUT_MODULE })))
      .toThrow(/^images: mode 'Direct' runs the in-cluster proxy and needs the digests of its images/);
    expect(() => module(direct({ target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES })))
      .toThrow(/^pki: mode 'Direct' rendered without the module \(target WithoutModule\) needs the module's PKI/);
  });

  test('the chart holds every applied object, each kept out of Flux substitution; the ModuleConfig is a file of its own', () => {
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Secret', 'Deployment', 'Service', 'NodeGroupConfiguration', 'Role', 'RoleBinding']));
    expect(objects.map((o) => o.kind)).not.toContain('ModuleConfig');
    for (const o of objects) expect(o.metadata.annotations['kustomize.toolkit.fluxcd.io/substitute']).toBe('disabled');
    expect(docs(files['apply/registry.k8s.yaml'])).toEqual(objects);
    expect(files['apply/kustomization.yaml']).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - moduleconfig.yaml\n  - registry.k8s.yaml\n');
  });

  test('no NodeGroupConfiguration carries a credential: hosts.toml with auth comes from a Secret nodes may read', () => {
    for (const ngc of objects.filter((o) => o.kind === 'NodeGroupConfiguration')) {
      const text = JSON.stringify(ngc);
      expect(text).not.toContain(LICENSE);
      expect(text).not.toContain(b64(LICENSE));
      expect(ngc.spec.content).toMatch(/fetch 'registry-node-files-group-(master|worker)'/);
    }
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'registry-node-files');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['registry-node-files-group-master', 'registry-node-files-group-worker'], verbs: ['get'] }]);
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'registry-node-files');
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }]);
  });
});

// ---- The delivery, run for real: each script under bash against a scratch root, reading its Secrets through a
// kubectl stand-in that serves the rendered Secrets and enforces the rendered Roles and RoleBindings.
async function deliver(objects: any[], group: string, node: string): Promise<{ status: number | null; stderr: string; tree: Record<string, string> }> {
  const root = scratchDir('delivery-');
  try {
    const r = await runNodeScript(nodeScriptIn(objects, group), root, { env: fakeKubeEnv(objects, node) });
    const tree: Record<string, string> = {};
    for (const [p, content] of Object.entries(readTree(root))) if (!path.basename(p).startsWith('.cdk8s-registry-owned')) tree[`/${p}`] = content;
    return { status: r.status, stderr: r.stderr, tree };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const isRoot = process.getuid?.() === 0;
describe('Secret-backed node file delivery, run under bash', () => {
  test('a worker writes exactly its expected files, the hosts.toml with the licence fetched from the group Secret', async () => {
    const { objects, files } = module(direct({ target: DeliveryTarget.WITHOUT_MODULE, pki: TEST_PKI, images: EXAMPLE_IMAGES }));
    const r = await deliver(objects, 'worker', 'worker-0');
    expect([r.status, r.stderr]).toEqual([0, '']);
    const expected: Record<string, string> = {};
    for (const [f, c] of Object.entries(files)) if (f.startsWith('expected/nodes/worker/')) expected[f.slice('expected/nodes/worker'.length)] = c;
    expect(r.tree).toEqual(expected);
    expect(r.tree['/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml']).toContain(LICENSE);
  });

  (isRoot ? test : test.skip)(`Proxy: each master gets its own keys from its own Secret; another node may not read them${isRoot ? '' : ' (skipped: not root, the node services files are chowned)'}`, async () => {
    const { objects, files } = module(proxy({ target: DeliveryTarget.WITHOUT_MODULE, pki: pkiFor(MASTERS), images: EXAMPLE_IMAGES }));
    for (const ngc of objects.filter((o) => o.kind === 'NodeGroupConfiguration')) expect(ngc.spec.content).not.toMatch(/PRIVATE KEY|LS0tLS1CRUdJTiBQUklWQVRF/);
    const r = await deliver(objects, 'master', 'master-1');
    expect([r.status, r.stderr]).toEqual([0, '']);
    const expected: Record<string, string> = {};
    for (const [f, c] of Object.entries(files)) {
      if (f.startsWith('expected/nodes/master/')) expected[f.slice('expected/nodes/master'.length)] = c;
      if (f.startsWith('expected/nodes/master@master-1/')) expected[f.slice('expected/nodes/master@master-1'.length)] = c;
    }
    expect(r.tree).toEqual(expected);
    // The node's identity decides: master-0's Secret is forbidden to master-1 (RBAC as rendered).
    const forged = objects.map((o) => (o.kind === 'NodeGroupConfiguration' && o.spec.nodeGroups[0] === 'master'
      ? { ...o, spec: { ...o.spec, content: o.spec.content.replace("fetch 'registry-node-files-node-master-1'", "fetch 'registry-node-files-node-master-0'") } } : o));
    const denied = await deliver(forged, 'master', 'master-1');
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden: User "system:node:master-1"/);
  });

  test('a node that has not joined yet (no kubelet.conf) waits for the next bashible run without writing anything', async () => {
    const { objects } = module(direct({ target: DeliveryTarget.WITHOUT_MODULE, pki: TEST_PKI, images: EXAMPLE_IMAGES }));
    const root = scratchDir('joining-');
    const r = await runNodeScript(nodeScriptIn(objects), root, { env: { REGISTRY_KUBECONFIG: path.join(root, 'none') } });
    expect([r.status, r.stderr]).toEqual([0, expect.stringMatching(/does not exist yet \(the node is joining\)/)]);
    expect(fs.readdirSync(root)).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('the applied ModuleConfig is the user\'s own, merged', () => {
  const source = [
    'apiVersion: deckhouse.io/v1alpha1',
    'kind: ModuleConfig',
    'metadata:',
    '  name: deckhouse',
    '  labels: { team: platform }',
    '  annotations: { note: keep-me }',
    'spec:',
    '  version: 2',
    '  enabled: true',
    '  settings:',
    '    bundle: Default',
    '    releaseChannel: Stable',
    '    logLevel: Info',
    '    registry:',
    '      mode: Direct',
    '      direct:',
    '        imagesRepo: registry.deckhouse.ru/deckhouse/ee',
    `        license: ${LICENSE}`,
    '',
  ].join('\n');

  test('keeps every other field, setting, label, annotation and spec.version; only settings.registry changes, and says so', () => {
    const { files } = module({ mode: RegistrySettings.fromModuleConfig(source, 'mc.yaml'), nodeGroups: [{ name: 'master' }] });
    const out = YAML.parse(files['apply/moduleconfig.yaml']);
    const src = YAML.parse(source);
    expect({ ...out, spec: { ...out.spec, settings: { ...out.spec.settings, registry: undefined } } })
      .toEqual({ ...src, spec: { ...src.spec, settings: { ...src.spec.settings, registry: undefined } } });
    expect(out.spec.settings.registry.direct.license).toBe('${REGISTRY_DIRECT_LICENSE}');
    expect(files['apply/README.md']).toMatch(/only `spec.settings.registry` changed; kept as given: `metadata.labels`, `metadata.annotations`, `spec.version`, `spec.enabled`, `spec.settings.bundle`, `spec.settings.releaseChannel`, `spec.settings.logLevel`/);
  });

  test('a ModuleConfig exported from a cluster: server-set fields, status and kubectl\'s last-applied copy (old credentials in clear) are dropped', () => {
    const old = JSON.stringify({ spec: { settings: { registry: { direct: { license: 'OLD-LICENCE-in-last-applied' } } } } });
    const exported = source.replace('  annotations: { note: keep-me }\n', [
      '  annotations:',
      '    note: keep-me',
      `    kubectl.kubernetes.io/last-applied-configuration: '${old}'`,
      '  resourceVersion: "4711"',
      '  uid: 0c9d7a4e-0000-4000-8000-000000000001',
      '  generation: 3',
      '  creationTimestamp: "2026-01-01T00:00:00Z"',
      '  managedFields: [{ manager: kubectl, operation: Update }]',
      '',
    ].join('\n')) + 'status:\n  message: ""\n  version: "2"\n';
    const { files } = module({ mode: RegistrySettings.fromModuleConfig(exported, 'mc.yaml'), nodeGroups: [{ name: 'master' }] });
    const text = files['apply/moduleconfig.yaml'];
    expect(text).not.toContain('OLD-LICENCE');
    const out = YAML.parse(text);
    expect(out.metadata).toEqual({ name: 'deckhouse', labels: { team: 'platform' }, annotations: { note: 'keep-me' } });
    expect(out.status).toBeUndefined();
    expect(out.spec.version).toBe(2);
  });
});

// ---- Substitution: every value the module accepts comes back as exactly that string.
const PASSWORDS = [
  '12345678', 'yes', 'no', 'on', '0x1F', '0o17', '017', '1e3', '.inf', '~', 'null', 'true', 'Pa55 #word', '[abc]', '{a: b}', '*x', '&anchor', '!tag',
  'k: v', '- item', '? q', '${HOME}', '$HOME', 'a$b', '"quoted"', "'single'", 'back\\slash', 'trail\\', ' leading space', 'trailing space ',
  'ünïcødé ✓ 密码', '#hash', '|pipe', '>fold', '%percent', '@at', '`tick`', 'x'.repeat(2048),
];

function substitute(text: string, vars: Record<string, string>, flux: boolean): string {
  // envsubst with an explicit list: only ${VAR} and $VAR of listed names. Flux (drone/envsubst): also ${VAR:-default}.
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(:-[^}]*)?\}|\$([A-Z_][A-Z0-9_]*)/g, (all, braced?: string, dflt?: string, bare?: string) => {
    const name = (braced ?? bare) as string;
    if (vars[name] !== undefined) return vars[name];
    return flux && dflt !== undefined ? dflt.slice(2) : all;
  });
}

describe('credentials in the ModuleConfig, substitution-safe', () => {
  const proxyMode = RegistryMode.proxy({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'placeholder-password' });
  const text = module({ mode: proxyMode, nodeGroups: [{ name: 'master' }], clusterType: ClusterType.STATIC, controlPlane: MASTERS }).files['apply/moduleconfig.yaml'];
  const haveEnvsubst = spawnSync('envsubst', ['--version']).status === 0;

  test('placeholders sit in literal block scalars with an explicit indentation indicator', () => {
    expect(text).toContain('        password: |2-\n          ${REGISTRY_PROXY_PASSWORD}\n');
    expect(module({ mode: RegistryMode.unmanaged() }).files['apply/moduleconfig.yaml']).not.toContain('${');
  });

  test.each(PASSWORDS.map((p) => [p.length > 40 ? `${p.slice(0, 12)}… (${p.length})` : p, p]))('%s survives envsubst and Flux substitution', (_label, password) => {
    for (const flux of [false, true]) {
      const out = substitute(text, { REGISTRY_PROXY_PASSWORD: password }, flux);
      expect(YAML.parse(out, { version: '1.1' }).spec.settings.registry.proxy.password).toBe(password);
      expect(YAML.parse(out, { version: '1.2' }).spec.settings.registry.proxy.password).toBe(password);
    }
    if (haveEnvsubst || process.env.CI) {
      const real = execFileSync('envsubst', ['$REGISTRY_PROXY_PASSWORD'], { input: text, env: { PATH: process.env.PATH, REGISTRY_PROXY_PASSWORD: password, HOME: '/should-not-appear' } }).toString();
      expect(YAML.parse(real).spec.settings.registry.proxy.password).toBe(password);
    }
  });

  test('envsubst with the variable list touches nothing else: node scripts keep $dest, $tmp and ${registry_dir}', () => {
    if (!haveEnvsubst && !process.env.CI) return;
    const { files } = module(direct({ target: DeliveryTarget.WITHOUT_MODULE, pki: TEST_PKI, images: EXAMPLE_IMAGES }));
    const manifests = files['apply/registry.k8s.yaml'];
    expect(execFileSync('envsubst', ['$REGISTRY_DIRECT_LICENSE'], { input: manifests, env: { PATH: process.env.PATH, REGISTRY_DIRECT_LICENSE: 'x' } }).toString()).toBe(manifests);
  });

  test('inline form for an encrypted pipeline: the values, and a header that says to encrypt the file', () => {
    const inline = module({ mode: proxyMode, moduleConfigCredentials: CredentialForm.INLINE, nodeGroups: [{ name: 'master' }], clusterType: ClusterType.STATIC, controlPlane: MASTERS });
    const t = inline.files['apply/moduleconfig.yaml'];
    expect(t.split('\n')[0]).toMatch(/^# This file holds registry credentials in clear text: encrypt it .*SOPS.* before it is committed\.$/);
    expect(YAML.parse(t).spec.settings.registry.proxy.password).toBe('placeholder-password');
    expect(inline.files['apply/README.md']).toMatch(/encrypt it/);
  });

  test('kustomize re-emits the block scalar as a plain one: Flux substitutes after kustomize build, so the README sends Flux users to the inline form with SOPS', () => {
    const have = spawnSync('kubectl', ['version', '--client']).status === 0;
    if (!have && !process.env.CI) return;
    const dir = scratchDir('kustomize-');
    fs.writeFileSync(path.join(dir, 'moduleconfig.yaml'), text);
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n  - moduleconfig.yaml\n');
    const built = execFileSync('kubectl', ['kustomize', dir]).toString();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(built).toContain('password: ${REGISTRY_PROXY_PASSWORD}');
    expect(YAML.parse(substitute(built, { REGISTRY_PROXY_PASSWORD: '12345678' }, true)).spec.settings.registry.proxy.password).toBe(12345678);
  });
});

describe('switch plans per target', () => {
  const from = RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: LICENSE });
  const to = RegistryMode.unmanaged({ imagesRepo: 'mirror.example.com:5000/dkp/ce' });

  test('with the module: the pipeline applies the new ModuleConfig once; the stages are what to expect', () => {
    const app = new App();
    const plan = new RegistrySwitch(app, 'S', { from, to });
    expect(app.synthYaml()).toBe('');
    const files = plan.toFiles();
    expect(Object.keys(files).filter((f) => f.startsWith('apply/')).sort()).toEqual(['apply/README.md', 'apply/kustomization.yaml', 'apply/moduleconfig.yaml']);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['expected/01-transition/registry.k8s.yaml', 'PLAN.md']));
    expect(files['PLAN.md']).toMatch(/The pipeline applies `apply\/moduleconfig.yaml` once; Deckhouse's `registry` module then performs/);
  });

  test('without the module: the pipeline applies the stage folders in order', () => {
    const plan = new RegistrySwitch(new App(), 'S', { from, to, target: DeliveryTarget.WITHOUT_MODULE, pki: TEST_PKI, images: EXAMPLE_IMAGES });
    const files = plan.toFiles();
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['apply/01-transition/registry.k8s.yaml', 'apply/01-transition/moduleconfig.yaml', 'apply/01-transition/kustomization.yaml']));
    expect(files['PLAN.md']).toMatch(/The pipeline applies the stages in order/);
  });
});

describe('every apply/ folder in dist/ builds with kubectl kustomize', () => {
  const have = spawnSync('kubectl', ['version', '--client']).status === 0;
  const folders: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(d, e.name);
      if (fs.existsSync(path.join(p, 'kustomization.yaml'))) folders.push(p);
      walk(p);
    }
  };
  walk(path.join(__dirname, '..', 'dist'));

  test('there are apply folders for both targets', () => {
    expect(folders.length).toBeGreaterThan(10);
  });

  (have || process.env.CI ? test.each(folders.map((f) => [path.relative(path.join(__dirname, '..'), f)])) : test.skip.each([['(kubectl missing)']]))('%s', (folder) => {
    const built = docs(execFileSync('kubectl', ['kustomize', path.join(__dirname, '..', folder)]).toString());
    expect(built.some((o) => o.kind === 'ModuleConfig' && o.metadata.name === 'deckhouse')).toBe(true);
  });
});

test('the upstream CA fixture is one certificate (as the module requires)', () => {
  expect(TEST_UPSTREAM_CA.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
});
