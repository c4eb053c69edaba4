// `registry-cdk8s verify`: an expected-state folder, live objects from a file or stdin, one node's registry.d as a
// directory or a tarball (plain, gzip, pax, GNU long names); exit 0 converged, 1 drift, 2 usage; no secret printed.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { verifyMain } from '../cli/verify';
import { Cri, RegistryMode, Scheme } from '../lib';
import { readTar } from '../lib/verify/_tar';
import { tsNodeCommand, tsNodeEnv } from './support/child';
import { runCli } from './support/cli';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { b64, find } from './support/manifests';
import { scratchDir } from './support/scratch';
import { liveCluster, renderState, toYamlDocuments } from './support/verify-fixtures';

const PASSWORD = 'Cli-Upstream-Pa55-never-shown';
const HOST = 'registry.d8-system.svc:5001';
const root = path.resolve(__dirname, '..');

const state = renderState({
  mode: RegistryMode.direct({ imagesRepo: 'registry.example.com:5000/deckhouse/ee', scheme: Scheme.HTTPS, username: 'puller', password: PASSWORD, ca: TEST_UPSTREAM_CA }),
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  controlPlaneNodes: 3,
  images: EXAMPLE_IMAGES,
  pki: TEST_PKI,
});

let tmp: string;
beforeAll(() => {
  tmp = scratchDir('verify-cli-');
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function put(file: string, content: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** The expected-state folder: manifests (split in two files) and nodes/<group>/<absolute path>. */
function expectedDir(name: string): string {
  const dir = path.join(tmp, name);
  const n = Math.ceil(state.objects.length / 2);
  put(path.join(dir, 'registry.k8s.yaml'), toYamlDocuments(state.objects.slice(0, n)));
  put(path.join(dir, 'more', 'rest.k8s.yaml'), toYamlDocuments(state.objects.slice(n)));
  put(path.join(dir, 'README.md'), 'not a manifest');
  for (const [group, files] of Object.entries(state.nodeFiles)) {
    for (const [p, content] of Object.entries(files)) put(path.join(dir, 'nodes', group, p), content);
  }
  return dir;
}

/** One node's /etc/containerd (holding registry.d) as it is on a converged worker. */
function nodeRoot(name: string, edit: (registryD: string) => void = () => {}): string {
  const root = path.join(tmp, name);
  for (const [p, content] of Object.entries(state.nodeFiles.worker)) {
    if (p.startsWith('/etc/containerd/registry.d/')) put(path.join(root, p.slice('/etc/containerd/'.length)), content);
  }
  edit(path.join(root, 'registry.d'));
  return root;
}

const run = (argv: string[]) => runCli(verifyMain, argv);

function expectNoSecret(r: { stdout: string; stderr: string }, extra: string[] = []): void {
  for (const s of [PASSWORD, TEST_PKI.ca.privateKey.split('\n')[1], ...extra]) {
    expect((r.stdout + r.stderr).includes(s) ? `printed a secret (${s.slice(0, 4)}…)` : 'clean').toBe('clean');
  }
}

test('clean run: objects from a file and a registry.d directory; exit 0', () => {
  const expected = expectedDir('exp-clean');
  const live = put(path.join(tmp, 'live-clean.yaml'), liveCluster(state));
  const r = run(['verify', '--expected', expected, '--objects', live, '--node', path.join(nodeRoot('node-clean'), 'registry.d'), '--node-group', 'worker']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^CONVERGED: 17 object\(s\); 2 node file\(s\)/);
  expectNoSecret(r);
});

test('objects from stdin in a real process; the folder holding registry.d also works; no leading "verify" needed', () => {
  const expected = expectedDir('exp-stdin');
  const r = spawnSync(...tsNodeCommand(path.join(root, 'cli', 'verify.ts'), ['-e', expected, '-o', '-', '-n', nodeRoot('node-stdin'), '-g', 'worker']),
    { cwd: root, env: tsNodeEnv(), input: liveCluster(state), encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('objects: 17 expected, 21 live');
}, 60_000);

test('drift: exit 1, differences printed, no secret', () => {
  const NEW = 'Rotated-Cli-Pa55';
  const expected = expectedDir('exp-drift');
  const live = put(path.join(tmp, 'live-drift.yaml'), liveCluster(state, (o) => {
    find(o, 'Deployment', 'registry-incluster-proxy').spec.replicas = 1;
    const s = find(o, 'Secret', 'registry-config');
    s.data.password = b64(NEW);
  }));
  const node = nodeRoot('node-drift', (d) => {
    fs.rmSync(path.join(d, HOST, 'https-registry.example.com:5000-ca.crt'));
    put(path.join(d, 'old.example.com', 'hosts.toml'), '[host."https://old.example.com"]\n');
    const toml = path.join(d, HOST, 'hosts.toml');
    fs.writeFileSync(toml, fs.readFileSync(toml, 'utf8').replace(PASSWORD, NEW));
  });
  const r = run(['verify', '--expected', expected, '--objects', live, '--node', node, '--node-group', 'worker']);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^DRIFT: /);
  for (const line of [
    'spec.replicas: expected 3, live 1',
    'data.password: differs',
    `missing  /etc/containerd/registry.d/${HOST}/https-registry.example.com:5000-ca.crt`,
    'extra    /etc/containerd/registry.d/old.example.com/',
    'host."https://registry.example.com:5000".auth.password: differs',
  ]) expect(r.stdout).toContain(line);
  expectNoSecret(r, [NEW]);
});

test('several --expected folders: the applied ModuleConfig is compared too; an object in two folders is an input error', () => {
  const expected = expectedDir('exp-multi');
  const apply = path.join(tmp, 'apply-multi');
  put(path.join(apply, 'moduleconfig.k8s.yaml'), toYamlDocuments(state.objects.filter((o) => o.kind === 'ModuleConfig')));
  fs.rmSync(path.join(expected, 'registry.k8s.yaml'));
  put(path.join(expected, 'registry.k8s.yaml'), toYamlDocuments(state.objects.slice(0, Math.ceil(state.objects.length / 2)).filter((o) => o.kind !== 'ModuleConfig')));
  const live = put(path.join(tmp, 'live-multi.yaml'), liveCluster(state, (o) => {
    find(o, 'ModuleConfig', 'deckhouse').spec.settings.registry.direct.imagesRepo = 'registry.example.com:5000/deckhouse/ce';
  }));
  const alone = run(['verify', '-e', expected, '-o', live]);
  expect(alone.code).toBe(0);
  expect(alone.stdout).toContain('pipeline applies it');
  const both = run(['verify', '-e', expected, '-e', apply, '-o', live]);
  expect(both.code).toBe(1);
  expect(both.stdout).toContain('spec.settings.registry.direct.imagesRepo: expected "registry.example.com:5000/deckhouse/ee"');
  const twice = run(['verify', '-e', expected, '-e', apply, '-e', apply, '-o', live]);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toMatch(/ModuleConfig deckhouse appears twice/);
});

describe('tarball input', () => {
  const tarOf = (root: string, file: string, args: string[]) => {
    execFileSync('tar', ['-C', root, ...args, '-f', file, 'registry.d']);
    return file;
  };

  test.each([
    ['plain', ['-c']],
    ['gzip', ['-cz']],
    ['pax', ['--format=pax', '-c']],
    ['ustar', ['--format=ustar', '-c']],
  ])('%s tarball of a converged node: exit 0', (_name, args) => {
    const expected = expectedDir(`exp-tar-${_name}`);
    const tarball = tarOf(nodeRoot(`node-tar-${_name}`), path.join(tmp, `node-${_name}.tar`), args);
    const r = run(['verify', '--expected', expected, '--node', tarball, '--node-group', 'worker']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('objects: not compared');
  });

  test('a tarball with an extra host directory with a long name (GNU and pax long paths): exit 1', () => {
    const long = `${'very-long-registry-host-name-'.repeat(5)}example.com:5000`;
    const root = nodeRoot('node-tar-long', (d) => {
      put(path.join(d, long, 'hosts.toml'), '[host."https://x"]\n');
      fs.mkdirSync(path.join(d, 'empty.example.com'));
    });
    for (const args of [['-c'], ['--format=pax', '-c']]) {
      const tarball = tarOf(root, path.join(tmp, `long-${args.length}.tar`), args);
      const contents = readTar(fs.readFileSync(tarball));
      expect(contents.entries.map((e) => e.path)).toContain(`registry.d/${long}/hosts.toml`);
      const r = run(['verify', '--expected', expectedDir(`exp-tar-long-${args.length}`), '--node', tarball, '--node-group', 'worker']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`extra    /etc/containerd/registry.d/${long}/`);
      expect(r.stdout).toContain('extra    /etc/containerd/registry.d/empty.example.com/');
    }
  });

  test('not a tarball: exit 2 with a one-line reason', () => {
    const bogus = put(path.join(tmp, 'bogus.tar'), `password = "${PASSWORD}"\n`.repeat(40));
    const r = run(['verify', '--expected', expectedDir('exp-bogus'), '--node', bogus, '--node-group', 'worker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a tar archive/);
    expectNoSecret(r);
  });
});

describe('usage', () => {
  test.each([
    [[], /--expected DIR is required/],
    [['verify', '--expected', '/nonexistent-expected'], /nothing to compare/],
    [['verify', '--bogus'], /Unknown option/],
    [['verify', '--expected', '/nonexistent-expected', '--objects', '-'], /not a folder/],
    [['verify', '--expected', '.', '--node-group', 'worker', '--objects', 'x'], /--node-group needs --node/],
  ])('%j: exit 2', (argv, message) => {
    const r = run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });

  test('--help prints the usage, exit 0', () => {
    const r = run(['verify', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: registry-cdk8s verify');
  });

  test('several node groups need --node-group; an unknown one is named', () => {
    const expected = expectedDir('exp-groups');
    const node = nodeRoot('node-groups');
    expect(run(['verify', '-e', expected, '-n', node]).stderr).toMatch(/--node-group is required: the expected state has node groups master, worker/);
    expect(run(['verify', '-e', expected, '-n', node, '-g', 'gpu']).stderr).toMatch(/--node-group gpu: not in the expected state/);
  });

  test('live objects that do not parse: exit 2, a line number, no secret', () => {
    const bad = put(path.join(tmp, 'bad.yaml'), `kind: Secret\nmetadata:\n  name: x\ndata:\n  password: "${PASSWORD}\n  : [\n`);
    const r = run(['verify', '-e', expectedDir('exp-bad'), '-o', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/live objects:\d+: not valid YAML/);
    expectNoSecret(r);
  });
});
