// PEM parsing with Node's own X.509 and key parsers (pure: no I/O, no clock).
import { createPrivateKey, KeyObject, X509Certificate } from 'crypto';
import { describeValue, invalid, violated } from './_errors';

interface PemBlock {
  readonly label: string;
  readonly text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END ([A-Z0-9 ]+)-----/g;

/** Splits PEM text into blocks; anything but whitespace between blocks is an error. Never echoes content. */
function blocks(path: string, pem: string, expected: string): PemBlock[] {
  const found: PemBlock[] = [];
  let last = 0;
  for (const m of pem.matchAll(BLOCK)) {
    if (pem.slice(last, m.index).trim() !== '') {
      violated(path, `expected ${expected}; found text outside the PEM blocks (PEM text must hold only "-----BEGIN …-----" blocks)`);
    }
    if (m[1] !== m[3]) violated(path, `expected ${expected}; a PEM block opens as "${m[1]}" but closes as "${m[3]}"`);
    found.push({ label: m[1], text: m[0].replace(/\r\n/g, '\n') });
    last = (m.index ?? 0) + m[0].length;
  }
  if (pem.slice(last).trim() !== '') {
    violated(path, `expected ${expected}; found text outside the PEM blocks (PEM text must hold only "-----BEGIN …-----" blocks)`);
  }
  return found;
}

/**
 * Validates one or more PEM certificates and returns them normalized (LF line ends, one block after another,
 * trailing newline). Private keys or other blocks are refused without showing their content.
 */
export function parseCertificates(path: string, value: unknown, expected = 'one or more PEM certificates'): { pem: string; certificates: X509Certificate[] } {
  if (typeof value !== 'string' || value.trim() === '') return invalid(path, expected, typeof value === 'string' ? 'an empty string' : describeValue(value));
  const found = blocks(path, value, expected);
  if (found.length === 0) violated(path, `expected ${expected}; found no "-----BEGIN CERTIFICATE-----" block`);
  const certificates = found.map((b, i) => {
    if (b.label.includes('PRIVATE KEY')) violated(path, `expected ${expected}; block ${i + 1} is a private key (${b.label}), which must never be put here`);
    if (b.label !== 'CERTIFICATE') violated(path, `expected ${expected}; block ${i + 1} is a "${b.label}" block`);
    try {
      return new X509Certificate(b.text);
    } catch {
      return violated(path, `expected ${expected}; block ${i + 1} is not a valid X.509 certificate`);
    }
  });
  return { pem: found.map((b) => `${b.text}\n`).join(''), certificates };
}

/** Validates exactly one PEM private key. The error never contains key material. */
export function parsePrivateKey(path: string, value: unknown): { pem: string; key: KeyObject } {
  const expected = 'one PEM private key';
  if (typeof value !== 'string' || value.trim() === '') {
    return invalid(path, expected, typeof value === 'string' ? 'an empty string' : `a ${value === null ? 'null' : typeof value}`);
  }
  const found = blocks(path, value, expected);
  if (found.length !== 1) violated(path, `expected ${expected}; found ${found.length} PEM block(s)`);
  if (!found[0].label.endsWith('PRIVATE KEY')) violated(path, `expected ${expected}; found a "${found[0].label}" block`);
  try {
    return { pem: `${found[0].text}\n`, key: createPrivateKey(found[0].text) };
  } catch {
    return violated(path, `expected ${expected}; the ${found[0].label} block does not parse (content hidden)`);
  }
}

/** PEM of one certificate as Go's `pem.EncodeToMemory` writes it: base64 DER in 64-character lines, ending in a newline. */
export function canonicalCertificatePem(certificate: X509Certificate): string {
  const lines = certificate.raw.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Exactly one PEM certificate, re-encoded canonically as the module's orchestrator does (cfssl
 * `ParseCertificatePEM`, then `pki.EncodeCertificate`): comments and text around the block are dropped. A bundle
 * is refused, because the module's hook fails on it (errata §6).
 */
export function parseSingleCertificate(path: string, value: unknown, what: string): string {
  const parsed = parseCertificates(path, value, `one PEM certificate (${what})`);
  if (parsed.certificates.length !== 1) {
    violated(path, `expected exactly one PEM certificate (${what}), found ${parsed.certificates.length}: the module accepts a single certificate `
      + 'here; with a bundle its orchestrator hook fails ("failed to decode CA certificate: … the PEM file should contain only one object") '
      + 'and retries forever without switching. Give only the root CA that signed the registry\'s certificate');
  }
  return canonicalCertificatePem(parsed.certificates[0]);
}
