// Data of `d8-system/deckhouse-registry` (reference §5.2): what components pull with and trust.
import { Upstream } from '../settings/_registry-settings';
import { REGISTRY_ADDRESS, REGISTRY_PATH, REGISTRY_SCHEME } from './constants';

/** `.dockerconfigjson` for one registry address; an anonymous registry gets an empty entry. */
export function dockerConfigJson(address: string, username?: string, password?: string): string {
  const entry = username !== undefined && password !== undefined
    ? { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') }
    : {};
  return JSON.stringify({ auths: { [address]: entry } });
}

/** The managed form (Direct, Proxy, Local): the fixed address, trusted through the registry CA. */
export function managedDeckhouseRegistry(registryCa: string, username?: string, password?: string): Record<string, string> {
  return {
    '.dockerconfigjson': dockerConfigJson(REGISTRY_ADDRESS, username, password),
    'address': REGISTRY_ADDRESS,
    'path': REGISTRY_PATH,
    'scheme': REGISTRY_SCHEME,
    'ca': registryCa,
    'clusterIsBootstrapped': 'true',
    'imagesRegistry': `${REGISTRY_ADDRESS}${REGISTRY_PATH}`,
  };
}

/** The Unmanaged form: the upstream itself (address and path split from `imagesRepo`, lower-case scheme). */
export function unmanagedDeckhouseRegistry(u: Upstream): Record<string, string> {
  const data: Record<string, string> = {
    '.dockerconfigjson': dockerConfigJson(u.address, u.username, u.password),
    'address': u.address,
    'path': u.path,
    'scheme': u.scheme.toLowerCase(),
    'clusterIsBootstrapped': 'true',
    'imagesRegistry': u.imagesRepo,
  };
  if (u.ca !== undefined) data.ca = u.ca;
  return data;
}
