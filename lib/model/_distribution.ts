// The parts distribution (Deckhouse's fork) and docker_auth configurations share between the In-Cluster Proxy
// and the node services.
import { Upstream } from '../settings/_registry-settings';
import { REGISTRY_PATH, REGISTRY_PORT } from './constants';

export const AUTH_PORT = 5051;
const TOKEN_ISSUER = 'Registry server';
const TOKEN_REALM = `https://127.0.0.1:${AUTH_PORT}/auth`;

/** `proxy` section for an upstream: `remotepathonly`/`localpathalias` map `/system/deckhouse` onto its path. */
export function upstreamProxy(u: Upstream, caPath: string, extra: Record<string, unknown>): Record<string, unknown> {
  const proxy: Record<string, unknown> = { remoteurl: `${u.scheme.toLowerCase()}://${u.address}` };
  if (u.username !== undefined && u.password !== undefined) {
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
  config.auth = {
    token: {
      realm: TOKEN_REALM, service: 'Deckhouse registry', issuer: TOKEN_ISSUER, rootcertbundle: `${o.pkiDir}/token.crt`,
      autoredirect: true, proxy: { url: TOKEN_REALM, ca: `${o.pkiDir}/ca.crt` },
    },
  };
  return config;
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
