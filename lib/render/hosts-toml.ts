// hosts.toml and CA files of one registry host exactly as bashible's step 030_configure_containerd_registry writes
// them (errata §10, step @be63c51): the contract with a module-run node is textual, so this is a fixed template with
// Go-quoted strings, and tests parse it back to check its meaning.
import { CONTAINERD_REGISTRY_DIR, MODULE_GENERATED } from '../model/constants';
import { Mirror } from '../model/routing';

/** Absolute node path of a mirror's CA file: `<dir>/<host>/<scheme>-<mirror host>-ca.crt` (the port is kept). */
export function caFilePath(hostName: string, m: Mirror): string {
  return `${CONTAINERD_REGISTRY_DIR}/${hostName}/${m.scheme}-${m.host}-ca.crt`;
}

/** Absolute node path of a host's hosts.toml. */
export function hostsTomlPath(hostName: string): string {
  return `${CONTAINERD_REGISTRY_DIR}/${hostName}/hosts.toml`;
}

/** A CA file's content: the canonical PEM (which ends in a newline) plus the template's own newline. */
export function caFileContent(ca: string): string {
  return ca === MODULE_GENERATED ? ca : `${ca}\n`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };

/**
 * Go's `strconv.Quote`, as Sprig's `quote` writes template values: `"` and `\` escaped, printable runes kept,
 * others as `\uXXXX`/`\UXXXXXXXX` (control characters never get here: validation refuses them). Every escape it
 * produces for such input is also a TOML basic-string escape.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const named = NAMED[ch];
    const cp = ch.codePointAt(0) as number;
    if (named !== undefined) out += named;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Whether a mirror's hosts.toml table gets an `auth` table (a base64 `auth` or a user name): the file then holds a credential. */
export function writesAuth(m: Mirror): boolean {
  return (m.auth?.auth ?? '') !== '' || (m.auth?.username ?? '') !== '';
}

/**
 * `[host]`, then per mirror, in routing order: an empty line, the `[host."<scheme>://<mirror>"]` table at two spaces
 * with `capabilities`, `skip_verify = true` for http, `ca` for https with a CA; the `auth` table (omitted when the
 * username is empty) and one `[[…rewrite]]` per rewrite, their keys at six spaces. No `server` key; one final newline.
 */
export function hostsToml(hostName: string, mirrors: readonly Mirror[]): string {
  const lines = ['[host]'];
  for (const m of mirrors) {
    const url = goQuote(`${m.scheme}://${m.host}`);
    lines.push('', `  [host.${url}]`, '    capabilities = ["pull", "resolve"]');
    if (m.scheme === 'http') lines.push('    skip_verify = true');
    if (m.scheme === 'https' && m.ca !== undefined) lines.push(`    ca = [${goQuote(caFilePath(hostName, m))}]`);
    const auth = m.auth;
    if (auth !== undefined && writesAuth(m)) {
      lines.push(`    [host.${url}.auth]`);
      if ((auth.auth ?? '') !== '') lines.push(`      auth = ${goQuote(auth.auth as string)}`);
      else lines.push(`      username = ${goQuote(auth.username ?? '')}`, `      password = ${goQuote(auth.password ?? '')}`);
    }
    for (const r of m.rewrites ?? []) lines.push(`    [[host.${url}.rewrite]]`, `      regex = ${goQuote(r.from)}`, `      replace = ${goQuote(r.to)}`);
  }
  return `${lines.join('\n')}\n`;
}
