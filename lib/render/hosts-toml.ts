// hosts.toml and CA files of one registry host (Deckhouse step 030_configure_containerd_registry), rendered with
// @iarna/toml from objects built in a fixed order.
import * as TOML from '@iarna/toml';
import { CONTAINERD_REGISTRY_DIR } from '../model/constants';
import { Mirror } from '../model/routing';

/** Absolute node path of a mirror's CA file: `<dir>/<host>/<scheme>-<mirror host>-ca.crt`. */
export function caFilePath(hostName: string, m: Mirror): string {
  return `${CONTAINERD_REGISTRY_DIR}/${hostName}/${m.scheme}-${m.host}-ca.crt`;
}

/** Absolute node path of a host's hosts.toml. */
export function hostsTomlPath(hostName: string): string {
  return `${CONTAINERD_REGISTRY_DIR}/${hostName}/hosts.toml`;
}

/**
 * One `[host."<scheme>://<mirror>"]` table per mirror, in routing order: `capabilities`, `skip_verify` for http,
 * `ca` for https with a CA, `auth`, then the `rewrite` array. No `server` key, as Deckhouse writes it.
 */
export function hostsToml(hostName: string, mirrors: readonly Mirror[]): string {
  const hosts: Record<string, TOML.AnyJson> = {};
  for (const m of mirrors) {
    const table: Record<string, TOML.AnyJson> = { capabilities: ['pull', 'resolve'] };
    if (m.scheme === 'http') table.skip_verify = true;
    if (m.scheme === 'https' && m.ca !== undefined) table.ca = [caFilePath(hostName, m)];
    if (m.auth !== undefined) {
      const auth: Record<string, string> = {};
      if (m.auth.auth !== undefined) auth.auth = m.auth.auth;
      else {
        if (m.auth.username !== undefined) auth.username = m.auth.username;
        if (m.auth.password !== undefined) auth.password = m.auth.password;
      }
      table.auth = auth;
    }
    if (m.rewrites !== undefined && m.rewrites.length > 0) table.rewrite = m.rewrites.map((r) => ({ regex: r.from, replace: r.to }));
    hosts[`${m.scheme}://${m.host}`] = table;
  }
  return TOML.stringify({ host: hosts } as TOML.JsonMap);
}
