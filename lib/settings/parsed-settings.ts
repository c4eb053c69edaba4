// Validation of `spec.settings.registry` exactly as a Deckhouse user writes it (reference §3): the schema, its
// defaults and every CEL rule, plus the stricter checks a static renderer can afford (PEM content, port range,
// a repository path). The result is one normalized value; nothing downstream re-validates it.
import { CheckMode, RegistryModeName, Scheme } from './enums';
import { describeSecret, describeValue, enumValue, field, invalid, isPlainObject, plainString, rejectUnknownKeys, violated } from './_errors';
import { MAX_DNS_LABEL, MAX_DNS_NAME } from './_limits';
import { parseCertificates, parseSingleCertificate } from './_pem';

/** Username Deckhouse pairs with a licence key. */
export const LICENSE_USERNAME = 'license-token';

/** Default `proxy.ttl`. */
export const DEFAULT_PROXY_TTL = '168h';

const MIN_TTL_SECONDS = 5 * 60;
/** Go's time.Duration is an int64 of nanoseconds: time.ParseDuration refuses anything longer (about 2562047h47m16s). */
const MAX_GO_DURATION_NS = 2n ** 63n - 1n;
/**
 * The longest credential (username, password, licence key) or CA bundle, in bytes. Kubernetes caps a Secret's data
 * at 1 MiB in total, and one Secret holds a credential up to three times (as written, in `raw_config`, and base64
 * encoded in `.dockerconfigjson`), next to the CA: 128 KiB each keeps every Secret under the cap.
 */
export const MAX_VALUE_BYTES = 128 * 1024;

// openapi: ^[0-9a-zA-Z\.\-]+(\:[0-9]{1,5})?(\/[0-9a-zA-Z\.\-\_]+)*$
const IMAGES_REPO = /^[0-9a-zA-Z.-]+(:[0-9]{1,5})?(\/[0-9a-zA-Z._-]+)*$/;
const TTL = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Fields that hold credentials: present means set; an undefined or empty value is a mistake, never anonymous access. */
export const CREDENTIAL_FIELDS: readonly string[] = ['license', 'username', 'password'];

const CREDENTIAL_WHAT: { readonly [k: string]: string } = { license: 'a licence key', username: 'a registry username', password: 'the registry password' };

const CONNECTION_FIELDS = ['imagesRepo', 'scheme', 'ca', 'license', 'username', 'password', 'checkMode'] as const;
const PROXY_FIELDS = [...CONNECTION_FIELDS, 'ttl'] as const;
const REGISTRY_FIELDS = ['mode', 'direct', 'unmanaged', 'proxy'] as const;
const MODES = [RegistryModeName.UNMANAGED, RegistryModeName.DIRECT, RegistryModeName.PROXY, RegistryModeName.LOCAL] as const;

/** A validated upstream registry (one of the `direct`, `unmanaged`, `proxy` sections). */
export interface Upstream {
  /** `imagesRepo` as written: `host[:port]/path`. */
  readonly imagesRepo: string;
  /** `host[:port]`: everything before the first `/`. */
  readonly address: string;
  /** `/` plus the rest of `imagesRepo` (never empty: a repository path is required). */
  readonly path: string;
  readonly scheme: Scheme;
  /**
   * The upstream's CA, if given: one certificate, re-encoded canonically as the orchestrator does (bashible payload,
   * proxy configs, node-services config, deckhouse-registry). For a bootstrap registry (legacy path) the text as given.
   */
  readonly ca?: string;
  /** `ca` exactly as the user wrote it (module `deckhouse` copies it into `registry-config` unchanged). */
  readonly caWritten?: string;
  /** `license-token` when a licence is given. */
  readonly username?: string;
  /** The password or licence key. */
  readonly password?: string;
  /** Whether the credentials come from `license`. */
  readonly fromLicense: boolean;
  readonly checkMode: CheckMode;
}

/** The normalized registry settings. */
export type Settings =
  | { readonly mode: RegistryModeName.DIRECT; readonly upstream: Upstream }
  | { readonly mode: RegistryModeName.UNMANAGED; readonly upstream?: Upstream }
  | { readonly mode: RegistryModeName.PROXY; readonly upstream: Upstream; readonly ttl: string; readonly ttlWritten: boolean }
  | { readonly mode: RegistryModeName.LOCAL };

/** Validated settings plus the user's own document, as written, for `ModuleConfig/deckhouse`. */
export interface ParsedSettings {
  readonly settings: Settings;
  /** The `registry` object with only the fields the user set, in schema order. */
  readonly written: Record<string, unknown>;
}

/** Seconds of a `ttl` such as `1h30m`; the caller has matched TTL. */
function ttlSeconds(m: RegExpMatchArray): number {
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** `imagesRepo` for an error message: any `@` may end user information (a password may hold `@` or `/`), so such a value is not echoed. */
function describeRepo(value: string): string {
  return value.includes('@') ? 'a value with user information (value hidden)' : describeValue(value);
}

function parseImagesRepo(path: string, value: unknown): { address: string; path: string } {
  const expected = 'host[:port]/path without a scheme or trailing slash, e.g. "registry.deckhouse.io/deckhouse/ee"';
  if (value === undefined) violated(path, `'imagesRepo' is required (${expected})`);
  if (typeof value !== 'string' || value.length === 0) return invalid(path, expected, describeValue(value));
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value)) {
    return invalid(path, `${expected}; the scheme belongs in 'scheme', not in 'imagesRepo'`, describeRepo(value));
  }
  if (value.split('/')[0].includes('@')) {
    return invalid(path, `${expected}; credentials belong in 'username'/'password' or 'license', not in 'imagesRepo'`, describeRepo(value));
  }
  const segments = value.split('/');
  const host = segments[0].replace(/:\d+$/, '');
  if (!IMAGES_REPO.test(value) || !/^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$/.test(host) || host.includes('..') || segments.slice(1).some((p) => p === '.' || p === '..')) {
    return invalid(path, expected, describeRepo(value));
  }
  if (!/^\d+(\.\d+){3}$/.test(host) && (host.length > MAX_DNS_NAME || host.split('.').some((l) => l.length > MAX_DNS_LABEL))) {
    const longest = Math.max(...host.split('.').map((l) => l.length));
    return invalid(path, `${expected}, whose host is a DNS name of at most ${MAX_DNS_NAME} characters with labels of at most ${MAX_DNS_LABEL}`,
      `a host of ${host.length} characters whose longest label has ${longest}`);
  }
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const port = address.includes(':') ? Number(address.split(':')[1]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    return invalid(path, `${expected} with a port from 1 to 65535`, describeValue(value));
  }
  if (slash < 0) {
    return invalid(path, `${expected}; a repository path is required, because image references are <imagesRepo>@sha256:<digest>`, describeValue(value));
  }
  return { address, path: value.slice(slash) };
}

function parseSection(path: string, value: unknown, withTtl: boolean, rawCa = false): { upstream: Upstream; ttl?: string; written: Record<string, unknown> } {
  const fields: readonly string[] = withTtl ? PROXY_FIELDS : CONNECTION_FIELDS;
  if (!isPlainObject(value)) return invalid(path, `an object with ${fields.join(', ')}`, describeValue(value));
  rejectUnknownKeys(path, value, fields);
  const get = (k: string): unknown => field(value, k);

  const repo = parseImagesRepo(`${path}.imagesRepo`, get('imagesRepo'));
  const scheme = get('scheme') === undefined ? Scheme.HTTPS : enumValue(`${path}.scheme`, get('scheme'), [Scheme.HTTP, Scheme.HTTPS]);
  const checkMode = get('checkMode') === undefined
    ? CheckMode.DEFAULT
    : enumValue(`${path}.checkMode`, get('checkMode'), [CheckMode.DEFAULT, CheckMode.RELAX]);
  for (const k of ['ca', 'license', 'username', 'password']) {
    const v = get(k);
    if (typeof v === 'string' && Buffer.byteLength(v, 'utf8') > MAX_VALUE_BYTES) {
      violated(`${path}.${k}`, `at most ${MAX_VALUE_BYTES} bytes (128 KiB): Kubernetes caps a Secret's data at 1 MiB and the module copies this value into several fields of one Secret; got ${k === 'ca' ? `${Buffer.byteLength(v, 'utf8')} bytes` : describeSecret(v)}`);
    }
  }
  // The module re-encodes one certificate; only the legacy path from deckhouse-registry copies the text (bundles too).
  let ca: string | undefined;
  if (get('ca') !== undefined) {
    ca = rawCa
      ? (parseCertificates(`${path}.ca`, get('ca'), 'one or more PEM certificates (the root CA of the registry)'), get('ca') as string)
      : parseSingleCertificate(`${path}.ca`, get('ca'), 'the root CA of the registry');
  }

  // A credential key that is present but undefined or empty is most often an unset environment variable
  // (`license: process.env.DKP_LICENSE!`): an error, not a silent anonymous upstream.
  for (const k of CREDENTIAL_FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    const v = value[k];
    if (v === undefined || v === '') {
      invalid(`${path}.${k}`, `a non-empty string (${CREDENTIAL_WHAT[k]})`,
        `${v === undefined ? 'undefined' : 'an empty string'} (unset environment variable?); for anonymous access omit 'license', 'username' and 'password'`);
    }
  }
  const license = get('license');
  const username = get('username');
  const password = get('password');
  if (license !== undefined && (username !== undefined || password !== undefined)) {
    violated(path, `'license' and 'username'/'password' are mutually exclusive; set either 'license' or both 'username' and 'password'`);
  }
  if (username !== undefined && password === undefined) violated(`${path}.password`, `'password' is required when 'username' is provided`);
  if (password !== undefined && username === undefined) violated(`${path}.username`, `'username' is required when 'password' is provided`);
  let creds: { username?: string; password?: string; fromLicense: boolean } = { fromLicense: false };
  if (license !== undefined) {
    creds = { username: LICENSE_USERNAME, password: plainString(`${path}.license`, license, 'a licence key', true), fromLicense: true };
  } else if (username !== undefined) {
    const user = plainString(`${path}.username`, username, 'a registry username');
    if (user.includes(':')) {
      invalid(`${path}.username`, 'a username without ":" (basic authentication joins username and password with ":")', 'a username containing ":" (value hidden: it may be a pasted user:password pair)');
    }
    if (user === '<<') invalid(`${path}.username`, 'a username other than "<<" (a YAML merge key in the auth configuration)', describeValue(user));
    if (typeof password !== 'string') invalid(`${path}.password`, 'a non-empty string (the registry password)', describeSecret(password));
    creds = { username: user, password: plainString(`${path}.password`, password, 'the registry password', true), fromLicense: false };
  }

  let ttl: string | undefined;
  if (withTtl) {
    const raw = get('ttl');
    if (raw === undefined) {
      ttl = DEFAULT_PROXY_TTL;
    } else {
      const m = typeof raw === 'string' && raw !== '' ? raw.match(TTL) : null;
      if (!m) invalid(`${path}.ttl`, 'a duration such as "168h", "24h30m" or "90m" (hours, minutes, seconds in that order)', describeValue(raw));
      if (ttlSeconds(m) < MIN_TTL_SECONDS) violated(`${path}.ttl`, `'ttl' should be at least 5 minutes, got ${describeValue(raw)}`);
      const ns = (BigInt(m[1] ?? 0) * 3600n + BigInt(m[2] ?? 0) * 60n + BigInt(m[3] ?? 0)) * 1_000_000_000n;
      if (ns > MAX_GO_DURATION_NS || [m[1], m[2], m[3]].some((x) => x !== undefined && BigInt(x) * 1_000_000_000n > MAX_GO_DURATION_NS)) {
        invalid(`${path}.ttl`, 'a duration Go\'s time.ParseDuration accepts (at most 2562047h47m16s, about 292 years; the module reads ttl with Go)', describeValue(raw));
      }
      ttl = raw as string;
    }
  }

  const written: Record<string, unknown> = {};
  for (const k of fields) if (get(k) !== undefined) written[k] = get(k);
  return {
    upstream: {
      imagesRepo: get('imagesRepo') as string, address: repo.address, path: repo.path, scheme, ca,
      ...(ca === undefined ? {} : { caWritten: get('ca') as string }), ...creds, checkMode,
    },
    ttl,
    written,
  };
}

/** A short name of a setting for plans and errors, e.g. `Direct (registry.deckhouse.ru/deckhouse/ee)`. */
export function describeSettings(s: Settings): string {
  if (s.mode === RegistryModeName.UNMANAGED) return s.upstream === undefined ? 'Unmanaged (default)' : `Unmanaged (${s.upstream.imagesRepo})`;
  if (s.mode === RegistryModeName.LOCAL) return 'Local';
  return `${s.mode} (${s.upstream.imagesRepo})`;
}

/** Whether an upstream has credentials (username and password; a licence is both). */
export function hasCredentials(u: Upstream): u is Upstream & { readonly username: string; readonly password: string } {
  return u.username !== undefined && u.password !== undefined;
}

/** The upstream of a setting (its `direct`, `unmanaged` or `proxy` section); undefined for Local and default Unmanaged. */
export function upstreamOf(s: Settings): Upstream | undefined {
  return s.mode === RegistryModeName.LOCAL ? undefined : s.upstream;
}

/**
 * Direct, Proxy and Local: the module runs components of its own (the In-Cluster Proxy or the node services), images
 * use the fixed address and every node's containerd is configured by the module (so it needs containerd).
 */
export function runsComponents(mode: RegistryModeName): boolean {
  return mode !== RegistryModeName.UNMANAGED;
}

/** The default Unmanaged mode: no `unmanaged` section, the cluster keeps the registry it was bootstrapped with. */
export function isDefaultUnmanaged(s: Settings): boolean {
  return s.mode === RegistryModeName.UNMANAGED && s.upstream === undefined;
}

/** Proxy and Local: the registry runs on the control-plane nodes behind a per-node load balancer. */
export function hasNodeServices(s: Settings): s is Extract<Settings, { mode: RegistryModeName.PROXY | RegistryModeName.LOCAL }> {
  return s.mode === RegistryModeName.PROXY || s.mode === RegistryModeName.LOCAL;
}

/**
 * Validates one connection section (`direct`/`unmanaged` shape) found at `path`, e.g. `bootstrapRegistry`. Its `ca`
 * is kept as given (a bundle passes), as the module copies it raw from `deckhouse-registry`.
 */
export function parseConnection(path: string, value: unknown): Upstream {
  return parseSection(path, value, false, true).upstream;
}

/**
 * Validates `spec.settings.registry` (a plain object as in a ModuleConfig) and applies the module's defaults.
 * Throws a RegistryValidationError naming the field path, the bad value (never a secret) and what is expected.
 */
export function parseRegistrySettings(value: unknown, path = 'registry'): ParsedSettings {
  const raw = value === undefined ? {} : value;
  if (!isPlainObject(raw)) return invalid(path, 'an object with mode and its section (direct, unmanaged or proxy)', describeValue(value));
  rejectUnknownKeys(path, raw, REGISTRY_FIELDS);
  const mode = field(raw, 'mode') === undefined ? RegistryModeName.UNMANAGED : enumValue(`${path}.mode`, field(raw, 'mode'), MODES);
  const has = (k: string) => field(raw, k) !== undefined;

  // The module's CEL rules, in schema order.
  if (mode === RegistryModeName.DIRECT && !has('direct')) violated(`${path}.direct`, `when mode is 'Direct', the 'direct' section must be specified`);
  if (mode !== RegistryModeName.DIRECT && has('direct')) violated(`${path}.direct`, `when mode is not 'Direct', the 'direct' section must be omitted (mode is '${mode}')`);
  if (mode === RegistryModeName.PROXY && !has('proxy')) violated(`${path}.proxy`, `when mode is 'Proxy', the 'proxy' section must be specified`);
  if (mode !== RegistryModeName.PROXY && has('proxy')) violated(`${path}.proxy`, `when mode is not 'Proxy', the 'proxy' section must be omitted (mode is '${mode}')`);
  if (mode !== RegistryModeName.UNMANAGED && has('unmanaged')) {
    violated(`${path}.unmanaged`, `when mode is not 'Unmanaged', the 'unmanaged' section must be omitted (mode is '${mode}')`);
  }

  const written: Record<string, unknown> = {};
  if (has('mode')) written.mode = field(raw, 'mode');
  switch (mode) {
    case RegistryModeName.DIRECT: {
      const s = parseSection(`${path}.direct`, field(raw, 'direct'), false);
      written.direct = s.written;
      return { settings: { mode, upstream: s.upstream }, written };
    }
    case RegistryModeName.PROXY: {
      const s = parseSection(`${path}.proxy`, field(raw, 'proxy'), true);
      written.proxy = s.written;
      return { settings: { mode, upstream: s.upstream, ttl: s.ttl as string, ttlWritten: s.written.ttl !== undefined }, written };
    }
    case RegistryModeName.UNMANAGED: {
      if (!has('unmanaged')) return { settings: { mode }, written };
      const s = parseSection(`${path}.unmanaged`, field(raw, 'unmanaged'), false);
      written.unmanaged = s.written;
      return { settings: { mode, upstream: s.upstream }, written };
    }
    default:
      return { settings: { mode: RegistryModeName.LOCAL }, written };
  }
}
