import { Construct } from 'constructs';
import { KubeIngress, IntOrString, KubeService } from '../../imports/k8s';
import { BashibleConfig, bashibleConfig } from '../model/bashible';
import { REGISTRY_IMAGES_BASE, REGISTRY_NAMESPACE, REGISTRY_PORT } from '../model/constants';
import { managedDeckhouseRegistry } from '../model/deckhouse-registry';
import { modeNodes } from '../model/mode-nodes';
import { orchestratorHash } from '../model/module-settings';
import { nodeConfig, proxyEndpoints, RegistryUser, registryUsers, userSecretName } from '../model/node-services';
import { Routing } from '../model/routing';
import { toYaml } from '../render/yaml';
import { Cluster, IngressFacts, Pki, resolveCluster } from '../settings/_cluster';
import { Settings } from '../settings/_registry-settings';
import { RegistryClusterProps } from '../settings/cluster';
import { RegistryModeName } from '../settings/enums';
import { RegistryMode } from '../settings/registry-mode';
import { secret } from './_objects';
import { RegistryService, RegistryServiceTarget } from './registry-service';
import { bashibleConfigSecret, deckhouseRegistrySecret, REGISTRY_LABELS, registryPkiSecret } from './_module-secrets';
import { sortKeysDeep } from '../model/_hash';
import { ApiObject } from 'cdk8s';

/** Props of `ProxyMode` and `LocalMode`. */
export interface NodeServicesModeProps extends RegistryClusterProps {
  /** A `RegistryMode.proxy(…)` for ProxyMode, `RegistryMode.local()` for LocalMode. */
  readonly mode: RegistryMode;
}

/** The users and per-node configuration Secrets of a node-services mode. @internal */
export function renderNodeServicesSecrets(scope: Construct, settings: Settings, cluster: Cluster): void {
  const pki = cluster.pki as Pki;
  const hash = orchestratorHash(settings, cluster);
  const users = registryUsers(settings.mode, pki);
  for (const u of users) {
    secret(scope, `User-${u.name}`, {
      name: userSecretName(u.name),
      type: 'registry/user',
      labels: { ...REGISTRY_LABELS, app: 'registry', type: 'registry-user' },
      annotations: { 'registry.deckhouse.io/config-hash': hash },
      data: { name: u.name, password: u.password, passwordHash: u.passwordHash },
    });
  }
  for (const node of cluster.controlPlane) {
    const c = nodeConfig(node, settings, pki, users, cluster.controlPlane, cluster.ingress?.clientCa);
    secret(scope, `NodeConfig-${node.name}`, {
      name: `registry-node-config-${node.name}`,
      type: 'registry/node-services-config',
      labels: { ...REGISTRY_LABELS, app: 'registry', type: 'registry-node-services-config' },
      annotations: { 'registry.deckhouse.io/config-hash': hash },
      data: { config: toYaml(sortKeysDeep(c.config)), version: c.version },
    });
  }
}

/** `deckhouse-registry` of a node-services mode: the fixed address with the read-only user. @internal */
export function nodeServicesDeckhouseRegistry(settings: Settings, pki: Pki): Record<string, string> {
  const ro = registryUsers(settings.mode, pki).find((u) => u.name === 'ro') as RegistryUser;
  return managedDeckhouseRegistry(pki.ca.certificate, ro.name, ro.password);
}

/** Objects Proxy and Local share; returns the bashible payload. */
function renderNodeServicesObjects(scope: Construct, settings: Settings, cluster: Cluster): BashibleConfig {
  const pki = cluster.pki as Pki;
  const hash = orchestratorHash(settings, cluster);
  registryPkiSecret(scope, 'Pki', pki, hash);
  renderNodeServicesSecrets(scope, settings, cluster);
  deckhouseRegistrySecret(scope, 'DeckhouseRegistry', nodeServicesDeckhouseRegistry(settings, pki));
  const bashible = bashibleConfig(settings.mode, REGISTRY_IMAGES_BASE, modeNodes(settings, cluster).routing as Routing, proxyEndpoints(cluster.controlPlane));
  bashibleConfigSecret(scope, 'BashibleConfig', bashible);
  new RegistryService(scope, 'Service', { target: RegistryServiceTarget.NODE_SERVICES, configHash: hash });
  return bashible;
}

function check(scope: Construct, props: NodeServicesModeProps, mode: RegistryModeName, factory: string): { settings: Settings; cluster: Cluster } {
  const settings = props.mode._settings;
  if (settings.mode !== mode) throw new Error(`${scope.node.path}: expected mode to be ${factory}, got mode '${settings.mode}'`);
  return { settings, cluster: resolveCluster(props, settings) };
}

/**
 * `Proxy` mode: a caching registry on every control-plane node (static pods delivered with the node files),
 * reached by every node through the `registry-proxy` load balancer on 127.0.0.1:5001. Renders `registry-pki`, the
 * `registry-user-ro` Secret, one `registry-node-config-<node>` Secret per control-plane node, `deckhouse-registry`
 * with the read-only user, `registry-bashible-config` and the `registry` Service selecting the node services.
 */
export class ProxyMode extends Construct {
  /** Version of the node configuration nodes report in `registry.deckhouse.io/version`. */
  public readonly bashibleVersion: string;

  constructor(scope: Construct, id: string, props: NodeServicesModeProps) {
    super(scope, id);
    const { settings, cluster } = check(this, props, RegistryModeName.PROXY, 'RegistryMode.proxy(…)');
    this.bashibleVersion = renderNodeServicesObjects(this, settings, cluster).version;
  }
}

/**
 * `Local` mode: everything Proxy has, without an upstream, plus the users `rw`, `mirror-puller` and
 * `mirror-pusher`, replication between control-plane nodes, the `registry-push` Service and the `registry`
 * Ingress at `registry.<public domain>` that `d8 mirror push` fills the copy through.
 */
export class LocalMode extends Construct {
  /** Version of the node configuration nodes report in `registry.deckhouse.io/version`. */
  public readonly bashibleVersion: string;
  /** `registry.<public domain>`. */
  public readonly pushHost: string;

  constructor(scope: Construct, id: string, props: NodeServicesModeProps) {
    super(scope, id);
    const { settings, cluster } = check(this, props, RegistryModeName.LOCAL, 'RegistryMode.local()');
    this.bashibleVersion = renderNodeServicesObjects(this, settings, cluster).version;
    this.pushHost = renderLocalPush(this, cluster.ingress as IngressFacts, orchestratorHash(settings, cluster));
  }
}

/**
 * Local's push endpoint (errata §9, ingress templates @01ac0b8): Service `registry-push`, the `registry` Ingress with
 * the orchestrator's config hash, and its TLS — a cert-manager Certificate `registry-ingress` for Secret
 * `registry-ingress-tls`, or the custom certificate copied to Secret `registry-ingress-tls-customcertificate`.
 * Returns the host. @internal
 */
export function renderLocalPush(scope: Construct, ingress: IngressFacts, configHash: string): string {
  const labels = { ...REGISTRY_LABELS, app: 'registry' };
  const hashed = { 'registry.deckhouse.io/config-hash': configHash };
  new KubeService(scope, 'PushService', {
    metadata: { name: 'registry-push', namespace: REGISTRY_NAMESPACE, labels, annotations: hashed },
    spec: {
      selector: { component: 'registry-service', type: 'node-services' },
      ports: [{ name: 'registry', port: REGISTRY_PORT, protocol: 'TCP', targetPort: IntOrString.fromString('distribution') }],
    },
  });
  let tlsSecret: string;
  if (ingress.tls.kind === 'CustomCertificate') {
    tlsSecret = 'registry-ingress-tls-customcertificate';
    secret(scope, 'IngressTls', {
      name: tlsSecret,
      type: 'kubernetes.io/tls',
      labels: REGISTRY_LABELS,
      data: { 'tls.crt': ingress.tls.certificate.certificate, 'tls.key': ingress.tls.certificate.privateKey },
    });
  } else {
    tlsSecret = 'registry-ingress-tls';
    new ApiObject(scope, 'Certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'registry-ingress', namespace: REGISTRY_NAMESPACE, labels },
      spec: {
        certificateOwnerRef: false,
        ...(ingress.host.length <= 64 ? { commonName: ingress.host } : {}),
        dnsNames: [ingress.host],
        issuerRef: { kind: 'ClusterIssuer', name: ingress.tls.clusterIssuer },
        secretName: tlsSecret,
      },
    });
  }
  const annotations: Record<string, string> = {
    ...hashed,
    'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
    'nginx.ingress.kubernetes.io/upstream-hash-by': '$remote_addr',
    'nginx.ingress.kubernetes.io/proxy-body-size': '0',
    'nginx.ingress.kubernetes.io/configuration-snippet': [
      'proxy_ssl_certificate /etc/nginx/ssl/client.crt;',
      'proxy_ssl_certificate_key /etc/nginx/ssl/client.key;',
      'proxy_ssl_protocols TLSv1.2;',
      'proxy_ssl_session_reuse on;',
      // HTTPS mode CertManager or CustomCertificate (the only ones rendered here) adds HSTS.
      'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
      '',
    ].join('\n'),
  };
  if (ingress.whitelistSourceRanges.length > 0) annotations['nginx.ingress.kubernetes.io/whitelist-source-range'] = ingress.whitelistSourceRanges.join(',');
  new KubeIngress(scope, 'Ingress', {
    metadata: { name: 'registry', namespace: REGISTRY_NAMESPACE, labels, annotations },
    spec: {
      ingressClassName: ingress.ingressClass,
      tls: [{ hosts: [ingress.host], secretName: tlsSecret }],
      rules: [{
        host: ingress.host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'registry-push', port: { number: REGISTRY_PORT } } } }] },
      }],
    },
  });
  return ingress.host;
}
