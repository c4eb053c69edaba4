// Deterministic hashing. Our own versions and checksums are computed over canonical JSON (keys sorted), never over
// raw credentials: a credential enters them only through its bcrypt fingerprint. The module's own recipes (the
// bashible and node-config versions) hash their payloads, credentials included, as the module does so that they
// equal the module's; those versions land only in Secrets.
import { createHash, createHmac } from 'crypto';
import * as bcrypt from 'bcryptjs';
import { MODULE_GENERATED } from './_generated';

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

/** The marker as Go's JSON writes it (`<` and `>` escaped). */
const MODULE_GENERATED_GO_JSON = MODULE_GENERATED.replace('<', '\\u003c').replace('>', '\\u003e');

/** Hex sha256; a hash over a value the module generates is itself generated (the marker). */
export function sha256(text: string): string {
  if (text.includes(MODULE_GENERATED) || text.includes(MODULE_GENERATED_GO_JSON)) return MODULE_GENERATED;
  return createHash('sha256').update(text).digest('hex');
}

/** Key pairs as our own hashes take them: the certificate, and a hash of the private key instead of the key. */
export function hashablePairs(pairs: ReadonlyArray<{ readonly certificate: string; readonly privateKey: string }>): Array<{ certificate: string; key: string }> {
  return pairs.map((p) => ({ certificate: p.certificate, key: sha256(p.privateKey) }));
}

const fingerprints = new Map<string, string>();

/**
 * bcrypt (cost 10, Go's DefaultCost) of a secret with a salt derived from the secret and a purpose, so the same
 * input always gives the same hash. Trade-off: two clusters with the same password get the same hash (no
 * per-installation salt), in exchange for byte-identical output; the hash only lands in Secrets.
 */
export function bcryptDeterministic(secret: string, purpose: string): string {
  if (secret === MODULE_GENERATED) return MODULE_GENERATED;
  const key = `${purpose}\u0000${secret}`;
  let hash = fingerprints.get(key);
  if (hash === undefined) {
    const salt = createHmac('sha256', purpose).update(secret).digest().subarray(0, 16);
    hash = bcrypt.hashSync(secret, `$2a$10$${bcrypt.encodeBase64(salt, 16)}`);
    fingerprints.set(key, hash);
  }
  return hash;
}

/** A stand-in for a credential inside hashed structures: slow to invert, stable for the same value. */
export function secretFingerprint(secret: string): string {
  return bcryptDeterministic(secret, 'registry version fingerprint');
}

/**
 * `json.Marshal` as Go writes it, for values built in Go struct field order: like JSON.stringify, plus Go's HTML
 * escapes (`<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`) and `\u2028`/`\u2029`. Map keys must already be sorted.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A copy with every object's keys sorted, as Helm's `toYaml` emits maps. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortKeysDeep(v)) as unknown as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}
