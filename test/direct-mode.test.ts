// Direct mode: every object of reference §6 with the module's names, labels, ports and selectors.
import { pkiFor } from './support/node-pki';
import * as bcrypt from 'bcryptjs';
import { Chart, Testing } from 'cdk8s';
import { Cri, DeliveryTarget, DirectMode, InClusterProxy, RegistryMode, RegistryModel, RegistryModule, RegistryModuleProps } from '../lib';
import { EXAMPLE_IMAGES, moduleConfigOf, parseYaml, TEST_PKI, TEST_UPSTREAM_CA, withoutFlux } from './support/fixtures';
import { b64, find, secretData } from './support/manifests';
import { renderModule, renderObjects } from './support/render';

const LICENSE = 'FAKE-LICENSE-0123456789';
const base = (over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: LICENSE }),
  images: EXAMPLE_IMAGES,
  pki: TEST_PKI,
  ...over,
});
const privateRegistry = () => RegistryMode.direct({
  imagesRepo: 'registry.example.com:5000/deckhouse/ee', scheme: 'HTTP' as any, username: 'puller', password: 'pw-1', ca: TEST_UPSTREAM_CA,
});

describe('Direct mode', () => {
  const objects = renderObjects(base());

  test('snapshot with minimal props', () => {
    expect(objects).toMatchSnapshot();
  });

  test('snapshot with every prop set (HA, custom tolerations, VPA, two CRIs)', () => {
    expect(renderObjects(base({
      mode: privateRegistry(),
      controlPlaneNodes: 3,
      nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
      customTolerationKeys: ['dedicated.example.com/registry'],
      verticalPodAutoscaler: true,
    }))).toMatchSnapshot();
  });

  test('renders exactly the module objects, in d8-system, with their names', () => {
    // (The ModuleConfig is a file of its own: apply/moduleconfig.yaml.)
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'Secret/d8-system/registry-config',
      'Secret/d8-system/registry-pki',
      'Secret/d8-system/deckhouse-registry',
      'Secret/kube-system/deckhouse-registry',
      'Secret/d8-monitoring/deckhouse-registry',
      'Secret/d8-system/registry-bashible-config',
      'Secret/d8-system/registry-incluster-proxy-config',
      'Deployment/d8-system/registry-incluster-proxy',
      'PodDisruptionBudget/d8-system/registry-incluster-proxy',
      'Service/d8-system/registry',
      // hosts.toml carries the licence: it travels in a Secret the node reads, not in the script.
      'Secret/d8-system/registry-node-files-group-master',
      'NodeGroupConfiguration/-/registry-containerd-master',
      'Role/d8-system/registry-node-files',
      'RoleBinding/d8-system/registry-node-files',
    ]);
  });

  test('the registry Service is headless on 5001 and selects the in-cluster proxy', () => {
    const svc = find(objects, 'Service', 'registry');
    expect(svc.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry' });
    expect(svc.metadata.annotations['registry.deckhouse.io/config-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(svc.spec).toEqual({
      clusterIP: 'None',
      selector: { component: 'registry-service', type: 'incluster-proxy' },
      ports: [{ name: 'registry', port: 5001, protocol: 'TCP', targetPort: 'distribution' }],
    });
  });

  test('the Deployment runs distribution and auth on the control plane', () => {
    const d = find(objects, 'Deployment', 'registry-incluster-proxy');
    expect(d.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry-incluster-proxy' });
    expect(Object.keys(withoutFlux(d.metadata.annotations)!).sort()).toEqual(['registry.deckhouse.io/config-checksum', 'registry.deckhouse.io/hash', 'registry.deckhouse.io/version']);
    const selector = { app: 'registry-incluster-proxy', component: 'registry-service', type: 'incluster-proxy' };
    expect(d.spec.selector.matchLabels).toEqual(selector);
    expect(d.spec.template.metadata.labels).toEqual(selector);
    expect(d.spec.replicas).toBe(1);
    // The non-HA strategy block is rendered too (helm-lib, errata §1c).
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(d.spec.revisionHistoryLimit).toBe(2);
    const pod = d.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.imagePullSecrets).toEqual([{ name: 'deckhouse-registry' }]);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.affinity).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(pod.tolerations.map((t: any) => t.key)).toEqual([
      'node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane', 'dedicated.deckhouse.io', 'dedicated',
      'DeletionCandidateOfClusterAutoscaler', 'ToBeDeletedByClusterAutoscaler',
      'drbd.linbit.com/lost-quorum', 'drbd.linbit.com/force-io-error', 'drbd.linbit.com/ignore-fail-over',
    ]);
    expect(pod.volumes).toEqual([{ name: 'registry-incluster-proxy-config', secret: { secretName: 'registry-incluster-proxy-config' } }]);
    const [dist, auth] = pod.containers;
    expect(dist.name).toBe('distribution');
    expect(dist.image).toBe(`registry.d8-system.svc:5001/system/deckhouse@${EXAMPLE_IMAGES.dockerDistribution}`);
    expect(dist.args).toEqual(['serve', '/config/distribution_config.yaml']);
    expect(dist.ports).toEqual([
      { name: 'distribution', containerPort: 5001, protocol: 'TCP' },
      { name: 'debug', containerPort: 5002, protocol: 'TCP' },
    ]);
    for (const probe of [dist.livenessProbe, dist.readinessProbe]) expect(probe).toEqual({ httpGet: { path: '/', port: 'distribution', scheme: 'HTTPS' } });
    expect(dist.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(dist.volumeMounts).toEqual([{ name: 'registry-incluster-proxy-config', mountPath: '/config', readOnly: true }]);
    expect(dist.resources.requests).toEqual({ 'cpu': '25m', 'memory': '40Mi', 'ephemeral-storage': '60Mi' });
    expect(auth.name).toBe('auth');
    expect(auth.image).toBe(`registry.d8-system.svc:5001/system/deckhouse@${EXAMPLE_IMAGES.dockerAuth}`);
    expect(auth.args).toEqual(['-logtostderr', '/config/auth_config.yaml']);
    expect(auth.ports).toEqual([{ name: 'auth', containerPort: 5051, protocol: 'TCP' }]);
    for (const probe of [auth.livenessProbe, auth.readinessProbe]) expect(probe).toEqual({ httpGet: { path: '/', port: 'auth', scheme: 'HTTPS' } });
  });

  test.each([
    [2, 1],
    [3, 2],
    [5, 2],
  ])('in HA with %i masters: one replica per master, maxUnavailable %i, anti-affinity, PDB 1', (masters, maxUnavailable) => {
    const o = renderObjects(base({ controlPlaneNodes: masters }));
    const d = find(o, 'Deployment', 'registry-incluster-proxy');
    expect(d.spec.replicas).toBe(masters);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable } });
    expect(d.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: { app: 'registry-incluster-proxy' } }, topologyKey: 'kubernetes.io/hostname' },
    ]);
    expect(find(o, 'PodDisruptionBudget', 'registry-incluster-proxy').spec.maxUnavailable).toBe(1);
  });

  test('the PodDisruptionBudget allows no disruption with one master and uses the Deployment selector', () => {
    const pdb = find(objects, 'PodDisruptionBudget', 'registry-incluster-proxy');
    expect(pdb.spec).toEqual({ maxUnavailable: 0, selector: { matchLabels: { app: 'registry-incluster-proxy', component: 'registry-service', type: 'incluster-proxy' } } });
  });

  test('VPA: rendered only when enabled, and then the containers get no cpu/memory requests', () => {
    expect(objects.some((o) => o.kind === 'VerticalPodAutoscaler')).toBe(false);
    const o = renderObjects(base({ verticalPodAutoscaler: true }));
    const vpa = find(o, 'VerticalPodAutoscaler', 'registry-incluster-proxy');
    expect(vpa.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'registry-incluster-proxy' });
    expect(vpa.spec.updatePolicy).toEqual({ updateMode: 'Auto' });
    expect(vpa.spec.resourcePolicy.containerPolicies.map((p: any) => p.containerName)).toEqual(['distribution', 'auth']);
    const c = find(o, 'Deployment', 'registry-incluster-proxy').spec.template.spec.containers[0];
    expect(c.resources.requests).toEqual({ 'ephemeral-storage': '60Mi' });
  });

  test('custom toleration keys are tolerated with Exists', () => {
    const o = renderObjects(base({ customTolerationKeys: ['dedicated.example.com/registry'] }));
    expect(find(o, 'Deployment', 'registry-incluster-proxy').spec.template.spec.tolerations).toContainEqual({ key: 'dedicated.example.com/registry', operator: 'Exists' });
  });

  test('registry-incluster-proxy-config holds all keys, and its configs parse back with every key of the reference', () => {
    const s = find(objects, 'Secret', 'registry-incluster-proxy-config');
    expect(s.type).toBe('registry/incluster-proxy-config');
    expect(s.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry', name: 'registry-incluster-proxy-config' });
    expect(s.metadata.annotations['registry.deckhouse.io/version']).toBe(find(objects, 'Deployment', 'registry-incluster-proxy').metadata.annotations['registry.deckhouse.io/version']);
    const data = secretData(objects, 'registry-incluster-proxy-config');
    expect(Object.keys(data).sort()).toEqual([
      'auth.crt', 'auth.key', 'auth_config.yaml', 'ca.crt', 'distribution.crt', 'distribution.key', 'distribution_config.yaml', 'token.crt', 'token.key',
    ]);
    const auth = parseYaml(data['auth_config.yaml']);
    expect(auth.server).toEqual({ addr: ':5051', real_ip_header: 'X-Forwarded-For', certificate: '/config/auth.crt', key: '/config/auth.key' });
    expect(auth.token).toEqual({ issuer: 'Registry server', expiration: 900, certificate: '/config/token.crt', key: '/config/token.key' });
    expect(Object.keys(auth.users)).toEqual(['license-token']);
    expect(bcrypt.compareSync(LICENSE, auth.users['license-token'].password)).toBe(true);
    expect(auth.users['license-token'].password).toMatch(/^\$2a\$10\$/);
    expect(auth.acl).toEqual([{ match: { account: 'license-token' }, actions: ['pull'] }]);

    const dist = parseYaml(data['distribution_config.yaml']);
    expect(dist.version).toBe('0.1');
    expect(dist.log).toEqual({ level: 'info' });
    expect(dist.storage).toEqual({
      filesystem: { rootdirectory: '/data' }, delete: { enabled: true }, redirect: { disable: true },
      maintenance: { uploadpurging: { enabled: false, age: '168h', interval: '24h', dryrun: false }, readonly: { enabled: true } },
    });
    expect(dist.http.addr).toBe(':5001');
    expect(dist.http.prefix).toBe('/');
    expect(dist.http.secret).toMatch(/^[a-zA-Z0-9]{25}$/);
    expect(dist.http.debug).toEqual({ addr: ':5002', prometheus: { enabled: true, path: '/metrics' } });
    expect(dist.http.tls).toEqual({ certificate: '/config/distribution.crt', key: '/config/distribution.key' });
    expect(dist.proxy).toEqual({
      remoteurl: 'https://registry.deckhouse.ru', username: 'license-token', password: LICENSE,
      remotepathonly: '/deckhouse/ee', localpathalias: '/system/deckhouse', nocache: true,
    });
    expect(dist.auth).toEqual({
      token: {
        realm: 'https://127.0.0.1:5051/auth', service: 'Deckhouse registry', issuer: 'Registry server', rootcertbundle: '/config/token.crt',
        autoredirect: true, proxy: { url: 'https://127.0.0.1:5051/auth', ca: '/config/ca.crt' },
      },
    });
    expect(data['ca.crt']).toBe(TEST_PKI.ca.certificate.trimStart());
    expect(data['auth.key']).toBe(TEST_PKI.auth.privateKey.trimStart());
  });

  test('an upstream CA adds upstream-registry-ca.crt and proxy.ca; http gives an http remote', () => {
    const o = renderObjects(base({ mode: privateRegistry() }));
    const data = secretData(o, 'registry-incluster-proxy-config');
    expect(data['upstream-registry-ca.crt']).toBe(TEST_UPSTREAM_CA.trimStart());
    const proxy = parseYaml(data['distribution_config.yaml']).proxy;
    expect(proxy).toMatchObject({ remoteurl: 'http://registry.example.com:5000', username: 'puller', password: 'pw-1', ca: '/config/upstream-registry-ca.crt' });
  });

  test('an anonymous upstream runs no docker_auth: no auth container, keys or auth section (errata §5)', () => {
    const o = renderObjects(base({ mode: RegistryMode.direct({ imagesRepo: 'mirror.example.org/dkp/ce' }) }));
    const data = secretData(o, 'registry-incluster-proxy-config');
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'distribution.crt', 'distribution.key', 'distribution_config.yaml']);
    const distribution = parseYaml(data['distribution_config.yaml']);
    expect(distribution.auth).toBeUndefined();
    expect(distribution.proxy).toEqual({ remoteurl: 'https://mirror.example.org', remotepathonly: '/dkp/ce', localpathalias: '/system/deckhouse', nocache: true });
    const d = find(o, 'Deployment', 'registry-incluster-proxy');
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['distribution']);
    // go-containerregistry's AuthConfig always writes auth: base64(":") for an anonymous registry (errata §3).
    expect(secretData(o, 'deckhouse-registry')['.dockerconfigjson']).toBe('{"auths":{"registry.d8-system.svc:5001":{"auth":"Og=="}}}');
  });

  test('deckhouse-registry takes the managed form: fixed address, registry CA, upstream credentials', () => {
    const s = find(objects, 'Secret', 'deckhouse-registry');
    expect(s.type).toBe('kubernetes.io/dockerconfigjson');
    const data = secretData(objects, 'deckhouse-registry');
    expect(data).toMatchObject({
      address: 'registry.d8-system.svc:5001', path: '/system/deckhouse', scheme: 'https', clusterIsBootstrapped: '"true"',
      imagesRegistry: 'registry.d8-system.svc:5001/system/deckhouse', ca: TEST_PKI.ca.certificate.trimStart(),
    });
    const auth = b64(`license-token:${LICENSE}`);
    expect(JSON.parse(data['.dockerconfigjson'])).toEqual({ auths: { 'registry.d8-system.svc:5001': { username: 'license-token', password: LICENSE, auth } } });
  });

  test('registry-pki holds the CA and the token pair', () => {
    const s = find(objects, 'Secret', 'registry-pki');
    expect(s.type).toBe('registry/pki');
    expect(s.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry', type: 'registry-pki' });
    expect(Object.keys(secretData(objects, 'registry-pki')).sort()).toEqual(['ca.crt', 'ca.key', 'token.crt', 'token.key']);
  });

  test('registry-bashible-config sends the fixed address to the upstream with a rewrite', () => {
    const s = find(objects, 'Secret', 'registry-bashible-config');
    expect(withoutFlux(s.metadata.annotations)).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(s.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry', name: 'registry-bashible-config' });
    const config = parseYaml(secretData(objects, 'registry-bashible-config').config);
    expect(config).toEqual({
      mode: 'Direct',
      version: expect.stringMatching(/^[0-9a-f]{64}$/),
      imagesBase: 'registry.d8-system.svc:5001/system/deckhouse',
      hosts: {
        'registry.d8-system.svc:5001': {
          mirrors: [{
            host: 'registry.deckhouse.ru', scheme: 'https',
            auth: { auth: '', username: 'license-token', password: LICENSE },
            rewrites: [{ from: '^system/deckhouse', to: 'deckhouse/ee' }],
          }],
        },
      },
    });
    const withCa = parseYaml(secretData(renderObjects(base({ mode: privateRegistry() })), 'registry-bashible-config').config);
    expect(withCa.hosts['registry.d8-system.svc:5001'].mirrors[0]).toMatchObject({ host: 'registry.example.com:5000', scheme: 'http', ca: TEST_UPSTREAM_CA.trimStart() });
  });

  test('versions change with the upstream and stay equal for equal input', () => {
    const v = (o: any[]) => parseYaml(secretData(o, 'registry-bashible-config').config).version;
    expect(v(renderObjects(base()))).toBe(v(objects));
    expect(v(renderObjects(base({ mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: 'OTHER' }) })))).not.toBe(v(objects));
  });

  test('ModuleConfig carries the settings as written, with the licence as a placeholder', () => {
    const mc = moduleConfigOf(base());
    expect(mc.apiVersion).toBe('deckhouse.io/v1alpha1');
    expect(mc.metadata.namespace).toBeUndefined();
    expect(mc.spec).toEqual({
      version: 1, enabled: true,
      settings: { registry: { mode: 'Direct', direct: { imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: '${REGISTRY_DIRECT_LICENSE}' } } },
    });
    expect(JSON.stringify(mc)).not.toContain(LICENSE);
  });

  test('registry-config carries the module input with defaults applied', () => {
    const s = find(objects, 'Secret', 'registry-config');
    expect(s.type).toBe('registry/config');
    const data = secretData(objects, 'registry-config');
    expect(data).toMatchObject({ mode: 'Direct', imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: 'HTTPS', username: 'license-token', password: LICENSE, checkMode: 'Default' });
    expect(data.ca).toBeUndefined();
    expect(parseYaml(data.raw_config)).toEqual({ mode: 'Direct', direct: { imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: LICENSE, scheme: 'HTTPS', checkMode: 'Default' } });
  });

  test('synth is byte-for-byte repeatable', () => {
    // (without the module: with it the chart synthesizes nothing, and '' would equal '')
    const yaml = () => renderModule(base({ controlPlaneNodes: 3 })).yaml;
    expect(yaml()).toMatch(/^kind: Deployment$/m);
    expect(yaml()).toBe(yaml());
  });

  test('DirectMode and InClusterProxy are usable on their own, from a model resolved once', () => {
    const model = RegistryModel.resolve({ ...base(), target: DeliveryTarget.WITHOUT_MODULE });
    const chart = Testing.chart();
    const direct = new DirectMode(chart, 'Direct', { model });
    expect(Testing.synth(chart).map((o) => o.metadata.name)).toContain('registry-incluster-proxy');
    expect(direct.modeName).toBe('Direct');
    const other = Testing.chart();
    const proxy = new InClusterProxy(other, 'Proxy', { model });
    expect(proxy.configVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(Testing.synth(other).map((o) => o.kind)).toEqual(['Secret', 'Deployment', 'PodDisruptionBudget']);
  });
});

describe('fails on bad cluster input', () => {
  const swap = (k: string, v: any) => ({ ...TEST_PKI, [k]: v });
  const cases: Array<[string, Partial<RegistryModuleProps>, RegExp]> = [
    ['fails without images in Direct', { images: undefined }, /^images: mode 'Direct' runs the in-cluster proxy and needs the digests/],
    ['fails without pki in Direct', { pki: undefined }, /^pki: mode 'Direct' rendered without the module \(target WithoutModule\) needs the module's PKI/],
    ['fails on a digest that is a tag', { images: { ...EXAMPLE_IMAGES, dockerAuth: 'v1.14.0' } }, /^images\.dockerAuth: expected an image digest "sha256:<64 lower-case hex digits>", got "v1\.14\.0"/],
    ['fails on a Docker node group in a managed mode', { nodeGroups: [{ name: 'master' }, { name: 'legacy', cri: Cri.DOCKER }] },
      /^nodeGroups\[1\]\.cri: managed modes \(Direct, Proxy, Local\) need containerd on all nodes \(Containerd or ContainerdV2\); node group "legacy" uses "Docker"/],
    ['fails on a NotManaged node group in a managed mode', { nodeGroups: [{ name: 'edge', cri: Cri.NOT_MANAGED }] }, /node group "edge" uses "NotManaged"/],
    ['fails on an unknown CRI', { nodeGroups: [{ name: 'a', cri: 'CRI-O' as any }] }, /^nodeGroups\[0\]\.cri: expected one of "Containerd" or "ContainerdV2"/],
    ['fails on duplicate node groups', { nodeGroups: [{ name: 'worker' }, { name: 'worker' }] }, /^nodeGroups\[1\]\.name: node group "worker" is listed twice/],
    ['fails on an invalid node group name', { nodeGroups: [{ name: 'Worker_1' }] }, /^nodeGroups\[0\]\.name: expected a node group name.*got "Worker_1"/],
    ['fails on an empty node group list', { nodeGroups: [] }, /^nodeGroups: expected a non-empty array/],
    ['fails on zero control-plane nodes', { controlPlaneNodes: 0 }, /^controlPlaneNodes: expected a whole number of control-plane nodes from 1 to 99, got number 0/],
    ['fails on a fractional control-plane count', { controlPlaneNodes: 1.5 }, /^controlPlaneNodes: .*got number 1\.5/],
    ['fails on a bad toleration key', { customTolerationKeys: ['bad key'] }, /^customTolerationKeys\[0\]: expected a taint key/],
    ['fails when a key does not belong to its certificate', { pki: swap('token', { certificate: TEST_PKI.token.certificate, privateKey: TEST_PKI.auth.privateKey }) },
      /^pki\.token\.privateKey: the private key does not belong to the certificate/],
    ['fails when a leaf is not signed by the CA', { pki: swap('ca', TEST_PKI.auth) }, /^pki\.token\.certificate: the certificate is not signed by pki\.ca/],
    ['fails when a TLS leaf lacks the SANs', { pki: swap('auth', TEST_PKI.token) }, /^pki\.auth\.certificate: the certificate must be valid for "localhost"/],
    ['fails when a certificate is a key', { pki: swap('ca', { certificate: TEST_PKI.ca.privateKey, privateKey: TEST_PKI.ca.privateKey }) }, /^pki\.ca\.certificate: .*block 1 is a private key/],
    ['fails when a private key is a certificate', { pki: swap('ca', { certificate: TEST_PKI.ca.certificate, privateKey: TEST_PKI.ca.certificate }) }, /^pki\.ca\.privateKey: expected one PEM private key; found a "CERTIFICATE" block/],
    ['fails on a short http secret', { pki: { ...TEST_PKI, httpSecret: 'short' } }, /^pki\.httpSecret: expected at least 16 characters from \[a-zA-Z0-9\], got a string of 5 character\(s\) \(value hidden\)/],
    ['fails on Proxy in a cloud cluster', { mode: RegistryMode.proxy({ imagesRepo: 'r.example/x' }) }, /^clusterType: Proxy and Local are unsupported for non-static clusters/],
  ];
  test.each(cases)('%s', (_name, over, message) => {
    expect(() => renderObjects(base(over))).toThrow(message);
  });

  test('fails on Local without the control-plane nodes it runs on', () => {
    const base2 = { dockerDistribution: EXAMPLE_IMAGES.dockerDistribution, dockerAuth: EXAMPLE_IMAGES.dockerAuth };
    expect(() => renderObjects({ mode: RegistryMode.local(), clusterType: 'Static' as any, images: EXAMPLE_IMAGES, pki: TEST_PKI }))
      .toThrow(/^controlPlane: mode 'Local' runs the registry on every control-plane node/);
    const controlPlane = [{ name: 'master-0', address: '10.0.0.10' }];
    const ingress = { publicDomainTemplate: '%s.example.com', clientCa: TEST_UPSTREAM_CA };
    expect(() => renderObjects({ mode: RegistryMode.local(), clusterType: 'Static' as any, images: EXAMPLE_IMAGES, pki: pkiFor(controlPlane), controlPlane }))
      .toThrow(/^ingress: mode 'Local' is filled through the Ingress registry\.<public domain>/);
    // registry-proxy runs the locally imported deckhouse.local/images:registry-proxy: no digest is needed for it.
    expect(() => renderObjects({ mode: RegistryMode.local(), clusterType: 'Static' as any, images: base2, pki: pkiFor(controlPlane), controlPlane, ingress }))
      .toThrow(/^images\.mirrorer: expected an image digest/);
  });

  test('fails when the chart has a namespace (NodeGroupConfiguration is cluster-scoped)', () => {
    const chart = new Chart(Testing.app(), 'ns', { namespace: 'd8-system' });
    expect(() => new RegistryModule(chart, 'R', { ...base(), target: DeliveryTarget.WITHOUT_MODULE })).toThrow(/NodeGroupConfiguration is cluster-scoped, but the chart has namespace "d8-system"/);
  });

  test('fails when a mode construct gets the wrong mode', () => {
    expect(() => new DirectMode(Testing.chart(), 'D', { model: RegistryModel.resolve({ mode: RegistryMode.unmanaged() }) })).toThrow(/expected mode to be RegistryMode\.direct\(…\), got mode 'Unmanaged'/);
    expect(() => new DirectMode(Testing.chart(), 'D', { model: { ...base() } as any })).toThrow(/^model: expected a RegistryModel \(RegistryModel\.resolve\(\{ mode, … \}\)\), got an object/);
  });

  test('errors about keys never print key material', () => {
    try {
      renderObjects(base({ pki: swap('token', { certificate: TEST_PKI.token.certificate, privateKey: TEST_PKI.auth.privateKey }) }));
    } catch (e) {
      expect((e as Error).message).not.toMatch(/MII/);
    }
    expect.assertions(1);
  });
});
