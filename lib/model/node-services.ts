// Proxy and Local (reference §10): the registry runs as static pods on every control-plane node, every node reaches
// it through a local load balancer on 127.0.0.1:5001, and users authenticate against the node services' docker_auth.
import { ControlPlaneFacts } from '../settings/cluster-facts';
import { Pki } from './cluster';
import { deriveSecret } from './_secrets';
import { Settings, Upstream } from '../settings/parsed-settings';
import { RegistryModeName } from '../settings/enums';
import { bcryptDeterministic, goJson, sha256 } from './_hash';
import { MODULE_GENERATED, REGISTRY_ADDRESS, REGISTRY_PORT } from './constants';
import { DEBUG_PORT, distributionConfig, dockerAuthConfig, upstreamProxy } from './_distribution';
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
  'ro': ['pull'],
  'rw': ['pull', 'push'],
  'mirror-puller': ['pull'],
  'mirror-pusher': ['pull', 'push'],
};

/** The module's users (errata §7: hyphenated names): Proxy has `ro`; Local adds `rw`, `mirror-puller`, `mirror-pusher`. */
function registryUserNames(mode: RegistryModeName): string[] {
  return mode === RegistryModeName.LOCAL ? ['ro', 'rw', 'mirror-puller', 'mirror-pusher'] : ['ro'];
}

/**
 * The module's users: passwords of 16 characters from [a-zA-Z0-9] as the module makes them, derived here from the CA
 * key (stable for a PKI, secret like it), and their bcrypt hashes (cost 10, Go's DefaultCost).
 */
export function registryUsers(mode: RegistryModeName, pki: Pki): RegistryUser[] {
  return registryUserNames(mode).map((name) => {
    const password = pki.moduleGenerated ? MODULE_GENERATED : deriveSecret(pki.ca.privateKey, `registry user ${name}`, 16);
    return { name, password, passwordHash: bcryptDeterministic(password, `registry-user ${name}`), actions: USER_ACTIONS[name] };
  });
}

/** A module user by name (the mode's users always include it: `ro` in Proxy and Local, the others in Local). */
export function userNamed(users: readonly RegistryUser[], name: string): RegistryUser {
  return users.find((u) => u.name === name) as RegistryUser;
}

/** Every node: the fixed address goes to the local load balancer, as the read-only user, trusting the registry CA. */
export function nodeServicesRouting(ro: RegistryUser, registryCa: string): Routing {
  return { [REGISTRY_ADDRESS]: { mirrors: [{ host: LOCAL_ENDPOINT, scheme: 'https', ca: registryCa, auth: { username: ro.name, password: ro.password } }] } };
}

/** `proxyEndpoints` of the bashible payload: the masters' `IP:5001`, sorted as strings (as the module sorts them). */
export function proxyEndpoints(controlPlane: readonly ControlPlaneFacts[]): string[] {
  return controlPlane.map((n) => `${n.address}:${REGISTRY_PORT}`).sort();
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
    pkiDir: PKI, dataDir: NODE_SERVICES_DATA, readOnly: false, debugAddr: `127.0.0.1:${DEBUG_PORT}`, httpSecret, auth: true,
    proxy: settings.mode === RegistryModeName.PROXY ? upstreamProxy(settings.upstream, `${PKI}/upstream-registry-ca.crt`, { ttl: settings.ttl }) : undefined,
  });
}

/** The mirrorer of the Local mode (shape inferred: the reference names only its inputs): replicate from the other masters. */
export function mirrorerConfig(users: readonly RegistryUser[], others: readonly ControlPlaneFacts[]): Record<string, unknown> {
  const puller = userNamed(users, 'mirror-puller');
  const pusher = userNamed(users, 'mirror-pusher');
  return {
    local: { address: LOCAL_ENDPOINT, user: pusher.name, password: pusher.password, ca: `${PKI}/ca.crt` },
    upstreams: others.map((n) => ({ address: `${n.address}:${REGISTRY_PORT}`, user: puller.name, password: puller.password, ca: `${PKI}/ca.crt` })),
  };
}

/**
 * `registry-node-config-<node>` `config` (errata §7) in Go struct field order — `ca`, `auth_cert`, `auth_key`,
 * `token_cert`, `token_key`, `distribution_cert`, `distribution_key`, `user_ro`, `http_secret`, then `local_mode` or
 * `proxy_mode` — and its `version`, the module's `pki.ComputeHash`: hex sha256 of Go's `json.Marshal` of it.
 * `proxy_config` exists in the model but the module never fills it, so it is absent. Local `upstreams` are the other
 * masters' addresses, sorted: the module means this but passes an empty list (a shadowed variable, errata §7), so its
 * mirrorer never runs; this renders the intended behaviour (README, "Differs from the module").
 */
export function nodeConfig(node: ControlPlaneFacts, settings: Settings, pki: Pki, users: readonly RegistryUser[], controlPlane: readonly ControlPlaneFacts[],
  ingressClientCa?: string): { config: Record<string, unknown>; version: string } {
  const user = (name: string) => {
    const u = userNamed(users, name);
    return { name: u.name, password: u.password, password_hash: u.passwordHash };
  };
  const own = pki.nodes[node.name];
  const config: Record<string, unknown> = {
    ca: pki.ca.certificate,
    auth_cert: own.auth.certificate,
    auth_key: own.auth.privateKey,
    token_cert: pki.token.certificate,
    token_key: pki.token.privateKey,
    distribution_cert: own.distribution.certificate,
    distribution_key: own.distribution.privateKey,
    user_ro: user('ro'),
    http_secret: pki.httpSecret,
  };
  if (settings.mode === RegistryModeName.LOCAL) {
    const local: Record<string, unknown> = { user_rw: user('rw'), user_puller: user('mirror-puller'), user_pusher: user('mirror-pusher') };
    const upstreams = [...new Set(controlPlane.map((n) => n.address))].filter((ip) => ip !== node.address).sort();
    if (upstreams.length > 0) local.upstreams = upstreams;
    if (ingressClientCa !== undefined) local.ingress_client_ca = ingressClientCa;
    config.local_mode = local;
  } else if (settings.mode === RegistryModeName.PROXY) {
    const u: Upstream = settings.upstream;
    const upstream: Record<string, unknown> = { scheme: u.scheme.toLowerCase(), host: u.address, path: u.path };
    if (u.username !== undefined) upstream.user = u.username;
    if (u.password !== undefined) upstream.password = u.password;
    if (settings.ttlWritten) upstream.ttl = settings.ttl;
    const proxy: Record<string, unknown> = { upstream };
    if (u.ca !== undefined) proxy.upstream_registry_ca = u.ca;
    config.proxy_mode = proxy;
  }
  return { config, version: sha256(goJson(config)) };
}
