// RegistryVerification.compare: live fixtures built from an expected state rendered with the public API, clean and
// with one mutation at a time; markers, server-set fields, defaults, ownership and the secrets posture of the report.
import { pkiFor } from './support/node-pki';
import * as TOML from '@iarna/toml';
import {
  ClusterType, Cri, DeliveryTarget, RegistryConstants, RegistryMode, RegistryVerification, Scheme, VerifyReport, VerifyStatus, VerifySubjectKind,
} from '../lib';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { b64, decodeSecret, find, parseManifests } from './support/manifests';
import { renderModule } from './support/render';
import {
  asLive, bystanders, clone, editSecretDocument, kubectlList, liveCluster, markGenerated, renderState, RenderedState, toYamlDocuments,
} from './support/verify-fixtures';


const PASSWORD = 'Direct-Upstream-Pa55-never-shown';
const HOST_DIR = `${RegistryConstants.CONTAINERD_REGISTRY_DIR}/registry.d8-system.svc:5001`;
const CA_FILE = `${HOST_DIR}/https-registry.example.com:5000-ca.crt`;

const direct: RenderedState = renderState({
  mode: RegistryMode.direct({ imagesRepo: 'registry.example.com:5000/deckhouse/ee', scheme: Scheme.HTTPS, username: 'puller', password: PASSWORD, ca: TEST_UPSTREAM_CA }),
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  controlPlaneNodes: 3,
  images: EXAMPLE_IMAGES,
  pki: TEST_PKI,
});

const PROXY_PKI = pkiFor([{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }]);
const proxyRendered: RenderedState = renderState({
  mode: RegistryMode.proxy({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'PROXY-LICENSE-never-shown', ttl: '72h' }),
  clusterType: ClusterType.STATIC,
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  controlPlane: [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }],
  images: EXAMPLE_IMAGES,
  pki: PROXY_PKI,
});
/** The with-the-module expected state: generated values are markers. */
const proxyExpected = markGenerated(proxyRendered);

/** Every secret string of the fixtures: passwords, licence, private keys, the read-only user's password. */
function secretsOf(state: RenderedState): string[] {
  const out = [PASSWORD, 'PROXY-LICENSE-never-shown', 'BYSTANDER-SECRET'];
  for (const part of ['ca', 'token', 'auth', 'distribution'] as const) {
    out.push(TEST_PKI[part].privateKey.split('\n')[1]);
  }
  // The per-node pairs of the Proxy fixture (node services' auth and distribution keys).
  for (const pairs of Object.values(PROXY_PKI.nodes ?? {})) {
    for (const pair of Object.values(pairs)) out.push((pair as { privateKey: string }).privateKey.split('\n')[1]);
  }
  for (const o of state.objects) {
    if (o.kind === 'Secret' && o.metadata.name.startsWith('registry-user-')) out.push(decodeSecret(o).password, decodeSecret(o).passwordHash);
  }
  return out;
}

/** Fails when the report (text or structure) carries any secret of the fixtures. */
function expectNoSecrets(report: VerifyReport, extra: string[] = []): void {
  const text = report.toText(true) + JSON.stringify(report);
  for (const s of [...secretsOf(direct), ...secretsOf(proxyRendered), ...extra]) {
    expect(text.includes(s) ? `report shows a secret (${s.slice(0, 4)}…)` : 'no secret').toBe('no secret');
  }
}

function compare(state: RenderedState, live: string, group = 'worker', liveFiles?: Record<string, string>) {
  return RegistryVerification.compare({
    expectedObjects: toYamlDocuments(state.objects),
    liveObjects: live,
    expectedNodeFiles: state.nodeFiles[group],
    liveNodeFiles: liveFiles ?? registryDir(state.nodeFiles[group]),
    nodeGroup: group,
  });
}

/** The files of one node below registry.d, as read from a node (directories included). */
function registryDir(files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { [`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/`]: '' };
  for (const [p, c] of Object.entries(files)) {
    if (!p.startsWith(`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/`)) continue;
    out[p] = c;
    out[`${p.slice(0, p.lastIndexOf('/'))}/`] = '';
  }
  return out;
}

function entry(report: VerifyReport, subject: string) {
  const e = report.entries.find((x) => x.subject === subject);
  if (e === undefined) throw new Error(`no entry ${subject} among ${report.entries.map((x) => x.subject).join(', ')}`);
  return e;
}

function ignoredFor(report: VerifyReport, path: string) {
  return report.ignored.filter((i) => i.path === path);
}

describe('clean runs', () => {
  test('a live Direct cluster as kubectl prints it (List, server-set fields, Helm, defaults, bystanders) has converged', () => {
    const report = compare(direct, liveCluster(direct));
    expect(report.drift).toEqual([]);
    expect(report.converged).toBe(true);
    expect(report.entries.filter((e) => e.subjectKind === VerifySubjectKind.OBJECT)).toHaveLength(direct.objects.length);
    expect(entry(report, `${HOST_DIR}/hosts.toml`).status).toBe(VerifyStatus.EQUAL);
    expect(entry(report, CA_FILE).status).toBe(VerifyStatus.EQUAL);
    expect(report.toText()).toMatch(/^CONVERGED: /);
    expectNoSecrets(report);
  });

  test('lists what it ignored and why', () => {
    const report = compare(direct, liveCluster(direct));
    const reasons = (path: string) => ignoredFor(report, path).map((i) => i.reason).join(' | ');
    expect(reasons('metadata.uid')).toMatch(/API server/);
    expect(reasons('metadata.managedFields')).toMatch(/API server/);
    expect(reasons('status')).toMatch(/controllers/);
    expect(reasons('metadata.annotations."kubectl.kubernetes.io/last-applied-configuration"')).toMatch(/kubectl apply/);
    expect(reasons('metadata.annotations."meta.helm.sh/release-name"')).toMatch(/Helm/);
    expect(reasons('metadata.labels."app.kubernetes.io/managed-by"')).toMatch(/Helm/);
    expect(reasons('spec.progressDeadlineSeconds')).toMatch(/default/);
    expect(reasons('spec.template.spec.containers[name=distribution].terminationMessagePath')).toMatch(/default/);
    expect(reasons('spec.clusterIPs')).toMatch(/default/);
    expect(ignoredFor(report, 'metadata.uid')[0].subjects).toContain('Deployment d8-system/registry-incluster-proxy');
    // The ModuleConfig's credential is a placeholder in the expected state.
    expect(reasons('spec.settings.registry.direct.password')).toMatch(/placeholder/);
    // Objects the module does not own, and the one it keeps for itself.
    const objects = report.ignored.filter((i) => i.path === '(object)');
    expect(objects.flatMap((i) => i.subjects)).toEqual(expect.arrayContaining([
      'Secret d8-system/d8-cluster-terraform-state', 'Pod d8-system/registry-incluster-proxy-7c9d-abcde', 'Service d8-system/deckhouse',
    ]));
    expect(objects.find((i) => i.subjects.includes('Secret d8-system/registry-state'))?.reason).toMatch(/module for itself/);
    // Node files the live input does not cover.
    expect(ignoredFor(report, '(file)').flatMap((i) => i.subjects)).toContain('/etc/containerd/registry-config-path.toml');
    const text = report.toText();
    expect(text).toContain('ignored (not compared)');
    expect(text).toContain('metadata.uid');
  });

  test('Proxy against a with-the-module expected state: every marker is ignored and listed, the real values stay hidden', () => {
    const report = compare(proxyExpected, liveCluster(proxyRendered), 'master', registryDir(proxyRendered.nodeFiles.master));
    expect(report.drift).toEqual([]);
    const generated = report.ignored.filter((i) => /generated by the registry module/.test(i.reason));
    const listed = (subject: string, path: string) => generated.some((i) => i.path === path && i.subjects.includes(subject));
    const want: Array<[string, string]> = [
      ['Secret d8-system/registry-node-config-master-0', 'data.config: user_ro.password'],
      ['Secret d8-system/registry-node-config-master-1', 'data.config: http_secret'],
      ['Secret d8-system/registry-node-config-master-1', 'data.version'],
      ['Secret d8-system/registry-user-ro', 'data.password'],
      ['Secret d8-system/registry-pki', 'data."ca.key"'],
      ['Secret d8-system/registry-bashible-config', 'data.config: hosts."registry.d8-system.svc:5001".mirrors[0].auth.password'],
      ['Secret d8-system/deckhouse-registry', 'data.".dockerconfigjson": auths."registry.d8-system.svc:5001".password'],
      ['Service d8-system/registry', 'metadata.annotations."registry.deckhouse.io/config-hash"'],
      [`${HOST_DIR}/hosts.toml`, 'host."https://127.0.0.1:5001".auth.password'],
      [`${HOST_DIR}/https-127.0.0.1:5001-ca.crt`, '(file)'],
    ];
    expect(want.filter(([subject, path]) => !listed(subject, path))).toEqual([]);
    expect(report.toText()).toContain('data.config: user_ro.password');
    expectNoSecrets(report);
  });

  test('a marker leaf that is absent live is drift: the module should have generated it', () => {
    const live = liveCluster(proxyRendered, (objects) => editSecretDocument(objects, 'registry-node-config-master-0', 'config', (c) => {
      delete c.http_secret;
    }));
    const report = compare(proxyExpected, live, 'master', registryDir(proxyRendered.nodeFiles.master));
    expect(entry(report, 'Secret d8-system/registry-node-config-master-0').differences).toEqual([
      'data.config: http_secret: absent live (the module generates it)',
    ]);
  });

  test('a marker inside a longer value stands for the generated part only', () => {
    const expected = clone(direct);
    find(expected.objects, 'Deployment', 'registry-incluster-proxy').spec.template.metadata.annotations = { 'checksum/config': `sha256:${RegistryConstants.MODULE_GENERATED}` };
    const ok = liveCluster(direct, (o) => { find(o, 'Deployment', 'registry-incluster-proxy').spec.template.metadata.annotations = { 'checksum/config': 'sha256:abc' }; });
    const bad = liveCluster(direct, (o) => { find(o, 'Deployment', 'registry-incluster-proxy').spec.template.metadata.annotations = { 'checksum/config': 'md5:abc' }; });
    expect(compare(expected, ok).converged).toBe(true);
    expect(entry(compare(expected, bad), 'Deployment d8-system/registry-incluster-proxy').differences).toEqual([
      'spec.template.metadata.annotations."checksum/config": differs outside its generated part',
    ]);
  });

  test('input forms: a single object, multi-document YAML, a List', () => {
    const deployment = find(direct.objects, 'Deployment', 'registry-incluster-proxy');
    const expectedObjects = toYamlDocuments([deployment]);
    const single = RegistryVerification.compare({ expectedObjects, liveObjects: toYamlDocuments([asLive(deployment)]) });
    expect(single.converged).toBe(true);
    const multi = RegistryVerification.compare({ expectedObjects, liveObjects: toYamlDocuments([asLive(deployment), ...bystanders()]) });
    expect(multi.converged).toBe(true);
    const list = RegistryVerification.compare({ expectedObjects, liveObjects: kubectlList([asLive(deployment)]) });
    expect(list.converged).toBe(true);
    expect(list.scope).toEqual(['objects: 1 expected, 1 live', 'node files: not compared (no live node files given)']);
  });
});

describe('drift', () => {
  test('a changed mirror in registry-bashible-config: the field path inside the embedded config, no value', () => {
    const live = liveCluster(direct, (o) => editSecretDocument(o, 'registry-bashible-config', 'config', (c) => {
      c.hosts['registry.d8-system.svc:5001'].mirrors[0].host = 'evil.example.com';
    }));
    const report = compare(direct, live);
    expect(report.converged).toBe(false);
    const e = entry(report, 'Secret d8-system/registry-bashible-config');
    expect(e.status).toBe(VerifyStatus.DIFFERS);
    expect(e.differences).toEqual(['data.config: hosts."registry.d8-system.svc:5001".mirrors[0].host: differs']);
    expect(report.toText()).not.toContain('evil.example.com');
    expect(report.toText()).toMatch(/^DRIFT: /);
  });

  test('a changed mirror in hosts.toml: the host tables by name', () => {
    const files = registryDir(direct.nodeFiles.worker);
    const t: any = TOML.parse(files[`${HOST_DIR}/hosts.toml`]);
    t.host = { 'https://mirror.other.example:5000': t.host['https://registry.example.com:5000'] };
    files[`${HOST_DIR}/hosts.toml`] = TOML.stringify(t);
    const e = entry(compare(direct, liveCluster(direct), 'worker', files), `${HOST_DIR}/hosts.toml`);
    expect(e.status).toBe(VerifyStatus.DIFFERS);
    expect(e.differences).toEqual([
      'host."https://registry.example.com:5000": absent live',
      'host."https://mirror.other.example:5000": not expected (only live)',
    ]);
  });

  test('a lost CA file is missing', () => {
    const files = registryDir(direct.nodeFiles.worker);
    delete files[CA_FILE];
    const report = compare(direct, liveCluster(direct), 'worker', files);
    expect(entry(report, CA_FILE).status).toBe(VerifyStatus.MISSING);
    expect(report.drift.map((d) => d.subject)).toEqual([CA_FILE]);
  });

  test('a CA file with other content differs without showing it', () => {
    const files = registryDir(direct.nodeFiles.worker);
    files[CA_FILE] = TEST_PKI.ca.certificate;
    const report = compare(direct, liveCluster(direct), 'worker', files);
    expect(entry(report, CA_FILE).differences).toEqual(['content differs']);
    expect(report.toText(true)).not.toContain('BEGIN CERTIFICATE');
  });

  test('an extra host directory, an extra file in an expected one, and an empty extra directory are drift; bookkeeping is not', () => {
    const files = registryDir(direct.nodeFiles.worker);
    files[`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/old-registry.example.com/`] = '';
    files[`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/old-registry.example.com/hosts.toml`] = '[host."https://old-registry.example.com"]\n';
    files[`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/empty.example.com/`] = '';
    files[`${HOST_DIR}/https-stale.example.com-ca.crt`] = 'stale';
    files[`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/deckhouse_hosts_state.json`] = '["registry.d8-system.svc:5001"]';
    const report = compare(direct, liveCluster(direct), 'worker', files);
    expect(report.drift.map((d) => [d.subjectKind, d.status, d.subject, d.differences])).toEqual([
      [VerifySubjectKind.NODE_FILE, VerifyStatus.EXTRA, `${HOST_DIR}/https-stale.example.com-ca.crt`, []],
      [VerifySubjectKind.HOST_DIRECTORY, VerifyStatus.EXTRA, `${RegistryConstants.CONTAINERD_REGISTRY_DIR}/empty.example.com/`, ['an empty host directory']],
      [VerifySubjectKind.HOST_DIRECTORY, VerifyStatus.EXTRA, `${RegistryConstants.CONTAINERD_REGISTRY_DIR}/old-registry.example.com/`, ['holds hosts.toml']],
    ]);
    expect(ignoredFor(report, '(file)').find((i) => i.subjects.includes(`${RegistryConstants.CONTAINERD_REGISTRY_DIR}/deckhouse_hosts_state.json`))?.reason).toMatch(/bashible/);
  });

  test('a replica count', () => {
    const live = liveCluster(direct, (o) => { find(o, 'Deployment', 'registry-incluster-proxy').spec.replicas = 1; });
    const report = compare(direct, live);
    expect(report.drift.map((d) => [d.subject, d.differences])).toEqual([
      ['Deployment d8-system/registry-incluster-proxy', ['spec.replicas: expected 3, live 1']],
    ]);
    expect(report.toText()).toContain('spec.replicas: expected 3, live 1');
  });

  test('a changed credential in a Secret, in the pull secret and in hosts.toml: named, never shown', () => {
    const NEW = 'Rotated-Behind-Our-Back-9f3k';
    const live = liveCluster(direct, (o) => {
      editSecretDocument(o, 'deckhouse-registry', '.dockerconfigjson', (d) => {
        const a = d.auths['registry.d8-system.svc:5001'];
        a.password = NEW;
        a.auth = b64(`puller:${NEW}`);
      }, true);
      find(o, 'Secret', 'registry-config').data.password = b64(NEW);
    });
    const files = registryDir(direct.nodeFiles.worker);
    files[`${HOST_DIR}/hosts.toml`] = files[`${HOST_DIR}/hosts.toml`].replace(PASSWORD, NEW);
    const report = compare(direct, live, 'worker', files);
    expect(entry(report, 'Secret d8-system/deckhouse-registry').differences).toEqual([
      'data.".dockerconfigjson": auths."registry.d8-system.svc:5001".password: differs',
      'data.".dockerconfigjson": auths."registry.d8-system.svc:5001".auth: differs',
    ]);
    expect(entry(report, 'Secret d8-system/registry-config').differences).toEqual(['data.password: differs']);
    expect(entry(report, `${HOST_DIR}/hosts.toml`).differences).toEqual(['host."https://registry.example.com:5000".auth.password: differs']);
    expectNoSecrets(report, [NEW, b64(NEW), b64(`puller:${NEW}`)]);
  });

  test('a hosts.toml in a stock-only form (server, no auth, no rewrite)', () => {
    const files = registryDir(direct.nodeFiles.worker);
    files[`${HOST_DIR}/hosts.toml`] = [
      'server = "https://registry.example.com:5000"',
      '',
      '[host."https://registry.example.com:5000"]',
      '  capabilities = ["pull", "resolve"]',
      `  ca = ["${CA_FILE}"]`,
      '',
    ].join('\n');
    const e = entry(compare(direct, liveCluster(direct), 'worker', files), `${HOST_DIR}/hosts.toml`);
    expect(e.differences).toEqual([
      'host."https://registry.example.com:5000".auth: absent live',
      'host."https://registry.example.com:5000".rewrite: absent live (expected [{"regex":"^system/deckhouse","replace":"deckhouse/ee"}])',
      'server: not expected (only live: "https://registry.example.com:5000")',
    ]);
  });

  test('a hosts.toml that does not parse: the line, not the text', () => {
    const files = registryDir(direct.nodeFiles.worker);
    files[`${HOST_DIR}/hosts.toml`] = `[host."https://x"]\npassword = "${PASSWORD}\n`;
    const report = compare(direct, liveCluster(direct), 'worker', files);
    expect(entry(report, `${HOST_DIR}/hosts.toml`).differences).toEqual(['does not parse as TOML (line 2): containerd ignores the whole file']);
    expectNoSecrets(report);
  });

  test('missing and extra objects; extra names only among the names the module owns', () => {
    const live = liveCluster(direct, (o) => {
      o.splice(o.indexOf(find(o, 'Secret', 'registry-incluster-proxy-config')), 1);
      o.push(asLive({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-user-old', namespace: 'd8-system' }, data: { password: b64(PASSWORD) } }));
      o.push(asLive({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'NodeGroupConfiguration', metadata: { name: 'registry-containerd-gone' }, spec: { content: 'x' } }));
      o.push(asLive({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-user-old', namespace: 'default' }, data: {} }));
    });
    const report = compare(direct, live);
    expect(report.drift.map((d) => [d.status, d.subject])).toEqual([
      [VerifyStatus.MISSING, 'Secret d8-system/registry-incluster-proxy-config'],
      [VerifyStatus.EXTRA, 'NodeGroupConfiguration registry-containerd-gone'],
      [VerifyStatus.EXTRA, 'Secret d8-system/registry-user-old'],
    ]);
    expectNoSecrets(report);
  });

  test('owned maps and lists are compared both ways; other live-only fields are not', () => {
    const live = liveCluster(direct, (o) => {
      find(o, 'Secret', 'registry-pki').data['extra.key'] = b64('x');
      find(o, 'Service', 'registry').spec.selector.extra = 'yes';
      const d = find(o, 'Deployment', 'registry-incluster-proxy');
      d.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
      d.spec.template.spec.containers[0].args = [...(d.spec.template.spec.containers[0].args ?? []), '--debug'];
      delete d.metadata.labels.heritage;
    });
    const report = compare(direct, live);
    const d = entry(report, 'Deployment d8-system/registry-incluster-proxy');
    expect(d.differences).toEqual(expect.arrayContaining([
      'spec.template.spec.containers[name=sidecar]: not expected (only live)',
      'metadata.labels.heritage: absent live (expected "deckhouse")',
    ]));
    expect(d.differences.some((x) => /containers\[name=distribution\]\.args/.test(x))).toBe(true);
    expect(entry(report, 'Service d8-system/registry').differences).toEqual(['spec.selector.extra: not expected (only live: "yes")']);
    expect(entry(report, 'Secret d8-system/registry-pki').differences).toEqual(['data."extra.key": not expected (only live)']);
  });

  test('input that does not parse names a line, never the text', () => {
    const bad = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  password: "${PASSWORD}\n  : [\n`;
    let message = '';
    try {
      RegistryVerification.compare({ expectedObjects: '', liveObjects: bad });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^live objects:\d+: not valid YAML/);
    expect(message).not.toContain(PASSWORD);
  });

  test('a secret value with a credential-like name in a non-Secret object is not shown either', () => {
    const expected = clone(direct);
    const live = liveCluster(direct, (o) => {
      find(o, 'ModuleConfig', 'deckhouse').spec.settings.registry.direct.imagesRepo = 'registry.example.com:5000/deckhouse/ce';
      find(o, 'ModuleConfig', 'deckhouse').spec.settings.registry.direct.license = 'LICENSE-LEAK-CHECK';
    });
    const report = compare(expected, live);
    expect(entry(report, 'ModuleConfig deckhouse').differences).toEqual([
      'spec.settings.registry.direct.imagesRepo: expected "registry.example.com:5000/deckhouse/ee", live "registry.example.com:5000/deckhouse/ce"',
      'spec.settings.registry.direct.license: not expected (only live)',
    ]);
    expectNoSecrets(report, ['LICENSE-LEAK-CHECK']);
  });

  test('another served version of the same group is the same object; ModuleConfig outside the expected objects is named, not drift', () => {
    const expected = clone(direct);
    expected.objects = expected.objects.filter((o) => o.kind !== 'ModuleConfig');
    const live = liveCluster(direct, (o) => { find(o, 'PodDisruptionBudget', 'registry-incluster-proxy').apiVersion = 'policy/v1beta1'; });
    const report = compare(expected, live);
    expect(report.converged).toBe(true);
    expect(ignoredFor(report, 'apiVersion')[0]).toMatchObject({ subjects: ['PodDisruptionBudget d8-system/registry-incluster-proxy'] });
    expect(report.ignored.find((i) => i.subjects.includes('ModuleConfig deckhouse'))?.reason).toMatch(/pipeline applies it/);
    const otherGroup = liveCluster(direct, (o) => { find(o, 'PodDisruptionBudget', 'registry-incluster-proxy').apiVersion = 'example.com/v1'; });
    expect(entry(compare(direct, otherGroup), 'PodDisruptionBudget d8-system/registry-incluster-proxy').differences).toEqual([
      'apiVersion: expected "policy/v1", live "example.com/v1"',
    ]);
  });

  test('userinfo in a printed key or value is hidden', () => {
    const files = registryDir(direct.nodeFiles.worker);
    const t: any = TOML.parse(files[`${HOST_DIR}/hosts.toml`]);
    t.host['https://puller:Userinfo-Secret@mirror.example.com'] = { capabilities: ['pull'] };
    t.server = 'https://puller:Userinfo-Secret@mirror.example.com';
    files[`${HOST_DIR}/hosts.toml`] = TOML.stringify(t);
    const report = compare(direct, liveCluster(direct), 'worker', files);
    expect(entry(report, `${HOST_DIR}/hosts.toml`).differences).toEqual([
      'host."https://***@mirror.example.com": not expected (only live)',
      'server: not expected (only live)',
    ]);
    expectNoSecrets(report, ['Userinfo-Secret']);
  });
});

describe('against the real with-the-module expected state (what registry-cdk8s synth writes to expected/)', () => {
  const props = {
    mode: RegistryMode.proxy({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'PROXY-LICENSE-never-shown', ttl: '72h' }),
    clusterType: ClusterType.STATIC,
    nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
    controlPlane: [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }],
  };
  // The module's own rendering, stood in for by the library with a concrete PKI: what a converged cluster holds.
  const cluster = renderState({ ...props, images: EXAMPLE_IMAGES, pki: proxyRendered === undefined ? TEST_PKI : pkiFor(props.controlPlane) });
  const files: Record<string, string> = renderModule({ target: DeliveryTarget.WITH_MODULE, ...props }).module.toFiles();
  const expectedObjects = [files['apply/moduleconfig.yaml'], files['expected/registry.k8s.yaml']].join('---\n');
  const expectedWorker: Record<string, string> = {};
  for (const [f, c] of Object.entries(files)) if (f.startsWith('expected/nodes/worker/')) expectedWorker[f.slice('expected/nodes/worker'.length)] = c;
  // The live cluster has what the module applies: no delivery objects of the WithoutModule target, no Flux annotation.
  const liveState: RenderedState = {
    objects: cluster.objects.filter((o) => !['NodeGroupConfiguration', 'Role', 'RoleBinding'].includes(o.kind) && !String(o.metadata.name).startsWith('registry-node-files-'))
      .map((o) => { const c = clone(o); if (c.metadata.annotations) delete c.metadata.annotations['kustomize.toolkit.fluxcd.io/substitute']; return c; }),
    nodeFiles: cluster.nodeFiles,
  };

  test('a converged cluster verifies clean: markers cover the PKI, passwords, hashes and versions the module generated', () => {
    const report = RegistryVerification.compare({
      expectedObjects, liveObjects: liveCluster(liveState), expectedNodeFiles: expectedWorker, liveNodeFiles: registryDir(cluster.nodeFiles.worker), nodeGroup: 'worker',
    });
    expect(report.entries.filter((e) => e.status !== VerifyStatus.EQUAL)).toEqual([]);
    expect(report.converged).toBe(true);
    expect(report.ignored.some((i) => /generated by the registry module/.test(i.reason))).toBe(true);
    expect(parseManifests(expectedObjects).length).toBeGreaterThan(10);
    expectNoSecrets(report);
  });

  test('the same expected state catches a changed mirror on the node', () => {
    const bad = { ...cluster.nodeFiles.worker };
    const hosts = `${HOST_DIR}/hosts.toml`;
    bad[hosts] = bad[hosts].replace('https://127.0.0.1:5001', 'https://127.0.0.1:5002');
    const report = RegistryVerification.compare({
      expectedObjects, liveObjects: liveCluster(liveState), expectedNodeFiles: expectedWorker, liveNodeFiles: registryDir(bad), nodeGroup: 'worker',
    });
    expect(report.converged).toBe(false);
  });
});
