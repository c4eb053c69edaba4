// Secrets derived from key material instead of drawn at random, so the same PKI renders the same bytes.
import { createHmac } from 'crypto';
import { MODULE_GENERATED } from './_generated';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 25 characters of [a-zA-Z0-9] from HMAC-SHA256(CA private key, purpose): stable for a given PKI, secret like the key. */
export function deriveSecret(caPrivateKeyPem: string, purpose: string, length = 25): string {
  // A key the module generates is not known here: a secret derived from the marker would look real and be made up.
  if (caPrivateKeyPem.includes(MODULE_GENERATED)) throw new Error(`internal: refusing to derive "${purpose}" from a module-generated key`);
  const bytes = createHmac('sha256', caPrivateKeyPem).update(purpose).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}
