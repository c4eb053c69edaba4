// Configuration of the in-cluster proxy (reference §6.4): docker_auth and distribution (Deckhouse fork).
import { Pki } from '../settings/_cluster';
import { Upstream } from '../settings/_registry-settings';
import { bcryptDeterministic, canonicalJson, secretFingerprint, sha256 } from './_hash';
import { REGISTRY_PATH } from './constants';

/** Objects of the In-Cluster Proxy, as `Kind namespace/name`. */
export const IN_CLUSTER_PROXY_OBJECTS = [
  'Deployment d8-system/registry-incluster-proxy',
  'PodDisruptionBudget d8-system/registry-incluster-proxy',
  'VerticalPodAutoscaler d8-system/registry-incluster-proxy',
  'Secret d8-system/registry-incluster-proxy-config',
];

export const AUTH_PORT = 5051;
export const DISTRIBUTION_PORT = 5001;
export const DEBUG_PORT = 5002;
const TOKEN_ISSUER = 'Registry server';
const TOKEN_REALM = `https://127.0.0.1:${AUTH_PORT}/auth`;

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
  return {
    server: { addr: `:${AUTH_PORT}`, real_ip_header: 'X-Forwarded-For', certificate: '/config/auth.crt', key: '/config/auth.key' },
    token: { issuer: TOKEN_ISSUER, expiration: 900, certificate: '/config/token.crt', key: '/config/token.key' },
    users,
    acl: [{ match: { account }, actions: ['pull'] }],
  };
}

/** distribution as a non-caching pull-through proxy that serves `/system/deckhouse` from the upstream path. */
export function distributionConfig(u: Upstream, httpSecret: string): Record<string, unknown> {
  const proxy: Record<string, unknown> = { remoteurl: `${u.scheme.toLowerCase()}://${u.address}` };
  if (u.username !== undefined && u.password !== undefined) {
    proxy.username = u.username;
    proxy.password = u.password;
  }
  proxy.remotepathonly = u.path;
  proxy.localpathalias = REGISTRY_PATH;
  if (u.ca !== undefined) proxy.ca = '/config/upstream-registry-ca.crt';
  proxy.nocache = true;
  return {
    version: '0.1',
    log: { level: 'info' },
    storage: {
      filesystem: { rootdirectory: '/data' },
      delete: { enabled: true },
      redirect: { disable: true },
      maintenance: {
        uploadpurging: { enabled: false, age: '168h', interval: '24h', dryrun: false },
        readonly: { enabled: true },
      },
    },
    http: {
      addr: `:${DISTRIBUTION_PORT}`,
      prefix: '/',
      secret: httpSecret,
      debug: { addr: `:${DEBUG_PORT}`, prometheus: { enabled: true, path: '/metrics' } },
      tls: { certificate: '/config/distribution.crt', key: '/config/distribution.key' },
    },
    proxy,
    auth: {
      token: {
        realm: TOKEN_REALM,
        service: 'Deckhouse registry',
        issuer: TOKEN_ISSUER,
        rootcertbundle: '/config/token.crt',
        autoredirect: true,
        proxy: { url: TOKEN_REALM, ca: '/config/ca.crt' },
      },
    },
  };
}

export function inClusterProxyConfig(u: Upstream, pki: Pki): InClusterProxyConfig {
  const auth = authConfig(u);
  const distribution = distributionConfig(u, pki.httpSecret);
  const hashed = {
    auth,
    upstream: { address: u.address, path: u.path, scheme: u.scheme, ca: u.ca, username: u.username, password: u.password && secretFingerprint(u.password) },
    httpSecret: sha256(pki.httpSecret),
    certificates: [pki.ca, pki.token, pki.auth, pki.distribution].map((p) => ({ certificate: p.certificate, key: sha256(p.privateKey) })),
  };
  return { auth, distribution, version: sha256(canonicalJson(hashed)) };
}
