// Configuration of the in-cluster proxy (reference §6.4): docker_auth and distribution (Deckhouse fork).
import { Pki } from '../settings/_cluster';
import { Upstream } from '../settings/_registry-settings';
import { bcryptDeterministic, canonicalJson, secretFingerprint, sha256 } from './_hash';
import { REGISTRY_PORT } from './constants';
import { AUTH_PORT, distributionConfig, dockerAuthConfig, upstreamProxy } from './_distribution';

/** Objects of the In-Cluster Proxy, as `Kind namespace/name`. */
export const IN_CLUSTER_PROXY_OBJECTS = [
  'Deployment d8-system/registry-incluster-proxy',
  'PodDisruptionBudget d8-system/registry-incluster-proxy',
  'VerticalPodAutoscaler d8-system/registry-incluster-proxy',
  'Secret d8-system/registry-incluster-proxy-config',
];

export { AUTH_PORT };
export const DISTRIBUTION_PORT = REGISTRY_PORT;
export const DEBUG_PORT = 5002;

export interface InClusterProxyConfig {
  /** docker_auth configuration. */
  readonly auth: Record<string, unknown>;
  /** distribution configuration. */
  readonly distribution: Record<string, unknown>;
  /** Hash over the whole configuration (certificates, HTTP secret, upstream); credentials enter as fingerprints. */
  readonly version: string;
}

/** docker_auth: the upstream's own user may pull; an anonymous upstream gets docker_auth's anonymous user "". */
export function authConfig(u: Upstream): Record<string, unknown> {
  const account = u.username ?? '';
  const users = u.username !== undefined && u.password !== undefined
    ? { [account]: { password: bcryptDeterministic(u.password, 'registry-incluster-proxy auth_config') } }
    : { '': {} };
  return dockerAuthConfig('/config', users, [{ account, actions: ['pull'] }]);
}

/** distribution as a non-caching pull-through proxy that serves `/system/deckhouse` from the upstream path. */
export function inClusterDistributionConfig(u: Upstream, httpSecret: string): Record<string, unknown> {
  return distributionConfig({
    pkiDir: '/config', dataDir: '/data', readOnly: true, debugAddr: `:${DEBUG_PORT}`, httpSecret,
    proxy: upstreamProxy(u, '/config/upstream-registry-ca.crt', { nocache: true }),
  });
}

export function inClusterProxyConfig(u: Upstream, pki: Pki): InClusterProxyConfig {
  const auth = authConfig(u);
  const distribution = inClusterDistributionConfig(u, pki.httpSecret);
  const hashed = {
    auth,
    upstream: { address: u.address, path: u.path, scheme: u.scheme, ca: u.ca, username: u.username, password: u.password && secretFingerprint(u.password) },
    httpSecret: sha256(pki.httpSecret),
    certificates: [pki.ca, pki.token, pki.auth, pki.distribution].map((p) => ({ certificate: p.certificate, key: sha256(p.privateKey) })),
  };
  return { auth, distribution, version: sha256(canonicalJson(hashed)) };
}
