// registry-cdk8s pki: creates the registry module's PKI once, before the first synth.
//
//   registry-cdk8s pki [-c cluster.yaml] [-o pki/] [--force]
//
// Writes the module CA (ECDSA P-256, CN registry-ca, 10 years), the token pair (CN registry-auth-token), the auth and
// distribution pairs of the in-cluster proxy (SANs IP 127.0.0.1, DNS localhost and registry.d8-system.svc) and, for
// every control-plane node in cluster.yaml's `controlPlane` (Proxy and Local), that node's own auth and distribution
// pairs (SANs add the node's InternalIP). Leaves are RSA 2048 signed by the CA and expire one hour before it. Keys are
// written 0600 in 0700 folders; nothing is overwritten without --force. Prints the `pki:` block for cluster.yaml.
//
// Key material is random here on purpose: this is a one-time init, not synth (synth never generates keys).
// Certificates are built with @peculiar/asn1-x509 (ASN.1 structures of RFC 5280) and signed with node:crypto,
// synchronously, so that the command needs no event loop and returns its exit code directly.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { parseArgs } from 'util';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, AuthorityKeyIdentifier, BasicConstraints, Certificate,
  ExtendedKeyUsage, Extension, Extensions, GeneralName, id_ce_authorityKeyIdentifier, id_ce_basicConstraints,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_kp_clientAuth,
  id_kp_serverAuth, KeyIdentifier, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName, SubjectAlternativeName,
  SubjectKeyIdentifier, SubjectPublicKeyInfo, TBSCertificate, Validity, Version,
} from '@peculiar/asn1-x509';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { yamlErrorMessage } from '../lib/settings/_yaml';

export const PKI_USAGE = `usage: registry-cdk8s pki [-c CLUSTER.yaml] [-o DIR] [--force]

Creates the registry module's PKI and prints the pki: block to paste into cluster.yaml.

  -c, --cluster   cluster.yaml; for every node of its controlPlane: [{ name, address }] (Proxy and Local) also
                  that node's auth and distribution pairs. Printed paths are relative to this file's folder.
  -o, --out       folder for the PEM files (default: pki); keys 0600, folders 0700
      --force     replace existing files (a new CA invalidates every certificate signed by the old one)
  -h, --help      this text

Exit codes: 0 written, 1 bad input or existing files, 2 usage error.`;

const CA_DAYS = 3650;
const HOUR = 3600 * 1000;
const SERVICE_SANS = { ips: ['127.0.0.1'], dns: ['localhost', 'registry.d8-system.svc'] };
/** DNS-1123 subdomain: a Kubernetes node name, safe as a folder name. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
};

class UsageError extends Error {}
class InputError extends Error {}

interface KeyPair { readonly privateKey: crypto.KeyObject; readonly publicKey: crypto.KeyObject }

interface Issued { readonly certificate: string; readonly privateKey: string }

interface ControlPlaneNode { readonly name: string; readonly address: string }

function name(cn: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID.commonName, value: new AttributeValue({ utf8String: cn }) })])]);
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** A positive 16-byte serial number. */
function serialNumber(): ArrayBuffer {
  const b = crypto.randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return new Uint8Array(b).buffer;
}

function spki(key: crypto.KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(key.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

/** Key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
function keyId(key: crypto.KeyObject): ArrayBuffer {
  return new Uint8Array(crypto.createHash('sha1').update(Buffer.from(spki(key).subjectPublicKey)).digest()).buffer;
}

function pem(label: string, der: Buffer | ArrayBuffer): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

interface CertSpec {
  readonly subject: string;
  readonly key: KeyPair;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The issuer; undefined for the self-signed CA. */
  readonly issuer?: { readonly cn: string; readonly key: KeyPair };
  readonly san?: { readonly ips: readonly string[]; readonly dns: readonly string[] };
  /** TLS server/client usage (auth, distribution); false for the token signing pair. */
  readonly tls?: boolean;
}

function certificate(spec: CertSpec): string {
  const isCa = spec.issuer === undefined;
  const issuer = spec.issuer ?? { cn: spec.subject, key: spec.key };
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: isCa })),
    extension(id_ce_keyUsage, true, new KeyUsage(isCa
      ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature
      : KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spec.key.publicKey))),
  ];
  if (!isCa) extensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(issuer.key.publicKey)) })));
  if (spec.tls) extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])));
  if (spec.san !== undefined) {
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName([
      ...spec.san.dns.map((d) => new GeneralName({ dNSName: d })),
      ...spec.san.ips.map((ip) => new GeneralName({ iPAddress: ip })),
    ])));
  }
  // The CA key is ECDSA P-256: every certificate here is signed ecdsa-with-SHA256 (no parameters, RFC 5758).
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(),
    signature: signatureAlgorithm,
    issuer: name(issuer.cn),
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: name(spec.subject),
    subjectPublicKeyInfo: spki(spec.key.publicKey),
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = crypto.sign('sha256', tbsDer, issuer.key.privateKey); // DER-encoded ECDSA signature
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm, signatureValue: new Uint8Array(signature).buffer });
  return pem('CERTIFICATE', AsnConvert.serialize(cert));
}

const ecKey = (): KeyPair => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsaKey = (): KeyPair => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyPem = (k: KeyPair) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

/** Every pair the target needs, by file stem (`ca`, `token`, …, `nodes/<node>/auth`). */
export function createPki(nodes: readonly ControlPlaneNode[], now: Date = new Date()): Map<string, Issued> {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000); // a minute of clock skew
  const caNotAfter = new Date(notBefore.getTime() + CA_DAYS * 24 * HOUR);
  const leafNotAfter = new Date(caNotAfter.getTime() - HOUR);
  const caKey = ecKey();
  const out = new Map<string, Issued>();
  out.set('ca', { certificate: certificate({ subject: 'registry-ca', key: caKey, notBefore, notAfter: caNotAfter }), privateKey: keyPem(caKey) });
  const issuer = { cn: 'registry-ca', key: caKey };
  const leaf = (stem: string, subject: string, san?: CertSpec['san']) => {
    const key = rsaKey();
    out.set(stem, { certificate: certificate({ subject, key, notBefore, notAfter: leafNotAfter, issuer, san, tls: san !== undefined }), privateKey: keyPem(key) });
  };
  leaf('token', 'registry-auth-token');
  leaf('auth', 'registry-auth', SERVICE_SANS);
  leaf('distribution', 'registry-distribution', SERVICE_SANS);
  for (const node of nodes) {
    const san = { ips: [...SERVICE_SANS.ips, node.address], dns: SERVICE_SANS.dns };
    leaf(`nodes/${node.name}/auth`, 'registry-auth', san);
    leaf(`nodes/${node.name}/distribution`, 'registry-distribution', san);
  }
  return out;
}

/** `controlPlane: [{ name, address }]` of a cluster.yaml; errors carry file:line. */
function readControlPlane(file: string): ControlPlaneNode[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1' });
  // Never the parser's own message: it quotes the text around the error, which may be a password.
  if (doc.errors.length > 0) throw new InputError(yamlErrorMessage(file, doc, lines, doc.errors[0]));
  const list = doc.get('controlPlane', true);
  if (list === undefined || list === null) return [];
  const at = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range === undefined ? 1 : lines.linePos(range[0]).line;
  };
  if (!isSeq(list)) throw new InputError(`${file}:${at(list)}: controlPlane: expected a list of { name, address }`);
  const seen = new Set<string>();
  return list.items.map((item, i) => {
    const where = `${file}:${at(item)}: controlPlane[${i}]`;
    if (!isMap(item)) throw new InputError(`${where}: expected { name, address }`);
    const n = item.get('name');
    const a = item.get('address');
    if (typeof n !== 'string' || !NODE_NAME.test(n) || n.length > 253) {
      throw new InputError(`${where}.name: expected a node name (lower-case letters, digits, '-' and '.'), got ${JSON.stringify(n ?? null)}`);
    }
    if (seen.has(n)) throw new InputError(`${where}.name: duplicate node name "${n}"`);
    seen.add(n);
    // IPv4 only, as the library's controlPlane (the module's node services listen on IPv4 InternalIPs).
    if (typeof a !== 'string' || !net.isIPv4(a)) throw new InputError(`${where}.address: expected the node's InternalIP, an IPv4 address such as "10.0.0.10", got ${JSON.stringify(a ?? null)}`);
    return { name: n, address: a };
  });
}

/** A YAML scalar for a path: plain when safe, double-quoted otherwise. */
function scalar(s: string): string {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/.test(s) ? s : JSON.stringify(s);
}

/** The `pki:` block for cluster.yaml, with paths relative to `base` (the cluster file's folder). */
export function pkiBlock(out: string, base: string, nodes: readonly ControlPlaneNode[]): string {
  const rel = (stem: string, ext: string) => {
    const p = path.relative(base, path.join(out, `${stem}.${ext}`)).split(path.sep).join('/');
    return scalar(p);
  };
  const pair = (stem: string) => `{ certificateFile: ${rel(stem, 'crt')}, privateKeyFile: ${rel(stem, 'key')} }`;
  const lines = ['pki:'];
  for (const stem of ['ca', 'token', 'auth', 'distribution']) lines.push(`  ${stem}: ${pair(stem)}`);
  if (nodes.length > 0) {
    lines.push('  nodes:');
    for (const n of nodes) {
      lines.push(`    ${scalar(n.name)}:`);
      for (const part of ['auth', 'distribution']) lines.push(`      ${part}: ${pair(`nodes/${n.name}/${part}`)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

interface PkiArgs { cluster?: string; out: string; force: boolean; help: boolean }

function parse(argv: string[]): PkiArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        cluster: { type: 'string', short: 'c' },
        out: { type: 'string', short: 'o' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.out === '') throw new UsageError('-o needs a folder');
    return { cluster: values.cluster, out: values.out ?? 'pki', force: values.force === true, help: values.help === true };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

function writeAll(out: string, pairs: Map<string, Issued>, force: boolean): string[] {
  const files: Array<[string, string, number]> = [];
  for (const [stem, p] of pairs) {
    files.push([path.join(out, `${stem}.crt`), p.certificate, 0o644]);
    files.push([path.join(out, `${stem}.key`), p.privateKey, 0o600]);
  }
  const existing = files.map(([f]) => f).filter((f) => fs.existsSync(f));
  if (existing.length > 0 && !force) {
    throw new InputError(`refusing to overwrite ${existing.length} existing file(s) (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); pass --force to replace them, which also replaces the CA`);
  }
  for (const [file, content, mode] of files) {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Every folder from `out` down holds keys: 0700, also when it already existed.
    for (let d = dir; ; d = path.dirname(d)) {
      fs.chmodSync(d, 0o700);
      if (path.resolve(d) === path.resolve(out) || path.dirname(d) === d) break;
    }
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, content, { mode });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  }
  return files.map(([f]) => f);
}

/** `registry-cdk8s pki …`: 0 written, 1 bad input or existing files, 2 usage error. */
export function pkiMain(argv: string[]): number {
  let args: PkiArgs;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`registry-cdk8s pki: ${(e as Error).message}\n${PKI_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${PKI_USAGE}\n`);
    return 0;
  }
  try {
    const nodes = args.cluster === undefined ? [] : readControlPlane(args.cluster);
    const written = writeAll(args.out, createPki(nodes), args.force);
    const base = args.cluster === undefined ? '.' : path.dirname(args.cluster);
    process.stderr.write(`registry-cdk8s pki: wrote ${written.length} files to ${args.out.replace(/\/+$/, '')}/ (keys 0600, folders 0700)`
      + `${nodes.length > 0 ? `, with pairs for ${nodes.length} control-plane node(s)` : args.cluster !== undefined ? '; no controlPlane in the cluster file, so no per-node pairs (Proxy and Local need them)' : ''}.\n`
      + `Add this to ${args.cluster ?? 'cluster.yaml'}, keep the keys out of version control, and back up ${args.out.replace(/\/+$/, '')}/ca.key:\n`);
    process.stdout.write(pkiBlock(args.out, base, nodes));
    return 0;
  } catch (e) {
    process.stderr.write(`registry-cdk8s pki: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = pkiMain(process.argv.slice(2));
