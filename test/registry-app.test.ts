// RegistryApp: app.synth() (and so `cdk8s synth`) writes the manifests plus every RegistryModule's and
// RegistrySwitch's toFiles() tree, byte-for-byte what the examples write, with 0600/0700 for credentials and keys.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { EXAMPLES, writeExample } from '../examples';
import { RegistryApp, RegistryMode, RegistryModule } from '../lib';
import { scratchDir } from './support/scratch';
import { readTree } from './support/tree';

const mode = (root: string, rel: string) => fs.statSync(path.join(root, rel)).mode & 0o777;

describe('RegistryApp', () => {
  let tmp: string;
  beforeAll(() => { tmp = scratchDir('registry-app-'); });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A path no test used before, not created yet. */
  const freshPath = (name: string) => path.join(fs.mkdtempSync(path.join(tmp, `${name}-`)), name);

  /** A RegistryApp with one example, synthesized into a folder of its own (each test makes its own). */
  function synthExample(name: string): { app: RegistryApp; outdir: string } {
    const outdir = freshPath(name);
    const app = new RegistryApp({ outdir });
    EXAMPLES[name](app);
    app.synth();
    return { app, outdir };
  }

  test.each(['proxy', 'local', 'direct-private', 'switch-direct-to-proxy', 'switch-direct-to-unmanaged'])('%s: synth() writes exactly what the example writes', (name) => {
    const { app, outdir } = synthExample(name);
    const expected = freshPath('expected');
    writeExample(name, expected);
    expect(readTree(outdir)).toEqual(readTree(path.join(expected, name)));
    expect(app.written).toHaveLength(1);
    expect(app.written[0].folder).toBe('');
  });

  test('a switch writes its stages only into their folders: no per-chart manifest at the root', () => {
    const { outdir } = synthExample('switch-direct-to-proxy');
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml'))).toEqual([]);
    expect(fs.existsSync(path.join(outdir, 'PLAN.md'))).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'expected', '01-transition', 'registry.k8s.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'apply', 'moduleconfig.yaml'))).toBe(true);
  });

  test('without the module a module\'s chart is not written again at the root: apply/ holds its objects', () => {
    const { outdir } = synthExample('proxy-without-module');
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml'))).toEqual([]);
    expect(fs.readFileSync(path.join(outdir, 'apply', 'registry.k8s.yaml'), 'utf8')).toMatch(/^kind: NodeGroupConfiguration$/m);
  });

  test('credentials and keys are 0600 in 0700 folders; the rest 0644', () => {
    const root = synthExample('local').outdir;
    // Per-node files live under nodes/master@<node>/ (control-plane node services), per-group ones under nodes/<group>/.
    const node = fs.readdirSync(path.join(root, 'expected', 'nodes')).find((d) => d.startsWith('master@')) ?? 'master';
    const pki = `expected/nodes/${node}/etc/kubernetes/registry/pki`;
    for (const f of [`${pki}/auth.key`, `expected/nodes/${node}/etc/kubernetes/registry/auth/config.yaml`, 'expected/nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml', 'expected/registry.k8s.yaml']) {
      expect([f, mode(root, f)]).toEqual([f, 0o600]);
    }
    for (const d of ['expected', 'expected/nodes', `expected/nodes/${node}`, pki, 'expected/nodes/worker/etc/containerd/registry.d/registry.d8-system.svc:5001']) {
      expect([d, mode(root, d)]).toEqual([d, 0o700]);
    }
    for (const f of ['expected/DIAGRAM.md', `${pki}/ca.crt`, 'expected/nodes/master/etc/containerd/registry-config-path.toml', 'apply/moduleconfig.yaml']) {
      expect([f, mode(root, f)]).toEqual([f, 0o644]);
    }
    const sw = synthExample('switch-direct-to-proxy').outdir;
    expect(mode(sw, 'PLAN.md')).toBe(0o644);
    expect(mode(sw, 'expected/01-transition/registry.k8s.yaml')).toBe(0o600);
    expect(mode(sw, 'expected/01-transition')).toBe(0o700);
  });

  test('several modules write under a folder each, named by construct path', () => {
    const outdir = freshPath('two');
    const app = new RegistryApp({ outdir });
    for (const id of ['a', 'b']) {
      new RegistryModule(new Chart(app, id), 'Registry', { mode: RegistryMode.unmanaged({ imagesRepo: `registry-${id}.example.com/deckhouse/ce` }) });
    }
    app.synth();
    expect(app.written.map((w) => w.folder)).toEqual(['a-Registry', 'b-Registry']);
    const all = Object.keys(readTree(outdir));
    expect(all).toEqual(expect.arrayContaining(['a-Registry/expected/DIAGRAM.md', 'a-Registry/apply/moduleconfig.yaml', 'b-Registry/expected/nodes/master/etc/containerd/registry-config-path.toml']));
    // (with the module the charts hold nothing to apply: cdk8s writes no manifest of its own for them)
    expect(all.filter((f) => /^[^/]+\.k8s\.yaml$/.test(f))).toEqual([]);
  });
  test('`cdk8s synth` of an app that uses RegistryApp writes the node trees into its output folder too', () => {
    const root = path.join(__dirname, '..');
    const dir = fs.mkdtempSync(path.join(tmp, 'cli-'));
    fs.writeFileSync(path.join(dir, 'main.ts'), [
      `import { RegistryApp } from ${JSON.stringify(path.join(root, 'lib'))};`,
      `import { EXAMPLES } from ${JSON.stringify(path.join(root, 'examples'))};`,
      'const app = new RegistryApp();   // outdir from cdk8s synth (CDK8S_OUTDIR)',
      "EXAMPLES['proxy'](app);",
      'app.synth();',
      '',
    ].join('\n'));
    const env = { ...process.env };
    delete env.CDK8S_OUTDIR;
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false', '-o', path.join(dir, 'out'), '--app',
      `${process.execPath} -r ts-node/register/transpile-only ${path.join(dir, 'main.ts')}`], { cwd: root, env, stdio: 'pipe' });
    writeExample('proxy', path.join(dir, 'expected'));
    expect(readTree(path.join(dir, 'out'))).toEqual(readTree(path.join(dir, 'expected', 'proxy')));
  }, 60_000);
});
