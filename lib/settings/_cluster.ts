// Validation of the static cluster facts (node groups, control-plane count, images, PKI) against a mode.
import { X509Certificate } from 'crypto';
import { ClusterInput, ControlPlaneFacts, Images, IngressFacts, KeyPair, NodeGroupFacts, NodePki, PkiInput, ProxyFacts } from './cluster-facts';
import { ClusterType, Cri, DeliveryTarget, RegistryModeName } from './enums';
import { describeSecret, describeValue, enumValue, field, invalid, isPlainObject, rejectUnknownKeys, violated } from './_errors';
import { canonicalCertificatePem, parseCertificates, parsePrivateKey, parseSingleCertificate } from './_pem';
import { hasNodeServices, runsComponents, Settings } from './parsed-settings';
import { RegistryClusterProps } from './cluster';
import { MAX_DNS_LABEL, MAX_DNS_NAME } from './_limits';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const HTTP_SECRET = /^[a-zA-Z0-9]{16,}$/;
const LEAF_SANS = { hosts: ['localhost', 'registry.d8-system.svc'], ips: ['127.0.0.1'] };

/** A DNS-1123 subdomain that is also a valid DNS name: at most 253 characters, labels of at most 63. */
function isDnsName(v: string): boolean {
  return v.length <= MAX_DNS_NAME && DNS_SUBDOMAIN.test(v) && v.split('.').every((l) => l.length <= MAX_DNS_LABEL);
}

/** Every cluster prop name; constructs add their own to reject typos such as `nodeGroup`. */
export const CLUSTER_PROPS: readonly string[] = ['target', 'nodeGroups', 'controlPlaneNodes', 'clusterType', 'images', 'pki', 'customTolerationKeys', 'verticalPodAutoscaler', 'controlPlane', 'ingress',
  'highAvailability', 'httpProxy', 'httpsProxy', 'noProxy', 'clusterDomain', 'podSubnetCIDR', 'serviceSubnetCIDR'];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/;

const PROXY_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/;
const NO_PROXY_ENTRY = /^[A-Za-z0-9.*_:/-]+$/;

function parseProxy(p: Record<string, unknown>): ProxyFacts | undefined {
  const url = (key: 'httpProxy' | 'httpsProxy'): string | undefined => {
    const v = p[key];
    if (v === undefined) return undefined;
    // Any `@` may be user information (with or without a scheme, a `/` in the password): never echo such a value.
    if (typeof v === 'string' && v.includes('@')) {
      return invalid(key, 'a proxy URL without credentials (it lands in pod environment variables, which are not Secrets)', 'a URL with user information (value hidden)');
    }
    if (typeof v !== 'string' || !PROXY_URL.test(v)) return invalid(key, 'a proxy URL such as "http://proxy.corp:3128"', describeValue(v));
    return v;
  };
  const httpProxy = url('httpProxy');
  const httpsProxy = url('httpsProxy');
  const rawNoProxy = p.noProxy;
  if (rawNoProxy !== undefined && !Array.isArray(rawNoProxy)) invalid('noProxy', 'an array of hosts, domains or CIDRs such as ".corp.local" or "10.0.0.0/8"', describeValue(rawNoProxy));
  const noProxy = Array.from((rawNoProxy ?? []) as unknown[]).map((e, i) => {
    if (typeof e !== 'string' || !NO_PROXY_ENTRY.test(e)) return invalid(`noProxy[${i}]`, 'a host, domain or CIDR such as ".corp.local" or "10.0.0.0/8"', describeValue(e));
    return e;
  });
  const clusterDomain = p.clusterDomain ?? 'cluster.local';
  if (typeof clusterDomain !== 'string' || clusterDomain.length > MAX_DNS_NAME || !DNS_SUBDOMAIN.test(clusterDomain)) invalid('clusterDomain', 'a DNS domain such as "cluster.local"', describeValue(clusterDomain));
  const cidr = (key: 'podSubnetCIDR' | 'serviceSubnetCIDR', fallback: string): string => {
    const v = p[key] ?? fallback;
    if (typeof v !== 'string' || !CIDR.test(v) || !v.includes('/')) return invalid(key, 'an IPv4 CIDR such as "10.111.0.0/16"', describeValue(v));
    return v;
  };
  const podSubnetCIDR = cidr('podSubnetCIDR', '10.111.0.0/16');
  const serviceSubnetCIDR = cidr('serviceSubnetCIDR', '10.222.0.0/16');
  if (p.httpProxy === undefined && p.httpsProxy === undefined && rawNoProxy === undefined) return undefined;
  return { httpProxy, httpsProxy, noProxy, clusterDomain: clusterDomain as string, podSubnetCIDR, serviceSubnetCIDR };
}

function parseNodeGroups(value: unknown, mode: RegistryModeName): NodeGroupFacts[] {
  if (value === undefined) return [{ name: 'master', cri: Cri.CONTAINERD }];
  if (!Array.isArray(value) || value.length === 0) return invalid('nodeGroups', 'a non-empty array of { name, cri }', describeValue(value));
  const seen = new Set<string>();
  return Array.from(value).map((g, i) => {
    const path = `nodeGroups[${i}]`;
    if (!isPlainObject(g)) return invalid(path, 'an object { name, cri }', describeValue(g));
    rejectUnknownKeys(path, g, ['name', 'cri']);
    const name = field(g, 'name');
    if (typeof name !== 'string' || name.length > MAX_DNS_LABEL || !DNS_LABEL.test(name)) {
      invalid(`${path}.name`, `a node group name: lower-case letters, digits and "-", starting and ending with a letter or digit, at most ${MAX_DNS_LABEL} characters`, describeValue(name));
    }
    if (seen.has(name)) violated(`${path}.name`, `node group "${name}" is listed twice`);
    seen.add(name);
    const rawCri = field(g, 'cri');
    const cri = rawCri === undefined ? Cri.CONTAINERD : enumValue(`${path}.cri`, rawCri, [Cri.CONTAINERD, Cri.CONTAINERD_V2, Cri.DOCKER, Cri.NOT_MANAGED]);
    if (runsComponents(mode) && cri !== Cri.CONTAINERD && cri !== Cri.CONTAINERD_V2) {
      violated(`${path}.cri`, `managed modes (Direct, Proxy, Local) need containerd on all nodes (Containerd or ContainerdV2); node group "${name}" uses "${cri}" and mode is '${mode}'`);
    }
    return { name, cri };
  });
}

function parseImages(value: unknown, mode: RegistryModeName): Images {
  if (!isPlainObject(value)) return invalid('images', 'an object { dockerDistribution, dockerAuth } of image digests', describeValue(value));
  rejectUnknownKeys('images', value, ['dockerDistribution', 'dockerAuth', 'registryProxy', 'mirrorer']);
  const digest = (k: string, required: boolean): string | undefined => {
    const v = field(value, k);
    if (v === undefined && !required) return undefined;
    if (v === undefined) invalid(`images.${k}`, `an image digest "sha256:<64 lower-case hex digits>" (mode '${mode}' runs the ${k} image)`, describeValue(v));
    if (typeof v !== 'string' || !DIGEST.test(v)) return invalid(`images.${k}`, 'an image digest "sha256:<64 lower-case hex digits>"', describeValue(v));
    return v;
  };
  return {
    dockerDistribution: digest('dockerDistribution', true) as string,
    dockerAuth: digest('dockerAuth', true) as string,
    // Unused since registry-proxy runs the locally imported deckhouse.local/images:registry-proxy (errata §8).
    registryProxy: digest('registryProxy', false),
    mirrorer: digest('mirrorer', mode === RegistryModeName.LOCAL),
  };
}

function parseControlPlane(value: unknown, count: unknown): ControlPlaneFacts[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) return invalid('controlPlane', 'a non-empty array of { name, address }', describeValue(value));
  const names = new Set<string>();
  const addresses = new Set<string>();
  const nodes = Array.from(value).map((n, i) => {
    const path = `controlPlane[${i}]`;
    if (!isPlainObject(n)) return invalid(path, 'an object { name, address }', describeValue(n));
    rejectUnknownKeys(path, n, ['name', 'address']);
    const name = field(n, 'name');
    if (typeof name !== 'string' || name.length > MAX_DNS_NAME || !DNS_SUBDOMAIN.test(name)) invalid(`${path}.name`, 'a node name (lower-case DNS subdomain)', describeValue(name));
    if (name.length > MAX_DNS_LABEL) {
      invalid(`${path}.name`, `a node name of at most ${MAX_DNS_LABEL} characters: it becomes the value of the "node" label of Secret registry-node-config-<node>, and Kubernetes label values hold at most ${MAX_DNS_LABEL}`, `a name of ${name.length} characters`);
    }
    const address = field(n, 'address');
    if (typeof address !== 'string' || !IPV4.test(address)) invalid(`${path}.address`, 'the node\'s InternalIP, an IPv4 address such as "10.0.0.10"', describeValue(address));
    if (names.has(name as string)) violated(`${path}.name`, `node "${name}" is listed twice`);
    if (addresses.has(address as string)) violated(`${path}.address`, `address ${address} is listed twice`);
    names.add(name as string);
    addresses.add(address as string);
    return { name: name as string, address: address as string };
  });
  if (count !== undefined && count !== nodes.length) {
    violated('controlPlaneNodes', `controlPlaneNodes is ${describeValue(count)} but controlPlane lists ${nodes.length} node(s); give one or make them agree`);
  }
  // By name, as Helm ranges over the module's map of nodes (registry-node-config-<node> order).
  return nodes.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function parseIngress(value: unknown): IngressFacts {
  if (!isPlainObject(value)) return invalid('ingress', 'an object { publicDomainTemplate, clientCa, tls?, whitelistSourceRanges?, ingressClass? }', describeValue(value));
  rejectUnknownKeys('ingress', value, ['publicDomainTemplate', 'clientCa', 'tls', 'whitelistSourceRanges', 'ingressClass']);
  const template = field(value, 'publicDomainTemplate');
  if (typeof template !== 'string' || (template.match(/%s/g) ?? []).length !== 1 || !DNS_SUBDOMAIN.test(template.replace('%s', 'registry'))) {
    invalid('ingress.publicDomainTemplate', 'a domain template with one "%s", such as "%s.kube.example.com"', describeValue(template));
  }
  if (!isDnsName(template.replace('%s', 'registry'))) {
    invalid('ingress.publicDomainTemplate', `a domain template whose host registry.<domain> is a DNS name of at most ${MAX_DNS_NAME} characters with labels of at most ${MAX_DNS_LABEL} (the Ingress host and its certificate)`,
      `a host of ${template.replace('%s', 'registry').length} characters`);
  }
  // The module keeps one certificate, re-encoded (ingress_client_ca of the node-services config).
  const clientCa = parseSingleCertificate('ingress.clientCa', field(value, 'clientCa'), 'the CA of the ingress controller\'s client certificate');
  const rawTls = field(value, 'tls');
  let tls: IngressFacts['tls'] = { kind: 'CertManager', clusterIssuer: 'letsencrypt' };
  if (rawTls !== undefined) {
    const t = rawTls as { _kind?: string; _clusterIssuer?: string; _certificate?: unknown };
    if (typeof rawTls !== 'object' || rawTls === null || (t._kind !== 'CertManager' && t._kind !== 'CustomCertificate')) {
      invalid('ingress.tls', 'IngressTls.certManager(…) or IngressTls.customCertificate(…) (in a cluster file: tls: { clusterIssuer: letsencrypt } or tls: { certificateFile: tls.crt, privateKeyFile: tls.key })', describeValue(rawTls));
    }
    if (t._kind === 'CertManager') {
      if (typeof t._clusterIssuer !== 'string' || !DNS_SUBDOMAIN.test(t._clusterIssuer) || t._clusterIssuer.length > MAX_DNS_NAME) {
        invalid('ingress.tls.clusterIssuer', `a ClusterIssuer name (a DNS-1123 subdomain of at most ${MAX_DNS_NAME} characters)`, describeValue(t._clusterIssuer));
      }
      tls = { kind: 'CertManager', clusterIssuer: t._clusterIssuer as string };
    } else {
      tls = { kind: 'CustomCertificate', certificate: parsePair('ingress.tls.certificate', t._certificate).pair };
    }
  }
  const ranges = field(value, 'whitelistSourceRanges') ?? [];
  if (!Array.isArray(ranges)) invalid('ingress.whitelistSourceRanges', 'an array of CIDRs such as "10.0.0.0/8"', describeValue(ranges));
  Array.from(ranges).forEach((r, i) => {
    if (typeof r !== 'string' || !CIDR.test(r)) invalid(`ingress.whitelistSourceRanges[${i}]`, 'an IPv4 CIDR such as "10.0.0.0/8"', describeValue(r));
  });
  const ingressClass = field(value, 'ingressClass') ?? 'nginx';
  if (typeof ingressClass !== 'string' || !DNS_SUBDOMAIN.test(ingressClass) || ingressClass.length > MAX_DNS_NAME) {
    invalid('ingress.ingressClass', `an IngressClass name (a DNS-1123 subdomain of at most ${MAX_DNS_NAME} characters)`, describeValue(ingressClass));
  }
  return { host: (template as string).replace('%s', 'registry'), clientCa, tls, whitelistSourceRanges: ranges as string[], ingressClass: ingressClass as string };
}

function parsePair(path: string, value: unknown): { pair: KeyPair; certificate: X509Certificate } {
  if (!isPlainObject(value)) return invalid(path, 'an object { certificate, privateKey } of PEM text', describeValue(value));
  rejectUnknownKeys(path, value, ['certificate', 'privateKey']);
  const cert = parseCertificates(`${path}.certificate`, field(value, 'certificate'), 'one PEM certificate');
  if (cert.certificates.length !== 1) violated(`${path}.certificate`, `expected one PEM certificate, found ${cert.certificates.length}`);
  const key = parsePrivateKey(`${path}.privateKey`, field(value, 'privateKey'));
  if (!cert.certificates[0].checkPrivateKey(key.key)) violated(`${path}.privateKey`, 'the private key does not belong to the certificate');
  // Certificates as the module writes them (pki.EncodeCertificate): canonical PEM, whatever the input's line layout.
  return { pair: { certificate: canonicalCertificatePem(cert.certificates[0]), privateKey: key.pem }, certificate: cert.certificates[0] };
}

function parsePki(value: unknown): PkiInput {
  if (!isPlainObject(value)) return invalid('pki', 'an object { ca, token, auth, distribution } of PEM certificate/key pairs', describeValue(value));
  rejectUnknownKeys('pki', value, ['ca', 'token', 'auth', 'distribution', 'httpSecret', 'nodes']);
  const ca = parsePair('pki.ca', field(value, 'ca'));
  const signedAt = (path: string, raw: unknown, ips: readonly string[] | undefined): KeyPair => {
    const p = parsePair(path, raw);
    if (!p.certificate.verify(ca.certificate.publicKey)) violated(`${path}.certificate`, 'the certificate is not signed by pki.ca');
    if (ips !== undefined) checkSans(`${path}.certificate`, p.certificate, ips);
    return p.pair;
  };
  const signed = (name: string, sans: boolean): KeyPair => signedAt(`pki.${name}`, field(value, name), sans ? LEAF_SANS.ips : undefined);
  const token = signed('token', false);
  const auth = signed('auth', true);
  const distribution = signed('distribution', true);
  const rawSecret = field(value, 'httpSecret');
  if (rawSecret !== undefined && (typeof rawSecret !== 'string' || !HTTP_SECRET.test(rawSecret))) {
    invalid('pki.httpSecret', 'at least 16 characters from [a-zA-Z0-9]', describeSecret(rawSecret));
  }
  const rawNodes = field(value, 'nodes') ?? {};
  if (!isPlainObject(rawNodes)) invalid('pki.nodes', 'an object { <node name>: { auth, distribution } }', describeValue(rawNodes));
  const nodes: Record<string, NodePki> = {};
  for (const name of Object.keys(rawNodes).sort()) {
    const n = rawNodes[name];
    const path = `pki.nodes.${name}`;
    if (!isPlainObject(n)) invalid(path, 'an object { auth, distribution } of certificate/key pairs', describeValue(n));
    rejectUnknownKeys(path, n, ['auth', 'distribution']);
    // SANs are checked against the node's address once the control-plane list is known (resolveCluster).
    nodes[name] = { auth: signedAt(`${path}.auth`, field(n, 'auth'), undefined), distribution: signedAt(`${path}.distribution`, field(n, 'distribution'), undefined) };
  }
  return { ca: ca.pair, token, auth, distribution, httpSecret: rawSecret as string | undefined, nodes };
}

/** A leaf certificate of the registry is valid for its DNS names (`localhost`, `registry.d8-system.svc`) and `ips`. */
function checkSans(path: string, cert: X509Certificate, ips: readonly string[]): void {
  const sans = `SANs ${[...ips, ...LEAF_SANS.hosts].join(', ')}`;
  for (const h of LEAF_SANS.hosts) if (cert.checkHost(h) === undefined) violated(path, `the certificate must be valid for "${h}" (${sans})`);
  for (const ip of ips) if (cert.checkIP(ip) === undefined) violated(path, `the certificate must be valid for IP ${ip} (${sans})`);
}

/** Proxy and Local: every control-plane node has its pairs, valid for its address; no pair for an unknown node. */
function checkNodePki(pki: PkiInput, controlPlane: readonly ControlPlaneFacts[]): void {
  for (const name of Object.keys(pki.nodes)) {
    if (!controlPlane.some((n) => n.name === name)) violated(`pki.nodes.${name}`, `no control-plane node "${name}" in controlPlane (${controlPlane.map((n) => n.name).join(', ')})`);
  }
  for (const node of controlPlane) {
    const pair = pki.nodes[node.name];
    if (pair === undefined) {
      violated(`pki.nodes.${node.name}`, `the node services on "${node.name}" need their own auth and distribution pairs with the node's address ${node.address} in `
        + 'the SANs, as the module issues them: pki.nodes: { <node name>: { auth, distribution } } (registry-cdk8s pki creates them)');
    }
    for (const part of ['auth', 'distribution'] as const) {
      checkSans(`pki.nodes.${node.name}.${part}.certificate`, new X509Certificate(pair[part].certificate), [...LEAF_SANS.ips, node.address]);
    }
  }
}

/** Validates the cluster facts for a mode; throws naming the field path, the bad value and what is expected. */
export function resolveCluster(props: RegistryClusterProps, settings: Settings): ClusterInput {
  const raw = props as unknown;
  if (!isPlainObject(raw)) return invalid('props', 'an object', describeValue(raw));
  const known = Object.keys(raw).filter((k) => CLUSTER_PROPS.includes(k));
  const p: Record<string, unknown> = {};
  for (const k of known) p[k] = raw[k];
  const mode = settings.mode;

  const nodeGroups = parseNodeGroups(p.nodeGroups, mode);
  const cpn = p.controlPlaneNodes ?? 1;
  if (typeof cpn !== 'number' || !Number.isInteger(cpn) || cpn < 1 || cpn > 99) {
    invalid('controlPlaneNodes', 'a whole number of control-plane nodes from 1 to 99', describeValue(cpn));
  }
  const clusterType = p.clusterType === undefined ? ClusterType.CLOUD : enumValue('clusterType', p.clusterType, [ClusterType.CLOUD, ClusterType.STATIC]);
  if (hasNodeServices(settings) && clusterType !== ClusterType.STATIC) {
    violated('clusterType', `Proxy and Local are unsupported for non-static clusters; mode is '${mode}' and clusterType is "${clusterType}" (if the cluster is static, set clusterType: Static; ClusterType.STATIC in TypeScript)`);
  }
  const tolerations = p.customTolerationKeys ?? [];
  if (!Array.isArray(tolerations)) invalid('customTolerationKeys', 'an array of taint keys', describeValue(tolerations));
  Array.from(tolerations).forEach((k, i) => {
    if (typeof k !== 'string' || k.length > 316 || !QUALIFIED_NAME.test(k)) invalid(`customTolerationKeys[${i}]`, 'a taint key such as "dedicated.example.com/registry"', describeValue(k));
    const slash = k.lastIndexOf('/');
    const prefix = slash < 0 ? undefined : k.slice(0, slash);
    const name = k.slice(slash + 1);
    if (name.length > MAX_DNS_LABEL || (prefix !== undefined && prefix.length > MAX_DNS_NAME)) {
      invalid(`customTolerationKeys[${i}]`, `a taint key: an optional DNS subdomain prefix of at most ${MAX_DNS_NAME} characters, "/", and a name of at most ${MAX_DNS_LABEL}`,
        `a key whose ${name.length > MAX_DNS_LABEL ? `name has ${name.length} characters` : `prefix has ${(prefix as string).length} characters`}`);
    }
  });
  const vpa = p.verticalPodAutoscaler ?? false;
  if (typeof vpa !== 'boolean') invalid('verticalPodAutoscaler', 'true or false', describeValue(vpa));

  const components = runsComponents(mode);
  const nodeServices = hasNodeServices(settings);
  const target = p.target === undefined ? DeliveryTarget.WITH_MODULE : enumValue('target', p.target, [DeliveryTarget.WITH_MODULE, DeliveryTarget.WITHOUT_MODULE]);
  // With the module, it knows its image digests and generates its PKI: both are optional inputs (markers when absent).
  const required = target === DeliveryTarget.WITHOUT_MODULE;
  if (required && components && p.images === undefined) {
    violated('images', `mode '${mode}' runs ${nodeServices ? 'the registry on the control-plane nodes' : 'the in-cluster proxy'} and needs the digests of its images: images: { dockerDistribution: "sha256:…", dockerAuth: "sha256:…" } (global.modulesImages.digests.registry of the running Deckhouse)`);
  }
  if (required && components && p.pki === undefined) {
    violated('pki', `mode '${mode}' rendered without the module (target WithoutModule) needs the module's PKI (CA, token, auth and distribution certificates with their keys): pki: { ca, token, auth, distribution }, each { certificate, privateKey } (in a cluster file: { certificateFile: ca.crt, privateKeyFile: ca.key })`);
  }
  const controlPlane = parseControlPlane(p.controlPlane, p.controlPlaneNodes);
  if (nodeServices && controlPlane.length === 0) {
    violated('controlPlane', `mode '${mode}' runs the registry on every control-plane node and balances over their addresses: controlPlane: [{ name: master-0, address: 10.0.0.10 }, …]`);
  }
  if (nodeServices && !nodeGroups.some((g) => g.name === 'master')) {
    violated('nodeGroups', `mode '${mode}' runs the registry on the control-plane NodeGroup "master", which nodeGroups does not list`);
  }
  if (mode === RegistryModeName.LOCAL && p.ingress === undefined) {
    violated('ingress', `mode 'Local' is filled through the Ingress registry.<public domain>: ingress: { publicDomainTemplate: "%s.kube.example.com", clientCa: <PEM> } (in a cluster file: clientCaFile: ca.crt)`);
  }
  const pki = p.pki === undefined ? undefined : parsePki(p.pki);
  if (nodeServices && pki !== undefined) checkNodePki(pki, controlPlane);
  const count = controlPlane.length > 0 ? controlPlane.length : cpn as number;
  const ha = p.highAvailability ?? count > 1;
  if (typeof ha !== 'boolean') invalid('highAvailability', 'true or false', describeValue(ha));
  return {
    nodeGroups,
    controlPlaneNodes: count,
    highAvailability: ha as boolean,
    proxy: parseProxy(p),
    clusterType,
    images: p.images === undefined ? undefined : parseImages(p.images, mode),
    target,
    pki,
    customTolerationKeys: [...new Set(tolerations as string[])],
    verticalPodAutoscaler: vpa as boolean,
    controlPlane,
    ingress: p.ingress === undefined ? undefined : parseIngress(p.ingress),
  };
}
