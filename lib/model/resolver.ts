// What containerd does with a node's files for one image reference: which hosts directory it picks, which
// endpoints it tries in which order, and the repository path each one is asked for. It reads the rendered files
// (not the model), so it checks exactly what lands on the node. It follows containerd's own steps, one function each:
// the hosts directory (hostDirectory), decoding hosts.toml (parseHostsFile), one endpoint per `[host]` table and for
// `server` (hostConfig), and the image's own host as last resort (fallbackEndpoint); resolveImage composes them.
import { hideUserinfo } from './_redact';
import * as TOML from '@iarna/toml';
import { ContainerdBuild } from '../settings/enums';
import { goParseUrl } from './_go-url';
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

/** Where an endpoint containerd tries comes from. */
export enum EndpointSource {
  /** A `[host."url"]` table of hosts.toml. */
  MIRROR = 'mirror',
  /** The top-level `server` key of hosts.toml. */
  SERVER = 'server',
  /**
   * The image's own host, the last resort when hosts.toml names no `server` or one without a host (or is missing or
   * discarded).
   */
  FALLBACK = 'fallback',
}

/**
 * The credentials containerd answers an endpoint's challenge with: either `username` and `password`, or an
 * `identityToken` alone.
 */
export interface EndpointCredentials {
  /**
   * User name; set together with `password`.
   * @default - none (an identity token)
   */
  readonly username?: string;
  /**
   * Password; set together with `username`.
   * @default - none (an identity token)
   */
  readonly password?: string;
  /**
   * Identity token (hosts.toml `identitytoken`), sent instead of a user name and password.
   * @default - none (a user name and password)
   */
  readonly identityToken?: string;
}

/** One registry endpoint containerd tries for an image. */
export interface Endpoint {
  /** Where the endpoint comes from: a `[host]` table, the `server` key, or the image's own host as last resort. */
  readonly source: EndpointSource;
  /** `http` or `https`. */
  readonly scheme: string;
  /** `host[:port]`. */
  readonly host: string;
  /** API root path, e.g. `/v2`. */
  readonly path: string;
  /** Repository path requested from this endpoint (after a Deckhouse rewrite). */
  readonly repository: string;
  /** `pull`, `resolve`, `push`. */
  readonly capabilities: string[];
  /** Whether hosts.toml credentials are sent (Deckhouse's build only). */
  readonly auth: boolean;
  /** The manifest request containerd makes, as the registry's access log shows it (path and query). */
  readonly manifestRequest: string;
  /**
   * The credentials containerd answers this endpoint's challenge with, from its hosts.toml `auth` table (Deckhouse's
   * build only): `username` + `password` (also decoded from the base64 `auth` key), or an `identityToken`.
   * @default - none: containerd answers anonymously (or with the kubelet's pull secret)
   */
  readonly credentials?: EndpointCredentials;
  /**
   * An `http://` endpoint with TLS settings (`ca`, `client` or `skip_verify`, as the module writes `skip_verify = true`
   * for http mirrors) on any port but 80, or a loopback image host on a port other than 80 and 443 (containerd gives
   * it http with `skip_verify` itself): containerd 1.7 and 2.x send a TLS handshake first and use plain HTTP only
   * when the server answers it with an HTTP status line (or the handshake times out); a server that just closes the
   * connection fails this endpoint. `scheme` stays `http` as configured; the request goes over HTTPS when the
   * handshake succeeds.
   * @default false
   */
  readonly tlsFirst?: boolean;
}

/** What containerd does with a node's files for one image reference. */
export interface Resolution {
  /**
   * The hosts directory containerd uses, relative to config_path.
   * @default - none exists: containerd uses the image's own host
   */
  readonly hostDir?: string;
  /** Endpoints in the order containerd tries them. */
  readonly endpoints: Endpoint[];
  /**
   * What containerd would log about the files, as it would log it: why a file was ignored, a host it passes over
   * because its requests cannot be made, an http host it tries with HTTPS first.
   */
  readonly notes: string[];
}

/** Which containerd reads the files. */
export interface ResolveOptions {
  /** The containerd build; stock ignores `rewrite` and `auth`. */
  readonly containerdBuild: ContainerdBuild;
  /** containerd major version: 1.x discards a hosts.toml without a `[host]` table. */
  readonly containerdMajor: number;
  /** @default /etc/containerd/registry.d */
  readonly configPath?: string;
  /**
   * containerd minor version; only 1.6 differs, read as containerd 1.6.9 to 1.6.24 (Debian 12 ships 1.6.20): no
   * HTTPS-first for http hosts (see `Endpoint.tlsFirst`), and plain http for a loopback image host on any port. 1.7 is
   * read as 1.7.24 or later.
   * @default 7 for 1.x
   */
  readonly containerdMinor?: number;
}

const CAPABILITIES: readonly string[] = ['pull', 'resolve', 'push'];

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

type Scheme = 'http' | 'https';

/**
 * Whether this containerd tries HTTPS first for an http host with a TLS configuration: 1.7 (from 1.7.24 on any port
 * but 80, as 2.x; 1.7.8 to 1.7.23 only with a port set) and 2.x, not 1.6 as modelled here.
 */
function triesHttpsFirst(options: ResolveOptions): boolean {
  return options.containerdMajor >= 2 || (options.containerdMinor ?? 7) >= 7;
}

/** What containerd logs (at info) when it tries an http host with HTTPS first, and what follows. */
function httpsFirstNote(e: Endpoint): string {
  return `${e.scheme}://${e.host}: host will try HTTPS first since it is configured for HTTP with a TLS configuration; `
    + 'plain HTTP follows only if the server answers the TLS handshake with an HTTP status line (or it times out)';
}

/** Go's `net.SplitHostPort`: `host:port` or `[host]:port`; undefined where Go returns an error (no port, say). */
function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0 || hostport[end + 1] !== ':' || hostport.lastIndexOf(':') !== end + 1) return undefined;
    const host = hostport.slice(1, end);
    return /[[\]]/.test(host) || /[[\]]/.test(hostport.slice(end + 1)) ? undefined : { host, port: hostport.slice(end + 2) };
  }
  const i = hostport.lastIndexOf(':');
  if (i < 0 || hostport.slice(0, i).includes(':') || /[[\]]/.test(hostport)) return undefined;
  return { host: hostport.slice(0, i), port: hostport.slice(i + 1) };
}

/** Go's `net.ParseIP` for IPv4 dotted quads (no leading zeros), as four bytes. */
function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map(Number);
}

/** Go's `net.ParseIP` for IPv6 (`::` shorthand, a trailing dotted quad, no zone), as sixteen bytes. */
function parseIPv6(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (const [i, f] of fields.entries()) {
      const v4 = i === fields.length - 1 && f.includes('.') ? parseIPv4(f) : undefined;
      if (v4 !== undefined) out.push(v4[0], v4[1], v4[2], v4[3]);
      else if (/^[0-9a-fA-F]{1,4}$/.test(f)) out.push(parseInt(f, 16) >> 8, parseInt(f, 16) & 255);
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 16 - head.length - tail.length;
  if (halves.length === 2 ? fill < 2 : fill !== 0) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/**
 * containerd's `IsLocalhost`: the host (without its port, when Go's `net.SplitHostPort` finds one) is `localhost` or
 * an IP that Go reads as loopback (127.0.0.0/8, ::1, ::ffff:127.x.x.x). `[::1]` without a port is not one: Go does not
 * split it, and `[::1]` is no IP.
 */
function isLocalhost(hostport: string): boolean {
  const host = splitHostPort(hostport)?.host ?? hostport;
  if (host === 'localhost') return true;
  const v4 = parseIPv4(host);
  if (v4 !== undefined) return v4[0] === 127;
  const v6 = parseIPv6(host);
  if (v6 === undefined) return false;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 255 && v6[11] === 255;
  return mapped ? v6[12] === 127 : v6.slice(0, 15).every((b) => b === 0) && v6[15] === 1;
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

/**
 * Whether containerd adds `?ns=<image host>` to the requests it makes to an endpoint: for every endpoint but the image
 * host itself, where `registry-1.docker.io` counts as `docker.io` (RegistryHost.isProxy, containerd 1.5 to 2.x).
 */
function isProxy(endpointHost: string, imageHost: string): boolean {
  return endpointHost !== imageHost && !(imageHost === 'docker.io' && endpointHost === 'registry-1.docker.io');
}

/** An endpoint, with its own copy of `capabilities` (the public type lets a caller change it). */
function endpoint(image: ImageReference, source: EndpointSource, scheme: Scheme, host: string, path: string,
  repository: string, capabilities: readonly string[], auth: boolean): Endpoint {
  const ns = isProxy(host, image.host) ? `?ns=${encodeURIComponent(image.host)}` : '';
  return { source, scheme, host, path, repository, capabilities: [...capabilities], auth, manifestRequest: `${path}/${repository}/manifests/${image.reference}${ns}` };
}

/**
 * Step 1, the hosts directory: `host_port_` (only for a host with a port), then `host[:port]`, then `_default`. A
 * directory exists when any file lies under it, hosts.toml or not; the first one that exists is used.
 * @internal
 */
export function hostDirectory(host: string, files: { readonly [path: string]: string }, configPath: string): string | undefined {
  const candidates: string[] = [];
  const portMatch = host.match(/^(.*):(\d+)$/);
  if (portMatch) candidates.push(`${portMatch[1]}_${portMatch[2]}_`);
  candidates.push(host, '_default');
  return candidates.find((dir) => Object.keys(files).some((p) => p.startsWith(`${configPath}/${dir}/`)));
}

/**
 * A decoded TOML table. Not `TOML.JsonMap`: the declarations of exported names must not need `@iarna/toml`'s types,
 * which need `@types/node` in every app that type-checks against this package.
 * @internal
 */
export type TomlTable = { readonly [key: string]: unknown };

/**
 * A decoded hosts.toml, or why containerd discards it.
 * @internal
 */
export type HostsFile = { readonly doc: TomlTable; readonly error?: undefined } | { readonly doc?: undefined; readonly error: string };

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** A TOML value as Go's `%v` prints what the decoder made of it (`[a b]`, `map[k:v]`). */
function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (v instanceof Date) return v.toISOString();
  if (isTable(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  return String(v);
}

/**
 * Why Go's TOML decoder rejects a value for a field of Go type `target` (`string`, `bool`, `[]string`), in its words:
 * go-toml v1 (containerd 1.x) or v2 (2.x); both are strict, so containerd discards the file. Undefined when it fits.
 */
function typeMismatch(v: unknown, target: 'string' | 'bool' | '[]string', containerdMajor: number): string | undefined {
  if (v === undefined) return undefined;
  if (target === '[]string' && Array.isArray(v)) {
    for (const item of v) {
      const bad = typeMismatch(item, 'string', containerdMajor);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if ((target === 'string' && typeof v === 'string') || (target === 'bool' && typeof v === 'boolean')) return undefined;
  const number = typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'float') : undefined;
  if (containerdMajor >= 2) {
    if (typeof v === 'boolean') return `toml: cannot assign boolean to a ${v}`;
    if (isTable(v)) return `toml: cannot store inline table in Go type ${target === '[]string' ? 'slice' : target}`;
    const kind = Array.isArray(v) ? 'array' : v instanceof Date ? 'datetime' : number ?? 'string';
    return `toml: cannot decode TOML ${kind} into a Go value of type ${target}`;
  }
  if (Array.isArray(v)) return `Can't convert ${goFormat(v)}([]interface {}) to a slice`;
  if (isTable(v)) return `Can't convert ${goFormat(v)}(*toml.Tree) to a tree`;
  const goType = number === 'integer' ? 'int64' : number === 'float' ? 'float64' : v instanceof Date ? 'time.Time' : typeof v === 'boolean' ? 'bool' : 'string';
  return `Can't convert ${goFormat(v)}(${goType}) to ${target === '[]string' ? '[]string(slice)' : target}`;
}

/**
 * The keys of one host's table that containerd decodes into fixed Go types: `capabilities`, `skip_verify`,
 * `override_path`, and `header`, a map (`ca` and `client` take any value here; hostConfig checks their shape).
 */
function hostKeysMismatch(table: TomlTable, containerdMajor: number): string | undefined {
  const header = table.header;
  const headerMismatch = header === undefined || isTable(header) ? undefined
    : containerdMajor >= 2 ? `toml: cannot decode TOML ${Array.isArray(header) ? 'array' : 'value'} into a Go value of type map[string]interface {}`
      // The value is not printed: a header may carry an Authorization token, and notes end up in error messages.
      : `Can't convert header (value hidden) to a tree`;
  return typeMismatch(table.capabilities, '[]string', containerdMajor)
    ?? typeMismatch(table.skip_verify, 'bool', containerdMajor)
    ?? typeMismatch(table.override_path, 'bool', containerdMajor)
    ?? headerMismatch;
}

/**
 * Step 2, decoding hosts.toml: a TOML error, on containerd 1.x a file without a `[host]` table, or a value of the
 * wrong type for a key containerd decodes into a fixed Go type (`server` a string, `capabilities` strings,
 * `skip_verify` and `override_path` booleans, each `host` entry a table: go-toml v1 and v2 both refuse to convert)
 * discards the file (the error is what containerd logs).
 * @internal
 */
export function parseHostsFile(text: string, containerdMajor: number): HostsFile {
  let doc: TomlTable;
  try {
    doc = TOML.parse(text);
  } catch (e) {
    return { error: `failed to decode hosts.toml: ${(e as Error).message.split('\n')[0]}` };
  }
  const hostTable = doc.host;
  if (containerdMajor < 2 && !isTable(hostTable)) {
    return { error: 'failed to decode hosts.toml: invalid `host` tree (containerd 1.x needs a [host] table)' };
  }
  const failed = (why: string): HostsFile => ({ error: `failed to decode hosts.toml: ${why}` });
  const top = hostKeysMismatch(doc, containerdMajor) ?? typeMismatch(doc.server, 'string', containerdMajor);
  if (top !== undefined) return failed(top);
  if (hostTable === undefined) return { doc };
  if (!isTable(hostTable)) {
    return failed(`toml: cannot decode TOML ${Array.isArray(hostTable) ? 'array' : 'value'} into a Go value of type map[string]config.hostFileConfig`);
  }
  for (const [url, table] of Object.entries(hostTable)) {
    if (!isTable(table)) {
      // Neither the value nor the key's user information is printed: notes end up in error messages.
      return failed(hideUserinfo(containerdMajor >= 2 ? `toml: cannot decode TOML value into a Go value of type config.hostFileConfig (host ${JSON.stringify(url)})`
        : `Can't convert (value hidden) to config.hostFileConfig (host ${JSON.stringify(url)})`));
    }
    const bad = hostKeysMismatch(table, containerdMajor);
    if (bad !== undefined) return failed(bad);
  }
  return { doc };
}

/**
 * What one `[host."url"]` table or the top-level `server` gives.
 * @internal
 */
export interface HostConfig {
  /**
   * The endpoint; absent when the file is discarded, when the host is `unreachable`, and for a `server` that names no
   * host (`server = ""`, `"http:x"`), in whose place containerd puts the image host.
   */
  readonly endpoint?: Endpoint;
  /**
   * containerd keeps this host but every request to it fails before reaching a registry (no host, or a scheme other
   * than http and https, as from `host."http-mirror:5000"`, which starts with "http" and so gets no https://), and it
   * tries the next one; no endpoint is given for it.
   */
  readonly unreachable?: boolean;
  /** Whether containerd discards the whole hosts.toml (`notes` ends with the reason). */
  readonly discard: boolean;
  /** What containerd would log for this host, in order. */
  readonly notes: string[];
}

/** Deckhouse's rewrite: the first rule whose regex matches the repository rewrites it; an invalid regex met first discards the file. */
function rewriteRepository(rules: TomlTable[], repository: string): { repository: string } | { error: string } {
  for (const r of rules) {
    let re: RegExp;
    try {
      re = new RegExp(String(r.regex).replace(/\(\?P</g, '(?<'));
    } catch {
      return { error: `invalid rewrite regex ${JSON.stringify(r.regex)}` };
    }
    if (re.test(repository)) return { repository: goReplaceAll(String(r.regex), repository, String(r.replace ?? '')) };
  }
  return { repository };
}

/** Deckhouse's `auth` table: `username` + `password`, else the base64 `auth` key split at its first colon, else `identitytoken`. */
function credentialsOf(auth: TomlTable): EndpointCredentials | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  if (str(auth.username) !== '' && str(auth.password) !== '') return { username: str(auth.username), password: str(auth.password) };
  if (str(auth.auth) !== '') {
    const decoded = Buffer.from(str(auth.auth).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
  }
  if (str(auth.identitytoken) !== '') return { identityToken: str(auth.identitytoken) };
  return undefined;
}

/**
 * `capabilities` as containerd reads it (strings, as parseHostsFile checked): names matched in any case, a set
 * (containerd keeps a bit mask, so order and repeats do not count; listed here in the order pull, resolve, push);
 * absent or empty means all three.
 */
function capabilitiesOf(value: unknown): { capabilities: readonly string[] } | { bad: string } {
  const list = Array.isArray(value) ? value.map(String) : [];
  if (list.length === 0) return { capabilities: CAPABILITIES };
  const bad = list.find((c) => !CAPABILITIES.includes(c.toLowerCase()));
  if (bad !== undefined) return { bad };
  const wanted = new Set(list.map((c) => c.toLowerCase()));
  return { capabilities: CAPABILITIES.filter((c) => wanted.has(c)) };
}

/**
 * `ca` (a path or a list of paths) and `client` (a path, or a list of paths and of [cert, key] pairs) as containerd's
 * parseHostConfig type-checks them; its error discards the file.
 */
function tlsFilesMismatch(table: TomlTable): string | undefined {
  const notString = (list: unknown[]) => list.find((v) => typeof v !== 'string');
  const { ca, client } = table;
  if (ca !== undefined && typeof ca !== 'string') {
    if (!Array.isArray(ca)) return `invalid type ${goFormat(ca)} for "ca"`;
    const bad = notString(ca);
    if (bad !== undefined) return `unable to cast ${goFormat(bad)} to string`;
  }
  if (client !== undefined && typeof client !== 'string') {
    if (!Array.isArray(client)) return `invalid type ${goFormat(client)} for "client"`;
    for (const pair of client) {
      if (typeof pair === 'string') continue;
      if (!Array.isArray(pair)) return `invalid type ${isTable(pair) ? 'map[string]interface {}' : typeof pair === 'number' ? 'int64' : typeof pair} for "client"`;
      const bad = notString(pair);
      if (bad !== undefined) return `unable to cast ${goFormat(bad)} to string`;
      if (pair.length !== 2) return `invalid pair ${goFormat(pair)} for "client"`;
    }
  }
  return undefined;
}

/**
 * Step 3, one host's config: a `[host."url"]` table (source `mirror`) or the top-level `server` with the file's
 * top-level keys (source `server`) turned into an endpoint: the URL (read as Go's `url.Parse` reads it: a URL it
 * rejects discards the file), `capabilities`, the API path (`/v2` appended
 * unless `override_path` or the cleaned path already ends in `/v2`), Deckhouse's `rewrite` and `auth`, and
 * HTTPS-first. A URL that does not start with "http" is read as https (`mirror.local:5000` is
 * `https://mirror.local:5000`). An error in a `[host]` table or in the top-level keys (read even without a `server`)
 * discards the whole file; for the top-level keys `rewrite` is not read and the shape of `auth` is not checked.
 * @internal
 */
export function hostConfig(image: ImageReference, source: EndpointSource.MIRROR | EndpointSource.SERVER, url: string, table: TomlTable,
  options: ResolveOptions): HostConfig {
  const notes: string[] = [];
  // A host key may carry user information: notes end up in error messages, so it is hidden in every one.
  const discard = (why: string): HostConfig => ({ discard: true, notes: [...notes, hideUserinfo(`failed to decode hosts.toml: ${why}`)] });
  const inHostTable = source === EndpointSource.MIRROR;
  const deckhouse = options.containerdBuild === ContainerdBuild.DECKHOUSE;
  // containerd reads a string that does not start with "http" (lower case) as https://string, then url.Parse's it
  const target = url === '' || url.startsWith('http') ? url : `https://${url}`;
  const parsed = target === '' ? { scheme: '', host: '', path: '' } : goParseUrl(target);
  if ('error' in parsed) return discard(`unable to parse server ${target}: ${parsed.error}`);

  const caps = capabilitiesOf(table.capabilities);
  if ('bad' in caps) return discard(`unknown capability "${caps.bad}"`);
  const capabilities = caps.capabilities;
  const tlsFiles = tlsFilesMismatch(table);
  if (tlsFiles !== undefined) return discard(tlsFiles);
  // a server that names no host: containerd puts the image host in its place (resolveImage adds it)
  if (parsed.host === '' && !inHostTable) return { discard: false, notes };
  const host = parsed.host;
  const base = cleanPath(parsed.path);
  // containerd appends /v2 to the cleaned path unless override_path, or unless it already ends in /v2
  const path = table.override_path === true || base.endsWith('/v2') ? base : `${base}/v2`;

  let repository = image.repository;
  if (deckhouse && inHostTable && table.rewrite !== undefined) {
    if (!Array.isArray(table.rewrite)) return discard(`host."${url}".rewrite must be an array of tables`);
    const rewritten = rewriteRepository(table.rewrite as TomlTable[], repository);
    if ('error' in rewritten) return discard(rewritten.error);
    repository = rewritten.repository;
  }

  const withAuth = deckhouse && table.auth !== undefined;
  if (withAuth && inHostTable && (typeof table.auth !== 'object' || Array.isArray(table.auth))) {
    return discard(`host."${url}".auth must be a single table`);
  }
  // kept by containerd, but its requests fail before reaching a registry (NewRequest, then the transport, refuse them)
  const failure = parsed.scheme === '' ? 'missing protocol scheme'
    : parsed.scheme !== 'http' && parsed.scheme !== 'https' ? `unsupported protocol scheme ${JSON.stringify(parsed.scheme)}`
      : host === '' ? 'http: no Host in request URL' : undefined;
  if (failure !== undefined) {
    const read = `host ${JSON.stringify(url)} is read as scheme ${JSON.stringify(parsed.scheme)}, host ${JSON.stringify(host)}`;
    return { discard: false, unreachable: true, notes: [...notes, hideUserinfo(`trying next host: ${read}: ${failure}`)] };
  }
  const scheme = parsed.scheme as Scheme;
  let out = endpoint(image, source, scheme, host, path, repository, capabilities, withAuth);
  const credentials = withAuth ? credentialsOf(table.auth as TomlTable) : undefined;
  if (credentials !== undefined) out = { ...out, credentials };

  // on any port but 80, no port too (containerd 1.7.24 and later, 2.x)
  const port = splitHostPort(host)?.port ?? '';
  const tls = table.ca !== undefined || table.client !== undefined || table.skip_verify !== undefined;
  if (scheme === 'http' && tls && port !== '80' && triesHttpsFirst(options)) {
    out = { ...out, tlsFirst: true };
    notes.push(httpsFirstNote(out));
  }
  return { endpoint: out, discard: false, notes };
}

/**
 * Step 4, the last resort: the image's own host over https (`registry-1.docker.io` for `docker.io`), with every
 * capability. A loopback host (containerd's `IsLocalhost`) keeps https with no port or port 443; on another port it is
 * http, and containerd sets `skip_verify` for it but on port 80, so 1.7 and 2.x try HTTPS first there (`tlsFirst`).
 * containerd 1.6 (up to 1.6.24) gives a loopback host plain http on any port.
 * @internal
 */
export function fallbackEndpoint(image: ImageReference, options: ResolveOptions): Endpoint {
  const fallback = (scheme: Scheme, host: string) => endpoint(image, EndpointSource.FALLBACK, scheme, host, '/v2', image.repository, CAPABILITIES, false);
  if (image.host === 'docker.io') return fallback('https', 'registry-1.docker.io');
  if (!isLocalhost(image.host)) return fallback('https', image.host);
  if (!triesHttpsFirst(options)) return fallback('http', image.host);
  const port = splitHostPort(image.host)?.port ?? '';
  if (port === '' || port === '443') return fallback('https', image.host);
  return port === '80' ? fallback('http', image.host) : { ...fallback('http', image.host), tlsFirst: true };
}

/** Resolves an image reference against a node's files (absolute node path -> content). */
export function resolveImage(imageRef: string, files: { readonly [path: string]: string }, options: ResolveOptions): Resolution {
  const root = options.configPath ?? CONTAINERD_REGISTRY_DIR;
  const image = parseImageReference(imageRef);
  const hostDir = hostDirectory(image.host, files, root);
  // the image host, with containerd's line about HTTPS-first when it logs one for it
  const fallback = (notes: string[]): Endpoint => {
    const e = fallbackEndpoint(image, options);
    if (e.tlsFirst === true) notes.push(httpsFirstNote(e));
    return e;
  };
  if (hostDir === undefined) {
    const notes = ['no hosts directory: the image host is used'];
    return { endpoints: [fallback(notes)], notes };
  }
  const discarded = (notes: string[]): Resolution => ({ hostDir, endpoints: [fallback(notes)], notes });

  const text = files[`${root}/${hostDir}/hosts.toml`];
  if (text === undefined) return discarded([`${hostDir}/ has no hosts.toml: certificate files only`]);
  const file = parseHostsFile(text, options.containerdMajor);
  if (file.doc === undefined) return discarded([file.error]);

  const endpoints: Endpoint[] = [];
  const notes: string[] = [];
  for (const [url, table] of Object.entries((file.doc.host ?? {}) as TomlTable)) {
    const c = hostConfig(image, EndpointSource.MIRROR, url, table as TomlTable, options);
    notes.push(...c.notes);
    if (c.discard) return discarded(notes);
    if (c.endpoint !== undefined) endpoints.push(c.endpoint);
  }
  // containerd reads the top-level keys whether or not `server` is set: an error there discards the file too
  const server = typeof file.doc.server === 'string' ? file.doc.server : '';
  const top = hostConfig(image, EndpointSource.SERVER, server, file.doc, options);
  notes.push(...top.notes);
  if (top.discard) return discarded(notes);
  if (top.endpoint !== undefined) endpoints.push(top.endpoint);
  else if (top.unreachable !== true) endpoints.push(fallback(notes));
  return { hostDir, endpoints, notes };
}

/** The first endpoint containerd asks for the manifest: a tag needs `resolve`, a digest only `pull`. */
export function firstManifestEndpoint(resolution: Resolution, imageRef: string): Endpoint | undefined {
  const need = parseImageReference(imageRef).byDigest ? 'pull' : 'resolve';
  return resolution.endpoints.find((e) => e.capabilities.includes(need));
}

/**
 * containerd's host resolution for image references, from a node's rendered files: which hosts directory it uses,
 * which endpoints it tries in which order, and what it asks each one for.
 */
export class ContainerdHosts {
  /** Resolves an image reference against a node's files (absolute node path -> content). */
  public static resolveImage(imageRef: string, files: { [path: string]: string }, options: ResolveOptions): Resolution {
    return resolveImage(imageRef, files, options);
  }

  /** Splits `host[:port]/repo[:tag|@digest]` the way containerd's reference parser does. */
  public static parseImageReference(image: string): ImageReference {
    return parseImageReference(image);
  }

  /** The first endpoint containerd asks for the manifest: a tag needs `resolve`, a digest only `pull`. */
  public static firstManifestEndpoint(resolution: Resolution, imageRef: string): Endpoint | undefined {
    return firstManifestEndpoint(resolution, imageRef);
  }

  private constructor() {}
}
