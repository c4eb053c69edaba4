// Objects of the node-services modes (Proxy and Local) that a mode construct and a switch stage both render.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeIngress, KubeService } from '../../imports/k8s';
import { sortKeysDeep } from '../model/_hash';
import { BashibleConfig } from '../model/bashible';
import { REGISTRY_NAMESPACE, REGISTRY_PORT } from '../model/constants';
import { nodeConfig } from '../model/node-services';
import {
  nodeConfigSecretName, PUSH_INGRESS, REGISTRY_LABELS, PUSH_INGRESS_CERTIFICATE, pushIngressTlsSecretName, PUSH_SERVICE, userSecretName,
} from '../model/object-names';
import { ResolvedRegistry } from '../model/registry-model';
import { toYaml } from '../render/yaml';
import { IngressFacts } from '../settings/cluster-facts';
import { Pki } from '../model/cluster';
import { secret } from './_objects';
import { bashibleConfigSecret, deckhouseRegistrySecret, registryPkiSecret } from './_module-secrets';
import { RegistryService, RegistryServiceTarget } from './registry-service';

/** The users' Secrets and the per-node configuration Secrets of a node-services setting. */
export function renderNodeServicesSecrets(scope: Construct, m: ResolvedRegistry): void {
  const pki = m.cluster.pki as Pki;
  const hashed = { 'registry.deckhouse.io/config-hash': m.configHash };
  for (const u of m.users) {
    secret(scope, `User-${u.name}`, {
      name: userSecretName(u.name),
      type: 'registry/user',
      labels: { ...REGISTRY_LABELS, app: 'registry', type: 'registry-user' },
      annotations: hashed,
      data: { name: u.name, password: u.password, passwordHash: u.passwordHash },
    });
  }
  for (const node of m.cluster.controlPlane) {
    const c = nodeConfig(node, m.settings, pki, m.users, m.cluster.controlPlane, m.cluster.ingress?.clientCa);
    secret(scope, `NodeConfig-${node.name}`, {
      name: nodeConfigSecretName(node.name),
      type: 'registry/node-services-config',
      labels: { ...REGISTRY_LABELS, app: 'registry', type: 'registry-node-services-config' },
      annotations: hashed,
      data: { config: toYaml(sortKeysDeep(c.config)), version: c.version },
    });
  }
}

/**
 * Local's push endpoint (errata §9, ingress templates @01ac0b8): Service `registry-push`, the `registry` Ingress with
 * the orchestrator's config hash, and its TLS — a cert-manager Certificate `registry-ingress` for Secret
 * `registry-ingress-tls`, or the custom certificate copied to Secret `registry-ingress-tls-customcertificate`.
 * Returns the host.
 */
export function renderLocalPush(scope: Construct, m: ResolvedRegistry): string {
  const ingress = m.cluster.ingress as IngressFacts;
  const labels = { ...REGISTRY_LABELS, app: 'registry' };
  const hashed = { 'registry.deckhouse.io/config-hash': m.configHash };
  new KubeService(scope, 'PushService', {
    metadata: { name: PUSH_SERVICE, namespace: REGISTRY_NAMESPACE, labels, annotations: hashed },
    spec: {
      selector: { component: 'registry-service', type: 'node-services' },
      ports: [{ name: 'registry', port: REGISTRY_PORT, protocol: 'TCP', targetPort: IntOrString.fromString('distribution') }],
    },
  });
  const tlsSecret = pushIngressTlsSecretName(ingress.tls.kind);
  if (ingress.tls.kind === 'CustomCertificate') {
    secret(scope, 'IngressTls', {
      name: tlsSecret,
      type: 'kubernetes.io/tls',
      labels: REGISTRY_LABELS,
      data: { 'tls.crt': ingress.tls.certificate.certificate, 'tls.key': ingress.tls.certificate.privateKey },
    });
  } else {
    new ApiObject(scope, 'Certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: PUSH_INGRESS_CERTIFICATE, namespace: REGISTRY_NAMESPACE, labels },
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
    metadata: { name: PUSH_INGRESS, namespace: REGISTRY_NAMESPACE, labels, annotations },
    spec: {
      ingressClassName: ingress.ingressClass,
      tls: [{ hosts: [ingress.host], secretName: tlsSecret }],
      rules: [{
        host: ingress.host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: PUSH_SERVICE, port: { number: REGISTRY_PORT } } } }] },
      }],
    },
  });
  return ingress.host;
}

/**
 * What Proxy and Local both render, in this order: `registry-pki`, the users and per-node configurations,
 * `deckhouse-registry` with the read-only user, `registry-bashible-config` and the `registry` Service selecting the
 * node services.
 */
export function renderNodeServicesObjects(scope: Construct, m: ResolvedRegistry): void {
  registryPkiSecret(scope, 'Pki', m);
  renderNodeServicesSecrets(scope, m);
  deckhouseRegistrySecret(scope, 'DeckhouseRegistry', m.deckhouseRegistry as { [key: string]: string });
  const bashible = m.bashible as BashibleConfig;
  bashibleConfigSecret(scope, 'BashibleConfig', bashible);
  new RegistryService(scope, 'Service', { target: RegistryServiceTarget.NODE_SERVICES, configHash: m.configHash });
}
