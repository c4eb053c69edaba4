// `npm run bench`: synth time and peak memory at scale, the render layer with many mirrors, resolver throughput,
// and synth time against its floor (serializing the same objects with the `yaml` library alone). Prints markdown
// tables; asserts nothing.
//
// Every case runs in its own child process (node --expose-gc, ts-node transpile-only), so that its peak RSS
// (process.resourceUsage().maxRSS) is its own. In a child: one untimed warm-up (JIT, and the bcrypt fingerprints
// that lib/model/_hash.ts caches per process), then N timed repetitions with a GC before each; the tables show the
// median. The first table times `npm run synth` against a minimal cdk8s-plus app synthesized the same way (ratio;
// target <= 1.5x; it runs `npm run synth` itself, which rewrites dist/ and the README with the same bytes).
// Options: --quick (fewer repetitions), --synth-only (only that table), --profile (also a CPU profile of the timed
// repetitions of the 1000-node-group case: self time by package, inclusive time of the entry points),
// --profile-only.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { Session } from 'inspector';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { TEST_PKI, TEST_UPSTREAM_CA } from '../examples/fixtures/test-pki';
import { EXAMPLE_IMAGES, EXAMPLE_LICENSE } from '../examples/fixtures/values';
import { ContainerdBuild, Cri, RegistryConstants, RegistryMode, RegistryModule } from '../lib';
import { resolveImage } from '../lib/model/resolver';
import { mergeRouting, Mirror, Routing } from '../lib/model/routing';
import { nodeFiles, ownedHostDirs } from '../lib/render/node-files';
import { nodeScript } from '../lib/render/node-script';

const REGISTRY_ADDRESS = RegistryConstants.ADDRESS;

const ROOT = path.join(__dirname, '..');
const NODE_GROUPS = [1, 10, 100, 1000];
const MIRRORS = [1, 10, 25, 50, 100];
const DIGEST = `sha256:${'ab'.repeat(32)}`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const gc = () => (global as any).gc?.();

/** The `yaml` instance cdk8s itself uses (it ships its own copy). */
const CDK8S_YAML: typeof YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

/** What cdk8s' Yaml.stringify does: one YAML 1.1 document per object, joined with `---`. */
const floorStringify = (docs: unknown[]) => docs.map((d) => CDK8S_YAML.stringify(d, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n');

/** CPU profile of `fn` only (not of module loading), written to `file`. */
function profiled(file: string | undefined, fn: () => void): void {
  if (file === undefined) return fn();
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  try {
    fn();
  } finally {
    session.post('Profiler.stop', (err, res) => {
      if (err) throw err;
      fs.writeFileSync(file, JSON.stringify(res.profile));
    });
    session.disconnect();
  }
}

// ---------------------------------------------------------------- child cases

function nodeGroupsCase(n: number, reps: number, profileFile?: string): Record<string, unknown> {
  const idleRss = process.resourceUsage().maxRSS;
  const nodeGroups = Array.from({ length: n }, (_, i) => ({ name: `ng-${i}`, cri: i % 2 === 0 ? Cri.CONTAINERD : Cri.CONTAINERD_V2 }));
  const run = () => {
    const t0 = process.hrtime.bigint();
    const app = new App({ outdir: '/nonexistent-outdir-never-written' });
    const chart = new Chart(app, 'registry');
    new RegistryModule(chart, 'Registry', {
      mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: EXAMPLE_LICENSE }),
      nodeGroups, controlPlaneNodes: 3, images: EXAMPLE_IMAGES, pki: TEST_PKI,
    });
    const construct = ms(t0);
    const t1 = process.hrtime.bigint();
    const yaml = app.synthYaml();
    return { construct, synth: ms(t1), yaml };
  };
  const warm = run();
  const docs = YAML.parseAllDocuments(warm.yaml).map((d) => d.toJS()).filter((d) => d !== null);
  // Synth and floor alternate within each repetition, so that load from other processes hits both alike; the ratio
  // columns are medians of the per-repetition ratios.
  const samples = { construct: [] as number[], synth: [] as number[], total: [] as number[], floor: [] as number[], ratio: [] as number[], synthRatio: [] as number[] };
  let floorText = '';
  profiled(profileFile, () => {
    for (let i = 0; i < reps; i++) {
      gc();
      const r = run();
      gc();
      const t0 = process.hrtime.bigint();
      if (profileFile === undefined) floorText = floorStringify(docs);
      const floor = profileFile === undefined ? ms(t0) : NaN;
      samples.construct.push(r.construct);
      samples.synth.push(r.synth);
      samples.total.push(r.construct + r.synth);
      samples.floor.push(floor);
      samples.ratio.push((r.construct + r.synth) / floor);
      samples.synthRatio.push(r.synth / floor);
    }
  });
  return {
    n, objects: docs.length, yamlBytes: Buffer.byteLength(warm.yaml), floorIdentical: floorText === warm.yaml,
    construct: median(samples.construct), synth: median(samples.synth), total: median(samples.total), floor: median(samples.floor),
    ratio: median(samples.ratio), synthRatio: median(samples.synthRatio), loadavg: os.loadavg()[0],
    idleRssKb: idleRss, peakRssKb: process.resourceUsage().maxRSS,
  };
}

function mirror(i: number): Mirror {
  return {
    host: `mirror-${i}.example.com:5000`,
    scheme: i % 3 === 2 ? 'http' : 'https',
    ...(i % 2 === 1 ? { ca: TEST_UPSTREAM_CA } : {}),
    auth: { username: 'puller', password: `password-${i}` },
    rewrites: [{ from: '^system/deckhouse', to: `deckhouse/mirror-${i}` }],
  };
}

function mirrorsCase(n: number, reps: number): Record<string, unknown> {
  const idleRss = process.resourceUsage().maxRSS;
  const build = (): Routing => {
    let routing: Routing = {};
    for (let i = 0; i < n; i++) routing = mergeRouting(routing, { [REGISTRY_ADDRESS]: { mirrors: [mirror(i)] } });
    return routing;
  };
  const render = (routing: Routing) => {
    const files = nodeFiles(routing, Cri.CONTAINERD);
    return { files, script: nodeScript('master', files, ownedHostDirs(routing)) };
  };
  const warmRouting = build();
  const warm = render(warmRouting);
  const samples = { merge: [] as number[], render: [] as number[], resolve: [] as number[] };
  for (let i = 0; i < reps; i++) {
    gc();
    let t0 = process.hrtime.bigint();
    const routing = build();
    samples.merge.push(ms(t0));
    t0 = process.hrtime.bigint();
    render(routing);
    samples.render.push(ms(t0));
  }
  const bundle = Object.fromEntries(warm.files.map((f) => [f.path, f.content]));
  samples.resolve = resolverRate(bundle, [`${REGISTRY_ADDRESS}/system/deckhouse@${DIGEST}`], reps);
  const hostsToml = warm.files.find((f) => f.path.endsWith('/hosts.toml'));
  return {
    n, merge: median(samples.merge), render: median(samples.render), files: warm.files.length,
    hostsTomlBytes: Buffer.byteLength(hostsToml?.content ?? ''), scriptBytes: Buffer.byteLength(warm.script),
    resolvePerSecond: median(samples.resolve), idleRssKb: idleRss, peakRssKb: process.resourceUsage().maxRSS,
  };
}

/** Resolutions per second, one sample per repetition, each sample ~200 ms of back-to-back resolutions. */
function resolverRate(bundle: Record<string, string>, images: string[], reps: number): number[] {
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    gc();
    let count = 0;
    const t0 = process.hrtime.bigint();
    while (ms(t0) < 200) {
      for (let k = 0; k < 50; k++) for (const image of images) resolveImage(image, bundle, { containerdBuild: ContainerdBuild.DECKHOUSE, containerdMajor: 1 });
      count += 50 * images.length;
    }
    rates.push(count / (ms(t0) / 1000));
  }
  return rates;
}

function resolverCase(reps: number): Record<string, unknown> {
  const app = new App({ outdir: '/nonexistent-outdir-never-written' });
  const chart = new Chart(app, 'registry');
  const module = new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: EXAMPLE_LICENSE }),
    nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }], images: EXAMPLE_IMAGES, pki: TEST_PKI,
  });
  const bundle = Object.fromEntries(module.nodeConfiguration.bundles[0].files.map((f) => [f.path, f.content]));
  const cases = [
    { what: 'fixed address, by digest (hosts.toml with rewrite)', image: `${REGISTRY_ADDRESS}/system/deckhouse@${DIGEST}` },
    { what: 'fixed address, by tag', image: `${REGISTRY_ADDRESS}/system/deckhouse:v1.70.0` },
    { what: 'other registry (no hosts directory, fallback)', image: 'docker.io/library/nginx:1.27' },
  ];
  return { rows: cases.map((c) => ({ ...c, perSecond: median(resolverRate(bundle, [c.image], reps)) })) };
}

// ---------------------------------------------------------------- parent

function child(args: string[], extraNodeArgs: string[] = []): any {
  const out = execFileSync(process.execPath, ['--expose-gc', ...extraNodeArgs, '-r', require.resolve('ts-node/register/transpile-only'), __filename, '--child', ...args], {
    cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), TS_NODE_PREFER_TS_EXTS: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString().trim().split('\n').pop() as string);
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const mb = (kb: number) => (kb / 1024).toFixed(0);
const int = (x: number) => Math.round(x).toLocaleString('en-US');

function profile(): void {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-bench-prof-')), 'synth-1000.cpuprofile');
  const reps = 5;
  child(['nodegroups', '1000', String(reps), file]);
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map<number, any>(prof.nodes.map((n: any) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (n: any) => {
    const url = String(n.callFrame.url).replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    return url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 13) : url;
  };
  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  // inclusive time of our own functions (callee time included), counted once per sample
  const inclusive = new Map<string, number>();
  const dt: number[] = prof.timeDeltas;
  prof.samples.forEach((id: number, i: number) => {
    const t = dt[i + 1] ?? 0;
    const n = byId.get(id);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + t);
    const w = where(n);
    const area = w.startsWith('lib/') || w.startsWith('imports/') ? w.split('/').slice(0, 2).join('/') : w === '' ? n.callFrame.functionName || '(native)' : w.split('/')[w.startsWith('@') ? 1 : 0];
    byArea.set(area, (byArea.get(area) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur);
      const cw = where(c);
      if (!cw.startsWith('lib/') && !cw.includes('cdk8s/lib/app') && !cw.includes('cdk8s/lib/chart') && !cw.includes('cdk8s/lib/yaml')) continue;
      const k = `${c.callFrame.functionName || '(anonymous)'}  ${cw}:${c.callFrame.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`\n## CPU profile: 1000 node groups, ${reps} timed repetitions only (${int(total / 1000)} ms sampled; ${file})\n`);
  console.log('Self time by package (lib/ by layer):\n\n| self time | share | where |\n|---:|---:|---|');
  for (const [k, v] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`| ${int(v / 1000)} ms | ${f1((100 * v) / total)}% | ${k} |`);
  console.log('\nInclusive time of the library\'s and cdk8s\' entry points:\n\n| inclusive | share | function |\n|---:|---:|---|');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log(`| ${int(v / 1000)} ms | ${f1((100 * v) / total)}% | \`${k}\` |`);
  console.log('\nTop functions by self time:\n\n| self time | share | function |\n|---:|---:|---|');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`| ${int(v / 1000)} ms | ${f1((100 * v) / total)}% | \`${k}\` |`);
}

// ---------------------------------------------------------------- npm run synth vs a minimal cdk8s-plus app

/** The `cdk8s init typescript-app` way of running an app, and this repository's way (cdk8s.yaml). */
const TEMPLATE_APP = 'npx ts-node --prefer-ts-exts main.ts';
const REPO_APP = (): string => {
  const m = fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8').match(/^app: (.+)$/m);
  if (!m) throw new Error('cdk8s.yaml: no app');
  return m[1].trim();
};

/** A scratch cdk8s-plus app (one Deployment behind a Service) using this repository's node_modules. */
function minimalApp(app: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-minimal-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'main.ts'), [
    "import { App, Chart } from 'cdk8s';",
    "import * as kplus from 'cdk8s-plus-28';",
    '',
    'const app = new App();',
    "const chart = new Chart(app, 'minimal');",
    "const web = new kplus.Deployment(chart, 'Web', { containers: [{ image: 'nginx:1.27', portNumber: 80 }] });",
    'web.exposeViaService();',
    'app.synth();',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2020', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'] } }));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `language: typescript\napp: ${app.replace('examples/main.ts', 'main.ts')}\noutput: dist\n`);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'minimal', private: true, scripts: { synth: 'cdk8s synth --check-upgrade=false' } }));
  return dir;
}

/** Wall time and children's CPU time (bash `times`) of `npm run synth` in `cwd`. */
function timeSynth(cwd: string): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('bash', ['-c', 'npm run --silent synth >/dev/null 2>&1 || exit 1; times'], { cwd, encoding: 'utf8' });
  const wall = ms(t0);
  const secs = (t: string) => { const m = t.match(/(\d+)m([\d.]+)s/); return m ? Number(m[1]) * 60 + Number(m[2]) : NaN; };
  const children = out.trim().split('\n').pop()!.split(/\s+/); // "user sys" of the children
  return { wall, cpu: (secs(children[0]) + secs(children[1])) * 1000 };
}

/**
 * `npm run synth` (every example, node trees, README diagrams) against a minimal cdk8s-plus app synthesized by
 * `cdk8s synth` too: once with the cdk8s template's app command, once with this repository's. Interleaved runs,
 * one warm-up each; medians.
 */
function synthVsMinimal(reps: number): void {
  const repoApp = REPO_APP();
  const cases = [
    { name: '`npm run synth` (this repository)', cwd: ROOT, app: repoApp },
    { name: 'minimal cdk8s-plus app, template command', cwd: minimalApp(TEMPLATE_APP), app: TEMPLATE_APP },
    { name: 'minimal cdk8s-plus app, the same command', cwd: minimalApp(repoApp), app: repoApp.replace('examples/main.ts', 'main.ts') },
  ];
  const runs = cases.map(() => [] as Array<{ wall: number; cpu: number }>);
  try {
    for (const c of cases) timeSynth(c.cwd); // warm-up (npx cache, disk cache)
    for (let i = 0; i < reps; i++) cases.forEach((c, j) => runs[j].push(timeSynth(c.cwd)));
  } finally {
    for (const c of cases.slice(1)) fs.rmSync(c.cwd, { recursive: true, force: true });
  }
  const wall = runs.map((r) => median(r.map((x) => x.wall)));
  const cpu = runs.map((r) => median(r.map((x) => x.cpu)));
  console.log('## `npm run synth` against a minimal cdk8s-plus app\n');
  console.log(`Both through \`cdk8s synth --check-upgrade=false\`, ${reps} interleaved runs after one warm-up each, medians; CPU = user + sys of the child processes. The minimal app is one cdk8s-plus Deployment behind a Service.\n`);
  console.log('| case | app command | wall | CPU | wall ratio | CPU ratio |\n|---|---|---:|---:|---:|---:|');
  cases.forEach((c, j) => console.log(`| ${c.name} | \`${c.app}\` | ${int(wall[j])} ms | ${int(cpu[j])} ms | ${j === 0 ? '—' : `${f2(wall[0] / wall[j])}x`} | ${j === 0 ? '—' : `${f2(cpu[0] / cpu[j])}x`} |`));
  console.log(`\nsynth / minimal app (template command): ${f2(wall[0] / wall[1])}x wall, ${f2(cpu[0] / cpu[1])}x CPU (target: at most 1.5x); against the same command: ${f2(wall[0] / wall[2])}x wall, ${f2(cpu[0] / cpu[2])}x CPU. Load average: ${f1(os.loadavg()[0])}.\n`);
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [kind, n, reps, profileFile] = argv.slice(1);
    const result = kind === 'nodegroups' ? nodeGroupsCase(Number(n), Number(reps), profileFile)
      : kind === 'mirrors' ? mirrorsCase(Number(n), Number(reps))
        : resolverCase(Number(n));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const quick = argv.includes('--quick');
  if (argv.includes('--profile-only')) return profile();
  const cpu = os.cpus();
  console.log(`# Benchmark\n\nMachine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${os.type()} ${os.release()}.`);
  console.log('Each case runs in its own child process; times are the median of the repetitions after one warm-up; peak RSS is the child\'s maxRSS (idle: after loading the modules, including ts-node); load is the 1-minute load average at the end of the case (2 cores: above ~1 another process competed).\n');

  synthVsMinimal(quick ? 3 : 5);
  if (argv.includes('--synth-only')) return;

  console.log('## Synth at scale: Direct mode, N node groups (alternating Containerd / ContainerdV2)\n');
  console.log('synth = construct (RegistryModule) + `app.synthYaml()`; floor = `YAML.stringify` of the same parsed objects, one YAML 1.1 document per object joined with `---`, as cdk8s does.\n');
  console.log('| node groups | reps | objects | YAML | construct | synthYaml | synth | floor | synth / floor | synthYaml / floor | synth per group | peak RSS (idle) | load |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ngRows: any[] = [];
  for (const n of NODE_GROUPS) {
    const reps = quick ? 3 : n >= 1000 ? 7 : n >= 100 ? 11 : 21;
    const r = child(['nodegroups', String(n), String(reps)]);
    ngRows.push(r);
    console.log(`| ${n} | ${reps} | ${r.objects} | ${f1(r.yamlBytes / 1024)} KB | ${f1(r.construct)} ms | ${f1(r.synth)} ms | ${f1(r.total)} ms | ${f1(r.floor)} ms | ${f2(r.ratio)}x | ${f2(r.synthRatio)}x | ${f2(r.total / n)} ms | ${mb(r.peakRssKb)} MB (${mb(r.idleRssKb)} MB) | ${f1(r.loadavg)} |${r.floorIdentical ? '' : ' floor output differs from synthYaml!'}`);
  }
  const last = ngRows[ngRows.length - 1];
  const prev = ngRows[ngRows.length - 2];
  console.log(`\nGrowth 100 -> 1000 node groups: synth x${f1(last.total / prev.total)}, floor x${f1(last.floor / prev.floor)}, YAML bytes x${f1(last.yamlBytes / prev.yamlBytes)} (linear: x10).`);

  console.log('\n## Routing with N mirrors (render layer)\n');
  console.log('The API has one upstream per mode, so N mirrors are simulated: `mergeRouting` folds N single-mirror routings for the fixed address (auth and a rewrite on each, a CA on every other, every third http), then `nodeFiles` + `nodeScript` render one node group\'s bundle; the resolver resolves a digest reference against that bundle (first mirror matches).\n');
  console.log('| mirrors | reps | mergeRouting | nodeFiles + nodeScript | files | hosts.toml | script | resolutions/s | peak RSS (idle) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of MIRRORS) {
    const reps = quick ? 3 : 15;
    const r = child(['mirrors', String(n), String(reps)]);
    console.log(`| ${n} | ${reps} | ${f2(r.merge)} ms | ${f2(r.render)} ms | ${r.files} | ${f1(r.hostsTomlBytes / 1024)} KB | ${f1(r.scriptBytes / 1024)} KB | ${int(r.resolvePerSecond)} | ${mb(r.peakRssKb)} MB (${mb(r.idleRssKb)} MB) |`);
  }

  console.log('\n## Resolver throughput (`resolveImage` against the Direct bundle of one Containerd node group)\n');
  console.log('| image reference | resolutions/s |\n|---|---:|');
  const res = child(['resolver', String(quick ? 3 : 9)]);
  for (const row of res.rows) console.log(`| ${row.what}: \`${row.image}\` | ${int(row.perSecond)} |`);

  if (argv.includes('--profile')) profile();
}

main();
