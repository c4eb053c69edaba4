// What containerd does with a node's files for one image reference: which hosts directory it picks, which
// endpoints it tries in which order, and the repository path each one is asked for. It reads the rendered files
// (not the model), so it checks exactly what lands on the node.
import * as TOML from '@iarna/toml';
import { ContainerdBuild } from '../settings/enums';
import { CONTAINERD_REGISTRY_DIR } from './constants';

/** An image reference split the way containerd's reference parser does. */
export interface ImageReference {
  /** Registry host as written (`registry.d8-system.svc:5001`); `docker.io` when the reference names none. */
  readonly host: string;
  /** Repository path without a leading slash. */
  readonly repository: string;
  /** Tag or digest. */
  readonly reference: string;
  /** Whether `reference` is a digest. */
  readonly byDigest: boolean;
}

/** One registry endpoint containerd tries for an image. */
export interface Endpoint {
  /** Where the endpoint comes from: a `[host]` table, the `server` key, or the image's own host as last resort. */
  readonly source: 'mirror' | 'server' | 'fallback';
  /** `http` or `https`. */
  readonly scheme: 'http' | 'https';
  /** `host[:port]`. */
  readonly host: string;
  /** API root path, e.g. `/v2`. */
  readonly path: string;
  /** Repository path requested from this endpoint (after a Deckhouse rewrite). */
  readonly repository: string;
  /** `pull`, `resolve`, `push`. */
  readonly capabilities: readonly string[];
  /** Whether hosts.toml credentials are sent (Deckhouse's build only). */
  readonly auth: boolean;
  /** The manifest request containerd makes, as the registry's access log shows it (path and query). */
  readonly manifestRequest: string;
  /**
   * The credentials containerd answers this endpoint's challenge with, from its hosts.toml `auth` table (Deckhouse's
   * build only): `username` + `password` (also decoded from the base64 `auth` key), or an `identityToken`.
   */
  readonly credentials?: { readonly username: string; readonly password: string } | { readonly identityToken: string };
  /**
   * An `http://` endpoint with TLS settings (`ca`, `client` or `skip_verify`, as the module writes `skip_verify = true`
   * for http mirrors) on any port but 80: containerd 1.7 and 2.x send a TLS handshake first and use plain HTTP only
   * when the server answers it with an HTTP status line (or the handshake times out); a server that just closes the
   * connection fails this endpoint. `scheme` stays `http`, the scheme the request is finally made with.
   */
  readonly tlsFirst?: boolean;
}

/** What containerd does with a node's files for one image reference. */
export interface Resolution {
  /** The hosts directory containerd uses, relative to config_path, or undefined when none exists. */
  readonly hostDir?: string;
  /** Endpoints in the order containerd tries them. */
  readonly endpoints: readonly Endpoint[];
  /** Why a file was ignored, as containerd would log it. */
  readonly notes: readonly string[];
}

/** Which containerd reads the files. */
export interface ResolveOptions {
  /** The containerd build; stock ignores `rewrite` and `auth`. */
  readonly build: ContainerdBuild;
  /** containerd major version: 1.x discards a hosts.toml without a `[host]` table. */
  readonly containerdMajor: number;
  /** @default /etc/containerd/registry.d */
  readonly configPath?: string;
  /** containerd minor version; only 1.6 differs (no HTTPS-first for http hosts, see `Endpoint.tlsFirst`). @default 7 for 1.x */
  readonly containerdMinor?: number;
}

const CAPABILITIES = ['pull', 'resolve', 'push'];

/** Splits `host[:port]/repo[:tag|@digest]` the way containerd's reference parser does. */
export function parseImageReference(image: string): ImageReference {
  let rest = image;
  let reference = 'latest';
  let byDigest = false;
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    byDigest = true;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first, repository: rest.slice(slash + 1), reference, byDigest };
  }
  return { host: 'docker.io', repository: rest.includes('/') ? rest : `library/${rest}`, reference, byDigest };
}

/** Go's `regexp.Expand` template: `$1`, `${1}`, `$name`, `${name}`, `$$`; an unknown group expands to "". */
function goExpand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = (braced ?? bare) as string;
    const value = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return value ?? '';
  });
}

/** `regexp.ReplaceAllString` with a Go pattern (`(?P<name>…)` groups accepted). */
export function goReplaceAll(pattern: string, subject: string, template: string): string {
  const re = new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'g');
  let out = '';
  let last = 0;
  for (let m = re.exec(subject); m !== null; m = re.exec(subject)) {
    out += subject.slice(last, m.index) + goExpand(template, m);
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  return out + subject.slice(last);
}

function defaultHost(image: ImageReference): { scheme: 'http' | 'https'; host: string } {
  if (image.host === 'docker.io') return { scheme: 'https', host: 'registry-1.docker.io' };
  const hostname = image.host.replace(/:\d+$/, '');
  if (hostname === 'localhost' || /^127\./.test(hostname) || hostname === '[::1]') return { scheme: 'http', host: image.host };
  return { scheme: 'https', host: image.host };
}

function endpoint(image: ImageReference, source: Endpoint['source'], scheme: 'http' | 'https', host: string, path: string,
  repository: string, capabilities: readonly string[], auth: boolean): Endpoint {
  const ns = host === image.host ? '' : `?ns=${encodeURIComponent(image.host)}`;
  return { source, scheme, host, path, repository, capabilities, auth, manifestRequest: `${path}/${repository}/manifests/${image.reference}${ns}` };
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.length === 0 ? '' : `/${parts.join('/')}`;
}

/** Adds what the endpoint's table says about credentials and HTTPS-first to an endpoint. */
function extras(e: Endpoint, table: TOML.JsonMap, withAuth: boolean, options: ResolveOptions, notes: string[]): Endpoint {
  let out: Endpoint = e;
  if (withAuth) {
    const a = table.auth as TOML.JsonMap;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    if (str(a.username) !== '' && str(a.password) !== '') {
      out = { ...out, credentials: { username: str(a.username), password: str(a.password) } };
    } else if (str(a.auth) !== '') {
      const decoded = Buffer.from(str(a.auth).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) out = { ...out, credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
    } else if (str(a.identitytoken) !== '') {
      out = { ...out, credentials: { identityToken: str(a.identitytoken) } };
    }
  }
  const port = e.host.match(/:(\d+)$/)?.[1];
  const tls = table.ca !== undefined || table.client !== undefined || table.skip_verify !== undefined;
  const knowsFallback = options.containerdMajor >= 2 || (options.containerdMinor ?? 7) >= 7;
  if (e.scheme === 'http' && tls && port !== '80' && knowsFallback) {
    notes.push(`${e.scheme}://${e.host}: host will try HTTPS first since it is configured for HTTP with a TLS configuration; `
      + 'plain HTTP follows only if the server answers the TLS handshake with an HTTP status line (or it times out)');
    out = { ...out, tlsFirst: true };
  }
  return out;
}

/** Resolves an image reference against a node's files (absolute node path -> content). */
export function resolveImage(imageRef: string, files: { readonly [path: string]: string }, options: ResolveOptions): Resolution {
  const root = options.configPath ?? CONTAINERD_REGISTRY_DIR;
  const image = parseImageReference(imageRef);
  const notes: string[] = [];
  const fallback = (): Endpoint => {
    const d = defaultHost(image);
    return endpoint(image, 'fallback', d.scheme, d.host, '/v2', image.repository, CAPABILITIES, false);
  };

  const candidates: string[] = [];
  const portMatch = image.host.match(/^(.*):(\d+)$/);
  if (portMatch) candidates.push(`${portMatch[1]}_${portMatch[2]}_`);
  candidates.push(image.host, '_default');
  const hostDir = candidates.find((dir) => Object.keys(files).some((p) => p.startsWith(`${root}/${dir}/`)));
  if (hostDir === undefined) return { endpoints: [fallback()], notes: ['no hosts directory: the image host is used'] };

  const text = files[`${root}/${hostDir}/hosts.toml`];
  if (text === undefined) return { hostDir, endpoints: [fallback()], notes: [`${hostDir}/ has no hosts.toml: certificate files only`] };
  let doc: TOML.JsonMap;
  try {
    doc = TOML.parse(text);
  } catch (e) {
    return { hostDir, endpoints: [fallback()], notes: [`failed to decode hosts.toml: ${(e as Error).message.split('\n')[0]}`] };
  }
  const hostTable = doc.host;
  if (options.containerdMajor < 2 && (typeof hostTable !== 'object' || hostTable === null || Array.isArray(hostTable))) {
    return { hostDir, endpoints: [fallback()], notes: ['failed to decode hosts.toml: invalid `host` tree (containerd 1.x needs a [host] table)'] };
  }
  const deckhouse = options.build === ContainerdBuild.DECKHOUSE;
  const endpoints: Endpoint[] = [];
  const capsOf = (table: TOML.JsonMap): string[] | undefined => {
    const caps = table.capabilities;
    if (caps === undefined) return CAPABILITIES;
    const list = Array.isArray(caps) ? caps.map(String) : [String(caps)];
    const bad = list.find((c) => !CAPABILITIES.includes(c));
    if (bad !== undefined) {
      notes.push(`failed to decode hosts.toml: unknown capability "${bad}"`);
      return undefined;
    }
    return list;
  };
  for (const [url, raw] of Object.entries((hostTable ?? {}) as TOML.JsonMap)) {
    const table = raw as TOML.JsonMap;
    const m = url.match(/^(https?):\/\/([^/]+)(\/.*)?$/);
    if (!m) {
      notes.push(`failed to decode hosts.toml: host "${url}" is not a URL`);
      return { hostDir, endpoints: [fallback()], notes };
    }
    const caps = capsOf(table);
    if (caps === undefined) return { hostDir, endpoints: [fallback()], notes };
    const base = cleanPath(m[3] ?? '');
    const apiPath = table.override_path === true ? base : `${base}/v2`;
    let repository = image.repository;
    if (deckhouse && table.rewrite !== undefined && !Array.isArray(table.rewrite)) {
      notes.push(`failed to decode hosts.toml: host."${url}".rewrite must be an array of tables`);
      return { hostDir, endpoints: [fallback()], notes };
    }
    if (deckhouse && Array.isArray(table.rewrite)) {
      for (const r of table.rewrite as TOML.JsonMap[]) {
        let re: RegExp;
        try {
          re = new RegExp(String(r.regex).replace(/\(\?P</g, '(?<'));
        } catch {
          notes.push(`failed to decode hosts.toml: invalid rewrite regex ${JSON.stringify(r.regex)}`);
          return { hostDir, endpoints: [fallback()], notes };
        }
        if (re.test(repository)) {
          repository = goReplaceAll(String(r.regex), repository, String(r.replace ?? ''));
          break;
        }
      }
    }
    const withAuth = deckhouse && table.auth !== undefined;
    if (withAuth && (typeof table.auth !== 'object' || Array.isArray(table.auth))) {
      notes.push(`failed to decode hosts.toml: host."${url}".auth must be a single table`);
      return { hostDir, endpoints: [fallback()], notes };
    }
    endpoints.push(extras(endpoint(image, 'mirror', m[1] as 'http' | 'https', m[2], apiPath, repository, caps, withAuth), table, withAuth, options, notes));
  }
  if (typeof doc.server === 'string') {
    const m = doc.server.match(/^(https?):\/\/([^/]+)(\/.*)?$/);
    const caps = capsOf(doc) ?? CAPABILITIES;
    if (m) {
      const base = cleanPath(m[3] ?? '');
      const withAuth = deckhouse && doc.auth !== undefined;
      endpoints.push(extras(endpoint(image, 'server', m[1] as 'http' | 'https', m[2], doc.override_path === true ? base : `${base}/v2`, image.repository, caps, withAuth), doc, withAuth, options, notes));
    }
  } else {
    endpoints.push(fallback());
  }
  return { hostDir, endpoints, notes };
}

/** The first endpoint containerd asks for the manifest: a tag needs `resolve`, a digest only `pull`. */
export function firstManifestEndpoint(resolution: Resolution, imageRef: string): Endpoint | undefined {
  const need = parseImageReference(imageRef).byDigest ? 'pull' : 'resolve';
  return resolution.endpoints.find((e) => e.capabilities.includes(need));
}
