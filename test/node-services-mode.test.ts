// Proxy and Local (reference §10): objects, node files, and their rules.
import { fakeKubeEnv } from './support/fake-kubectl';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as TOML from '@iarna/toml';
import * as bcrypt from 'bcryptjs';
import { ClusterType, Cri, IngressTls, RegistryMode, RegistryModuleProps } from '../lib';
import { EXAMPLE_IMAGES, parseYaml, TEST_PKI, TEST_UPSTREAM_CA, withoutFlux } from './support/fixtures';
import { find, secretData } from './support/manifests';
import { pkiFor } from './support/node-pki';
import { nodeScriptIn, runNodeScriptOk } from './support/node-script';
import { renderModule } from './support/render';
import { scratchDir } from './support/scratch';

// master-9 at 10.0.0.9 sorts after 10.0.0.11 as a string, the way the module sorts addresses.
const CONTROL_PLANE = [{ name: 'master-1', address: '10.0.0.11' }, { name: 'master-9', address: '10.0.0.9' }];
const INGRESS = { publicDomainTemplate: '%s.kube.example.com', clientCa: TEST_UPSTREAM_CA };
const props = (over: Partial<RegistryModuleProps> = {}): RegistryModuleProps => ({
  mode: RegistryMode.proxy({ imagesRepo: 'registry.example.com/deckhouse/ee', username: 'up', password: 'UP-PASS', ca: TEST_UPSTREAM_CA, ttl: '24h' }),
  clusterType: ClusterType.STATIC,
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  controlPlane: CONTROL_PLANE,
  images: EXAMPLE_IMAGES,
  // Per-node pairs for the nodes given (none when the addresses are themselves the bad input under test).
  pki: pkiFor((over.controlPlane ?? CONTROL_PLANE).every((n) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(n.address)) ? over.controlPlane ?? CONTROL_PLANE : undefined),
  ...over,
});
const local = (over: Partial<RegistryModuleProps> = {}) => props({ mode: RegistryMode.local(), ingress: INGRESS, ...over });

function render(p: RegistryModuleProps) {
  const { objects, module } = renderModule(p);
  return { objects, files: module.nodeConfiguration.toFiles(), module };
}

describe('Proxy', () => {
  const { objects, files } = render(props());

  test('snapshot', () => {
    expect({ objects, files }).toMatchSnapshot();
  });

  test('objects and names', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Secret/registry-config', 'Secret/registry-pki', 'Secret/registry-user-ro',
      'Secret/registry-node-config-master-1', 'Secret/registry-node-config-master-9', 'Secret/deckhouse-registry', 'Secret/deckhouse-registry',
      'Secret/deckhouse-registry', 'Secret/registry-bashible-config',
      'Service/registry',
      // Without the module: the files with credentials or keys, in Secrets only the nodes that need them may read.
      'Secret/registry-node-files-group-master', 'Secret/registry-node-files-node-master-1', 'Role/registry-node-files-node-master-1',
      'RoleBinding/registry-node-files-node-master-1', 'Secret/registry-node-files-node-master-9', 'Role/registry-node-files-node-master-9',
      'RoleBinding/registry-node-files-node-master-9', 'NodeGroupConfiguration/registry-containerd-master',
      'Secret/registry-node-files-group-worker', 'NodeGroupConfiguration/registry-containerd-worker',
      'Role/registry-node-files', 'RoleBinding/registry-node-files',
    ]);
    expect(objects.some((o) => o.kind === 'Deployment')).toBe(false);
  });

  test('the registry Service selects the node services', () => {
    expect(find(objects, 'Service', 'registry').spec.selector).toEqual({ component: 'registry-service', type: 'node-services' });
  });

  test('the read-only user: a registry/user Secret with a bcrypt hash of its password, used by deckhouse-registry and nodes', () => {
    expect(find(objects, 'Secret', 'registry-user-ro').type).toBe('registry/user');
    const user = secretData(objects, 'registry-user-ro');
    expect(user.name).toBe('ro');
    // 16 characters from [a-zA-Z0-9], as the module makes them (errata §7).
    expect(user.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(find(objects, 'Secret', 'registry-user-ro').metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry', type: 'registry-user' });
    expect(bcrypt.compareSync(user.password, user.passwordHash)).toBe(true);
    const auths = JSON.parse(secretData(objects, 'deckhouse-registry')['.dockerconfigjson']).auths;
    expect(auths['registry.d8-system.svc:5001']).toMatchObject({ username: 'ro', password: user.password });
    const hosts = TOML.parse(files['nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml']) as any;
    expect(hosts.host).toEqual({
      'https://127.0.0.1:5001': {
        capabilities: ['pull', 'resolve'],
        ca: ['/etc/containerd/registry.d/registry.d8-system.svc:5001/https-127.0.0.1:5001-ca.crt'],
        auth: { username: 'ro', password: user.password },
      },
    });
    expect(files['nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001/https-127.0.0.1:5001-ca.crt']).toBe(`${TEST_PKI.ca.certificate.trimStart()}\n`);
  });

  test('registry-bashible-config: mode Proxy, sorted proxyEndpoints, the fixed address to 127.0.0.1:5001', () => {
    const c = parseYaml(secretData(objects, 'registry-bashible-config').config);
    expect(c.mode).toBe('Proxy');
    expect(c.imagesBase).toBe('registry.d8-system.svc:5001/system/deckhouse');
    expect(c.proxyEndpoints).toEqual(['10.0.0.11:5001', '10.0.0.9:5001']);
    expect(Object.keys(c.hosts)).toEqual(['registry.d8-system.svc:5001']);
    expect(c.hosts['registry.d8-system.svc:5001'].mirrors.map((m: any) => `${m.scheme}://${m.host}`)).toEqual(['https://127.0.0.1:5001']);
  });

  test('per-node config Secrets: the module\'s schema, keys sorted, the node\'s own pairs, version by the module\'s recipe (errata §7)', () => {
    const s = find(objects, 'Secret', 'registry-node-config-master-9');
    expect(s.type).toBe('registry/node-services-config');
    expect(s.metadata.labels).toEqual({ heritage: 'deckhouse', module: 'registry', app: 'registry', type: 'registry-node-services-config' });
    const data = secretData(objects, 'registry-node-config-master-9');
    const c = parseYaml(data.config);
    expect(Object.keys(c)).toEqual(['auth_cert', 'auth_key', 'ca', 'distribution_cert', 'distribution_key', 'http_secret', 'proxy_mode', 'token_cert', 'token_key', 'user_ro']);
    const own = pkiFor(CONTROL_PLANE).nodes!['master-9'];
    expect([c.auth_cert, c.distribution_key]).toEqual([own.auth.certificate.trimStart(), own.distribution.privateKey.trimStart()]);
    // pki.ComputeHash: sha256 of Go's json.Marshal in struct field order, written out by hand here.
    const q = (v: unknown) => JSON.stringify(v).replace(/[<>&]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const u = c.user_ro;
    const json = `{"ca":${q(c.ca)},"auth_cert":${q(c.auth_cert)},"auth_key":${q(c.auth_key)},"token_cert":${q(c.token_cert)},"token_key":${q(c.token_key)},`
      + `"distribution_cert":${q(c.distribution_cert)},"distribution_key":${q(c.distribution_key)},`
      + `"user_ro":{"name":${q(u.name)},"password":${q(u.password)},"password_hash":${q(u.password_hash)}},"http_secret":${q(c.http_secret)},`
      + `"proxy_mode":{"upstream":{"scheme":"https","host":"registry.example.com","path":"/deckhouse/ee","user":"up","password":"UP-PASS","ttl":"24h"},`
      + `"upstream_registry_ca":${q(c.proxy_mode.upstream_registry_ca)}}}`;
    expect(data.version).toBe(createHash('sha256').update(json).digest('hex'));
    expect(c.proxy_mode.upstream).toEqual({ scheme: 'https', host: 'registry.example.com', path: '/deckhouse/ee', user: 'up', password: 'UP-PASS', ttl: '24h' });
    expect(c.proxy_mode.upstream_registry_ca).toBe(TEST_UPSTREAM_CA.trimStart());
  });

  test('every node gets the registry-proxy load balancer over the masters; only masters get the node services', () => {
    const workerFiles = Object.keys(files).filter((f) => f.startsWith('nodes/worker/')).map((f) => f.slice('nodes/worker'.length));
    expect(workerFiles).toEqual([
      '/etc/containerd/registry-config-path.toml',
      '/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml',
      '/etc/containerd/registry.d/registry.d8-system.svc:5001/https-127.0.0.1:5001-ca.crt',
      '/etc/kubernetes/manifests/registry-proxy.yaml',
      '/etc/kubernetes/registry-proxy/nginx.conf',
      '/etc/kubernetes/registry-proxy/nginx_new.conf',
    ]);
    const conf = files['nodes/worker/etc/kubernetes/registry-proxy/nginx_new.conf'];
    expect(files['nodes/worker/etc/kubernetes/registry-proxy/nginx.conf']).toBe(conf);
    expect(conf).toMatch(/^user deckhouse;\n/);
    expect(conf).toContain('upstream registry {\n    least_conn;\n    server 10.0.0.11:5001;\n    server 10.0.0.9:5001;\n  }');
    expect(conf).toContain('listen 127.0.0.1:5001;');
    const m = 'nodes/master@master-9/etc/kubernetes/registry/';
    expect(Object.keys(files).filter((f) => f.startsWith('nodes/master/etc/kubernetes/registry/'))).toEqual([]);
    expect(Object.keys(files).filter((f) => f.startsWith(m)).sort()).toEqual([
      `${m}auth/config.yaml`, `${m}distribution/config.yaml`, `${m}pki/auth.crt`, `${m}pki/auth.key`, `${m}pki/ca.crt`,
      `${m}pki/distribution.crt`, `${m}pki/distribution.key`, `${m}pki/token.crt`, `${m}pki/token.key`, `${m}pki/upstream-registry-ca.crt`,
    ]);
    expect(files[`${m}pki/auth.crt`]).toBe(pkiFor(CONTROL_PLANE).nodes!['master-9'].auth.certificate.trimStart());
  });

  test('the node-services static pod: host network, hostPort 5001, labels the Services select, data under /opt/deckhouse/registry', () => {
    const pod = parseYaml(files['nodes/master@master-9/etc/kubernetes/manifests/registry-nodeservices.yaml']);
    expect(pod.metadata.labels).toMatchObject({ app: 'registry', component: 'registry-service', type: 'node-services', tier: 'control-plane' });
    expect(pod.spec.hostNetwork).toBe(true);
    expect(pod.spec.priorityClassName).toBe('system-node-critical');
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['distribution', 'auth']);
    expect(pod.spec.containers[0].ports[0]).toEqual({ name: 'distribution', containerPort: 5001, hostPort: 5001, protocol: 'TCP' });
    expect(pod.spec.containers[1].readinessProbe.httpGet).toEqual({ path: '/', port: 5051, scheme: 'HTTPS', host: '127.0.0.1' });
    expect(pod.spec.volumes).toContainEqual({ name: 'data', hostPath: { path: '/opt/deckhouse/registry/local_data', type: 'DirectoryOrCreate' } });
    expect(pod.spec.volumes).toContainEqual({ name: 'pki', hostPath: { path: '/etc/kubernetes/registry/pki', type: 'Directory' } });
  });

  test('the node-services distribution is a pull-through cache with the ttl', () => {
    const c = parseYaml(files['nodes/master@master-9/etc/kubernetes/registry/distribution/config.yaml']);
    expect(c.proxy).toEqual({
      remoteurl: 'https://registry.example.com', username: 'up', password: 'UP-PASS', remotepathonly: '/deckhouse/ee',
      localpathalias: '/system/deckhouse', ca: '/etc/kubernetes/registry/pki/upstream-registry-ca.crt', ttl: '24h',
    });
    expect(c.storage.filesystem.rootdirectory).toBe('/opt/deckhouse/registry/local_data');
    expect(c.http.tls).toEqual({ certificate: '/etc/kubernetes/registry/pki/distribution.crt', key: '/etc/kubernetes/registry/pki/distribution.key' });
  });
});

describe('Local', () => {
  const { objects, files } = render(local());

  test('snapshot', () => {
    expect({ objects, files }).toMatchSnapshot();
  });

  test('users rw, mirror-puller and mirror-pusher join ro; node configs carry local_mode with the other masters (errata §7)', () => {
    expect(objects.filter((o) => o.metadata.name.startsWith('registry-user-')).map((o) => o.metadata.name))
      .toEqual(['registry-user-ro', 'registry-user-rw', 'registry-user-mirror-puller', 'registry-user-mirror-pusher']);
    const c = parseYaml(secretData(objects, 'registry-node-config-master-1').config);
    expect(c.proxy_mode).toBeUndefined();
    expect(c.local_mode.upstreams).toEqual(['10.0.0.9']);
    expect(c.local_mode.ingress_client_ca).toBe(TEST_UPSTREAM_CA.trimStart());
    // Keys sorted; upstreams filled as the module intends (its own code passes an empty list: README, differences).
    expect(Object.keys(c.local_mode)).toEqual(['ingress_client_ca', 'upstreams', 'user_puller', 'user_pusher', 'user_rw']);
    expect(c.local_mode.user_puller.name).toBe('mirror-puller');
    const auth = parseYaml(files['nodes/master@master-1/etc/kubernetes/registry/auth/config.yaml']);
    expect(auth.acl).toEqual([
      { match: { account: 'ro' }, actions: ['pull'] }, { match: { account: 'rw' }, actions: ['pull', 'push'] },
      { match: { account: 'mirror-puller' }, actions: ['pull'] }, { match: { account: 'mirror-pusher' }, actions: ['pull', 'push'] },
    ]);
    expect(parseYaml(files['nodes/master@master-1/etc/kubernetes/registry/distribution/config.yaml']).proxy).toBeUndefined();
    expect(parseYaml(files['nodes/master@master-1/etc/kubernetes/registry/mirrorer/config.yaml']).upstreams.map((x: any) => x.address)).toEqual(['10.0.0.9:5001']);
    expect(parseYaml(files['nodes/master@master-1/etc/kubernetes/manifests/registry-nodeservices.yaml']).spec.containers.map((c2: any) => c2.name)).toEqual(['distribution', 'auth', 'mirrorer']);
  });

  test('registry-push Service and the registry Ingress at registry.<public domain>', () => {
    const hash = find(objects, 'Service', 'registry').metadata.annotations['registry.deckhouse.io/config-hash'];
    expect(find(objects, 'Service', 'registry-push').spec).toEqual({
      selector: { component: 'registry-service', type: 'node-services' },
      ports: [{ name: 'registry', port: 5001, protocol: 'TCP', targetPort: 'distribution' }],
    });
    const ing = find(objects, 'Ingress', 'registry');
    // errata §9: the orchestrator's config hash, and HSTS for the CertManager and CustomCertificate modes.
    expect(withoutFlux(ing.metadata.annotations)).toEqual({
      'registry.deckhouse.io/config-hash': hash,
      'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
      'nginx.ingress.kubernetes.io/upstream-hash-by': '$remote_addr',
      'nginx.ingress.kubernetes.io/proxy-body-size': '0',
      'nginx.ingress.kubernetes.io/configuration-snippet': 'proxy_ssl_certificate /etc/nginx/ssl/client.crt;\nproxy_ssl_certificate_key /etc/nginx/ssl/client.key;\nproxy_ssl_protocols TLSv1.2;\nproxy_ssl_session_reuse on;\n'
        + 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;\n',
    });
    expect(ing.spec.rules[0].host).toBe('registry.kube.example.com');
    expect(ing.spec.tls).toEqual([{ hosts: ['registry.kube.example.com'], secretName: 'registry-ingress-tls' }]);
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'registry-push', port: { number: 5001 } } });
    expect(objects.find((o) => o.kind === 'Certificate')).toMatchObject({
      metadata: { name: 'registry-ingress' },
      spec: { certificateOwnerRef: false, commonName: 'registry.kube.example.com', secretName: 'registry-ingress-tls', dnsNames: ['registry.kube.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
    });
  });

  test('a custom certificate and a source allow-list', () => {
    const { objects: o } = render(local({ ingress: { ...INGRESS, tls: IngressTls.customCertificate(TEST_PKI.distribution), whitelistSourceRanges: ['10.0.0.0/8', '192.0.2.1'] } }));
    expect(find(o, 'Secret', 'registry-ingress-tls-customcertificate').type).toBe('kubernetes.io/tls');
    expect(find(o, 'Ingress', 'registry').spec.tls[0].secretName).toBe('registry-ingress-tls-customcertificate');
    expect(o.some((x) => x.kind === 'Certificate')).toBe(false);
    expect(find(o, 'Ingress', 'registry').metadata.annotations['nginx.ingress.kubernetes.io/whitelist-source-range']).toBe('10.0.0.0/8,192.0.2.1');
  });
});

describe('node scripts of Proxy', () => {
  const isRoot = process.getuid?.() === 0;
  (isRoot ? test : test.skip)(`write the load balancer config with owner 0:64535 and modes 0640/0750, and remove the static pods when the mode changes${isRoot ? '' : ' (skipped: not root, chown needs root)'}`, async () => {
    const root = scratchDir('node-root-');
    const objectsOf = new Map<string, any[]>();
    const script = (p: RegistryModuleProps, group: string) => {
      const { objects } = render(p);
      const content = nodeScriptIn(objects, group);
      objectsOf.set(content, objects);
      return content;
    };
    const run = (content: string) => runNodeScriptOk(content, root, { env: fakeKubeEnv(objectsOf.get(content) ?? [], 'master-9') });
    await run(script(props(), 'master'));
    const conf = path.join(root, 'etc/kubernetes/registry-proxy/nginx.conf');
    const st = fs.statSync(conf);
    expect([(st.mode & 0o777).toString(8), st.uid, st.gid]).toEqual(['640', 0, 64535]);
    const dir = fs.statSync(path.dirname(conf));
    expect([(dir.mode & 0o7777).toString(8), dir.gid]).toEqual(['2750', 64535]);
    expect(fs.existsSync(path.join(root, 'etc/kubernetes/manifests/registry-nodeservices.yaml'))).toBe(true);
    fs.writeFileSync(path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'foreign');
    await run(script({ mode: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee' }), images: EXAMPLE_IMAGES, pki: TEST_PKI, nodeGroups: [{ name: 'master' }] }, 'master'));
    expect(fs.readdirSync(path.join(root, 'etc/kubernetes/manifests'))).toEqual(['kube-apiserver.yaml']);
    expect(fs.existsSync(path.join(root, 'etc/kubernetes/registry/distribution/config.yaml'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc/kubernetes/registry-proxy/nginx.conf'))).toBe(false);
  });
});

describe('fails on bad Proxy and Local input', () => {
  test.each([
    ['fails on a cloud cluster', { clusterType: ClusterType.CLOUD }, /^clusterType: Proxy and Local are unsupported for non-static clusters/],
    ['fails without control-plane nodes', { controlPlane: undefined }, /^controlPlane: mode 'Proxy' runs the registry on every control-plane node/],
    ['fails without the master node group', { nodeGroups: [{ name: 'worker' }] }, /^nodeGroups: mode 'Proxy' runs the registry on the control-plane NodeGroup "master"/],
    ['fails on a duplicate address', { controlPlane: [{ name: 'a', address: '10.0.0.1' }, { name: 'b', address: '10.0.0.1' }] }, /^controlPlane\[1\]\.address: address 10\.0\.0\.1 is listed twice/],
    ['fails on a host name as address', { controlPlane: [{ name: 'a', address: 'master-0.example.com' }] }, /^controlPlane\[0\]\.address: expected the node's InternalIP, an IPv4 address/],
    ['fails on an out-of-range address', { controlPlane: [{ name: 'a', address: '10.0.0.256' }] }, /^controlPlane\[0\]\.address:/],
    ['fails on a bad node name', { controlPlane: [{ name: 'Master_0', address: '10.0.0.1' }] }, /^controlPlane\[0\]\.name: expected a node name/],
    ['fails when controlPlaneNodes disagrees', { controlPlaneNodes: 3 }, /^controlPlaneNodes: controlPlaneNodes is number 3 but controlPlane lists 2 node\(s\)/],
    ['fails without a node\'s own pairs', { pki: TEST_PKI }, /^pki\.nodes\.master-1: the node services on "master-1" need their own auth and distribution pairs with the node's address 10\.0\.0\.11/],
    ['fails on a pair issued for another address', { pki: { ...TEST_PKI, nodes: { ...pkiFor(CONTROL_PLANE).nodes, 'master-9': pkiFor([{ name: 'master-0', address: '10.0.0.10' }]).nodes!['master-0'] } } },
      /^pki\.nodes\.master-9\.auth\.certificate: the certificate must be valid for IP 10\.0\.0\.9/],
    ['fails on pairs of a node that is not a control-plane node', { pki: { ...pkiFor(CONTROL_PLANE), nodes: { ...pkiFor(CONTROL_PLANE).nodes, 'master-2': pkiFor([{ name: 'master-2', address: '10.0.0.12' }]).nodes!['master-2'] } } },
      /^pki\.nodes\.master-2: no control-plane node "master-2" in controlPlane/],
  ])('%s', (_name, over, message) => {
    expect(() => render(props(over as any))).toThrow(message);
  });

  test.each([
    ['fails on Local without ingress', { ingress: undefined }, /^ingress: mode 'Local' is filled through the Ingress/],
    ['fails on Local without the mirrorer image', { images: { ...EXAMPLE_IMAGES, mirrorer: undefined } }, /^images\.mirrorer: expected an image digest/],
    ['fails on a domain template without %s', { ingress: { ...INGRESS, publicDomainTemplate: 'kube.example.com' } }, /^ingress\.publicDomainTemplate: expected a domain template with one "%s"/],
    ['fails on a client CA that is a key', { ingress: { ...INGRESS, clientCa: TEST_PKI.ca.privateKey } }, /^ingress\.clientCa: .*private key/],
    ['fails on a bad source range', { ingress: { ...INGRESS, whitelistSourceRanges: ['10.0.0.0/33'] } }, /^ingress\.whitelistSourceRanges\[0\]: expected an IPv4 CIDR/],
    ['fails on a custom certificate with the wrong key', { ingress: { ...INGRESS, tls: IngressTls.customCertificate({ certificate: TEST_PKI.auth.certificate, privateKey: TEST_PKI.token.privateKey }) } },
      /^ingress\.tls\.certificate\.privateKey: the private key does not belong to the certificate/],
    ['fails on a tls value that is not an IngressTls', { ingress: { ...INGRESS, tls: 'letsencrypt' as any } }, /^ingress\.tls: expected IngressTls\.certManager/],
  ])('%s', (_name, over, message) => {
    expect(() => render(local(over as any))).toThrow(message);
  });
});
