// Configuration of the in-cluster proxy (reference §6.4): docker_auth and distribution (Deckhouse fork).
import { Pki } from './cluster';
import { hasCredentials, Upstream } from '../settings/parsed-settings';
import { bcryptDeterministic, canonicalJson, hashablePairs, secretFingerprint, sha256 } from './_hash';
import { MODULE_GENERATED } from './constants';
import { DEBUG_PORT, distributionConfig, dockerAuthConfig, upstreamProxy } from './_distribution';


export interface InClusterProxyConfig {
  /** docker_auth configuration; undefined for an anonymous upstream. */
  readonly auth?: Record<string, unknown>;
  /** distribution configuration. */
  readonly distribution: Record<string, unknown>;
  /** Hash over the whole configuration (certificates, HTTP secret, upstream); credentials enter as fingerprints. */
  readonly version: string;
}

/**
 * docker_auth: the upstream's own user may pull; undefined for an anonymous upstream (no auth container). The module
 * hashes with a random salt, so with the module the hash is its own (`moduleGenerated`).
 */
export function authConfig(u: Upstream, moduleGenerated = false): Record<string, unknown> | undefined {
  // Without upstream credentials the proxy runs no docker_auth at all (errata §5).
  if (!hasCredentials(u)) return undefined;
  const hash = moduleGenerated ? MODULE_GENERATED : bcryptDeterministic(u.password, 'registry-incluster-proxy auth_config');
  const users = { [u.username]: { password: hash } };
  return dockerAuthConfig('/config', users, [{ account: u.username, actions: ['pull'] }]);
}

/** distribution as a non-caching pull-through proxy that serves `/system/deckhouse` from the upstream path. */
export function inClusterDistributionConfig(u: Upstream, httpSecret: string): Record<string, unknown> {
  return distributionConfig({
    pkiDir: '/config', dataDir: '/data', readOnly: true, debugAddr: `:${DEBUG_PORT}`, httpSecret, auth: hasCredentials(u),
    proxy: upstreamProxy(u, '/config/upstream-registry-ca.crt', { nocache: true }),
  });
}

export function inClusterProxyConfig(u: Upstream, pki: Pki): InClusterProxyConfig {
  const auth = authConfig(u, pki.moduleGenerated);
  const distribution = inClusterDistributionConfig(u, pki.httpSecret);
  const hashed = {
    auth,
    upstream: { address: u.address, path: u.path, scheme: u.scheme, ca: u.ca, username: u.username, password: u.password && secretFingerprint(u.password) },
    httpSecret: sha256(pki.httpSecret),
    certificates: hashablePairs([pki.ca, pki.token, pki.auth, pki.distribution]),
  };
  return { auth, distribution, version: sha256(canonicalJson(hashed)) };
}
