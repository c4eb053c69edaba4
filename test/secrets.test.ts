// Secrets posture (issues #6 §3, #10 item 6): walk every file that every example synthesizes, in both targets
// (apply/ and expected/ folders, manifests, node file trees, switch plans, READMEs) and assert that credentials,
// licence keys and private keys land only where they must:
//
// - Kubernetes Secrets (decoded `data`). Private keys only in `registry-pki` and `registry-incluster-proxy-config`
//   (and, for Proxy/Local, `registry-node-config-<node>`, the ingress custom certificate, and the node-files Secrets
//   `registry-node-files-*` that deliver the node services' keys without the module).
// - Node files listed in NODE_CARRIERS below, each only with the kinds of secret it must carry: hosts.toml, only
//   inside a `[host."…".auth]` table (containerd needs the upstream credential on the node). For Direct and
//   Unmanaged that is all: no private key in any node file.
// - The inline form of `apply/moduleconfig.yaml` (CredentialForm.INLINE), which says it must be encrypted.
//
// NodeGroupConfiguration is NOT on the list: a script carries no credential and no key at all, not even as the
// payload of a node file; such files come from the node-files Secrets (each `put … "$(from_secret KEY)"` is checked
// to name a key of a Secret the script fetches). Everywhere else (ModuleConfig placeholders, labels, annotations,
// other objects, YAML comments, CA files, config fragments, PLAN.md, READMEs, prune lists) no credential may appear:
// not as raw text, not inside a base64 blob.
import * as fs from 'fs';
import * as path from 'path';
import * as TOML from '@iarna/toml';
import * as YAML from 'yaml';
import { EXAMPLES, writeExample } from '../examples';
import { RegistryConstants } from '../lib';
import { TEST_PKI } from '../examples/fixtures/test-pki';
import { TEST_NODE_PKI } from '../examples/fixtures/test-node-pki';
import { EXAMPLE_LICENSE, EXAMPLE_PASSWORD } from '../examples/fixtures/values';
import { b64, decodeSecret, manifestDocuments } from './support/manifests';
import { fetchedSecrets, putLines, secretPutLines } from './support/node-script';
import { readTree } from './support/tree';
import { scratchDir } from './support/scratch';

const { MODULE_GENERATED } = RegistryConstants;

const LICENSE_USER = 'license-token';
/**
 * The Secrets that may hold private keys: the module PKI and the In-Cluster Proxy's configuration (Direct); for Proxy
 * and Local also the per-node config Secret `registry-node-config-<node>` (reference §10.5) and, for Local with a
 * custom ingress certificate, the kubernetes.io/tls Secret `registry-ingress-tls-customcertificate` with that input's key.
 */
const PRIVATE_KEY_SECRETS = /^(registry-pki|registry-incluster-proxy-config|registry-node-config-[a-z0-9.-]+|registry-ingress-tls-customcertificate|registry-node-files-(group|node)-[a-z0-9.-]+)$/;

/** upstream: the registry credential; derived: http.secret, bcrypt hashes; key:<pair>: a PKI private key. */
type Kind = 'upstream' | 'derived' | 'key:ca' | 'key:token' | 'key:auth' | 'key:distribution' | 'pem';

interface Needle {
  readonly name: string;
  readonly value: string;
  readonly kind: Kind;
}

const isKey = (k: Kind) => k.startsWith('key:') || k === 'pem';

/**
 * The node files that must carry a secret, and which kinds. Every carrier is delivered at mode 0600. A new mode
 * that needs another carrier adds it here, with the reason, in review.
 */
const NODE_CARRIERS: Array<{ readonly file: RegExp; readonly kinds: (m: RegExpMatchArray) => Kind[]; readonly why: string }> = [
  {
    file: /\/etc\/containerd\/registry\.d\/[^/]+\/hosts\.toml$/, kinds: () => ['upstream'],
    why: 'containerd authenticates to the upstream itself; checked to be only inside [host."…".auth] tables',
  },
  // Proxy and Local (node services): the registry runs as static pods on control-plane nodes and reads its TLS and
  // token-signing keys and its configuration from files there, as Deckhouse's bashible writes them. Never the CA key.
  { file: /\/etc\/kubernetes\/registry\/pki\/(auth|distribution|token)\.key$/, kinds: (m) => [`key:${m[1]}` as Kind, 'pem'], why: 'static pod TLS / token key' },
  { file: /\/etc\/kubernetes\/registry\/distribution\/config\.yaml$/, kinds: () => ['upstream', 'derived'], why: 'distribution pulls from the upstream with its credential; http.secret' },
  { file: /\/etc\/kubernetes\/registry\/auth\/config\.yaml$/, kinds: () => ['derived'], why: 'docker_auth checks bcrypt hashes' },
];

/** The kinds of secret a node path may carry (empty: none). */
function carrierKinds(nodePath: string): Kind[] {
  for (const c of NODE_CARRIERS) {
    const m = nodePath.match(c.file);
    if (m) return c.kinds(m);
  }
  return [];
}


/** The examples' credentials and everything derived from them that is as secret. */
const NEEDLES: Needle[] = [
  { name: 'EXAMPLE_LICENSE', value: EXAMPLE_LICENSE, kind: 'upstream' },
  { name: 'EXAMPLE_PASSWORD', value: EXAMPLE_PASSWORD, kind: 'upstream' },
  { name: 'basic auth of the licence', value: b64(`${LICENSE_USER}:${EXAMPLE_LICENSE}`), kind: 'upstream' },
  { name: 'basic auth of the password', value: b64(`deckhouse-puller:${EXAMPLE_PASSWORD}`), kind: 'upstream' },
  { name: 'base64 of the licence', value: b64(EXAMPLE_LICENSE), kind: 'upstream' },
  { name: 'base64 of the password', value: b64(EXAMPLE_PASSWORD), kind: 'upstream' },
  ...(['ca', 'token', 'auth', 'distribution'] as const).flatMap((pair) =>
    TEST_PKI[pair].privateKey.trim().split('\n').filter((l) => !l.startsWith('-----') && l.length >= 20)
      .map((line, i): Needle => ({ name: `pki.${pair} private key (line ${i + 1})`, value: line, kind: `key:${pair}` }))),
  // Per-node pairs of the node services (Proxy and Local): judged as the auth and distribution keys.
  // (master-9 is only used by unit tests, not by an example.)
  ...Object.entries(TEST_NODE_PKI).filter(([node]) => node !== 'master-9').flatMap(([node, pairs]) => (['auth', 'distribution'] as const).flatMap((pair) =>
    pairs[pair].privateKey.trim().split('\n').filter((l) => !l.startsWith('-----') && l.length >= 20)
      .map((line, i): Needle => ({ name: `pki.nodes.${node}.${pair} private key (line ${i + 1})`, value: line, kind: `key:${pair}` })))),
  { name: 'a PEM private key block', value: 'PRIVATE KEY-----', kind: 'pem' },
];

const BASE64_TOKEN = /[A-Za-z0-9+/]{12,}={0,2}/g;

/** Names of the needles found in `text`, as raw text or inside any base64 blob of it. */
function hits(text: string, needles: readonly Needle[]): string[] {
  const texts = [text];
  for (const m of text.matchAll(BASE64_TOKEN)) texts.push(Buffer.from(m[0], 'base64').toString('utf8'));
  return needles.filter((n) => texts.some((t) => t.includes(n.value))).map((n) => n.name);
}

interface Finding {
  readonly example: string;
  readonly where: string;
  readonly needle: string;
}

interface Scan {
  /** Where each needle was found in Secret data: `<file> Secret/<name> data.<key>`. */
  readonly inSecrets: Finding[];
  /** Needles found in hosts.toml `auth` tables. */
  readonly inNodeAuth: Finding[];
  /** Needles found where they must not be. */
  readonly violations: Finding[];
  /** Scripts checked, hosts.toml among the files they deliver, and files delivered from Secrets. */
  scripts: number;
  hostsPayloads: number;
  secretDeliveries: number;
}

/** The raw source text of each document of a multi-document YAML file (as YAML 1.1 readers see it), with the parsed object. */
const documents = (text: string) => manifestDocuments(text, { version: '1.1' });

/** Secret values the output itself derives (distribution http.secret, bcrypt hashes): as secret as their source. */
function derivedNeedles(tree: Record<string, string>): Needle[] {
  const out: Needle[] = [];
  for (const [file, text] of Object.entries(tree)) {
    if (!file.endsWith('.k8s.yaml')) continue;
    for (const { object } of documents(text)) {
      if (object.kind !== 'Secret') continue;
      const data = decodeSecret(object);
      if (data['distribution_config.yaml'] !== undefined) {
        const secret = YAML.parse(data['distribution_config.yaml'])?.http?.secret;
        if (typeof secret === 'string') out.push({ name: 'distribution http.secret', value: secret, kind: 'derived' });
      }
      if (data['auth_config.yaml'] !== undefined) {
        for (const [user, u] of Object.entries<any>(YAML.parse(data['auth_config.yaml'])?.users ?? {})) {
          if (typeof u?.password === 'string') out.push({ name: `bcrypt of ${user}'s password`, value: u.password, kind: 'derived' });
        }
      }
    }
  }
  // With the module, these are the module's own: the expected state holds the marker, which is no secret.
  return out.filter((n) => n.value !== MODULE_GENERATED);
}

function scanExample(example: string, tree: Record<string, string>): Scan {
  const needles = [...NEEDLES, ...derivedNeedles(tree)];
  const scan: Scan = { inSecrets: [], inNodeAuth: [], violations: [], scripts: 0, hostsPayloads: 0, secretDeliveries: 0 };
  const bad = (where: string, found: string[]) => found.forEach((needle) => scan.violations.push({ example, where, needle }));
  const kindOf = (needle: string) => needles.find((x) => x.name === needle)!.kind;

  /** A node file (or a script payload that delivers one): secrets only of the kinds its carrier entry allows. */
  const checkNodeFile = (where: string, nodePath: string, text: string) => {
    const allowed = carrierKinds(nodePath);
    if (!nodePath.endsWith('/hosts.toml')) {
      bad(where, hits(text, needles).filter((n) => !allowed.includes(kindOf(n))));
      return;
    }
    const doc = TOML.parse(text) as any;
    for (const [host, table] of Object.entries<any>(doc.host ?? {})) {
      const { auth, ...rest } = table;
      if (auth !== undefined) {
        for (const needle of hits(JSON.stringify(auth), needles)) {
          if (allowed.includes(kindOf(needle))) scan.inNodeAuth.push({ example, where: `${where} ${host} auth`, needle });
          else bad(`${where} ${host} auth`, [needle]);
        }
      }
      bad(`${where} ${host} (all but auth)`, hits(JSON.stringify(rest), needles));
    }
    bad(`${where} (outside [host])`, hits(JSON.stringify({ ...doc, host: undefined }), needles));
    // the raw text: outside the auth tables nothing may carry a credential (e.g. comments)
    bad(`${where} (text outside auth tables)`, hits(text.replace(/^\s*\[host\.[^\]]*\.auth\][^[]*/gm, ''), needles));
  };

  for (const [file, text] of Object.entries(tree)) {
    if (file.endsWith('.k8s.yaml')) {
      for (const { source, object } of documents(text)) {
        const id = `${file} ${object.kind}/${object.metadata?.name}`;
        if (object.kind === 'Secret') {
          for (const [key, value] of Object.entries(decodeSecret(object))) {
            for (const needle of hits(value, needles)) {
              const n = needles.find((x) => x.name === needle)!;
              if (isKey(n.kind) && !PRIVATE_KEY_SECRETS.test(object.metadata.name)) bad(`${id} data.${key}`, [needle]);
              else scan.inSecrets.push({ example, where: `${id} data.${key}`, needle });
            }
          }
          // metadata, type: nothing secret in labels or annotations
          bad(`${id} (all but data)`, hits(JSON.stringify({ ...object, data: undefined, stringData: undefined }), needles));
          continue;
        }
        if (object.kind === 'NodeGroupConfiguration') {
          scan.scripts++;
          const script: string = object.spec.content;
          const group: string = object.spec.nodeGroups[0];
          // Nothing secret anywhere in a NodeGroupConfiguration: not its code, not a payload, not its metadata.
          bad(id, hits(source, needles));
          bad(`${id} (parsed)`, hits(JSON.stringify(object), needles));
          for (const put of putLines(script)) bad(`${id} put ${put.path}`, hits(put.content, needles));
          // Files delivered from Secrets: every key the script reads is in a Secret it fetches, in the same file.
          const fetched = fetchedSecrets(script);
          for (const put of secretPutLines(script)) {
            const holder = documents(text).map((d) => d.object).find((o) => o.kind === 'Secret' && fetched.includes(o.metadata.name) && o.data?.[put.key] !== undefined);
            if (holder === undefined) bad(`${id} put ${put.path} (from a Secret the script does not fetch)`, ['<secret delivery broken>']);
            else {
              scan.secretDeliveries++;
              if (put.mode !== '600') bad(`${id} put ${put.path} mode ${put.mode}`, ['<a file carrying a secret must be 0600>']);
              if (put.path.endsWith('/hosts.toml')) scan.hostsPayloads++;
              // judged as the node file it delivers; and it is exactly one of the group's (or its nodes') node files
              const content = decodeSecret(holder)[put.key];
              checkNodeFile(`${id} put ${put.path} (from Secret ${holder.metadata.name})`, put.path, content);
              const candidates = Object.keys(tree).filter((f) => f.endsWith(put.path) && new RegExp(`(^|/)nodes/${group}(@[^/]+)?${put.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).test(f));
              if (!candidates.some((f) => tree[f] === content)) bad(`${id} put ${put.path} (differs from the node tree)`, ['<payload mismatch>']);
            }
          }
          continue;
        }
        bad(id, hits(source, needles));
        bad(`${id} (parsed)`, hits(JSON.stringify(object), needles));
      }
      continue;
    }
    const node = file.match(/(?:^|\/)nodes\/[^/]+(\/.*)$/);
    if (node) {
      checkNodeFile(file, node[1], text);
      continue;
    }
    if (/(^|\/)moduleconfig\.yaml$/.test(file) && text.startsWith('# This file holds registry credentials in clear text: encrypt it')) {
      // The inline form (CredentialForm.INLINE): the upstream credentials, and nothing else secret.
      bad(file, hits(text, needles).filter((n) => kindOf(n) !== 'upstream'));
      continue;
    }
    bad(file, hits(text, needles)); // moduleconfig.yaml placeholders, READMEs, PLAN.md, prune.txt, anything else
  }
  return scan;
}

const outdir = scratchDir('registry-secrets-');
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
const scans: Record<string, Scan> = {};

describe.each(Object.keys(EXAMPLES))('example %s', (name) => {
  beforeAll(() => {
    writeExample(name, outdir);
    scans[name] = scanExample(name, readTree(path.join(outdir, name)));
  });

  // A private key in any Secret but PRIVATE_KEY_SECRETS is a violation too (scanExample).
  test('credentials, licence keys and private keys appear only in Secrets (private keys only in PRIVATE_KEY_SECRETS) and in hosts.toml auth', () => {
    expect(scans[name].violations).toEqual([]);
  });

  test('the CA private key never reaches a node: no node file, no script carries it', () => {
    const tree = readTree(path.join(outdir, name));
    const caLines = NEEDLES.filter((n) => n.kind === 'key:ca');
    for (const [file, text] of Object.entries(tree)) {
      const texts = file.endsWith('.k8s.yaml')
        ? documents(text).filter((d) => d.object.kind === 'NodeGroupConfiguration').flatMap((d) => [d.object.spec.content, ...putLines(d.object.spec.content).map((p) => p.content)])
        : /(^|\/)nodes\//.test(file) ? [text] : [];
      for (const t of texts) expect([file, hits(t, caLines)]).toEqual([file, []]);
    }
  });

  test('node scripts exist exactly without the module, when there are node files', () => {
    const tree = readTree(path.join(outdir, name));
    const hasNodes = Object.keys(tree).some((f) => /(^|\/)nodes\//.test(f));
    const withoutModule = Object.keys(tree).some((f) => /^apply\/(\d\d-[a-z-]+\/)?registry\.k8s\.yaml$/.test(f));
    expect(scans[name].scripts > 0).toBe(hasNodes && withoutModule);
  });
});

describe('the scan is not vacuous', () => {
  test('across the examples every credential and every private key is found in a Secret', () => {
    const found = new Set(Object.values(scans).flatMap((s) => s.inSecrets.map((f) => f.needle)));
    for (const n of NEEDLES.filter((x) => !x.name.startsWith('base64 of') && x.name !== 'a PEM private key block')) expect([n.name, found.has(n.name)]).toEqual([n.name, true]);
    expect(found.has('distribution http.secret')).toBe(true);
  });

  test('across the examples the licence and the password are found in hosts.toml auth, delivered from Secrets', () => {
    const found = new Set(Object.values(scans).flatMap((s) => s.inNodeAuth.map((f) => f.needle)));
    expect(found).toEqual(new Set(['EXAMPLE_LICENSE', 'EXAMPLE_PASSWORD']));
    expect(Object.values(scans).reduce((a, s) => a + s.hostsPayloads, 0)).toBeGreaterThan(0);
    expect(Object.values(scans).reduce((a, s) => a + s.secretDeliveries, 0)).toBeGreaterThan(10);
  });

  test('a NodeGroupConfiguration carrying a credential is a violation, even as the payload of a node file; the inline ModuleConfig is not', () => {
    const hosts = `[host]\n\n  [host."https://h"]\n    [host."https://h".auth]\n      username = "u"\n      password = "${EXAMPLE_PASSWORD}"\n`;
    const ngc = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'NodeGroupConfiguration', metadata: { name: 'registry-containerd-master' },
      spec: { nodeGroups: ['master'], content: `put '/etc/containerd/registry.d/h/hosts.toml' 600 '${b64(hosts)}'\n` } };
    const planted = {
      'apply/registry.k8s.yaml': YAML.stringify(ngc),
      'expected/nodes/master/etc/containerd/registry.d/h/hosts.toml': hosts,
      'apply/moduleconfig.yaml': `# This file holds registry credentials in clear text: encrypt it (for example with SOPS) before it is committed.\nspec: { settings: { registry: { direct: { license: ${EXAMPLE_LICENSE} } } } }\n`,
    };
    const scan = scanExample('planted-ngc', planted);
    expect(scan.violations.map((v) => v.where)).toEqual(expect.arrayContaining([expect.stringMatching(/^apply\/registry\.k8s\.yaml NodeGroupConfiguration\/registry-containerd-master/)]));
    expect(scan.violations.filter((v) => v.where.startsWith('apply/moduleconfig.yaml'))).toEqual([]);
    expect(scan.violations.filter((v) => v.where.startsWith('expected/'))).toEqual([]);
  });

  test('the scanner finds a credential planted in an annotation, a YAML comment, a base64 blob and a node file', () => {
    const secretDoc = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  password: ' + b64(EXAMPLE_PASSWORD) + '\n';
    const planted: Record<string, string> = {
      'a.k8s.yaml': `${secretDoc}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    note: ${EXAMPLE_LICENSE}\n`,
      'b.k8s.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n# ${EXAMPLE_PASSWORD}\n`,
      'c.k8s.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: ${b64(`prefix ${EXAMPLE_LICENSE} suffix`)}\n`,
      'nodes/master/etc/containerd/registry.d/h/hosts.toml': `# ${EXAMPLE_LICENSE}\n[host."https://h"]\ncapabilities = ["pull"]\n`,
      'nodes/master/etc/containerd/registry.d/h/ca.crt': TEST_PKI.ca.privateKey,
    };
    const scan = scanExample('planted', planted);
    expect(scan.inSecrets.map((f) => f.needle)).toContain('EXAMPLE_PASSWORD');
    expect(new Set(scan.violations.map((v) => v.where.split(' ')[0]))).toEqual(new Set(Object.keys(planted).filter((f) => f !== 'a.k8s.yaml').concat('a.k8s.yaml')));
  });
});
