// Issue 12, items 1-4 and 10: the CLI's file writing under attack and accident. Each test reproduces the attack as
// the issue describes it and checks that nothing is lost and nothing is exposed.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../cli/main';
import { RegistrySettings } from '../lib';
import { tsNodeCommand, tsNodeEnv } from './support/child';
import { DIRECT_MODULE_CONFIG, moduleConfigYaml, runCli, writePkiFiles } from './support/cli';
import { EXAMPLE_IMAGES, TEST_UPSTREAM_CA } from './support/fixtures';
import { hasBubblewrap } from './support/node-script';
import { scratchDir } from './support/scratch';
import { readTree } from './support/tree';

const realFs = require('fs') as typeof fs;

const MC = moduleConfigYaml;
const DIRECT = DIRECT_MODULE_CONFIG;
const UNMANAGED = MC('mode: Unmanaged\nunmanaged:\n  imagesRepo: registry.example.com/deckhouse/ee\n  username: puller\n  password: pw-cli');
const run = (argv: string[], cwd?: string) => runCli(main, argv, cwd);

/** A project folder: project/notes.txt, project/.git/HEAD, project/sub/{mc.yaml, cluster.yaml, pki/*}. */
function project(): { root: string; sub: string } {
  const root = scratchDir('cli-project-');
  fs.mkdirSync(path.join(root, '.git'));
  fs.writeFileSync(path.join(root, '.git/HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(root, 'notes.txt'), 'mine');
  const sub = path.join(root, 'sub');
  writePkiFiles(path.join(sub, 'pki'));
  fs.writeFileSync(path.join(sub, 'mc.yaml'), DIRECT);
  fs.writeFileSync(path.join(sub, 'cluster.yaml'), [
    'nodeGroups: [{ name: master, cri: Containerd }]',
    `images: { dockerDistribution: "${EXAMPLE_IMAGES.dockerDistribution}", dockerAuth: "${EXAMPLE_IMAGES.dockerAuth}" }`,
    'pki:',
    ...['ca', 'token', 'auth', 'distribution'].flatMap((p) => [`  ${p}: { certificateFile: pki/${p}.crt, privateKeyFile: pki/${p}.key }`]),
    '',
  ].join('\n'));
  return { root, sub };
}

const siblings = (dir: string, name: string) => fs.readdirSync(dir).filter((e) => e.startsWith(`.${name}.`));

describe('1. --force deletes the user\'s inputs', () => {
  test.each([
    ['-o .. from project/sub', '..', /^registry-cdk8s: \.\.: refusing this output folder: it contains the working directory/],
    ['-o $PWD in the inputs\' folder', 'PWD', /refusing this output folder: it is the working directory/],
    ['-o . ', '.', /^registry-cdk8s: \.: refusing this output folder: it is the working directory/],
    ['-o / ', '/', /refusing this output folder: it is the root of the file system/],
  ])('%s is refused, and nothing is deleted', (_name, out, message) => {
    const { root, sub } = project();
    const before = readTree(root);
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', out === 'PWD' ? sub : out, '--force'], sub);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(readTree(root)).toEqual(before);
  });

  test('an output folder that holds the inputs\' folder, or an input file, is refused from anywhere', () => {
    const { root, sub } = project();
    const before = readTree(root);
    const elsewhere = scratchDir('cli-cwd-');
    let r = run(['synth', '-f', path.join(sub, 'mc.yaml'), '-c', path.join(sub, 'cluster.yaml'), '-o', root, '--force'], elsewhere);
    expect(r.stderr).toMatch(/refusing this output folder: it contains the folder of the input file \S+mc\.yaml/);
    r = run(['synth', '-f', path.join(sub, 'mc.yaml'), '-c', path.join(sub, 'cluster.yaml'), '-o', path.join(sub, 'pki'), '--force'], elsewhere);
    expect(r.stderr).toMatch(/refusing this output folder: it is the folder of the input file \S+pki\/ca\.crt/);
    // through a symlinked path to the same folder
    fs.symlinkSync(sub, path.join(elsewhere, 'alias'));
    // (built by hand: path.join would resolve alias/.. textually, while the kernel resolves it through the link)
    r = run(['synth', '-f', path.join(sub, 'mc.yaml'), '-o', `${elsewhere}/alias/../../${path.basename(root)}`, '--force'], elsewhere);
    expect(r.code).toBe(1);
    expect(readTree(root)).toEqual(before);
    // a folder of its own beside the inputs is fine
    expect(run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub).code).toBe(0);
  });
});

describe('2. replacing is not atomic', () => {
  test('a write error after rendering leaves the old tree untouched and no sibling holding Secrets', () => {
    const { sub } = project();
    expect(run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub).code).toBe(0);
    const old = readTree(path.join(sub, 'out'));
    fs.writeFileSync(path.join(sub, 'mc.yaml'), DIRECT.replace('pw-cli', 'pw-new'));
    let writes = 0;
    const spy = jest.spyOn(realFs, 'writeFileSync').mockImplementation(((...args: Parameters<typeof fs.writeFileSync>) => {
      if (++writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return jest.requireActual('fs').writeFileSync(...args);
    }) as any);
    let r;
    try {
      r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out', '--force'], sub);
    } finally {
      spy.mockRestore();
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^registry-cdk8s: out: cannot write \S+: no space left on the device \(ENOSPC\); the output folder was left as it was\n$/);
    expect(readTree(path.join(sub, 'out'))).toEqual(old);
    expect(siblings(sub, 'out')).toEqual([]);
  });

  test('a valid 246-character registry host whose CA file name exceeds 255 bytes fails before writing, naming the problem', () => {
    const { sub } = project();
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`.slice(0, 246).replace(/\.$/, 'x');
    const ca = TEST_UPSTREAM_CA.split('\n').map((l) => `    ${l}`).join('\n');
    fs.writeFileSync(path.join(sub, 'mc.yaml'), MC(`mode: Direct\ndirect:\n  imagesRepo: ${host}/deckhouse/ee\n  username: u\n  password: pw-secret\n  ca: |\n${ca}`));
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has a name of 259 bytes; Linux allows 255 per path component \(shorten the registry host\)/);
    expect(r.stderr).not.toContain('pw-secret');
    expect(fs.existsSync(path.join(sub, 'out'))).toBe(false);
    expect(siblings(sub, 'out')).toEqual([]);
  });

  test('a run killed mid-write leaves a sibling that the next run removes (or puts back, if it held the old tree)', () => {
    const { sub } = project();
    expect(run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub).code).toBe(0);
    const old = readTree(path.join(sub, 'out'));
    // what a SIGKILL between the two renames of the swap leaves: no out/, the old tree beside it, a new tree beside it
    const dead = 2 ** 22 + 12345; // above pid_max's default: no such process
    fs.renameSync(path.join(sub, 'out'), path.join(sub, `.out.old-${dead}-abcd`));
    fs.mkdirSync(path.join(sub, `.out.new-${dead}-ef01`));
    fs.writeFileSync(path.join(sub, `.out.new-${dead}-ef01`, 'registry.k8s.yaml'), 'half');
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub);
    // the old tree was put back, so a run without --force refuses to replace it
    expect(r.stderr).toMatch(/the output folder is not empty; pass --force/);
    expect(readTree(path.join(sub, 'out'))).toEqual(old);
    expect(siblings(sub, 'out')).toEqual([]);
  });
});

describe('3. secret-bearing files are world-readable', () => {
  test('registry.k8s.yaml and every node file with credentials or keys are 0600, folders 0700', () => {
    const { sub } = project();
    fs.writeFileSync(path.join(sub, 'ingress-ca.crt'), TEST_UPSTREAM_CA);
    fs.appendFileSync(path.join(sub, 'cluster.yaml'), [
      'clusterType: Static',
      'controlPlane: [{ name: master-0, address: 10.0.0.10 }]',
      `images: { dockerDistribution: "${EXAMPLE_IMAGES.dockerDistribution}", dockerAuth: "${EXAMPLE_IMAGES.dockerAuth}", registryProxy: "${EXAMPLE_IMAGES.registryProxy}", mirrorer: "${EXAMPLE_IMAGES.mirrorer}" }`,
      'ingress: { publicDomainTemplate: "%s.kube.example.com", clientCaFile: ingress-ca.crt, tls: { clusterIssuer: letsencrypt } }',
      '',
    ].join('\n').replace(/^images: .*$/m, (l) => l));
    const cluster = fs.readFileSync(path.join(sub, 'cluster.yaml'), 'utf8').split('\n');
    // (the module's own PKI: a given one would need per-node pairs for master-0 too)
    fs.writeFileSync(path.join(sub, 'cluster.yaml'), cluster.filter((l, i) => !(l.startsWith('images:') && i < 3) && !/^(pki:|  (ca|token|auth|distribution): )/.test(l)).join('\n'));
    fs.writeFileSync(path.join(sub, 'mc.yaml'), MC('mode: Local'));
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub);
    expect(r.stderr).toBe('');
    const out = path.join(sub, 'out');
    const mode = (p: string) => (fs.statSync(path.join(out, p)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    expect(mode('expected/registry.k8s.yaml')).toBe('600');
    const base = 'expected/nodes/master@master-0/etc/kubernetes/registry';
    for (const f of ['distribution/config.yaml', 'auth/config.yaml', 'mirrorer/config.yaml', 'pki/auth.key', 'pki/distribution.key', 'pki/token.key']) expect([f, mode(`${base}/${f}`)]).toEqual([f, '600']);
    expect(mode('expected/nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml')).toBe('600');
    expect(mode(`${base}/pki/ca.crt`)).toBe('644');
    expect(mode('expected/DIAGRAM.md')).toBe('644');
    for (const [p, e] of Object.entries(readTree(out))) {
      void e;
      let d = path.dirname(path.join(out, p));
      while (d.startsWith(out)) {
        expect([d, (fs.statSync(d).mode & 0o777).toString(8)]).toEqual([d, '700']);
        d = path.dirname(d);
      }
    }
  });

  test('an output folder the user made 0700 (or 0750) is never replaced by a looser one', () => {
    const { sub } = project();
    fs.mkdirSync(path.join(sub, 'strict'), { mode: 0o700 });
    fs.chmodSync(path.join(sub, 'strict'), 0o700);
    fs.writeFileSync(path.join(sub, 'strict', 'old'), 'x');
    fs.writeFileSync(path.join(sub, 'mc.yaml'), UNMANAGED);
    expect(run(['synth', '-f', 'mc.yaml', '-o', 'strict', '--force'], sub).code).toBe(0);
    expect((fs.statSync(path.join(sub, 'strict')).mode & 0o777).toString(8)).toBe('700');
    // a looser existing folder is tightened when the output holds a secret
    fs.mkdirSync(path.join(sub, 'loose'), { mode: 0o755 });
    fs.chmodSync(path.join(sub, 'loose'), 0o755);
    expect(run(['synth', '-f', 'mc.yaml', '-o', 'loose'], sub).code).toBe(0);
    expect((fs.statSync(path.join(sub, 'loose')).mode & 0o777).toString(8)).toBe('700');
  });
});

describe('4. parse errors echo secrets', () => {
  const SECRET = 'Pa55wordXYZ';
  test.each([
    ['an unquoted alias', `*${SECRET}`, /mc\.yaml:14:19: spec\.settings\.registry\.direct\.password: invalid YAML: an alias \(\*name\) that refers to no anchor; if the value is text starting with "\*", quote it$/],
    ['a block scalar header with text', `|${SECRET}`, /mc\.yaml:14:20: spec\.settings\.registry\.direct\.password: invalid YAML: unexpected characters; a block scalar header/],
    ['a bad escape in double quotes', `"${SECRET}\\q"`, /mc\.yaml:14:\d+: spec\.settings\.registry\.direct\.password: invalid YAML: an invalid escape sequence/],
    ['a reserved first character', `@${SECRET}`, /mc\.yaml:14:19: spec\.settings\.registry\.direct\.password: invalid YAML: a plain value that starts with a reserved character/],
    ['an unclosed quote', `"${SECRET}`, /mc\.yaml:\d+:\d+: (\S+: )?invalid YAML: /],
  ])('%s in the password: file, line and field, never the value (CLI and RegistrySettings.fromModuleConfig)', (_name, value, message) => {
    const { sub } = project();
    const text = MC(`mode: Direct\ndirect:\n  imagesRepo: r.example.com/x\n  username: u\n  password: ${value}`);
    fs.writeFileSync(path.join(sub, 'mc.yaml'), text);
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr).not.toContain(SECRET);
    expect(() => RegistrySettings.fromModuleConfig(text, 'mc.yaml')).toThrow(message);
    try {
      RegistrySettings.fromModuleConfig(text, 'mc.yaml');
    } catch (e) {
      expect((e as Error).message).not.toContain(SECRET);
    }
  });

  test('the same in the cluster file: bootstrapRegistry.password', () => {
    const { sub } = project();
    fs.appendFileSync(path.join(sub, 'cluster.yaml'), `bootstrapRegistry:\n  imagesRepo: boot.example.com/x\n  username: u\n  password: |${SECRET}\n`);
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^registry-cdk8s: cluster\.yaml:\d+:\d+: bootstrapRegistry\.password: invalid YAML: /);
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe('10. unclear errors', () => {
  test('-o an existing file', () => {
    const { sub } = project();
    fs.writeFileSync(path.join(sub, 'afile'), 'x');
    const r = run(['synth', '-f', 'mc.yaml', '-o', 'afile'], sub);
    expect([r.code, r.stderr]).toEqual([1, 'registry-cdk8s: afile: exists and is not a folder; give a folder (absent, empty, or with --force one this command wrote)\n']);
    expect(fs.readFileSync(path.join(sub, 'afile'), 'utf8')).toBe('x');
  });

  test('-o . leaves no ..tmp sibling, and the inputs stay', () => {
    const { root, sub } = project();
    const before = readTree(root);
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', '.', '--force'], sub);
    expect(r.code).toBe(1);
    expect(readTree(root)).toEqual(before);
    expect(fs.readdirSync(root).sort()).toEqual(['.git', 'notes.txt', 'sub']);
    expect(fs.readdirSync(sub).filter((e) => e.includes('tmp'))).toEqual([]);
  });

  test('-o a symlink to an empty folder: refused, the link stays', () => {
    const { sub } = project();
    const target = scratchDir('cli-target-');
    fs.symlinkSync(target, path.join(sub, 'link'));
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'link'], sub);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^registry-cdk8s: link: the output folder is a symbolic link \(to "\S+"\); replacing it would replace the link, not the folder: give the real folder with -o\n$/);
    expect(fs.lstatSync(path.join(sub, 'link')).isSymbolicLink()).toBe(true);
  });

  test('a read-only parent folder: a clear error, not "ENOENT: mkdir"', () => {
    if (!hasBubblewrap()) {
      if (process.env.CI) throw new Error('bubblewrap is required in CI (.ci/run installs it)');
      console.log('SKIP read-only parent test: bubblewrap is not installed');
      return;
    }
    const { sub } = project();
    const ro = path.join(sub, 'ro');
    fs.mkdirSync(ro);
    // root ignores permission bits, so make the parent read-only with a read-only bind mount in a mount namespace
    const [node, cli] = tsNodeCommand(path.join(__dirname, '../cli/main.ts'), ['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'ro/new/out']);
    const r = spawnSync('bwrap', ['--bind', '/', '/', '--ro-bind', ro, ro, '--dev', '/dev', '--proc', '/proc', '--die-with-parent', node, ...cli],
      { cwd: sub, encoding: 'utf8', env: tsNodeEnv() });
    expect(r.stderr).toBe('registry-cdk8s: ro/new/out: cannot create the parent folder ro/new: ro: read-only file system (EROFS)\n');
    expect(r.status).toBe(1);
  });

  test('a YAML bomb names the file', () => {
    const { sub } = project();
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const l of 'bcdefghi') levels.push(`${l}: &${l} [${Array(9).fill(`*${String.fromCharCode(l.charCodeAt(0) - 1)}`).join(',')}]`);
    fs.writeFileSync(path.join(sub, 'cluster.yaml'), `${levels.join('\n')}\n`);
    const r = run(['synth', '-f', 'mc.yaml', '-c', 'cluster.yaml', '-o', 'out'], sub);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^registry-cdk8s: cluster\.yaml:2:\d+: b: invalid YAML: aliases expand to too many nodes/);
  });

  test('a forbidden switch between two ModuleConfigs is blamed on them, not on cluster.yaml:1', () => {
    const { sub } = project();
    fs.writeFileSync(path.join(sub, 'old.yaml'), MC('mode: Local'));
    fs.writeFileSync(path.join(sub, 'mc.yaml'), MC('mode: Unmanaged'));
    const r = run(['synth', '-f', 'mc.yaml', '--from', 'old.yaml', '-c', 'cluster.yaml', '-o', 'plan'], sub);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^registry-cdk8s: old\.yaml -> mc\.yaml: switch: the module does not support switching from Local to the default Unmanaged mode/);
    expect(r.stderr).not.toMatch(/cluster\.yaml/);
  });

  test('apiVersion v1 is rejected', () => {
    const { sub } = project();
    fs.writeFileSync(path.join(sub, 'mc.yaml'), MC('mode: Unmanaged', 'v1'));
    const r = run(['synth', '-f', 'mc.yaml', '-o', 'out'], sub);
    expect([r.code, r.stderr]).toEqual([1, 'registry-cdk8s: mc.yaml:1: apiVersion: expected "deckhouse.io/v1alpha1" for ModuleConfig/deckhouse, got "v1"\n']);
  });

  test('no out// in messages', () => {
    const { sub } = project();
    fs.writeFileSync(path.join(sub, 'mc.yaml'), UNMANAGED);
    const r = run(['synth', '-f', 'mc.yaml', '-o', 'out//'], sub);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote 9 file\(s\) to out\/; /);
    expect(r.stdout).not.toContain('//');
  });
});
