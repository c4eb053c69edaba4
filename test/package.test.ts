// `npm pack` produces a usable package: the tarball holds the compiled JS and .d.ts of lib/, imports/ and cli/, the
// docs, the LICENSE and the bundled runtime dependencies (jsii wants them bundled), nothing else; the README's quick
// start, extracted from the packed README, runs as written in a clean folder (real `npm install` of the tarball), and
// every link of the packed README resolves inside it.
// Unpacked into a scratch app next to its declared dependencies and peers (and nothing more), a plain CommonJS cdk8s
// app can require it and synthesize, and a TypeScript app type-checks against its .d.ts.
//
// That scratch app gets no `npm install`: the tarball is extracted into node_modules/@deckhouse-registry/cdk8s and
// every dependency and peer that the *packed* package.json declares is symlinked to this repository's node_modules.
// That needs no registry or cache, takes a few seconds, and still catches a require of anything undeclared, since
// the extracted package (a real directory, not a link) resolves modules only from the scratch app's node_modules.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir } from './support/scratch';

const root = path.resolve(__dirname, '..');
const PACKAGE = '@deckhouse-registry/cdk8s';

function run(cmd: string, args: string[], cwd: string): string {
  const env = { ...process.env };
  delete env.NODE_PATH; // the scratch app must resolve modules from its own node_modules only
  try {
    return execFileSync(cmd, args, { cwd, env, stdio: 'pipe', timeout: 120_000, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** `lib/a/b.ts` -> `a/b` for every .ts file under `dir` (relative to the repository root). */
function tsModules(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const rel = `${d}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel.slice(0, -'.ts'.length));
    }
  };
  walk(dir);
  return out.sort();
}

describe('npm pack', () => {
  let tmp: string;
  let tarball: string;
  let entries: string[];

  beforeAll(() => {
    tmp = scratchDir('package-test-');
    const dest = path.join(tmp, 'pack');
    fs.mkdirSync(dest);
    run('npm', ['pack', '--pack-destination', dest, '--loglevel', 'error'], root); // prepack builds build/
    const tgz = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toHaveLength(1);
    tarball = path.join(dest, tgz[0]);
    entries = run('tar', ['-tzf', tarball], tmp).split('\n').filter((l) => l !== '').sort();
    fs.mkdirSync(path.join(tmp, 'pkg'));
    run('tar', ['-xzf', tarball, '-C', path.join(tmp, 'pkg'), '--strip-components=1'], tmp);
  }, 120_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds only build/lib, build/imports, build/cli, README.md, API.md, LICENSE, docs/, package.json and the bundled dependencies', () => {
    const allowed = /^package\/(build\/(lib|imports|cli)\/.+\.(js|d\.ts)|README\.md|API\.md|package\.json|LICENSE(\.md|\.txt)?|docs\/[a-z0-9-]+\.md|docs\/diagrams\/[a-z0-9-]+\.(svg|mmd))$/;
    // jsii requires the runtime dependencies that are not jsii modules in `bundledDependencies`, so npm packs them and
    // their own dependencies (what package-lock.json marks `inBundle`) under node_modules/, and nothing else there.
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const inBundle = Object.entries(lock.packages as Record<string, { inBundle?: boolean }>)
      .filter(([, p]) => p.inBundle === true).map(([k]) => k.replace(/^node_modules\//, ''));
    const bundled = (e: string) => inBundle.some((name) => e.startsWith(`package/node_modules/${name}/`));
    expect(entries.filter((e) => !allowed.test(e) && !bundled(e))).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect([...manifest.bundledDependencies].sort()).toEqual(Object.keys(manifest.dependencies).sort());
    for (const name of manifest.bundledDependencies) expect(entries).toContain(`package/node_modules/${name}/package.json`);
    for (const must of ['package/package.json', 'package/README.md', 'package/API.md', 'package/build/lib/index.js', 'package/build/lib/index.d.ts']) {
      expect(entries).toContain(must);
    }
  });

  test('the compiled files match the sources exactly: every module built, nothing stale', () => {
    const expected = [...tsModules('lib'), ...tsModules('imports'), ...tsModules('cli')]
      .flatMap((m) => [`package/build/${m}.d.ts`, `package/build/${m}.js`])
      .sort();
    const built = entries.filter((e) => e.startsWith('package/build/'));
    const stale = built.filter((e) => !expected.includes(e));
    const missing = expected.filter((e) => !built.includes(e));
    if (stale.length > 0 || missing.length > 0) {
      throw new Error(`the packed build/ does not match lib/ and imports/ (tsc never deletes outputs of removed sources: \`rm -rf build\` and pack again)\n`
        + `  stale: ${JSON.stringify(stale)}\n  missing: ${JSON.stringify(missing)}`);
    }
  });

  test('a plain CommonJS cdk8s app installs the tarball and synthesizes; a TypeScript app type-checks', () => {
    const app = path.join(tmp, 'app');
    const installed = path.join(app, 'node_modules', ...PACKAGE.split('/'));
    fs.mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], tmp);

    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.name).toBe(PACKAGE);
    expect(manifest.main).toBe('build/lib/index.js');
    expect(manifest.types).toBe('build/lib/index.d.ts');
    const deps = Object.keys(manifest.dependencies ?? {});
    const peers = Object.keys(manifest.peerDependencies ?? {});
    expect(deps).toEqual(expect.arrayContaining(['@iarna/toml', 'yaml', 'bcryptjs']));
    expect(peers).toEqual(expect.arrayContaining(['cdk8s', 'cdk8s-plus-28', 'constructs']));

    // Exactly the declared dependencies and peers, from this repository's node_modules.
    for (const name of [...deps, ...peers]) {
      const target = path.join(root, 'node_modules', name);
      if (!fs.existsSync(target)) throw new Error(`node_modules/${name} is missing in the repository: run \`npm ci\``);
      const link = path.join(app, 'node_modules', name);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(target, link, 'dir');
    }
    // What `npm install` would be given; recorded for a reader, not used (no install runs).
    const repo = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'scratch-app',
      private: true,
      dependencies: {
        [PACKAGE]: `file:${tarball}`,
        cdk8s: repo.devDependencies.cdk8s,
        'cdk8s-plus-28': repo.devDependencies['cdk8s-plus-28'],
        constructs: repo.devDependencies.constructs,
      },
    }, null, 2));

    fs.writeFileSync(path.join(app, 'main.js'), [
      "const { App, Chart } = require('cdk8s');",
      `const { DeliveryTarget, RegistryModule, RegistryMode } = require('${PACKAGE}');`,
      'const app = new App();',
      "const chart = new Chart(app, 'registry');",
      "const mode = RegistryMode.unmanaged({ imagesRepo: 'registry.example.com/deckhouse/ce' });",
      // With the module (the default) a plain App synthesizes nothing: the ModuleConfig is a file of toFiles().
      "const withModule = new RegistryModule(new Chart(new App(), 'with'), 'R', { mode });",
      "new RegistryModule(chart, 'R', { mode, target: DeliveryTarget.WITHOUT_MODULE });",
      "console.log(withModule.toFiles()['apply/moduleconfig.yaml'] + '---\\n' + app.synthYaml());",
      '',
    ].join('\n'));
    const yaml = run(process.execPath, ['main.js'], app);
    expect(yaml).toMatch(/^kind: ModuleConfig$/m);
    expect(yaml).toMatch(/^kind: NodeGroupConfiguration$/m);
    expect(yaml).toContain('registry-bashible-config');

    // The same app in TypeScript, checked against the packed .d.ts (skipLibCheck off: the package's own
    // declarations must resolve, e.g. their references into build/imports).
    fs.writeFileSync(path.join(app, 'main.ts'), [
      "import { App, Chart } from 'cdk8s';",
      `import { RegistryModule, RegistryMode, RegistryModuleProps } from '${PACKAGE}';`,
      'const app = new App();',
      "const chart = new Chart(app, 'registry');",
      "const props: RegistryModuleProps = { mode: RegistryMode.unmanaged({ imagesRepo: 'registry.example.com/deckhouse/ce' }) };",
      "const module: RegistryModule = new RegistryModule(chart, 'R', props);",
      'export const yaml: string = app.synthYaml() + String(module.node.id);',
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2020', module: 'commonjs', strict: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['main.ts'],
    }));
    run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
  }, 120_000);
  // The README's quick start, followed literally on a clean folder: its own snippets, extracted from the packed
  // README, in order. `<!-- quick-start:file NAME -->` blocks are written to NAME, `<!-- quick-start:run -->` blocks
  // run under bash. The only substitution: `/path/to/` becomes the folder of the tarball packed above. `npm install`
  // is real (npm's cache first, the registry for anything missing).
  test('the README quick start runs as written: install the tarball, pki, CLI synth, TypeScript synth', () => {
    const readme = fs.readFileSync(path.join(tmp, 'pkg', 'README.md'), 'utf8');
    const steps = [...readme.matchAll(/<!-- quick-start:(run|file ([^ ]+)) -->\n```[a-z]*\n([\s\S]*?)```\n/g)]
      .map((m) => ({ kind: m[1] === 'run' ? 'run' : 'file', file: m[2], text: m[3] }));
    expect(steps.map((s) => s.kind)).toEqual(['run', 'file', 'file', 'run', 'file', 'file', 'run']);
    expect(readme).toContain(`/path/to/${path.basename(tarball)}`);

    const app = path.join(tmp, 'quick-start');
    fs.mkdirSync(app);
    const env: NodeJS.ProcessEnv = {
      ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
    };
    delete env.NODE_PATH;
    delete env.CDK8S_OUTDIR;
    const timings: string[] = [];
    for (const step of steps) {
      if (step.kind === 'file') {
        fs.writeFileSync(path.join(app, step.file as string), step.text);
        continue;
      }
      let script = step.text.split('/path/to/').join(`${path.dirname(tarball)}/`);
      for (const line of script.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))) {
        const t0 = Date.now();
        try {
          execFileSync('bash', ['-euo', 'pipefail', '-c', line], { cwd: app, env, stdio: 'pipe', timeout: 240_000, encoding: 'utf8' });
        } catch (e) {
          const err = e as { stdout?: string; stderr?: string; message: string };
          throw new Error(`README quick start: \`${line}\` failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
        }
        timings.push(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${line.replace(/\s+#.*$/, '')}`);
      }
    }
    // eslint-disable-next-line no-console
    console.log(`README quick start timings:\n  ${timings.join('\n  ')}`);

    // pki: keys 0600 in a 0700 folder, the block appended to cluster.yaml.
    expect(fs.statSync(path.join(app, 'pki')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(app, 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(app, 'cluster.yaml'), 'utf8')).toMatch(/^pki:\n {2}ca: \{ certificateFile: pki\/ca\.crt, privateKeyFile: pki\/ca\.key \}$/m);
    // CLI: out/apply/ with the ModuleConfig to apply, out/expected/ with the module's objects, node trees, diagram.
    expect(fs.readFileSync(path.join(app, 'out', 'apply', 'moduleconfig.yaml'), 'utf8')).toContain('kind: ModuleConfig');
    expect(fs.readFileSync(path.join(app, 'out', 'apply', 'kustomization.yaml'), 'utf8')).toContain('- moduleconfig.yaml');
    expect(fs.readFileSync(path.join(app, 'out', 'expected', 'registry.k8s.yaml'), 'utf8')).toContain('name: registry-incluster-proxy');
    expect(fs.existsSync(path.join(app, 'out', 'expected', 'nodes', 'worker', 'etc', 'containerd', 'registry.d', 'registry.d8-system.svc:5001', 'hosts.toml'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'out', 'expected', 'DIAGRAM.md'))).toBe(true);
    // TypeScript with RegistryApp: dist/ with the same layout, credentials 0600.
    expect(fs.readFileSync(path.join(app, 'dist', 'apply', 'moduleconfig.yaml'), 'utf8')).toContain('kind: ModuleConfig');
    const hosts = path.join(app, 'dist', 'expected', 'nodes', 'master', 'etc', 'containerd', 'registry.d', 'registry.d8-system.svc:5001', 'hosts.toml');
    expect(fs.readFileSync(hosts, 'utf8')).toContain('[host."https://registry.deckhouse.ru"]');
    expect(fs.statSync(hosts).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(app, 'dist', 'expected', 'DIAGRAM.md'))).toBe(true);
  }, 600_000);

  test('every relative link and image in the packed README resolves inside the package', () => {
    const pkg = path.join(tmp, 'pkg');
    const readme = fs.readFileSync(path.join(pkg, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|#|mailto:)/.test(t));
    expect(targets.length).toBeGreaterThan(3);
    expect(targets.filter((t) => !fs.existsSync(path.join(pkg, t.split('#')[0])))).toEqual([]);
    const dev = fs.readFileSync(path.join(pkg, 'docs', 'development.md'), 'utf8');
    const devTargets = [...dev.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|#|mailto:)/.test(t));
    expect(devTargets.filter((t) => !fs.existsSync(path.join(pkg, 'docs', t.split('#')[0])))).toEqual([]);
  });
});
