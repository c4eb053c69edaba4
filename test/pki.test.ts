// `registry-cdk8s pki` (cli/pki.ts): what it writes parses with node:crypto, chains to the CA, carries the SANs and
// lifetimes the module uses, is written 0600/0700, is accepted by the library, and is never overwritten silently.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { pkiMain } from '../cli/pki';
import { ClusterType, RegistryMode, RegistryModule } from '../lib';
import { CliRun, runCli } from './support/cli';
import { chartOf, EXAMPLE_IMAGES } from './support/fixtures';
import { scratchDir } from './support/scratch';

const run = (argv: string[]): CliRun => runCli(pkiMain, argv);

const NODES = [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }];

describe('registry-cdk8s pki', () => {
  let dir: string;
  let result: CliRun;
  const cert = (stem: string) => new crypto.X509Certificate(fs.readFileSync(path.join(dir, 'pki', `${stem}.crt`)));
  const key = (stem: string) => crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'pki', `${stem}.key`)));

  beforeAll(() => {
    dir = scratchDir('pki-test-');
    fs.writeFileSync(path.join(dir, 'cluster.yaml'), `controlPlane:\n${NODES.map((n) => `  - { name: ${n.name}, address: "${n.address}" }\n`).join('')}`);
    result = run(['-c', path.join(dir, 'cluster.yaml'), '-o', path.join(dir, 'pki')]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('exits 0 and prints the pki: block with paths relative to cluster.yaml, per-node pairs under pki.nodes', () => {
    expect(result.stderr).toMatch(/wrote 16 files to .*pki\/ \(keys 0600, folders 0700\), with pairs for 2 control-plane node\(s\)/);
    expect(result.code).toBe(0);
    const block = YAML.parse(result.stdout);
    expect(block.pki.ca).toEqual({ certificateFile: 'pki/ca.crt', privateKeyFile: 'pki/ca.key' });
    expect(block.pki.token).toEqual({ certificateFile: 'pki/token.crt', privateKeyFile: 'pki/token.key' });
    expect(Object.keys(block.pki.nodes)).toEqual(['master-0', 'master-1']);
    expect(block.pki.nodes['master-1'].distribution).toEqual({ certificateFile: 'pki/nodes/master-1/distribution.crt', privateKeyFile: 'pki/nodes/master-1/distribution.key' });
    for (const file of [block.pki.auth.certificateFile, block.pki.nodes['master-0'].auth.privateKeyFile]) expect(fs.existsSync(path.join(dir, file))).toBe(true);
  });

  test('the CA: ECDSA P-256, CN registry-ca, self-signed, 10 years, a CA', () => {
    const ca = cert('ca');
    expect(ca.subject).toBe('CN=registry-ca');
    expect(ca.issuer).toBe('CN=registry-ca');
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    const days = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / 86_400_000;
    expect(days).toBe(3650);
    expect(ca.checkPrivateKey(key('ca'))).toBe(true);
  });

  test('every leaf is RSA 2048, signed by the CA, matches its key and expires one hour before the CA', () => {
    const ca = cert('ca');
    const stems = ['token', 'auth', 'distribution', ...NODES.flatMap((n) => [`nodes/${n.name}/auth`, `nodes/${n.name}/distribution`])];
    for (const stem of stems) {
      const c = cert(stem);
      expect(c.ca).toBe(false);
      expect(c.checkIssued(ca)).toBe(true);
      expect(c.verify(ca.publicKey)).toBe(true);
      expect(c.checkPrivateKey(key(stem))).toBe(true);
      expect(c.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(Date.parse(ca.validTo) - Date.parse(c.validTo)).toBe(3600_000);
    }
    expect(cert('token').subject).toBe('CN=registry-auth-token');
    expect(cert('token').subjectAltName).toBeUndefined();
  });

  test('auth and distribution carry the service SANs; per-node pairs add the node InternalIP', () => {
    for (const stem of ['auth', 'distribution']) {
      expect(cert(stem).subjectAltName).toBe('DNS:localhost, DNS:registry.d8-system.svc, IP Address:127.0.0.1');
    }
    for (const n of NODES) {
      for (const part of ['auth', 'distribution']) {
        const c = cert(`nodes/${n.name}/${part}`);
        expect(c.checkIP(n.address)).toBe(n.address);
        expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
        expect(c.checkHost('registry.d8-system.svc')).toBe('registry.d8-system.svc');
        expect(c.checkHost('localhost')).toBe('localhost');
        expect(c.checkIP(NODES.find((o) => o !== n)!.address)).toBeUndefined();
      }
    }
  });

  test('keys are 0600, their folders 0700', () => {
    const mode = (p: string) => fs.statSync(path.join(dir, 'pki', p)).mode & 0o777;
    for (const d of ['', 'nodes', 'nodes/master-0', 'nodes/master-1']) expect(mode(d)).toBe(0o700);
    for (const k of ['ca.key', 'token.key', 'auth.key', 'distribution.key', 'nodes/master-0/auth.key', 'nodes/master-1/distribution.key']) expect(mode(k)).toBe(0o600);
  });

  test('the library accepts the module pairs', () => {
    const pair = (stem: string) => ({ certificate: fs.readFileSync(path.join(dir, 'pki', `${stem}.crt`), 'utf8'), privateKey: fs.readFileSync(path.join(dir, 'pki', `${stem}.key`), 'utf8') });
    expect(() => new RegistryModule(chartOf(), 'Registry', {
      mode: RegistryMode.direct({ imagesRepo: 'registry.example.com/deckhouse/ee' }),
      images: EXAMPLE_IMAGES,
      pki: { ca: pair('ca'), token: pair('token'), auth: pair('auth'), distribution: pair('distribution') },
    })).not.toThrow();
  });

  test('the library accepts the per-node pairs for Proxy (pki.nodes)', () => {
    const pair = (stem: string) => ({ certificate: fs.readFileSync(path.join(dir, 'pki', `${stem}.crt`), 'utf8'), privateKey: fs.readFileSync(path.join(dir, 'pki', `${stem}.key`), 'utf8') });
    const nodes: Record<string, { auth: ReturnType<typeof pair>; distribution: ReturnType<typeof pair> }> = {};
    for (const n of NODES) nodes[n.name] = { auth: pair(`nodes/${n.name}/auth`), distribution: pair(`nodes/${n.name}/distribution`) };
    const props: any = {
      mode: RegistryMode.proxy({ imagesRepo: 'registry.example.com/deckhouse/ee' }),
      clusterType: ClusterType.STATIC,
      controlPlane: NODES,
      images: EXAMPLE_IMAGES,
      pki: { ca: pair('ca'), token: pair('token'), auth: pair('auth'), distribution: pair('distribution'), nodes },
    };
    expect(() => new RegistryModule(chartOf(), 'Registry', props)).not.toThrow();
  });

  test('fails to overwrite without --force (exit 1, nothing changed); --force replaces everything', () => {
    const before = fs.readFileSync(path.join(dir, 'pki', 'ca.key'), 'utf8');
    const again = run(['-c', path.join(dir, 'cluster.yaml'), '-o', path.join(dir, 'pki')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite 16 existing file\(s\) .*pass --force/);
    expect(again.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'pki', 'ca.key'), 'utf8')).toBe(before);
    fs.chmodSync(path.join(dir, 'pki'), 0o755);
    const forced = run(['-c', path.join(dir, 'cluster.yaml'), '-o', path.join(dir, 'pki'), '--force']);
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'pki', 'ca.key'), 'utf8')).not.toBe(before);
    expect(fs.statSync(path.join(dir, 'pki')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
  });

  test('without -c: only the module pairs, paths relative to the working directory', () => {
    const out = path.join(dir, 'only-module');
    const r = run(['--out', out]);
    expect(r.code).toBe(0);
    expect(YAML.parse(r.stdout).pki.nodes).toBeUndefined();
    expect(fs.readdirSync(out).sort()).toEqual(['auth.crt', 'auth.key', 'ca.crt', 'ca.key', 'distribution.crt', 'distribution.key', 'token.crt', 'token.key']);
  });

  test.each([
    ['fails on an unknown option with exit 2', ['--bogus'], 2, /Unknown option '--bogus'[\s\S]*usage: registry-cdk8s pki/],
    ['fails on a stray argument with exit 2', ['extra'], 2, /unexpected argument "extra"/],
    ['fails on -c without a value with exit 2', ['-c'], 2, /argument missing|requires|value/i],
    ['fails on a missing cluster file with exit 1', ['-c', '/nonexistent/cluster.yaml', '-o', '/nonexistent/out'], 1, /\/nonexistent\/cluster\.yaml: cannot read \(ENOENT\)/],
  ])('%s', (_name, argv, code, says) => {
    const r = run(argv as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(says);
  });

  test.each([
    ['fails on a node address that is not an IP', '  - { name: master-0, address: master-0.example.com }\n', /cluster\.yaml:2: controlPlane\[0\]\.address: expected the node's InternalIP/],
    ['fails on a node name that is not a folder-safe node name', '  - { name: ../evil, address: 10.0.0.1 }\n', /cluster\.yaml:2: controlPlane\[0\]\.name: expected a node name/],
    ['fails on an IPv6 node address (the library takes IPv4 InternalIPs)', '  - { name: master-0, address: "fd00::10" }\n', /cluster\.yaml:2: controlPlane\[0\]\.address: expected the node's InternalIP, an IPv4 address/],
    ['fails on a duplicate node name', '  - { name: a, address: 10.0.0.1 }\n  - { name: a, address: 10.0.0.2 }\n', /cluster\.yaml:3: controlPlane\[1\]\.name: duplicate node name "a"/],
  ])('%s', (_name, items, says) => {
    const sub = fs.mkdtempSync(path.join(dir, 'bad-'));
    fs.writeFileSync(path.join(sub, 'cluster.yaml'), `controlPlane:\n${items}`);
    const r = run(['-c', path.join(sub, 'cluster.yaml'), '-o', path.join(sub, 'pki')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(says);
    expect(fs.existsSync(path.join(sub, 'pki'))).toBe(false);
  });

  test('fails on invalid YAML in the cluster file without quoting its text (it may hold a password)', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'bad-'));
    fs.writeFileSync(path.join(sub, 'cluster.yaml'), 'bootstrapRegistry:\n  password: |Pa55wordXYZ\ncontrolPlane: []\n');
    const r = run(['-c', path.join(sub, 'cluster.yaml'), '-o', path.join(sub, 'pki')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cluster\.yaml:2:\d+: .*invalid YAML/);
    expect(r.stderr).not.toContain('Pa55word');
  });

  test('--help prints the usage and exits 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: registry-cdk8s pki/);
  });
});
