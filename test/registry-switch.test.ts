// Switch plans: stage contents, the module's switch rules, the resolver invariants and the disruption report.
import { pkiFor } from './support/node-pki';
import * as TOML from '@iarna/toml';
import * as YAML from 'yaml';
import { App, Testing } from 'cdk8s';
import { ClusterType, Cri, DeliveryTarget, RegistryMode, RegistrySwitch, RegistrySwitchProps } from '../lib';
import { resolveImage } from '../lib/model/resolver';
import { checkStageResolution } from '../lib/model/switch-plan';
import { ContainerdBuild } from '../lib/settings/enums';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { secretData } from './support/manifests';

const FIXED = 'registry.d8-system.svc:5001';
const EE = RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'OLD-KEY' });
const NEW = RegistryMode.direct({ imagesRepo: 'registry.example.com:5000/mirror/dkp', username: 'u', password: 'NEW-PASS', ca: TEST_UPSTREAM_CA });
const CLUSTER = { target: DeliveryTarget.WITHOUT_MODULE, nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }], images: EXAMPLE_IMAGES, pki: TEST_PKI };

const plan = (props: Partial<RegistrySwitchProps> & Pick<RegistrySwitchProps, 'from' | 'to'>) => new RegistrySwitch(Testing.app(), 'Switch', { ...CLUSTER, ...props });
const kinds = (s: { chart: { toJson(): any[] } }) => s.chart.toJson().map((o: any) => `${o.kind}/${o.metadata.namespace === undefined || o.metadata.namespace === 'd8-system' ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`);
const hostsOf = (p: RegistrySwitch, stage: string, group: string, host = FIXED) =>
  TOML.parse(p.toFiles()[`expected/${stage}/nodes/${group}/etc/containerd/registry.d/${host}/hosts.toml`]) as any;

describe('Direct -> Direct with a new upstream and new credentials', () => {
  const p = plan({ from: EE, to: NEW });

  test('stages and their conditions', () => {
    expect(p.stages.map((s) => [s.folder, s.waitFor])).toEqual([
      ['01-transition', ['RegistryContainsRequiredImages', 'ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady']],
      ['02-in-cluster-proxy', ['InClusterProxyReady']],
      ['03-switch', ['DeckhouseRegistrySwitchReady']],
      ['04-final', ['FinalContainerdConfigReady', 'Ready']],
    ]);
  });

  test('the transition hosts.toml holds both mirrors, old first, each with its own auth and rewrite; the final one only the new', () => {
    for (const group of ['master', 'worker']) {
      const transition = hostsOf(p, '01-transition', group).host;
      expect(Object.keys(transition)).toEqual(['https://registry.deckhouse.ru', 'https://registry.example.com:5000']);
      expect(transition['https://registry.deckhouse.ru'].rewrite).toEqual([{ regex: '^system/deckhouse', replace: 'deckhouse/ee' }]);
      expect(transition['https://registry.deckhouse.ru'].auth).toEqual({ username: 'license-token', password: 'OLD-KEY' });
      expect(transition['https://registry.example.com:5000'].rewrite).toEqual([{ regex: '^system/deckhouse', replace: 'mirror/dkp' }]);
      expect(transition['https://registry.example.com:5000'].auth).toEqual({ username: 'u', password: 'NEW-PASS' });
      expect(Object.keys(hostsOf(p, '04-final', group).host)).toEqual(['https://registry.example.com:5000']);
    }
  });

  test('the new proxy is ready before deckhouse-registry moves: stage 2 runs the new proxy with the old deckhouse-registry', () => {
    const [t, proxy, sw] = p.stages.map((s) => s.chart.toJson());
    const dhr = (objs: any[]) => JSON.parse(secretData(objs, 'deckhouse-registry')['.dockerconfigjson']).auths[FIXED].username;
    const proxyUpstream = (objs: any[]) => secretData(objs, 'registry-incluster-proxy-config')['distribution_config.yaml'].match(/remoteurl: (.*)/)?.[1];
    expect([dhr(t), dhr(proxy), dhr(sw)]).toEqual(['license-token', 'license-token', 'u']);
    expect([proxyUpstream(t), proxyUpstream(proxy), proxyUpstream(sw)]).toEqual(['https://registry.deckhouse.ru', 'https://registry.example.com:5000', 'https://registry.example.com:5000']);
  });

  test('disruptions: only Deckhouse restarts, no containerd restart', () => {
    const all = p.stages.flatMap((s) => s.disruptions).join('\n');
    expect(all).toMatch(/only Deckhouse restarts: deckhouse-registry changes, image references stay registry\.d8-system\.svc:5001\/system\/deckhouse/);
    expect(all).not.toMatch(/containerd 1\.x restarts/);
  });

  test('PLAN.md snapshot', () => {
    expect(p.toFiles()['PLAN.md']).toMatchSnapshot();
  });
});

describe('default Unmanaged -> Direct', () => {
  const p = plan({ from: RegistryMode.unmanaged(), to: EE, bootstrapRegistry: { imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'OLD-KEY' } });

  test('transition: two host directories (the bootstrap upstream and the fixed address); final: the fixed address only', () => {
    const files = Object.keys(p.toFiles());
    const dirs = (stage: string) => [...new Set(files.filter((f) => f.startsWith(`expected/${stage}/nodes/worker/etc/containerd/registry.d/`)).map((f) => f.split('/')[7]))];
    expect(dirs('01-transition')).toEqual([FIXED, 'registry.deckhouse.ru']);
    expect(dirs('04-final')).toEqual([FIXED]);
  });

  test('the module objects appear in order: proxy at stage 2, Service and deckhouse-registry at the switch', () => {
    expect(kinds(p.stages[0])).not.toContain('Deployment/registry-incluster-proxy');
    expect(kinds(p.stages[1])).toEqual(expect.arrayContaining(['Deployment/registry-incluster-proxy', 'Secret/registry-pki']));
    expect(kinds(p.stages[1])).not.toContain('Service/registry');
    expect(kinds(p.stages[2])).toEqual(expect.arrayContaining(['Service/registry', 'Secret/deckhouse-registry']));
  });

  test('disruptions: the one-time containerd 1.x restart on Containerd groups, then the restart of all components', () => {
    expect(p.stages[0].disruptions.join('\n')).toMatch(/containerd 1\.x restarts once on the nodes of "master": they move from the legacy registry\.mirrors configuration to config_path/);
    expect(p.stages[0].disruptions.join('\n')).not.toMatch(/"worker"/);
    expect(p.stages[2].disruptions).toEqual(['every Deckhouse component restarts: image references move from registry.deckhouse.ru/deckhouse/ee to registry.d8-system.svc:5001/system/deckhouse']);
  });

  test('without bootstrapRegistry the transition only adds the new routing and says so', () => {
    const q = plan({ from: RegistryMode.unmanaged(), to: EE });
    expect(q.stages[0].disruptions[0]).toMatch(/pass bootstrapRegistry/);
    expect(Object.keys(q.toFiles()).filter((f) => f.includes('registry.deckhouse.ru/hosts.toml'))).toEqual([]);
  });
});

describe('Direct -> configurable Unmanaged', () => {
  const p = plan({ from: EE, to: RegistryMode.unmanaged({ imagesRepo: 'registry.example.com:5000/mirror/dkp', username: 'u', password: 'NEW-PASS' }) });

  test('cleanup removes the In-Cluster Proxy, the Service and the PKI, and lists them for pruning', () => {
    const cleanup = p.stages[p.stages.length - 1];
    expect(cleanup.folder).toBe('04-cleanup');
    expect(cleanup.waitFor).toEqual(['CleanupInClusterProxy', 'Ready']);
    expect(kinds(cleanup)).not.toEqual(expect.arrayContaining(['Deployment/registry-incluster-proxy']));
    expect(kinds(cleanup).filter((k) => /incluster|Service|registry-pki/.test(k))).toEqual([]);
    expect(p.toFiles()['apply/04-cleanup/prune.txt'].split('\n').filter(Boolean)).toEqual([
      'Deployment d8-system/registry-incluster-proxy', 'PodDisruptionBudget d8-system/registry-incluster-proxy',
      'VerticalPodAutoscaler d8-system/registry-incluster-proxy', 'Secret d8-system/registry-incluster-proxy-config',
      'Service d8-system/registry', 'Secret d8-system/registry-pki',
    ]);
    expect(kinds(p.stages[1])).toContain('Service/registry');
  });

  test('the final routing is the upstream host itself with no rewrite', () => {
    const final = hostsOf(p, '03-final', 'master', 'registry.example.com:5000').host;
    expect(final).toEqual({ 'https://registry.example.com:5000': { capabilities: ['pull', 'resolve'], auth: { username: 'u', password: 'NEW-PASS' } } });
  });

  test('image references move back to the upstream', () => {
    expect(p.stages[1].disruptions[0]).toBe('every Deckhouse component restarts: image references move from registry.d8-system.svc:5001/system/deckhouse to registry.example.com:5000/mirror/dkp');
  });
});

describe('configurable Unmanaged -> default Unmanaged', () => {
  const from = RegistryMode.unmanaged({ imagesRepo: 'registry.example.com:5000/mirror/dkp' });
  const p = plan({ from, to: RegistryMode.unmanaged() });
  test('one stage; registry-bashible-config and deckhouse-registry stay with the remembered upstream', () => {
    expect(p.stages.map((s) => s.folder)).toEqual(['01-final']);
    expect(kinds(p.stages[0])).toEqual(expect.arrayContaining(['Secret/registry-bashible-config', 'Secret/deckhouse-registry']));
    expect(YAML.parse(p.moduleConfig.toYaml()).spec.settings).toEqual({ registry: { mode: 'Unmanaged' } });
    expect(p.stages[0].disruptions[0]).toMatch(/registry-bashible-config is kept/);
  });
});

describe('fails on forbidden switches, naming the route', () => {
  const staticCluster = { clusterType: ClusterType.STATIC };
  test.each([
    ['fails on Proxy -> Local', { from: RegistryMode.proxy({ imagesRepo: 'r.example/dkp' }), to: RegistryMode.local() }, /from Proxy to Local .*ErrTransitionNotSupported.*take the route Proxy -> Direct -> Local/],
    ['fails on Local -> Proxy', { from: RegistryMode.local(), to: RegistryMode.proxy({ imagesRepo: 'r.example/dkp' }) }, /take the route Local -> Direct -> Proxy/],
    ['fails on Local -> default Unmanaged', { from: RegistryMode.local(), to: RegistryMode.unmanaged() }, /Local to the default Unmanaged mode.*Local -> Unmanaged with an 'unmanaged' section -> Unmanaged/],
    ['fails on the same settings', { from: EE, to: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'OLD-KEY' }) }, /from and to are the same settings/],
    ['fails on Proxy in a cloud cluster', { from: EE, to: RegistryMode.proxy({ imagesRepo: 'r.example/dkp' }), clusterType: ClusterType.CLOUD }, /^clusterType: Proxy and Local are unsupported for non-static clusters/],
    ['fails on Local without its control-plane nodes', { from: EE, to: RegistryMode.local(), ...staticCluster }, /^controlPlane: mode 'Local' runs the registry on every control-plane node/],
    ['fails on bootstrapRegistry with a managed source', { from: EE, to: NEW, bootstrapRegistry: { imagesRepo: 'a.example/b' } }, /^bootstrapRegistry: only meaningful when from is the default Unmanaged mode/],
    ['fails on a bad bootstrapRegistry', { from: RegistryMode.unmanaged(), to: EE, bootstrapRegistry: { imagesRepo: 'https://a.example/b' } }, /^bootstrapRegistry\.imagesRepo:/],
    ['fails on a Docker node group when the target is managed', { from: RegistryMode.unmanaged(), to: EE, nodeGroups: [{ name: 'old', cri: Cri.DOCKER }] }, /^nodeGroups\[0\]\.cri: managed modes/],
    ['fails when Direct lacks the PKI', { from: RegistryMode.unmanaged(), to: EE, pki: undefined }, /^pki: mode 'Direct' rendered without the module \(target WithoutModule\) needs the module's PKI/],
    ['fails on a stock runtime with a rewrite', { from: RegistryMode.unmanaged(), to: RegistryMode.direct({ imagesRepo: 'mirror.local/dkp' }), containerdBuild: ContainerdBuild.STOCK }, /^containerdBuild: stock containerd ignores hosts\.toml rewrite/],
  ])('%s', (_name, props, message) => {
    expect(() => plan(props as any)).toThrow(message);
  });

  test('fails inside a Chart', () => {
    expect(() => new RegistrySwitch(Testing.chart(), 'S', { ...CLUSTER, from: EE, to: NEW })).toThrow(/create it directly under an App, not inside a Chart/);
  });
});

describe('invariants', () => {
  test('every stage of every plan resolves every image in use on every node group (checked at construction)', () => {
    expect(() => plan({ from: EE, to: NEW })).not.toThrow();
  });

  test('a stage that dropped the old source too early is an error naming the stage, the node group and the image', () => {
    const p = plan({ from: RegistryMode.unmanaged({ imagesRepo: 'old.example/dkp' }), to: EE });
    const final = p.stages.find((s) => s.name === 'final')!;
    const files: Record<string, string> = {};
    for (const f of final.bundles[0].files) files[f.path] = f.content;
    const image = `old.example/dkp@${EXAMPLE_IMAGES.dockerAuth}`;
    const resolution = resolveImage(image, files, { containerdBuild: ContainerdBuild.DECKHOUSE, containerdMajor: 1 });
    expect(() => checkStageResolution('04-final', 'master', { image, accepts: [{ host: 'old.example', repository: 'dkp' }] }, resolution))
      .toThrow(`switch: stage 04-final, node group "master": image ${image} does not resolve to a source that serves it; containerd would ask https://old.example/v2/dkp (fallback), expected old.example/dkp (no hosts directory: the image host is used)`);
    const transition = p.stages[0];
    const tfiles: Record<string, string> = {};
    for (const f of transition.bundles[0].files) tfiles[f.path] = f.content;
    expect(() => checkStageResolution('01-transition', 'master', { image, accepts: [{ host: 'old.example', repository: 'dkp' }] },
      resolveImage(image, tfiles, { containerdBuild: ContainerdBuild.DECKHOUSE, containerdMajor: 1 }))).not.toThrow();
  });
});

test('stage charts render with the same ids and names in every stage', () => {
  const p = new RegistrySwitch(new App(), 'S', { ...CLUSTER, from: EE, to: NEW });
  expect(p.stages.map((s) => s.chart.node.id)).toEqual(['01-transition', '02-in-cluster-proxy', '03-switch', '04-final']);
  for (const s of p.stages) expect(new Set(kinds(s)).size).toBe(kinds(s).length);
});

describe('into and out of the node-services modes', () => {
  const NS = {
    clusterType: ClusterType.STATIC,
    controlPlane: [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }],
    ingress: { publicDomainTemplate: '%s.kube.example.com', clientCa: TEST_UPSTREAM_CA },
    pki: pkiFor([{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }]),
  };
  const PROXY = RegistryMode.proxy({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'OLD-KEY' });

  test('Direct -> Proxy: the load balancer with the transition, node services, switch, final, cleanup of the In-Cluster Proxy', () => {
    const p = plan({ from: EE, to: PROXY, ...NS });
    expect(p.stages.map((s) => [s.folder, s.waitFor])).toEqual([
      ['01-transition', ['RegistryContainsRequiredImages', 'ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady']],
      ['02-node-services', ['NodeServicesReady']],
      ['03-switch', ['DeckhouseRegistrySwitchReady']],
      ['04-final', ['FinalContainerdConfigReady']],
      ['05-cleanup', ['CleanupInClusterProxy', 'Ready']],
    ]);
    const files = p.toFiles();
    expect(Object.keys(hostsOf(p, '01-transition', 'worker').host)).toEqual(['https://registry.deckhouse.ru', 'https://127.0.0.1:5001']);
    expect(Object.keys(hostsOf(p, '04-final', 'worker').host)).toEqual(['https://127.0.0.1:5001']);
    expect(files['expected/01-transition/nodes/worker/etc/kubernetes/registry-proxy/nginx.conf']).toContain('server 10.0.0.10:5001;');
    expect(files['expected/01-transition/nodes/master/etc/kubernetes/manifests/registry-nodeservices.yaml']).toBeUndefined();
    expect(files['expected/02-node-services/nodes/master@master-0/etc/kubernetes/manifests/registry-nodeservices.yaml']).toBeDefined();
    expect(kinds(p.stages[1])).toEqual(expect.arrayContaining(['Secret/registry-user-ro', 'Secret/registry-node-config-master-0', 'Deployment/registry-incluster-proxy']));
    const svc = (i: number) => p.stages[i].chart.toJson().find((o: any) => o.kind === 'Service').spec.selector.type;
    expect([svc(0), svc(1), svc(2), svc(4)]).toEqual(['incluster-proxy', 'incluster-proxy', 'node-services', 'node-services']);
    const user = (i: number) => JSON.parse(secretData(p.stages[i].chart.toJson(), 'deckhouse-registry')['.dockerconfigjson']).auths[FIXED].username;
    expect([user(1), user(2)]).toEqual(['license-token', 'ro']);
    expect(p.toFiles()['apply/05-cleanup/prune.txt']).toContain('Deployment d8-system/registry-incluster-proxy');
    expect(kinds(p.stages[4])).not.toContain('Deployment/registry-incluster-proxy');
  });

  test('Local -> Direct: node services leave the masters at cleanup, with their users and per-node configs pruned', () => {
    const p = plan({ from: RegistryMode.local(), to: EE, ...NS });
    expect(p.stages.map((s) => s.folder)).toEqual(['01-transition', '02-in-cluster-proxy', '03-switch', '04-final', '05-cleanup']);
    const cleanup = p.stages[4];
    expect(cleanup.waitFor).toEqual(['CleanupNodeServices', 'Ready']);
    expect(cleanup.prune).toEqual(expect.arrayContaining([
      'Secret d8-system/registry-user-rw', 'Secret d8-system/registry-node-config-master-1', 'Service d8-system/registry-push', 'Ingress d8-system/registry',
    ]));
    const files = Object.keys(p.toFiles());
    expect(files.filter((f) => /^expected\/04-final\/nodes\/master(@master-0)?\/etc\/kubernetes\/manifests\//.test(f))).toEqual([
      'expected/04-final/nodes/master/etc/kubernetes/manifests/registry-proxy.yaml', 'expected/04-final/nodes/master@master-0/etc/kubernetes/manifests/registry-nodeservices.yaml',
    ]);
    expect(files.filter((f) => f.startsWith('expected/05-cleanup/nodes/') && f.includes('/etc/kubernetes/'))).toEqual([]);
  });

  test('into Local the plan asks for the push before the switch', () => {
    const p = plan({ from: EE, to: RegistryMode.local(), ...NS });
    const ns = p.stages.find((s) => s.name === 'node-services')!;
    expect(ns.waitFor).toEqual(['NodeServicesReady', 'RegistryContainsRequiredImages']);
    expect(ns.disruptions.join('\n')).toMatch(/d8 mirror push --registry-login=rw/);
  });
});

describe('each side resolves once, in a fixed order', () => {
  const CONTROL_PLANE = [{ name: 'master-0', address: '10.0.0.10' }];
  const PROXY = RegistryMode.proxy({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'UP-PASS' });
  const UNMANAGED = RegistryMode.unmanaged({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'UP-PASS' });

  test('Proxy -> Unmanaged with the module and a given PKI: the old side routes with the module\'s own ro password (the marker), never one derived from the CA key', () => {
    // Before the model, both sides' routing came from the target's cluster facts: the transition stage wrote a password
    // derived from the given CA key into expected hosts.toml and registry-bashible-config.
    const p = new RegistrySwitch(Testing.app(), 'Switch', {
      from: PROXY, to: UNMANAGED, clusterType: ClusterType.STATIC, controlPlane: CONTROL_PLANE, pki: pkiFor(CONTROL_PLANE), nodeGroups: [{ name: 'master' }],
    });
    const transition = p.stages[0];
    expect(transition.name).toBe('transition');
    const hosts = TOML.parse(transition.bundles[0].files.find((f) => f.path.endsWith(`${FIXED}/hosts.toml`))?.content as string) as any;
    expect(hosts.host['https://127.0.0.1:5001'].auth).toEqual({ username: 'ro', password: '<generated by the registry module>' });
    const payload = YAML.parse(secretData(transition.chart.toJson(), 'registry-bashible-config').config);
    expect(JSON.stringify(payload)).not.toMatch(/"password":"(?!<generated by the registry module>|UP-PASS)/);
  });

  test('a misplaced bootstrapRegistry is named before what the containerd build cannot carry', () => {
    expect(() => plan({ from: EE, to: NEW, bootstrapRegistry: { imagesRepo: 'boot.local/deckhouse/ce' }, containerdBuild: ContainerdBuild.STOCK }))
      .toThrow(/^bootstrapRegistry: only meaningful when from is the default Unmanaged mode/);
  });

  test('a forbidden switch is named before bad cluster facts', () => {
    expect(() => plan({ from: PROXY, to: RegistryMode.local(), nodeGroups: [] as any })).toThrow(/^switch: the module does not support switching from Proxy to Local/);
  });
});
