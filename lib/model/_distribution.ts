// The parts distribution (Deckhouse's fork) and docker_auth configurations share between the In-Cluster Proxy
// and the node services.
import { ProxyFacts } from '../settings/cluster-facts';
import { hasCredentials, Upstream } from '../settings/parsed-settings';
import { REGISTRY_PATH, REGISTRY_PORT } from './constants';

/** docker_auth's port (the token realm). */
export const AUTH_PORT = 5051;
/** distribution's port: the fixed address's port. */
export const DISTRIBUTION_PORT = REGISTRY_PORT;
/** distribution's debug port. */
export const DEBUG_PORT = 5002;
const TOKEN_ISSUER = 'Registry server';
const TOKEN_REALM = `https://127.0.0.1:${AUTH_PORT}/auth`;

/** `proxy` section for an upstream: `remotepathonly`/`localpathalias` map `/system/deckhouse` onto its path. */
export function upstreamProxy(u: Upstream, caPath: string, extra: Record<string, unknown>): Record<string, unknown> {
  const proxy: Record<string, unknown> = { remoteurl: `${u.scheme.toLowerCase()}://${u.address}` };
  if (hasCredentials(u)) {
    proxy.username = u.username;
    proxy.password = u.password;
  }
  proxy.remotepathonly = u.path;
  proxy.localpathalias = REGISTRY_PATH;
  if (u.ca !== undefined) proxy.ca = caPath;
  return { ...proxy, ...extra };
}

export interface DistributionOptions {
  /** Directory holding `distribution.crt/key`, `token.crt` and `ca.crt`. */
  readonly pkiDir: string;
  readonly dataDir: string;
  /** A non-caching proxy keeps its storage read-only and never purges uploads. */
  readonly readOnly: boolean;
  readonly debugAddr: string;
  readonly httpSecret: string;
  readonly proxy?: Record<string, unknown>;
  /** Whether clients authenticate with tokens from docker_auth (not for an anonymous In-Cluster Proxy). */
  readonly auth: boolean;
}

export function distributionConfig(o: DistributionOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    version: '0.1',
    log: { level: 'info' },
    storage: {
      filesystem: { rootdirectory: o.dataDir },
      delete: { enabled: true },
      redirect: { disable: true },
      maintenance: {
        uploadpurging: { enabled: !o.readOnly, age: '168h', interval: '24h', dryrun: false },
        readonly: { enabled: o.readOnly },
      },
    },
    http: {
      addr: `:${REGISTRY_PORT}`,
      prefix: '/',
      secret: o.httpSecret,
      debug: { addr: o.debugAddr, prometheus: { enabled: true, path: '/metrics' } },
      tls: { certificate: `${o.pkiDir}/distribution.crt`, key: `${o.pkiDir}/distribution.key` },
    },
  };
  if (o.proxy !== undefined) config.proxy = o.proxy;
  if (!o.auth) return config;
  config.auth = {
    token: {
      realm: TOKEN_REALM, service: 'Deckhouse registry', issuer: TOKEN_ISSUER, rootcertbundle: `${o.pkiDir}/token.crt`,
      autoredirect: true, proxy: { url: TOKEN_REALM, ca: `${o.pkiDir}/ca.crt` },
    },
  };
  return config;
}

/**
 * `helm_lib_envs_for_proxy` (lib-helm 1.63.6): nothing without a cluster proxy; else `HTTP_PROXY`/`http_proxy` and
 * `HTTPS_PROXY`/`https_proxy` when set, and `NO_PROXY`/`no_proxy` always: 127.0.0.1, 169.254.169.254, the cluster
 * domain, the pod and service subnets, then the user's entries.
 */
export function proxyEnv(proxy: ProxyFacts | undefined): Array<{ name: string; value: string }> {
  if (proxy === undefined) return [];
  const env: Array<{ name: string; value: string }> = [];
  if (proxy.httpProxy !== undefined) env.push({ name: 'HTTP_PROXY', value: proxy.httpProxy }, { name: 'http_proxy', value: proxy.httpProxy });
  if (proxy.httpsProxy !== undefined) env.push({ name: 'HTTPS_PROXY', value: proxy.httpsProxy }, { name: 'https_proxy', value: proxy.httpsProxy });
  const noProxy = ['127.0.0.1', '169.254.169.254', proxy.clusterDomain, proxy.podSubnetCIDR, proxy.serviceSubnetCIDR, ...proxy.noProxy].join(',');
  env.push({ name: 'NO_PROXY', value: noProxy }, { name: 'no_proxy', value: noProxy });
  return env;
}

/** docker_auth with static users (bcrypt hashes) and one ACL entry per account. */
export function dockerAuthConfig(pkiDir: string, users: Record<string, unknown>, acl: ReadonlyArray<{ account: string; actions: readonly string[] }>): Record<string, unknown> {
  return {
    server: { addr: `:${AUTH_PORT}`, real_ip_header: 'X-Forwarded-For', certificate: `${pkiDir}/auth.crt`, key: `${pkiDir}/auth.key` },
    token: { issuer: TOKEN_ISSUER, expiration: 900, certificate: `${pkiDir}/token.crt`, key: `${pkiDir}/token.key` },
    users,
    acl: acl.map((a) => ({ match: { account: a.account }, actions: [...a.actions] })),
  };
}
