// The command line: ModuleConfig (+ cluster file) in, the same manifests and node files out; errors with file:line.
import { TEST_NODE_PKI } from '../examples/fixtures/test-node-pki';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../cli/main';
import { DeliveryTarget, RegistryMode, RegistrySettings } from '../lib';
import { DIRECT_MODULE_CONFIG, moduleConfigYaml, runCli, writePkiFiles } from './support/cli';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';
import { renderModule } from './support/render';
import { scratchDir } from './support/scratch';
import { readTree } from './support/tree';

const MC = moduleConfigYaml;
const DIRECT = DIRECT_MODULE_CONFIG;

const scratch = () => scratchDir('cli-');
const run = (argv: string[]) => runCli(main, argv);

/** A cluster file with the test PKI as PEM files beside it. */
function clusterFile(dir: string, extra = ''): string {
  writePkiFiles(dir);
  const file = path.join(dir, 'cluster.yaml');
  fs.writeFileSync(file, [
    'nodeGroups:',
    '  - name: master',
    '    cri: Containerd',
    '  - name: worker',
    '    cri: ContainerdV2',
    'controlPlaneNodes: 3',
    'images:',
    `  dockerDistribution: "${EXAMPLE_IMAGES.dockerDistribution}"`,
    `  dockerAuth: "${EXAMPLE_IMAGES.dockerAuth}"`,
    'pki:',
    ...['ca', 'token', 'auth', 'distribution'].flatMap((p) => [`  ${p}:`, `    certificateFile: ${p}.crt`, `    privateKeyFile: ${p}.key`]),
    extra,
  ].join('\n'));
  return file;
}

test('Direct from a ModuleConfig and a cluster file renders what RegistryModule renders', () => {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
  const out = path.join(dir, 'out');
  const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', clusterFile(dir), '-o', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^wrote \d+ file\(s\) to \S+\/out\/; folder mode 0700, \d+ file\(s\) hold secrets and are 0600\n/);
  expect(r.stdout).toMatch(/\nnext: review .*out\/, substitute \$REGISTRY_DIRECT_PASSWORD .*kubectl apply -k .*out\/apply\/\n$/);
  const rendered = renderModule({
    target: DeliveryTarget.WITH_MODULE,
    mode: RegistrySettings.fromModuleConfig(DIRECT),
    nodeGroups: [{ name: 'master', cri: 'Containerd' as any }, { name: 'worker', cri: 'ContainerdV2' as any }],
    controlPlaneNodes: 3, images: EXAMPLE_IMAGES, pki: TEST_PKI,
  });
  expect(readTree(out)).toEqual(rendered.module.toFiles());
  expect(rendered.yaml).toBe(''); // with the module nothing but apply/ is ever applied
});

test('--from renders a staged switch plan', () => {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'old.yaml'), MC('mode: Unmanaged\nunmanaged:\n  imagesRepo: old.example.com/dkp/ce'));
  fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
  const out = path.join(dir, 'plan');
  expect(run(['synth', '-f', path.join(dir, 'mc.yaml'), '--from', path.join(dir, 'old.yaml'), '-c', clusterFile(dir), '-o', out]).code).toBe(0);
  const files = Object.keys(readTree(out));
  expect(files).toContain('PLAN.md');
  expect(files).toContain('expected/01-transition/registry.k8s.yaml');
  expect(files).toContain('apply/moduleconfig.yaml');
  expect(files.some((f) => f.startsWith('expected/05-cleanup/') || f.startsWith('expected/04-final/'))).toBe(true);
});

test('--without-module renders every object into apply/, and --inline-credentials writes them into the ModuleConfig', () => {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
  const out = path.join(dir, 'out');
  const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', clusterFile(dir), '-o', out, '--without-module', '--inline-credentials']);
  expect([r.code, r.stderr]).toEqual([0, '']);
  const tree = readTree(out);
  expect(Object.keys(tree)).toEqual(expect.arrayContaining(['apply/registry.k8s.yaml', 'apply/moduleconfig.yaml', 'apply/kustomization.yaml', 'expected/README.md']));
  expect(tree['apply/registry.k8s.yaml']).toMatch(/^kind: NodeGroupConfiguration$/m);
  expect(tree['apply/moduleconfig.yaml']).toMatch(/^# This file holds registry credentials in clear text: encrypt it/);
  expect((fs.statSync(path.join(out, 'apply/moduleconfig.yaml')).mode & 0o777).toString(8)).toBe('600');
  expect(r.stdout).toMatch(/target {13}without the module/);
});

test('an Unmanaged ModuleConfig needs no cluster file', () => {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'mc.yaml'), MC('mode: Unmanaged\nunmanaged:\n  imagesRepo: registry.example.com/dkp/ce'));
  expect(run(['synth', '-f', path.join(dir, 'mc.yaml'), '-o', path.join(dir, 'o')]).code).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'o', 'expected/nodes/master/etc/containerd/registry.d/registry.example.com/hosts.toml'), 'utf8')).toMatch(/\[host\."https:\/\/registry\.example\.com"\]/);
});

describe('fails with the file, the line and the field', () => {
  test.each([
    ['fails on invalid YAML', 'mode: Direct\ndirect: [a,\n', /mc\.yaml:\d+:\d+: spec\.settings\.registry\.direct: invalid YAML: bad indentation, or an unclosed \[ or \{/],
    ['fails on a bad imagesRepo, pointing at its line', 'mode: Direct\ndirect:\n  imagesRepo: https://registry.example.com/x', /mc\.yaml:12: spec\.settings\.registry\.direct\.imagesRepo: expected host\[:port\]\/path/],
    ['fails on a missing password, pointing at the section', 'mode: Direct\ndirect:\n  imagesRepo: r.example.com/x\n  username: u', /mc\.yaml:11: spec\.settings\.registry\.direct\.password: 'password' is required/],
    ['fails on a wrong mode', 'mode: direct', /mc\.yaml:10: spec\.settings\.registry\.mode: .*did you mean "Direct"/],
  ])('%s', (_name, registry, message) => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), MC(registry));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-o', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('fails on a bad cluster file field with its line, and writes nothing', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
    const file = clusterFile(dir);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('cri: ContainerdV2', 'cri: Docker'));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cluster\.yaml:5: nodeGroups\[1\]\.cri: managed modes \(Direct, Proxy, Local\) need containerd on all nodes/);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('fails on a nested cluster file field with its own line (read from the error\'s path, not its message)', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
    const file = clusterFile(dir);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`dockerAuth: "${EXAMPLE_IMAGES.dockerAuth}"`, 'dockerAuth: "sha256:abc"'));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('registry-cdk8s: cluster.yaml:9: images.dockerAuth: expected an image digest "sha256:<64 lower-case hex digits>", got "sha256:abc"\n'
      .replace('cluster.yaml', path.join(dir, 'cluster.yaml')));
  });

  test('fails on a bad PEM file with the line and the field that name the file', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
    const file = clusterFile(dir);
    fs.copyFileSync(path.join(dir, 'token.key'), path.join(dir, 'ca.key'));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`registry-cdk8s: ${file}:13: pki.ca.privateKeyFile ("ca.key"): the private key does not belong to the certificate\n`);
  });

  test('fails on a node\'s PEM file under pki.nodes.<node> with its line, whatever the node is named', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), MC('mode: Proxy\nproxy:\n  imagesRepo: registry.example.com/deckhouse/ee'));
    const file = clusterFile(dir, 'clusterType: Static\ncontrolPlane: [{ name: master-0, address: 10.0.0.10 }]');
    for (const part of ['auth', 'distribution'] as const) {
      fs.writeFileSync(path.join(dir, `m0-${part}.crt`), TEST_NODE_PKI['master-0'][part].certificate);
      fs.writeFileSync(path.join(dir, `m0-${part}.key`), TEST_NODE_PKI['master-0'].distribution.privateKey); // auth's key is wrong
    }
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^images:\n.*\n.*\n/m, `images: { dockerDistribution: "${EXAMPLE_IMAGES.dockerDistribution}", dockerAuth: "${EXAMPLE_IMAGES.dockerAuth}", registryProxy: "${EXAMPLE_IMAGES.registryProxy}", mirrorer: "${EXAMPLE_IMAGES.mirrorer}" }\n`).replace('controlPlaneNodes: 3\n', '')
      .replace(/^pki:\n/m, 'pki:\n  nodes:\n    master-0:\n      auth:\n        certificateFile: m0-auth.crt\n        privateKeyFile: m0-auth.key\n      distribution: { certificateFile: m0-distribution.crt, privateKeyFile: m0-distribution.key }\n'));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'out'), '--without-module']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`registry-cdk8s: ${file}:12: pki.nodes.master-0.auth.privateKeyFile ("m0-auth.key"): the private key does not belong to the certificate\n`);
  });

  test('fails on a missing PEM file with the field and its line, not just a path', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
    const file = clusterFile(dir);
    fs.rmSync(path.join(dir, 'ca.key'));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cluster\.yaml:13: pki\.ca\.privateKeyFile: cannot read "ca\.key" \(\S*ca\.key\): no such file or folder \(ENOENT\)\n$/);
  });

  test('fails on a non-empty output folder without --force, and replaces it with --force', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), MC('mode: Unmanaged'));
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'out', 'keep.txt'), 'x');
    expect(run(['synth', '-f', path.join(dir, 'mc.yaml'), '-o', path.join(dir, 'out')]).stderr).toMatch(/the output folder is not empty; pass --force/);
    expect(run(['synth', '-f', path.join(dir, 'mc.yaml'), '-o', path.join(dir, 'out'), '--force']).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['README.md', 'apply', 'expected']);
  });

  test('fails on an unknown option with exit code 2 and prints usage on --help', () => {
    const bogus = run(['synth', '--bogus']);
    expect(bogus.stderr).toMatch(/^registry-cdk8s: Unknown option '--bogus'\nrun 'registry-cdk8s synth --help' for the options\n$/);
    expect(bogus.code).toBe(2);
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: registry-cdk8s <command> \[options\]/);
    expect(help.stdout).toMatch(/usage: registry-cdk8s synth -f MODULECONFIG\.yaml/);
  });
});

test('RegistrySettings.fromModuleConfig ignores other documents and needs exactly one ModuleConfig/deckhouse', () => {
  expect(RegistrySettings.fromModuleConfig(`kind: ConfigMap\nmetadata: {name: x}\n---\n${DIRECT}`).name).toBe('Direct');
  expect(() => RegistrySettings.fromModuleConfig('kind: ModuleConfig\nmetadata: {name: other}\n', 'f.yaml')).toThrow(/^f\.yaml: expected exactly one ModuleConfig named "deckhouse"/);
  expect(RegistrySettings.fromModuleConfig(MC('{}'))._settings).toEqual(RegistryMode.unmanaged()._settings);
});

describe('issue 15 item 5: the command line', () => {
  test('--version prints the package version; exit 0', () => {
    const r = run(['--version']);
    expect([r.code, r.stdout]).toEqual([0, `${JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')).version}\n`]);
  });

  test('--file=x and --out=y are accepted', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), MC('mode: Unmanaged'));
    const r = run(['synth', `--file=${path.join(dir, 'mc.yaml')}`, `--out=${path.join(dir, 'o')}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'o', 'apply', 'moduleconfig.yaml'))).toBe(true);
  });

  test.each([
    ['no command', [], /a command is required/],
    ['an unknown command', ['render'], /unknown command "render"/],
    ['a missing -f', ['synth', '-o', 'x'], /-f MODULECONFIG\.yaml is required/],
    ['an option without its value', ['synth', '-f'], /argument missing/],
    ['a repeated option', ['synth', '-f', 'a.yaml', '-f', 'b.yaml'], /--file is given more than once/],
    ['an empty value', ['synth', '-f', ''], /--file needs a non-empty value/],
    ['a positional argument', ['synth', '-f', 'a.yaml', 'extra'], /Unexpected argument 'extra'/],
  ])('usage errors exit 2: %s', (_name, argv, message) => {
    const r = run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  test('--help documents the exit codes and every file field of the cluster file', () => {
    for (const argv of [['--help'], ['synth', '--help'], ['synth', '-h']]) {
      const r = run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Exit codes: 0 success, 1 bad input \(a file, a value or the output folder\), 2 usage/);
      for (const f of ['certificateFile', 'privateKeyFile', 'clientCaFile', 'caFile', 'bootstrapRegistry', 'customTolerationKeys', 'verticalPodAutoscaler', 'containerdBuild', 'nodeConfigurationWeight', 'controlPlane:', 'clusterType: Static', 'tls: { clusterIssuer']) {
        expect([argv.join(' '), f, r.stdout.includes(f)]).toEqual([argv.join(' '), f, true]);
      }
    }
  });

  test('hints are phrased for YAML users too: clusterType: Static, images with double-quoted digests', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), MC('mode: Proxy\nproxy:\n  imagesRepo: r.example.com/x'));
    fs.writeFileSync(path.join(dir, 'cluster.yaml'), 'nodeGroups: [{ name: master }]\n');
    let r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', path.join(dir, 'cluster.yaml'), '-o', path.join(dir, 'o')]);
    expect(r.stderr).toMatch(/cluster\.yaml:1: clusterType: .*if the cluster is static, set clusterType: Static; ClusterType\.STATIC in TypeScript/);
    fs.writeFileSync(path.join(dir, 'cluster.yaml'), 'nodeGroups: [{ name: master }]\nclusterType: Static\n');
    // (without the module the digests are required; with it, they are the module's own)
    r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', path.join(dir, 'cluster.yaml'), '-o', path.join(dir, 'o'), '--without-module']);
    expect(r.stderr).toMatch(/images: \{ dockerDistribution: "sha256:…", dockerAuth: "sha256:…" \}/);
    expect(r.stderr).not.toMatch(/'sha256/);
  });

  test('ingress.tls and clientCaFile from the cluster file', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'mc.yaml'), MC('mode: Local'));
    const file = clusterFile(dir, [
      'clusterType: Static',
      'controlPlane: [{ name: master-0, address: 10.0.0.10 }]',
      'ingress:',
      '  publicDomainTemplate: "%s.kube.example.com"',
      '  clientCaFile: ca.crt',
      '  tls: { certificateFile: distribution.crt, privateKeyFile: distribution.key }',
    ].join('\n'));
    // The node's own pairs as PEM files too (pki.nodes.<node>.<part>.certificateFile / privateKeyFile).
    for (const part of ['auth', 'distribution'] as const) {
      fs.writeFileSync(path.join(dir, `m0-${part}.crt`), TEST_NODE_PKI['master-0'][part].certificate);
      fs.writeFileSync(path.join(dir, `m0-${part}.key`), TEST_NODE_PKI['master-0'][part].privateKey);
    }
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^images:\n.*\n.*\n/m, `images: { dockerDistribution: "${EXAMPLE_IMAGES.dockerDistribution}", dockerAuth: "${EXAMPLE_IMAGES.dockerAuth}", registryProxy: "${EXAMPLE_IMAGES.registryProxy}", mirrorer: "${EXAMPLE_IMAGES.mirrorer}" }\n`).replace('controlPlaneNodes: 3\n', '')
      .replace(/^pki:\n/m, 'pki:\n  nodes:\n    master-0:\n      auth: { certificateFile: m0-auth.crt, privateKeyFile: m0-auth.key }\n      distribution: { certificateFile: m0-distribution.crt, privateKeyFile: m0-distribution.key }\n'));
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'o'), '--without-module']);
    expect(r.stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'o', 'apply', 'registry.k8s.yaml'), 'utf8')).toMatch(/name: registry-ingress-tls-customcertificate/);
    expect(fs.readFileSync(path.join(dir, 'o', 'expected', 'nodes', 'master@master-0', 'etc/kubernetes/registry/pki/auth.crt'), 'utf8')).toBe(TEST_NODE_PKI['master-0'].auth.certificate.trimStart());
  });

  test('--from a default Unmanaged config without bootstrapRegistry warns on stderr what the plan cannot know', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'old.yaml'), MC('mode: Unmanaged'));
    fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
    const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '--from', path.join(dir, 'old.yaml'), '-c', clusterFile(dir), '-o', path.join(dir, 'plan')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^registry-cdk8s: warning: \S+old\.yaml is the default Unmanaged mode \(the bootstrap registry\), and \S+cluster\.yaml gives no bootstrapRegistry: the plan cannot know where nodes pull from today/);
    expect(r.stdout).toMatch(/\nnext: review \S+plan\/, .*kubectl apply -k \S+plan\/apply\/ \(the module then performs the stages in PLAN\.md\)\n$/);
  });
});

test('a PEM file with the wrong content is reported at the line of its file field, naming the file', () => {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'mc.yaml'), DIRECT);
  const file = clusterFile(dir);
  fs.writeFileSync(path.join(dir, 'token.key'), TEST_PKI.ca.privateKey);
  const r = run(['synth', '-f', path.join(dir, 'mc.yaml'), '-c', file, '-o', path.join(dir, 'out')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`registry-cdk8s: ${file}:16: pki.token.privateKeyFile ("token.key"): the private key does not belong to the certificate\n`);
  for (const line of TEST_PKI.ca.privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(r.stderr).not.toContain(line);
});
