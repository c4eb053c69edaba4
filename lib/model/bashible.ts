// The `registry-bashible-config` payload (go_lib/registry/models/bashible/config.go; errata §4): what bashible turns
// into containerd files on every node.
import { RegistryModeName } from '../settings/enums';
import { goJson, sha256, sortKeysDeep } from './_hash';
import { Routing, validateRouting } from './routing';

export interface BashibleConfig {
  /** Always the target's mode, also in a switch's transition stage. */
  readonly mode: RegistryModeName;
  /** The module's hash of the rest of the payload; nodes report it back in `registry.deckhouse.io/version`. */
  readonly version: string;
  /** Always the target's images base, also in a switch's transition stage. */
  readonly imagesBase: string;
  /** Masters' `IP:5001` in Proxy and Local; empty (and then absent from the payload) otherwise. */
  readonly proxyEndpoints: readonly string[];
  readonly hosts: Routing;
}

/**
 * The payload in Go struct field order (`mode`, `version`, `imagesBase`, `proxyEndpoints` when non-empty, `hosts`;
 * per mirror `host`, `scheme`, `ca` when set, `auth` always with its three keys, `rewrites` when set), host keys
 * sorted as Go marshals a map.
 */
function goStruct(mode: string, version: string, imagesBase: string, proxyEndpoints: readonly string[], hosts: Routing): Record<string, unknown> {
  const hostMap: Record<string, unknown> = {};
  for (const host of Object.keys(hosts).sort()) {
    hostMap[host] = {
      mirrors: hosts[host].mirrors.map((m) => {
        const out: Record<string, unknown> = { host: m.host, scheme: m.scheme };
        if (m.ca !== undefined && m.ca !== '') out.ca = m.ca;
        // omitempty has no effect on a struct: auth always carries all three keys; the module never fills auth.auth.
        out.auth = { username: m.auth?.username ?? '', password: m.auth?.password ?? '', auth: m.auth?.auth ?? '' };
        if (m.rewrites !== undefined && m.rewrites.length > 0) out.rewrites = m.rewrites.map((r) => ({ from: r.from, to: r.to }));
        return out;
      }),
    };
  }
  const out: Record<string, unknown> = { mode, version, imagesBase };
  if (proxyEndpoints.length > 0) out.proxyEndpoints = [...proxyEndpoints];
  out.hosts = hostMap;
  return out;
}

/**
 * The module's recipe for `version`: hex sha256 of Go's `json.Marshal` of the payload with `version` set to "".
 * The hash covers credentials as the module's does (it is what nodes report back), so it equals the module's for the
 * same inputs.
 */
export function bashibleVersion(mode: string, imagesBase: string, proxyEndpoints: readonly string[], hosts: Routing): string {
  return sha256(goJson(goStruct(mode, '', imagesBase, proxyEndpoints, hosts)));
}

export function bashibleConfig(mode: RegistryModeName, imagesBase: string, hosts: Routing, proxyEndpoints: readonly string[] = []): BashibleConfig {
  validateRouting(hosts);
  const version = bashibleVersion(mode, imagesBase, proxyEndpoints, hosts);
  return { mode, version, imagesBase, proxyEndpoints: [...proxyEndpoints], hosts };
}

/** The payload as Helm's `toYaml` emits it: every mapping's keys sorted, empty `proxyEndpoints` absent. */
export function bashiblePayload(config: BashibleConfig): Record<string, unknown> {
  return sortKeysDeep(goStruct(config.mode, config.version, config.imagesBase, config.proxyEndpoints, config.hosts));
}
