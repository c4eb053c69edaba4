// Go's net/url.Parse, as far as containerd's reading of hosts.toml depends on it: which strings it rejects (with
// Go's error text, which containerd logs) and the scheme, host and decoded path it gives. Query, fragment and
// userinfo are checked the way Go checks them, then dropped: containerd reads none of them. Newer Go releases check a
// bracketed IPv6 host more strictly than this; that is not modelled.

/** What `url.Parse` gives that containerd reads. */
export interface GoUrl {
  /** The scheme, lower-cased; empty when the string has none. */
  readonly scheme: string;
  /** `host[:port]` without userinfo; empty when the string has no authority (`http:foo`, `http-mirror:5000`). */
  readonly host: string;
  /** The path, percent-decoded (`/a%2Fb` is `/a/b`); empty when there is none. */
  readonly path: string;
}

type Failure = { readonly error: string };
type Decoded = { readonly value: string } | Failure;
type Mode = 'path' | 'host' | 'zone' | 'userinfo' | 'fragment';

const CONTROL = /[\x00-\x1f\x7f]/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;
const PORT = /^(:[0-9]*)?$/;

/** Go's `strconv.Quote` for what can be in a URL: `"` and `\` escaped, control characters as escapes. */
export function goQuote(s: string): string {
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (named[ch] !== undefined) out += named[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const hexValue = (b: number) => (b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10);

/** Whether Go wants an ASCII byte escaped in a host: all but letters, digits, `-._~` and `!$&'()*+,;=:[]<>"`. */
function notInHost(b: number): boolean {
  const c = String.fromCharCode(b);
  return !/[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]/.test(c);
}

/** Go's `unescape`: `%XX` decoded (a malformed one is an error); a host takes only a few ASCII bytes, unescaped. */
function unescape(s: string, mode: Mode): Decoded {
  const bytes = Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b === 0x25) {
      const escape = bytes.subarray(i, i + 3).toString('utf8');
      if (i + 2 >= bytes.length || !isHex(bytes[i + 1]) || !isHex(bytes[i + 2])) return { error: `invalid URL escape ${goQuote(escape)}` };
      const value = (hexValue(bytes[i + 1]) << 4) | hexValue(bytes[i + 2]);
      // a host may %-escape only non-ASCII bytes (and %25, for an IPv6 zone); a zone only what a host may hold, or a space
      if (mode === 'host' && hexValue(bytes[i + 1]) < 8 && escape !== '%25') return { error: `invalid URL escape ${goQuote(escape)}` };
      if (mode === 'zone' && escape !== '%25' && value !== 0x20 && (value >= 0x80 || notInHost(value))) return { error: `invalid URL escape ${goQuote(escape)}` };
      out.push(value);
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && b < 0x80 && notInHost(b)) return { error: `invalid character ${goQuote(String.fromCharCode(b))} in host name` };
      out.push(b);
      i++;
    }
  }
  return { value: Buffer.from(out).toString('utf8') };
}

/** `host[:port]` or `[ipv6%25zone]:port`: a port is digits only (or empty), and the host takes few ASCII bytes. */
function parseHost(host: string): Decoded {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return { error: 'missing \']\' in host' };
    const colonPort = host.slice(close + 1);
    if (!PORT.test(colonPort)) return { error: `invalid port ${goQuote(colonPort)} after host` };
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      const parts = [unescape(host.slice(0, zone), 'host'), unescape(host.slice(zone, close), 'zone'), unescape(host.slice(close), 'host')];
      const failed = parts.find((p): p is Failure => 'error' in p);
      return failed ?? { value: parts.map((p) => (p as { value: string }).value).join('') };
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !PORT.test(host.slice(colon))) return { error: `invalid port ${goQuote(host.slice(colon))} after host` };
  }
  return unescape(host, 'host');
}

/** The authority: userinfo (up to the last `@`; checked, then dropped) and the host. */
function parseAuthority(authority: string): Decoded {
  const at = authority.lastIndexOf('@');
  const host = parseHost(authority.slice(at + 1));
  if ('error' in host || at < 0) return host;
  const userinfo = authority.slice(0, at);
  if (!USERINFO.test(userinfo)) return { error: 'net/url: invalid userinfo' };
  const colon = userinfo.indexOf(':');
  for (const part of colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)]) {
    const decoded = unescape(part, 'userinfo');
    if ('error' in decoded) return decoded;
  }
  return host;
}

/** `url.Parse(raw)`: the URL, or Go's error (`parse "<url>": <why>`). */
export function goParseUrl(raw: string): GoUrl | Failure {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const fail = (why: string, url = u): Failure => ({ error: `parse ${goQuote(url)}: ${why}` });
  if (CONTROL.test(u)) return fail('net/url: invalid control character in URL');
  if (u.startsWith(':')) return fail('missing protocol scheme');

  const scheme = SCHEME.exec(u)?.[0].slice(0, -1).toLowerCase() ?? '';
  let rest = scheme === '' ? u : u.slice(scheme.length + 1);
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);

  let parsed: GoUrl;
  if (!rest.startsWith('/') && scheme !== '') {
    parsed = { scheme, host: '', path: '' }; // scheme:opaque
  } else {
    if (!rest.startsWith('/') && rest.split('/')[0].includes(':')) return fail('first path segment in URL cannot contain colon');
    let host = '';
    if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
      const slash = rest.indexOf('/', 2);
      const authority = parseAuthority(slash < 0 ? rest.slice(2) : rest.slice(2, slash));
      if ('error' in authority) return fail(authority.error);
      host = authority.value;
      rest = slash < 0 ? '' : rest.slice(slash);
    }
    const path = unescape(rest, 'path');
    if ('error' in path) return fail(path.error);
    parsed = { scheme, host, path: path.value };
  }

  const fragment = hash < 0 ? '' : raw.slice(hash + 1);
  const decodedFragment = fragment === '' ? undefined : unescape(fragment, 'fragment');
  if (decodedFragment !== undefined && 'error' in decodedFragment) return fail(decodedFragment.error, raw);
  return parsed;
}
