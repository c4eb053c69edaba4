// The `registry-bashible-config` payload (go_lib/registry/models/bashible/config.go).
import { RegistryModeName } from '../settings/enums';
import { canonicalJson, secretFingerprint, sha256 } from './_hash';
import { Mirror, Routing, validateRouting } from './routing';

export interface BashibleConfig {
  readonly mode: RegistryModeName;
  /** Hash of the rest of the payload; nodes report it back in `registry.deckhouse.io/version`. */
  readonly version: string;
  readonly imagesBase: string;
  readonly proxyEndpoints: readonly string[];
  readonly hosts: Routing;
}

/** The routing with credentials replaced by their fingerprints, for hashing. */
function hashable(routing: Routing): unknown {
  const out: Record<string, unknown> = {};
  for (const [host, cfg] of Object.entries(routing)) {
    out[host] = cfg.mirrors.map((m: Mirror) => ({
      ...m,
      auth: m.auth && {
        username: m.auth.username,
        password: m.auth.password === undefined ? undefined : secretFingerprint(m.auth.password),
        auth: m.auth.auth === undefined ? undefined : secretFingerprint(m.auth.auth),
      },
    }));
  }
  return out;
}

export function bashibleConfig(mode: RegistryModeName, imagesBase: string, hosts: Routing, proxyEndpoints: readonly string[] = []): BashibleConfig {
  validateRouting(hosts);
  const version = sha256(canonicalJson({ mode, imagesBase, proxyEndpoints, hosts: hashable(hosts) }));
  return { mode, version, imagesBase, proxyEndpoints: [...proxyEndpoints], hosts };
}

/** The payload as Deckhouse serializes it (field order of the Go struct; empty fields omitted). */
export function bashiblePayload(config: BashibleConfig): Record<string, unknown> {
  const hosts: Record<string, unknown> = {};
  for (const [host, cfg] of Object.entries(config.hosts)) {
    hosts[host] = {
      mirrors: cfg.mirrors.map((m) => {
        const out: Record<string, unknown> = { host: m.host, scheme: m.scheme };
        if (m.ca !== undefined) out.ca = m.ca;
        if (m.auth !== undefined) out.auth = { ...m.auth };
        if (m.rewrites !== undefined && m.rewrites.length > 0) out.rewrites = m.rewrites.map((r) => ({ from: r.from, to: r.to }));
        return out;
      }),
    };
  }
  return { mode: config.mode, version: config.version, imagesBase: config.imagesBase, proxyEndpoints: [...config.proxyEndpoints], hosts };
}
