// Per-node routing: for each registry host containerd sees, the ordered mirrors it tries. This one model feeds
// the `registry-bashible-config` payload, the hosts.toml files and the resolver.
import { hasCredentials, Upstream } from '../settings/parsed-settings';
import { violated } from '../settings/_errors';
import { REGISTRY_ADDRESS, REGISTRY_PATH_REGEXP } from './constants';

export interface MirrorAuth {
  readonly username?: string;
  readonly password?: string;
  /** base64 of `username:password`. */
  readonly auth?: string;
}

/** A repository rewrite of Deckhouse's patched containerd: first matching regex wins. */
export interface Rewrite {
  readonly from: string;
  readonly to: string;
}

export interface Mirror {
  /** `host[:port]`. */
  readonly host: string;
  /** Lower case. */
  readonly scheme: 'http' | 'https';
  /** PEM bundle. */
  readonly ca?: string;
  readonly auth?: MirrorAuth;
  readonly rewrites?: readonly Rewrite[];
}

/** Registry host (containerd host namespace) -> its mirrors, in the order they are tried. */
export type Routing = { readonly [host: string]: { readonly mirrors: readonly Mirror[] } };

/** The unique key Deckhouse deduplicates mirrors of one host by. */
function mirrorKey(m: Mirror): string {
  return `${m.host}|${m.scheme}`;
}

/** The mirror for an upstream; `rewriteFromFixedPath` maps `system/deckhouse` onto the upstream path. */
function upstreamMirror(u: Upstream, rewriteFromFixedPath: boolean): Mirror {
  const m: { -readonly [K in keyof Mirror]: Mirror[K] } = { host: u.address, scheme: u.scheme === 'HTTP' ? 'http' : 'https' };
  if (u.ca !== undefined) m.ca = u.ca;
  if (hasCredentials(u)) m.auth = { username: u.username, password: u.password };
  if (rewriteFromFixedPath) m.rewrites = [{ from: REGISTRY_PATH_REGEXP, to: u.path.replace(/^\//, '') }];
  return m;
}

/** Direct: the fixed address is served by the upstream, with the repository path rewritten. */
export function directRouting(u: Upstream): Routing {
  return { [REGISTRY_ADDRESS]: { mirrors: [upstreamMirror(u, true)] } };
}

/** Configurable Unmanaged: the upstream host itself, with one mirror and no rewrite. */
export function unmanagedRouting(u: Upstream): Routing {
  return { [u.address]: { mirrors: [upstreamMirror(u, false)] } };
}

/**
 * Transition routing: the old hosts first, then the new; per host, mirrors are deduplicated by host|scheme and a
 * new mirror replaces an old one with the same key in place (Deckhouse `ConfigBuilder.hosts()`).
 */
export function mergeRouting(older: Routing, newer: Routing): Routing {
  const out: { [host: string]: { mirrors: Mirror[] } } = {};
  for (const [host, cfg] of Object.entries(older)) out[host] = { mirrors: [...cfg.mirrors] };
  for (const [host, cfg] of Object.entries(newer)) {
    const list = out[host]?.mirrors ?? [];
    for (const m of cfg.mirrors) {
      const at = list.findIndex((x) => mirrorKey(x) === mirrorKey(m));
      if (at >= 0) list[at] = m;
      else list.push(m);
    }
    out[host] = { mirrors: list };
  }
  return out;
}

/** Deckhouse's payload validation: named hosts, at least one mirror each, host and scheme set, unique host|scheme. */
export function validateRouting(routing: Routing): void {
  for (const [host, cfg] of Object.entries(routing)) {
    if (host === '') throw new Error('routing: a registry host key is empty');
    if (cfg.mirrors.length === 0) throw new Error(`routing: registry host "${host}" has no mirrors`);
    const keys = new Set<string>();
    for (const m of cfg.mirrors) {
      if (!m.host || !m.scheme) throw new Error(`routing: a mirror of "${host}" lacks host or scheme`);
      if (keys.has(mirrorKey(m))) throw new Error(`routing: registry host "${host}" lists mirror ${mirrorKey(m)} twice`);
      keys.add(mirrorKey(m));
    }
  }
}


/**
 * Adapts routing to the containerd build. Deckhouse's build takes it as is. Stock containerd silently ignores
 * hosts.toml `auth` and `rewrite`, so an identity rewrite is dropped and anything else is refused with what works
 * instead.
 */
export function routingForBuild(routing: Routing, build: 'Deckhouse' | 'Stock', path = 'containerdBuild'): Routing {
  if (build === 'Deckhouse') return routing;
  const out: { [host: string]: { mirrors: Mirror[] } } = {};
  for (const [host, cfg] of Object.entries(routing)) {
    out[host] = {
      mirrors: cfg.mirrors.map((m) => {
        if (m.auth !== undefined) {
          violated(path, `stock containerd ignores hosts.toml auth, so mirror ${m.scheme}://${m.host} of "${host}" would be pulled from anonymously; `
            + 'use an upstream that allows anonymous pulls and give credentials through an image pull secret (kubelet forwards it to the mirror), '
            + 'or run Deckhouse\'s containerd build (ContainerdBuild.DECKHOUSE)');
        }
        const rewrites = (m.rewrites ?? []).filter((r) => r.to !== r.from.replace(/^\^/, ''));
        if (rewrites.length > 0) {
          const r = rewrites[0];
          violated(path, `stock containerd ignores hosts.toml rewrite, so "${r.from}" -> "${r.to}" on mirror ${m.scheme}://${m.host} of "${host}" would not apply `
            + `and pulls would ask the mirror for the wrong repository; use a mirror that needs no path rewrite (an imagesRepo whose path is /${r.from.replace(/^\^/, '')}), `
            + 'or run Deckhouse\'s containerd build (ContainerdBuild.DECKHOUSE)');
        }
        const { rewrites: _dropped, ...rest } = m;
        return rest;
      }),
    };
  }
  return out;
}
