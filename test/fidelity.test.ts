// Issue #11: one test per numbered item, each pinning the module's own value (names, bytes, keys, order) as the
// errata (shared reference, from the module's templates, hooks and helm-lib) give them. Items 10 and 11 (YAML that Go
// reads the same way; fixed property-test seeds) live in their own suites.
import { createHash } from 'crypto';
import * as TOML from '@iarna/toml';
import { ClusterType, Cri, DeliveryTarget, IngressTls, RegistryMode, RegistryModuleProps, RegistrySwitch, Scheme } from '../lib';
import { App } from 'cdk8s';
import { EXAMPLE_IMAGES, parseYaml, TEST_PKI, TEST_UPSTREAM_CA, withoutFlux } from './support/fixtures';
import { b64, decodeSecret, find, secretBytes, secretData } from './support/manifests';
import { nodeScriptIn } from './support/node-script';
import { renderModule, renderObjects } from './support/render';
import { pkiFor } from './support/node-pki';
import { TEST_INGRESS_TLS } from '../examples/fixtures/test-ingress';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const direct = (over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'u', password: 'p<&>' }),
  images: EXAMPLE_IMAGES, pki: TEST_PKI, ...over,
});
const MASTERS = [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }];
const nodeServices = (mode: RegistryMode, over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode, clusterType: ClusterType.STATIC, nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  controlPlane: MASTERS, images: EXAMPLE_IMAGES, pki: pkiFor(MASTERS), ...over,
});

describe('item 1: deckhouse-registry (errata §2, §3)', () => {
  test('clusterIsBootstrapped is the six bytes "true", quotes included; ca always present; auth always in .dockerconfigjson', () => {
    const o = renderObjects(direct({ mode: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee' }) }));
    const s = find(o, 'Secret', 'deckhouse-registry');
    expect(s.data.clusterIsBootstrapped).toBe('InRydWUi');
    expect(secretBytes(s).clusterIsBootstrapped).toHaveLength(6);
    expect(Object.keys(s.data)).toEqual(['.dockerconfigjson', 'address', 'ca', 'clusterIsBootstrapped', 'imagesRegistry', 'path', 'scheme']);
    expect(secretData(o, 'deckhouse-registry')['.dockerconfigjson']).toBe('{"auths":{"registry.d8-system.svc:5001":{"auth":"Og=="}}}');
    expect(s.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'deckhouse', app: 'registry', name: 'deckhouse-registry' });
    expect(withoutFlux(s.metadata.annotations)).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  test('.dockerconfigjson: username, password, auth in that order, Go-escaped; copies in kube-system and d8-monitoring', () => {
    const o = renderObjects(direct());
    const json = secretData(o, 'deckhouse-registry')['.dockerconfigjson'];
    expect(json).toBe(`{"auths":{"registry.d8-system.svc:5001":{"username":"u","password":"p\\u003c\\u0026\\u003e","auth":"${b64('u:p<&>')}"}}}`);
    for (const ns of ['kube-system', 'd8-monitoring']) {
      const copy = find(o, 'Secret', 'deckhouse-registry', ns);
      expect(copy.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'deckhouse' });
      expect(withoutFlux(copy.metadata.annotations)).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(Object.keys(copy.data)).toEqual(['.dockerconfigjson']);
      expect(decodeSecret(copy)['.dockerconfigjson']).toBe(json);
    }
  });

  test('configurable Unmanaged: ca is present as an empty string without a CA', () => {
    const o = renderObjects({ mode: RegistryMode.unmanaged({ imagesRepo: 'mirror.local:5000/dkp/ce', scheme: Scheme.HTTP }) });
    expect(secretData(o, 'deckhouse-registry')).toMatchObject({ ca: '', address: 'mirror.local:5000', path: '/dkp/ce', scheme: 'http', clusterIsBootstrapped: '"true"' });
  });
});

describe('item 2: In-Cluster Proxy Deployment (errata §1)', () => {
  const keys = [
    'node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane', 'dedicated.deckhouse.io', 'dedicated',
    'DeletionCandidateOfClusterAutoscaler', 'ToBeDeletedByClusterAutoscaler',
  ];
  const drbd = ['drbd.linbit.com/lost-quorum', 'drbd.linbit.com/force-io-error', 'drbd.linbit.com/ignore-fail-over'];

  test('tolerations: any-node, custom keys, then the storage-problem keys; no effects; no uninitialized', () => {
    const d = find(renderObjects(direct({ customTolerationKeys: ['dedicated.example.com/registry'] })), 'Deployment', 'registry-incluster-proxy');
    expect(d.spec.template.spec.tolerations).toEqual([
      { key: keys[0] }, { key: keys[1] }, { key: keys[2], operator: 'Exists' }, { key: keys[3], operator: 'Exists' }, { key: keys[4] }, { key: keys[5] },
      { key: 'dedicated.example.com/registry', operator: 'Exists' },
      ...drbd.map((key) => ({ key })),
    ]);
  });

  test.each([
    ['non-HA', { controlPlaneNodes: 1 }, 1, 1, 0],
    ['HA with 2 masters', { controlPlaneNodes: 2 }, 2, 1, 1],
    ['HA with 3 masters', { controlPlaneNodes: 3 }, 3, 2, 1],
    ['highAvailability forced on a single master', { controlPlaneNodes: 1, highAvailability: true }, 1, 1, 1],
    ['highAvailability off on three masters', { controlPlaneNodes: 3, highAvailability: false }, 1, 1, 0],
  ])('replicas, strategy and PDB: %s', (_name, over, replicas, maxUnavailable, pdb) => {
    const o = renderObjects(direct(over));
    const d = find(o, 'Deployment', 'registry-incluster-proxy');
    expect(d.spec.replicas).toBe(replicas);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable } });
    expect(d.spec.template.spec.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(find(o, 'PodDisruptionBudget', 'registry-incluster-proxy').spec.maxUnavailable).toBe(pdb);
  });

  test('proxy environment on distribution only: both cases, NO_PROXY in helm-lib 1.63.6 order', () => {
    const o = renderObjects(direct({
      httpProxy: 'http://proxy.corp:3128', httpsProxy: 'http://proxy.corp:3128', noProxy: ['.corp.local', '10.0.0.0/8'],
      clusterDomain: 'cluster.local', podSubnetCIDR: '10.111.0.0/16', serviceSubnetCIDR: '10.222.0.0/16',
    }));
    const [distribution, auth] = find(o, 'Deployment', 'registry-incluster-proxy').spec.template.spec.containers;
    const noProxy = '127.0.0.1,169.254.169.254,cluster.local,10.111.0.0/16,10.222.0.0/16,.corp.local,10.0.0.0/8';
    expect(distribution.env).toEqual([
      { name: 'HTTP_PROXY', value: 'http://proxy.corp:3128' }, { name: 'http_proxy', value: 'http://proxy.corp:3128' },
      { name: 'HTTPS_PROXY', value: 'http://proxy.corp:3128' }, { name: 'https_proxy', value: 'http://proxy.corp:3128' },
      { name: 'NO_PROXY', value: noProxy }, { name: 'no_proxy', value: noProxy },
    ]);
    expect(auth.env).toBeUndefined();
    // Only noProxy given: the proxy object exists, so NO_PROXY is still emitted; without any, no env at all.
    expect(find(renderObjects(direct({ noProxy: ['.corp'] })), 'Deployment', 'registry-incluster-proxy').spec.template.spec.containers[0].env.map((e: any) => e.name))
      .toEqual(['NO_PROXY', 'no_proxy']);
    expect(find(renderObjects(direct()), 'Deployment', 'registry-incluster-proxy').spec.template.spec.containers[0].env).toBeUndefined();
  });

  test('fails on a proxy URL with credentials: it would land in pod environment variables', () => {
    expect(() => renderObjects(direct({ httpProxy: 'http://user:Sup3rSecret@proxy.corp:3128' })))
      .toThrow(/^httpProxy: expected a proxy URL without credentials .*got a URL with user information \(value hidden\)$/);
    expect(() => renderObjects(direct({ httpProxy: 'http://user:Sup3rSecret@proxy.corp:3128' }))).not.toThrow(/Sup3rSecret/);
    // user information that holds a `/`, or has no scheme, is hidden too
    for (const url of ['http://user:Sup/3rSecret@proxy.corp:3128', 'user:Sup3rSecret@proxy.corp:3128']) {
      expect(() => renderObjects(direct({ httpsProxy: url }))).toThrow(/^httpsProxy: expected a proxy URL without credentials .*\(value hidden\)$/);
    }
  });

  test('the other facts of §1e: security contexts, requests, config-checksum by the module\'s recipe', () => {
    const o = renderObjects(direct());
    const d = find(o, 'Deployment', 'registry-incluster-proxy');
    expect(d.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534 });
    for (const c of d.spec.template.spec.containers) {
      expect(c.securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.resources.requests).toEqual({ 'ephemeral-storage': '60Mi', 'cpu': '25m', 'memory': '40Mi' });
    }
    const checksum = d.metadata.annotations['registry.deckhouse.io/config-checksum'];
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(d.spec.template.metadata.annotations['registry.deckhouse.io/config-checksum']).toBe(checksum);
  });
});

describe('item 3: anonymous upstream (errata §5)', () => {
  test('no auth container, no auth section, no proxy credentials; the Secret lacks auth_config.yaml, auth.* and token.*', () => {
    const o = renderObjects(direct({ mode: RegistryMode.direct({ imagesRepo: 'mirror.example.org/dkp/ce' }), verticalPodAutoscaler: true }));
    const data = secretData(o, 'registry-incluster-proxy-config');
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'distribution.crt', 'distribution.key', 'distribution_config.yaml']);
    const config = parseYaml(data['distribution_config.yaml']);
    expect(config.auth).toBeUndefined();
    expect(config.proxy.username).toBeUndefined();
    expect(config.proxy.password).toBeUndefined();
    expect(find(o, 'Deployment', 'registry-incluster-proxy').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['distribution']);
    expect(find(o, 'VerticalPodAutoscaler', 'registry-incluster-proxy').spec.resourcePolicy.containerPolicies.map((p: any) => p.containerName)).toEqual(['distribution']);
    expect(Object.keys(secretData(o, 'registry-config'))).not.toContain('username');
  });
});

describe('item 4: CA (errata §6)', () => {
  const body = TEST_UPSTREAM_CA.trim().split('\n').slice(1, -1).join('');
  const canonical = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

  test('fails on a bundle, with the field path and what the module would do', () => {
    expect(() => RegistryMode.direct({ imagesRepo: 'r.example.com/x', ca: `${TEST_UPSTREAM_CA}${TEST_PKI.ca.certificate}` }))
      .toThrow(/^registry\.direct\.ca: expected exactly one PEM certificate .*found 2: .*orchestrator hook fails/);
  });

  test('re-encoded canonically where the module re-encodes, as written where module deckhouse copies it', () => {
    const written = `${TEST_UPSTREAM_CA.trim().replace(/\n/g, '\r\n')}\r\n`;
    const o = renderObjects(direct({ mode: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee', ca: written }) }));
    const mirror = parseYaml(secretData(o, 'registry-bashible-config').config).hosts['registry.d8-system.svc:5001'].mirrors[0];
    expect(mirror.ca).toBe(canonical);
    expect(secretData(o, 'registry-incluster-proxy-config')['upstream-registry-ca.crt']).toBe(canonical);
    expect(secretData(o, 'registry-config').ca).toBe(written);
  });

  test('a bootstrap registry\'s CA is copied raw (legacy path from deckhouse-registry): a bundle passes there', () => {
    const bundle = `${TEST_UPSTREAM_CA}${TEST_PKI.ca.certificate}`;
    expect(() => new RegistrySwitch(new App(), 'S', {
      target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES, pki: TEST_PKI, from: RegistryMode.unmanaged(), to: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee' }),
      bootstrapRegistry: { imagesRepo: 'old.example.com/dkp', ca: bundle },
    })).not.toThrow();
  });
});

describe('item 5: registry-bashible-config payload (errata §4)', () => {
  test('keys sorted as Helm emits them; proxyEndpoints absent; auth with its three keys', () => {
    const text = secretData(renderObjects(direct()), 'registry-bashible-config').config;
    expect(text.split('\n').filter((l) => /^\S/.test(l))).toEqual(['hosts:', 'imagesBase: registry.d8-system.svc:5001/system/deckhouse', 'mode: Direct', expect.stringMatching(/^version: "?[0-9a-f]{64}"?$/)]);
    const mirror = parseYaml(text).hosts['registry.d8-system.svc:5001'].mirrors[0];
    expect(Object.keys(mirror)).toEqual(['auth', 'host', 'rewrites', 'scheme']);
    expect(mirror.auth).toEqual({ auth: '', password: 'p<&>', username: 'u' });
  });

  test('version equals the module\'s recipe on a vector computed by hand (Go JSON, version "", HTML escapes)', () => {
    // json.Marshal of the Config struct with Version "": mode, version, imagesBase, hosts; mirror host, scheme, auth{username,
    // password, auth}, rewrites — written out literally.
    const json = '{"mode":"Direct","version":"","imagesBase":"registry.d8-system.svc:5001/system/deckhouse","hosts":{"registry.d8-system.svc:5001":'
      + '{"mirrors":[{"host":"registry.example.com","scheme":"https","auth":{"username":"u","password":"p\\u003c\\u0026\\u003e","auth":""},'
      + '"rewrites":[{"from":"^system/deckhouse","to":"deckhouse/ee"}]}]}}}';
    // printf '%s' '<the JSON above>' | sha256sum
    expect(sha256(json)).toBe('736063dd677a68ddead95b7cb7d76494e3e99b0eda50709bb33ededc4febca3f');
    expect(parseYaml(secretData(renderObjects(direct()), 'registry-bashible-config').config).version).toBe('736063dd677a68ddead95b7cb7d76494e3e99b0eda50709bb33ededc4febca3f');
  });

  test('transition stage: mode and imagesBase are already the target\'s; a path-only change keeps only the new mirror', () => {
    const from = RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee', license: 'OLD' });
    const to = RegistryMode.unmanaged({ imagesRepo: 'mirror.local:5000/dkp/ce', scheme: Scheme.HTTP });
    const plan = new RegistrySwitch(new App(), 'S', { target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES, pki: TEST_PKI, from, to });
    const c = parseYaml(secretData(plan.stages[0].chart.toJson(), 'registry-bashible-config').config);
    expect([plan.stages[0].name, c.mode, c.imagesBase]).toEqual(['transition', 'Unmanaged', 'mirror.local:5000/dkp/ce']);
    expect(Object.keys(c.hosts)).toEqual(['mirror.local:5000', 'registry.d8-system.svc:5001']);

    const pathOnly = new RegistrySwitch(new App(), 'P', {
      target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES, pki: TEST_PKI, from, to: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ce', license: 'OLD' }),
    });
    const t = parseYaml(secretData(pathOnly.stages[0].chart.toJson(), 'registry-bashible-config').config);
    expect(t.hosts['registry.d8-system.svc:5001'].mirrors.map((m: any) => m.rewrites[0].to)).toEqual(['deckhouse/ce']);
  });
});

describe('item 6: node services (errata §7)', () => {
  test('users ro, rw, mirror-puller, mirror-pusher; per-node pairs; schema keys sorted; labels', () => {
    const o = renderObjects(nodeServices(RegistryMode.local(), { ingress: { publicDomainTemplate: '%s.example.com', clientCa: TEST_UPSTREAM_CA } }));
    expect(o.filter((x) => x.metadata.name.startsWith('registry-user-')).map((x) => x.metadata.name))
      .toEqual(['registry-user-ro', 'registry-user-rw', 'registry-user-mirror-puller', 'registry-user-mirror-pusher']);
    for (const name of ['ro', 'rw', 'mirror-puller', 'mirror-pusher']) {
      const user = secretData(o, `registry-user-${name}`);
      expect([user.name, user.password]).toEqual([name, expect.stringMatching(/^[A-Za-z0-9]{16}$/)]);
    }
    const c = parseYaml(secretData(o, 'registry-node-config-master-1').config);
    expect(Object.keys(c)).toEqual(['auth_cert', 'auth_key', 'ca', 'distribution_cert', 'distribution_key', 'http_secret', 'local_mode', 'token_cert', 'token_key', 'user_ro']);
    expect(c.auth_cert).toBe(pkiFor(MASTERS).nodes!['master-1'].auth.certificate.trimStart());
    expect(c.proxy_config).toBeUndefined();
    expect(find(o, 'Secret', 'registry-node-config-master-1').metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry', type: 'registry-node-services-config' });
  });

  test('fails without the per-node pairs, naming the node and the SANs the module issues', () => {
    expect(() => renderObjects(nodeServices(RegistryMode.proxy({ imagesRepo: 'r.example.com/x' }), { pki: TEST_PKI })))
      .toThrow(/^pki\.nodes\.master-0: the node services on "master-0" need their own auth and distribution pairs with the node's address 10\.0\.0\.10/);
  });

  test('proxy environment on the node services in Proxy mode only', () => {
    const env = (mode: RegistryMode, extra: Partial<RegistryModuleProps> = {}) => {
      const m = renderModule(nodeServices(mode, { httpProxy: 'http://p.corp:3128', ...extra })).module;
      return parseYaml(m.nodeConfiguration.toFiles()['nodes/master@master-0/etc/kubernetes/manifests/registry-nodeservices.yaml']).spec.containers[0].env;
    };
    expect(env(RegistryMode.proxy({ imagesRepo: 'r.example.com/x' })).map((e: any) => e.name)).toEqual(['HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']);
    expect(env(RegistryMode.local(), { ingress: { publicDomainTemplate: '%s.example.com', clientCa: TEST_UPSTREAM_CA } })).toBeUndefined();
  });
});

describe('item 7: registry-proxy on nodes (errata §8)', () => {
  test('image deckhouse.local/images:registry-proxy never pulled; nginx_new.conf and a seeded nginx.conf, 0640, 0:64535, 2750', () => {
    const { module: m, objects } = renderModule(nodeServices(RegistryMode.proxy({ imagesRepo: 'r.example.com/x' })));
    const files = m.nodeConfiguration.toFiles();
    const pod = parseYaml(files['nodes/worker/etc/kubernetes/manifests/registry-proxy.yaml']);
    expect(pod.spec.containers[0]).toMatchObject({ image: 'deckhouse.local/images:registry-proxy', imagePullPolicy: 'Never' });
    const bundle = m.nodeConfiguration.bundles.find((b) => b.nodeGroup === 'worker')!;
    const byPath = (p: string) => bundle.files.find((f) => f.path === p);
    expect(byPath('/etc/kubernetes/registry-proxy/nginx_new.conf')).toMatchObject({ mode: 0o640, owner: '0:64535', directoryMode: 0o2750 });
    expect(byPath('/etc/kubernetes/registry-proxy/nginx.conf')).toMatchObject({ mode: 0o640, owner: '0:64535', onlyIfMissing: true });
    // The script seeds nginx.conf only when it is missing: the reloader applies later versions after nginx -t.
    const script = nodeScriptIn(objects, 'worker');
    expect(script).toMatch(/\[ -e "\$\{root\}"'\/etc\/kubernetes\/registry-proxy\/nginx\.conf' \] \|\| put '\/etc\/kubernetes\/registry-proxy\/nginx\.conf' 640/);
  });
});

describe('item 8: Local ingress (errata §9)', () => {
  const ingress = (tls: IngressTls) => renderObjects(nodeServices(RegistryMode.local(), { ingress: { publicDomainTemplate: '%s.example.com', clientCa: TEST_UPSTREAM_CA, tls } }));

  test('custom certificate Secret registry-ingress-tls-customcertificate with module labels only', () => {
    const o = ingress(IngressTls.customCertificate(TEST_INGRESS_TLS));
    const s = find(o, 'Secret', 'registry-ingress-tls-customcertificate');
    expect([s.type, s.metadata.labels]).toEqual(['kubernetes.io/tls', { heritage: 'deckhouse', module: 'registry' }]);
    const ing = find(o, 'Ingress', 'registry');
    expect(ing.spec.tls).toEqual([{ hosts: ['registry.example.com'], secretName: 'registry-ingress-tls-customcertificate' }]);
    expect(ing.metadata.annotations['registry.deckhouse.io/config-hash']).toBe(find(o, 'Service', 'registry').metadata.annotations['registry.deckhouse.io/config-hash']);
    expect(ing.spec.rules[0].http.paths[0].backend.service.name).toBe('registry-push');
  });

  test('cert-manager: Certificate registry-ingress for Secret registry-ingress-tls, commonName up to 64 characters', () => {
    const c = find(ingress(IngressTls.certManager('corp-issuer')), 'Certificate', 'registry-ingress');
    expect(c.spec).toEqual({
      certificateOwnerRef: false, commonName: 'registry.example.com', dnsNames: ['registry.example.com'],
      issuerRef: { kind: 'ClusterIssuer', name: 'corp-issuer' }, secretName: 'registry-ingress-tls',
    });
  });
});

describe('item 9: where the module has a bug (errata §7: Local upstreams)', () => {
  test('Local node configs list the other masters as upstreams, and the mirrorer runs (the module passes an empty list)', () => {
    const { module: m, objects: o } = renderModule(nodeServices(RegistryMode.local(), { ingress: { publicDomainTemplate: '%s.example.com', clientCa: TEST_UPSTREAM_CA } }));
    expect(parseYaml(secretData(o, 'registry-node-config-master-0').config).local_mode.upstreams).toEqual(['10.0.0.11']);
    const files = m.nodeConfiguration.toFiles();
    expect(parseYaml(files['nodes/master@master-0/etc/kubernetes/manifests/registry-nodeservices.yaml']).spec.containers.map((c: any) => c.name))
      .toEqual(['distribution', 'auth', 'mirrorer']);
  });
});

describe('hosts.toml and CA files as step 030 writes them (errata §10)', () => {
  test('[host] header, a blank line before each mirror, indentation, Go-quoted strings; CA file ends with an empty line', () => {
    const o = renderModule(direct({
      mode: RegistryMode.direct({ imagesRepo: 'registry.example.com:5000/deckhouse/ee', username: 'u', password: 'a"b\\c', ca: TEST_UPSTREAM_CA }),
    })).module;
    const files = o.nodeConfiguration.toFiles();
    const dir = 'nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001';
    expect(files[`${dir}/hosts.toml`]).toBe([
      '[host]',
      '',
      '  [host."https://registry.example.com:5000"]',
      '    capabilities = ["pull", "resolve"]',
      '    ca = ["/etc/containerd/registry.d/registry.d8-system.svc:5001/https-registry.example.com:5000-ca.crt"]',
      '    [host."https://registry.example.com:5000".auth]',
      '      username = "u"',
      '      password = "a\\"b\\\\c"',
      '    [[host."https://registry.example.com:5000".rewrite]]',
      '      regex = "^system/deckhouse"',
      '      replace = "deckhouse/ee"',
      '',
    ].join('\n'));
    expect((TOML.parse(files[`${dir}/hosts.toml`]) as any).host['https://registry.example.com:5000'].auth.password).toBe('a"b\\c');
    expect(files[`${dir}/https-registry.example.com:5000-ca.crt`].endsWith('-----END CERTIFICATE-----\n\n')).toBe(true);
  });
});
