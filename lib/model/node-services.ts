// Proxy and Local (reference §10): the registry runs as static pods on every control-plane node, every node reaches
// it through a local load balancer on 127.0.0.1:5001, and users authenticate against the node services' docker_auth.
import { ControlPlaneFacts, deriveSecret, Pki } from '../settings/_cluster';
import { Settings, Upstream } from '../settings/_registry-settings';
import { RegistryModeName } from '../settings/enums';
import { bcryptDeterministic, canonicalJson, secretFingerprint, sha256 } from './_hash';
import { REGISTRY_ADDRESS, REGISTRY_PORT } from './constants';
import { distributionConfig, dockerAuthConfig, upstreamProxy } from './_distribution';
import { Routing } from './routing';

/** Host directory of the node services' configuration, mounted at the same path in the static pod. */
export const NODE_SERVICES_DIR = '/etc/kubernetes/registry';
/** Data directory of the node services (cache or local copy). */
export const NODE_SERVICES_DATA = '/opt/deckhouse/registry/local_data';
/** Static pod manifest of the node services. */
export const NODE_SERVICES_MANIFEST = '/etc/kubernetes/manifests/registry-nodeservices.yaml';
/** Configuration directory and static pod manifest of the per-node load balancer. */
export const REGISTRY_PROXY_DIR = '/etc/kubernetes/registry-proxy';
export const REGISTRY_PROXY_MANIFEST = '/etc/kubernetes/manifests/registry-proxy.yaml';
/** Where every node reaches the registry. */
export const LOCAL_ENDPOINT = `127.0.0.1:${REGISTRY_PORT}`;
/** Group id that owns the load balancer's files (Deckhouse: 0:64535). */
export const REGISTRY_PROXY_OWNER = '0:64535';
/** The NodeGroup whose nodes run the node services. */
export const CONTROL_PLANE_GROUP = 'master';

export interface RegistryUser {
  /** docker_auth account, e.g. `ro`. */
  readonly name: string;
  readonly password: string;
  /** bcrypt of the password. */
  readonly passwordHash: string;
  /** docker_auth actions on every repository. */
  readonly actions: readonly string[];
}

const USER_ACTIONS: Record<string, string[]> = {
  ro: ['pull'],
  rw: ['pull', 'push'],
  mirror_puller: ['pull'],
  mirror_pusher: ['pull', 'push'],
};

/** The module's users: Proxy has `ro`; Local adds `rw`, `mirror_puller`, `mirror_pusher`. */
export function registryUserNames(mode: RegistryModeName): string[] {
  return mode === RegistryModeName.LOCAL ? ['ro', 'rw', 'mirror_puller', 'mirror_pusher'] : ['ro'];
}

/** Name of a user's Secret: `registry-user-<name>` with `_` as `-` (Kubernetes names allow no `_`). */
export function userSecretName(name: string): string {
  return `registry-user-${name.replace(/_/g, '-')}`;
}

/** The module's users with passwords derived from the CA key (stable, secret) and their bcrypt hashes. */
export function registryUsers(mode: RegistryModeName, pki: Pki): RegistryUser[] {
  return registryUserNames(mode).map((name) => {
    const password = deriveSecret(pki.ca.privateKey, `registry user ${name}`, 32);
    return { name, password, passwordHash: bcryptDeterministic(password, `registry-user ${name}`), actions: USER_ACTIONS[name] };
  });
}

/** Every node: the fixed address goes to the local load balancer, as the read-only user, trusting the registry CA. */
export function nodeServicesRouting(ro: RegistryUser, registryCa: string): Routing {
  return { [REGISTRY_ADDRESS]: { mirrors: [{ host: LOCAL_ENDPOINT, scheme: 'https', ca: registryCa, auth: { username: ro.name, password: ro.password } }] } };
}

/** `proxyEndpoints` of the bashible payload: the masters' `IP:5001`, sorted. */
export function proxyEndpoints(controlPlane: readonly ControlPlaneFacts[]): string[] {
  return controlPlane.map((n) => `${n.address}:${REGISTRY_PORT}`);
}

const PKI = `${NODE_SERVICES_DIR}/pki`;

/** docker_auth of the node services: the module users with their actions on every repository. */
export function nodeServicesAuthConfig(users: readonly RegistryUser[]): Record<string, unknown> {
  const byName: Record<string, unknown> = {};
  for (const u of users) byName[u.name] = { password: u.passwordHash };
  return dockerAuthConfig(PKI, byName, users.map((u) => ({ account: u.name, actions: u.actions })));
}

/**
 * distribution of the node services: Proxy is a pull-through cache of the upstream (kept `ttl`), Local a plain
 * registry holding the copy. `remotepathonly`, `localpathalias` and the token `autoredirect`/`proxy` keys exist only in
 * Deckhouse's distribution build.
 */
export function nodeServicesDistributionConfig(settings: Settings, httpSecret: string): Record<string, unknown> {
  return distributionConfig({
    pkiDir: PKI, dataDir: NODE_SERVICES_DATA, readOnly: false, debugAddr: '127.0.0.1:5002', httpSecret, auth: true,
    proxy: settings.mode === RegistryModeName.PROXY ? upstreamProxy(settings.upstream, `${PKI}/upstream-registry-ca.crt`, { ttl: settings.ttl }) : undefined,
  });
}

/** The mirrorer of the Local mode (shape inferred: the reference names only its inputs): replicate from the other masters. */
export function mirrorerConfig(users: readonly RegistryUser[], others: readonly ControlPlaneFacts[]): Record<string, unknown> {
  const puller = users.find((u) => u.name === 'mirror_puller') as RegistryUser;
  const pusher = users.find((u) => u.name === 'mirror_pusher') as RegistryUser;
  return {
    local: { address: LOCAL_ENDPOINT, user: pusher.name, password: pusher.password, ca: `${PKI}/ca.crt` },
    upstreams: others.map((n) => ({ address: `${n.address}:${REGISTRY_PORT}`, user: puller.name, password: puller.password, ca: `${PKI}/ca.crt` })),
  };
}

/** `registry-node-config-<node>` `config` (reference §10.5) and its version. */
export function nodeConfig(node: ControlPlaneFacts, settings: Settings, pki: Pki, users: readonly RegistryUser[], controlPlane: readonly ControlPlaneFacts[],
  ingressClientCa?: string): { config: Record<string, unknown>; version: string } {
  const user = (name: string) => {
    const u = users.find((x) => x.name === name) as RegistryUser;
    return { name: u.name, password: u.password, password_hash: u.passwordHash };
  };
  const config: Record<string, unknown> = {
    ca: pki.ca.certificate,
    auth: { cert: pki.auth.certificate, key: pki.auth.privateKey },
    token: { cert: pki.token.certificate, key: pki.token.privateKey },
    distribution: { cert: pki.distribution.certificate, key: pki.distribution.privateKey },
    user_ro: user('ro'),
    http_secret: pki.httpSecret,
  };
  if (settings.mode === RegistryModeName.PROXY) {
    const u: Upstream = settings.upstream;
    config.proxy_mode = {
      upstream: { scheme: u.scheme.toLowerCase(), host: u.address, path: u.path, user: u.username ?? '', password: u.password ?? '', ttl: settings.ttl },
      upstream_registry_ca: u.ca ?? '',
    };
  } else {
    config.local_mode = {
      user_rw: user('rw'), user_puller: user('mirror_puller'), user_pusher: user('mirror_pusher'),
      upstreams: controlPlane.filter((n) => n.name !== node.name).map((n) => n.address),
      ingress_client_ca: ingressClientCa ?? '',
    };
  }
  config.proxy_config = { http_proxy: '', https_proxy: '', no_proxy: '' };
  const hashed = JSON.parse(JSON.stringify(config), (k: string, v: unknown) => {
    if (typeof v !== 'string' || v === '') return v;
    if (k === 'password') return secretFingerprint(v);
    return k === 'key' || k === 'http_secret' ? sha256(v) : v;
  });
  return { config, version: sha256(canonicalJson({ node: node.name, hashed })) };
}
