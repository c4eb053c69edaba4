// The model layer on its own: the decisions the resolved model makes once, the routing merge, the switch plan's
// stage builders and the prune lists, without a construct in between.
import { App, Testing } from 'cdk8s';
import { ClusterType, ContainerdBuild, Cri, DeliveryTarget, DirectMode, RegistryMode, RegistryModel, RegistryModelProps, RegistryModule, RegistrySwitch, UnmanagedMode } from '../lib';
import { MODULE_GENERATED, REGISTRY_ADDRESS } from '../lib/model/constants';
import { deckhouseRegistryData } from '../lib/model/deckhouse-registry';
import { IN_CLUSTER_PROXY_OBJECTS, nodeConfigSecretName, objectRef, userSecretName } from '../lib/model/object-names';
import { ResolvedRegistry, resolvedFor } from '../lib/model/registry-model';
import { mergeRouting, Mirror, Routing } from '../lib/model/routing';
import { effectiveSettings, planSwitch } from '../lib/model/switch-plan';
import { parseConnection } from '../lib/settings/parsed-settings';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';
import { pkiFor } from './support/node-pki';

const CONTROL_PLANE = [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }];
const DIRECT = RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'P-1' });
const PROXY = RegistryMode.proxy({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'P-1' });
const without = (over: RegistryModelProps): ResolvedRegistry => RegistryModel.resolve({
  target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES, pki: TEST_PKI, ...over,
})._resolved;
const nodeServices = (mode: RegistryMode, over: RegistryModelProps = {}): ResolvedRegistry => without({
  mode, clusterType: ClusterType.STATIC, controlPlane: CONTROL_PLANE, pki: pkiFor(CONTROL_PLANE),
  images: { ...EXAMPLE_IMAGES, mirrorer: EXAMPLE_IMAGES.dockerAuth },
  ingress: { publicDomainTemplate: '%s.example.com', clientCa: TEST_PKI.ca.certificate }, ...over,
});

describe('RegistryModel: one resolution, the shared decisions', () => {
  test('Direct: routing to the upstream with the rewrite, deckhouse-registry with the upstream user, no module users', () => {
    const m = without({ mode: DIRECT });
    expect(Object.keys(m.routing ?? {})).toEqual([REGISTRY_ADDRESS]);
    const mirror = (m.routing as Routing)[REGISTRY_ADDRESS].mirrors[0];
    expect(mirror).toMatchObject({ host: 'registry.example.com', scheme: 'https', auth: { username: 'u', password: 'P-1' }, rewrites: [{ from: '^system/deckhouse', to: 'deckhouse/ee' }] });
    expect(m.users).toEqual([]);
    expect(JSON.parse(m.deckhouseRegistry?.['.dockerconfigjson'] as string).auths[REGISTRY_ADDRESS].username).toBe('u');
    expect(m.bashible?.mode).toBe('Direct');
    expect(m.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('Proxy routes every node to the local load balancer as the read-only user; deckhouse-registry carries the same user', () => {
    const m = nodeServices(PROXY);
    expect(m.users.map((u) => u.name)).toEqual(['ro']);
    const mirror = (m.routing as Routing)[REGISTRY_ADDRESS].mirrors[0];
    expect(mirror).toMatchObject({ host: '127.0.0.1:5001', auth: { username: 'ro', password: m.users[0].password } });
    const auth = JSON.parse(m.deckhouseRegistry?.['.dockerconfigjson'] as string).auths[REGISTRY_ADDRESS];
    expect(auth).toMatchObject({ username: 'ro', password: m.users[0].password });
    expect(m.bashible?.proxyEndpoints).toEqual(['10.0.0.10:5001', '10.0.0.11:5001']);
  });

  test('Local has the four module users', () => {
    expect(nodeServices(RegistryMode.local()).users.map((u) => u.name)).toEqual(['ro', 'rw', 'mirror-puller', 'mirror-pusher']);
  });

  test('the default Unmanaged mode leaves nodes and deckhouse-registry alone; the configurable one routes the upstream host itself', () => {
    const d = RegistryModel.resolve()._resolved;
    expect([d.routing, d.bashible, d.deckhouseRegistry]).toEqual([undefined, undefined, undefined]);
    const c = RegistryModel.resolve({ mode: RegistryMode.unmanaged({ imagesRepo: 'mirror.local/deckhouse/ce' }) })._resolved;
    expect(Object.keys(c.routing ?? {})).toEqual(['mirror.local']);
    expect(c.deckhouseRegistry?.imagesRegistry).toBe('mirror.local/deckhouse/ce');
  });

  test('with the module, the config hash is the module\'s own (the marker), whatever the inputs', () => {
    expect(RegistryModel.resolve({ mode: DIRECT })._resolved.configHash).toBe(MODULE_GENERATED);
  });

  test('resolvedFor is deterministic and resolve validates once, up front: a stock build that cannot carry the routing fails before anything renders', () => {
    const m = without({ mode: DIRECT });
    expect(resolvedFor(m.settings, m.cluster, m.build, m.weight)).toEqual(m);
    expect(() => RegistryModel.resolve({ mode: DIRECT, containerdBuild: ContainerdBuild.STOCK })).toThrow(/^containerdBuild: stock containerd ignores hosts\.toml auth/);
    expect(() => RegistryModel.resolve({ mode: DIRECT, nodeGroups: [{ name: 'master', cri: Cri.DOCKER }] })).toThrow(/^nodeGroups\[0\]\.cri: /);
    expect(() => RegistryModel.resolve({ nodeGroup: [] } as any)).toThrow(/^nodeGroup: unknown property/);
  });

  test('a mode construct reports the bashible version of its model', () => {
    const m = RegistryModel.resolve({ mode: DIRECT, target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES, pki: TEST_PKI });
    expect(new DirectMode(Testing.chart(), 'Direct', { model: m }).bashibleVersion).toBe(m._resolved.bashible?.version);
    expect(new UnmanagedMode(Testing.chart(), 'Unmanaged', { model: RegistryModel.resolve() }).bashibleVersion).toBeUndefined();
  });

  test('deckhouseRegistryData is the one recipe for every mode', () => {
    const m = without({ mode: DIRECT });
    expect(deckhouseRegistryData(m.settings, m.cluster.pki, m.users)).toEqual(m.deckhouseRegistry);
    const u = RegistryModel.resolve()._resolved;
    expect(deckhouseRegistryData(u.settings, u.cluster.pki, u.users)).toBeUndefined();
  });
});

describe('mergeRouting (transition routing, Deckhouse ConfigBuilder.hosts())', () => {
  const mirror = (host: string, extra: Partial<Mirror> = {}): Mirror => ({ host, scheme: 'https', ...extra });
  test('old hosts first, then new; a new mirror with the same host|scheme replaces the old one in place', () => {
    const older: Routing = { a: { mirrors: [mirror('m1'), mirror('m2', { ca: 'OLD' })] }, b: { mirrors: [mirror('m3')] } };
    const newer: Routing = { c: { mirrors: [mirror('m4')] }, a: { mirrors: [mirror('m2', { ca: 'NEW' }), mirror('m5')] } };
    const merged = mergeRouting(older, newer);
    expect(Object.keys(merged)).toEqual(['a', 'b', 'c']);
    expect(merged.a.mirrors).toEqual([mirror('m1'), mirror('m2', { ca: 'NEW' }), mirror('m5')]);
    expect(merged.b.mirrors).toEqual([mirror('m3')]);
  });
  test('http and https of one host are different mirrors', () => {
    const merged = mergeRouting({ a: { mirrors: [mirror('m1')] } }, { a: { mirrors: [mirror('m1', { scheme: 'http' })] } });
    expect(merged.a.mirrors.map((m) => m.scheme)).toEqual(['https', 'http']);
  });
  test('the inputs are not modified', () => {
    const older: Routing = { a: { mirrors: [mirror('m1')] } };
    mergeRouting(older, { a: { mirrors: [mirror('m2')] } });
    expect(older.a.mirrors).toHaveLength(1);
  });
});

describe('switch plan: effective settings and one builder per stage', () => {
  const plan = (from: ResolvedRegistry, to: ResolvedRegistry) =>
    planSwitch({ declared: { from: from.settings, to: to.settings }, from, to });

  test('effectiveSettings: a default Unmanaged source with a bootstrap registry uses it; a default Unmanaged target keeps the remembered upstream', () => {
    const dflt = RegistryMode.unmanaged()._settings;
    const bootstrap = parseConnection('bootstrapRegistry', { imagesRepo: 'boot.local/deckhouse/ce' });
    expect(effectiveSettings(dflt, DIRECT._settings, bootstrap).from).toEqual({ mode: 'Unmanaged', upstream: bootstrap });
    expect(effectiveSettings(dflt, DIRECT._settings).from).toBe(dflt);
    const back = effectiveSettings(DIRECT._settings, dflt);
    expect(back.to).toEqual({ mode: 'Unmanaged', upstream: (DIRECT._settings as any).upstream });
  });

  test('Unmanaged (default) -> Direct: transition, in-cluster-proxy, switch, final; the last waits for Ready', () => {
    const stages = plan(RegistryModel.resolve({ target: DeliveryTarget.WITHOUT_MODULE })._resolved, without({ mode: DIRECT }));
    expect(stages.map((s) => s.name)).toEqual(['transition', 'in-cluster-proxy', 'switch', 'final']);
    expect(stages[0].deckhouseRegistry).toBeUndefined();
    expect(stages[1]).toMatchObject({ inClusterProxy: 'to', pki: 'to' });
    expect(stages[2]).toMatchObject({ deckhouseRegistry: 'to', service: 'incluster-proxy' });
    expect(stages[3].waitFor).toEqual(['FinalContainerdConfigReady', 'Ready']);
    expect(stages.every((s) => s.prune.length === 0)).toBe(true);
  });

  test('Proxy -> Direct: cleanup prunes exactly the node-services objects, named from object-names', () => {
    const from = nodeServices(PROXY);
    const to = nodeServices(DIRECT);
    const stages = plan(from, to);
    expect(stages.map((s) => s.name)).toEqual(['transition', 'in-cluster-proxy', 'switch', 'final', 'cleanup']);
    expect(stages[4].prune).toEqual([objectRef('Secret', userSecretName('ro')), ...CONTROL_PLANE.map((n) => objectRef('Secret', nodeConfigSecretName(n.name)))]);
    expect(stages[4].prune[0]).toBe('Secret d8-system/registry-user-ro');
  });

  test('Direct -> configurable Unmanaged: cleanup prunes the In-Cluster Proxy, the Service and the PKI', () => {
    const stages = plan(without({ mode: DIRECT }), without({ mode: RegistryMode.unmanaged({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'P-1' }) }));
    const cleanup = stages[stages.length - 1];
    expect(cleanup.name).toBe('cleanup');
    expect(cleanup.prune).toEqual([...IN_CLUSTER_PROXY_OBJECTS, 'Service d8-system/registry', 'Secret d8-system/registry-pki']);
  });

  test('a change of Direct credentials only: the proxy rolls, and the transition says the same upstream takes the new credentials', () => {
    const stages = plan(without({ mode: DIRECT }), without({ mode: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'P-2' }) }));
    expect(stages.map((s) => s.name)).toEqual(['transition', 'in-cluster-proxy', 'switch', 'final']);
    expect(stages[0].disruptions[0]).toMatch(/takes the new credentials or CA/);
  });
});

describe('props enter the settings layer once', () => {
  // Spies on the settings layer's entries: ts-jest's CommonJS output calls them through their module objects.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const inputs = require('../lib/settings/inputs');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const cluster = require('../lib/settings/_cluster');
  afterEach(() => jest.restoreAllMocks());

  test('a RegistryModule resolves its props once, and its parts read the model', () => {
    const entry = jest.spyOn(inputs, 'resolveInputs');
    const facts = jest.spyOn(cluster, 'resolveCluster');
    new RegistryModule(Testing.chart(), 'R', {
      mode: PROXY, target: DeliveryTarget.WITHOUT_MODULE, clusterType: ClusterType.STATIC, controlPlane: CONTROL_PLANE, pki: pkiFor(CONTROL_PLANE), images: EXAMPLE_IMAGES,
    });
    expect(entry).toHaveBeenCalledTimes(1);
    expect(facts).toHaveBeenCalledTimes(1);
  });

  test('a RegistrySwitch resolves each side once', () => {
    const entry = jest.spyOn(inputs, 'resolveSwitchInputs');
    const facts = jest.spyOn(cluster, 'resolveCluster');
    new RegistrySwitch(new App(), 'S', { from: DIRECT, to: PROXY, target: DeliveryTarget.WITHOUT_MODULE, clusterType: ClusterType.STATIC, controlPlane: CONTROL_PLANE, pki: pkiFor(CONTROL_PLANE), images: EXAMPLE_IMAGES });
    expect(entry).toHaveBeenCalledTimes(1);
    expect(facts).toHaveBeenCalledTimes(2);
  });
});

describe('completeCluster: what is derived, what the module generates', () => {
  const input = (over: RegistryModelProps) => RegistryModel.resolve(over)._resolved.cluster;
  const cases: Array<[string, RegistryModelProps, { httpSecret: 'derived' | 'given' | 'marker'; moduleGenerated: boolean; images: 'given' | 'marker' | 'none' }]> = [
    ['without the module, PKI given', { mode: DIRECT, target: DeliveryTarget.WITHOUT_MODULE, pki: TEST_PKI, images: EXAMPLE_IMAGES }, { httpSecret: 'derived', moduleGenerated: false, images: 'given' }],
    ['without the module, http.secret given', { mode: DIRECT, target: DeliveryTarget.WITHOUT_MODULE, pki: { ...TEST_PKI, httpSecret: 'abcdefghijklmnop1234' }, images: EXAMPLE_IMAGES }, { httpSecret: 'given', moduleGenerated: false, images: 'given' }],
    ['with the module, nothing given', { mode: DIRECT }, { httpSecret: 'marker', moduleGenerated: true, images: 'marker' }],
    ['with the module, PKI given', { mode: DIRECT, pki: TEST_PKI }, { httpSecret: 'marker', moduleGenerated: true, images: 'marker' }],
    ['with the module, http.secret given', { mode: DIRECT, pki: { ...TEST_PKI, httpSecret: 'abcdefghijklmnop1234' }, images: EXAMPLE_IMAGES }, { httpSecret: 'given', moduleGenerated: true, images: 'given' }],
    ['Unmanaged with the module, PKI given', { mode: RegistryMode.unmanaged({ imagesRepo: 'mirror.local/deckhouse/ce' }), pki: TEST_PKI }, { httpSecret: 'derived', moduleGenerated: false, images: 'none' }],
  ];
  test.each(cases)('%s', (_name, props, want) => {
    const c = input(props);
    const secret = c.pki?.httpSecret;
    expect(secret === MODULE_GENERATED ? 'marker' : secret === 'abcdefghijklmnop1234' ? 'given' : /^[A-Za-z0-9]{25}$/.test(secret ?? '') ? 'derived' : secret).toBe(want.httpSecret);
    expect(c.pki?.moduleGenerated).toBe(want.moduleGenerated);
    expect(c.images === undefined ? 'none' : c.images.dockerAuth === MODULE_GENERATED ? 'marker' : 'given').toBe(want.images);
  });
  test('the default Unmanaged mode with the module has no PKI and no images to complete', () => {
    expect([input({}).pki, input({}).images]).toEqual([undefined, undefined]);
  });
});
