// Data of `d8-system/deckhouse-registry` (reference §5.2, errata §3): what components pull with and trust, as module
// `deckhouse` renders it and the registry orchestrator merge-patches it.
import { Pki } from './cluster';
import { hasNodeServices, Settings, Upstream } from '../settings/parsed-settings';
import { RegistryModeName } from '../settings/enums';
import { goJson } from './_hash';
import { MODULE_GENERATED, REGISTRY_ADDRESS, REGISTRY_PATH, REGISTRY_SCHEME } from './constants';
import { RegistryUser, userNamed } from './node-services';

/** `clusterIsBootstrapped` holds Helm's `quote` of a boolean: the six bytes `"true"`, quotes included. */
const CLUSTER_IS_BOOTSTRAPPED = '"true"';

/**
 * `.dockerconfigjson` as go-containerregistry's `authn.AuthConfig` encodes it: `username` and `password` omitted
 * when empty, `auth` always recomputed as base64(`username:password`), so an anonymous registry gets `Og==`.
 */
function dockerConfigJson(address: string, username?: string, password?: string): string {
  const entry: Record<string, string> = {};
  if (username !== undefined && username !== '') entry.username = username;
  if (password !== undefined && password !== '') entry.password = password;
  entry.auth = password === MODULE_GENERATED ? MODULE_GENERATED : Buffer.from(`${username ?? ''}:${password ?? ''}`, 'utf8').toString('base64');
  return goJson({ auths: { [address]: entry } });
}

/**
 * The managed form (Direct, Proxy, Local): the fixed address, trusted through the registry CA. `ca` is always
 * present, as the orchestrator's patch writes it.
 */
function managedDeckhouseRegistry(registryCa: string, username?: string, password?: string): Record<string, string> {
  return {
    '.dockerconfigjson': dockerConfigJson(REGISTRY_ADDRESS, username, password),
    'address': REGISTRY_ADDRESS,
    'path': REGISTRY_PATH,
    'scheme': REGISTRY_SCHEME,
    'ca': registryCa,
    'clusterIsBootstrapped': CLUSTER_IS_BOOTSTRAPPED,
    'imagesRegistry': `${REGISTRY_ADDRESS}${REGISTRY_PATH}`,
  };
}

/**
 * The Unmanaged form: the upstream itself (address and path split from `imagesRepo`, lower-case scheme); `ca` is
 * the upstream CA as the orchestrator re-encodes it, or an empty string.
 */
function unmanagedDeckhouseRegistry(u: Upstream): Record<string, string> {
  return {
    '.dockerconfigjson': dockerConfigJson(u.address, u.username, u.password),
    'address': u.address,
    'path': u.path,
    'scheme': u.scheme.toLowerCase(),
    'ca': u.ca ?? '',
    'clusterIsBootstrapped': CLUSTER_IS_BOOTSTRAPPED,
    'imagesRegistry': u.imagesRepo,
  };
}

/**
 * `deckhouse-registry` of a setting, for every mode and every switch stage: Direct pulls the fixed address with the
 * upstream's credentials, Proxy and Local with the read-only user, a configurable Unmanaged the upstream itself; the
 * default Unmanaged mode leaves it to module `deckhouse` (undefined).
 */
export function deckhouseRegistryData(s: Settings, pki: Pki | undefined, users: readonly RegistryUser[]): Record<string, string> | undefined {
  if (s.mode === RegistryModeName.DIRECT) return managedDeckhouseRegistry((pki as Pki).ca.certificate, s.upstream.username, s.upstream.password);
  if (hasNodeServices(s)) {
    const ro = userNamed(users, 'ro');
    return managedDeckhouseRegistry((pki as Pki).ca.certificate, ro.name, ro.password);
  }
  return s.upstream === undefined ? undefined : unmanagedDeckhouseRegistry(s.upstream);
}
