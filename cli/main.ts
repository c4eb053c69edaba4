#!/usr/bin/env node
// registry-cdk8s: render the registry module from an existing ModuleConfig without writing TypeScript.
//
//   registry-cdk8s synth -f moduleconfig.yaml [-c cluster.yaml] [-o out/] [--from old-moduleconfig.yaml] [--force]
//
// The cluster file holds what the module learns at run time (node groups, control-plane nodes, image digests, PKI
// files, …; see README "Command line"). Everything is rendered in memory first; the output folder is written only
// when rendering succeeded.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { RegistryModule, RegistrySettings, RegistrySwitch } from '../lib';

const USAGE = `usage: registry-cdk8s synth -f MODULECONFIG.yaml [-c CLUSTER.yaml] [-o OUT_DIR] [--from OLD_MODULECONFIG.yaml] [--force]

  -f, --file      ModuleConfig/deckhouse with spec.settings.registry (the target settings)
  -c, --cluster   cluster facts: nodeGroups, controlPlaneNodes, controlPlane, clusterType, images, pki
                  (certificateFile/privateKeyFile paths relative to this file), customTolerationKeys,
                  verticalPodAutoscaler, containerdBuild, nodeConfigurationWeight, ingress, bootstrapRegistry
  -o, --out       output folder (default: out); must be empty or absent unless --force
      --from      the ModuleConfig the cluster runs now: renders a staged switch plan instead
      --force     replace a non-empty output folder`;

class CliError extends Error {}

interface Args { file?: string; cluster?: string; out: string; from?: string; force: boolean }

function parseArgs(argv: string[]): Args {
  if (argv[0] !== 'synth') throw new CliError(argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' ? USAGE : `unknown command "${argv[0]}"\n${USAGE}`);
  const args: Args = { out: 'out', force: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '-f' || a === '--file') args.file = value();
    else if (a === '-c' || a === '--cluster') args.cluster = value();
    else if (a === '-o' || a === '--out') args.out = value();
    else if (a === '--from') args.from = value();
    else if (a === '--force') args.force = true;
    else throw new CliError(`unknown option "${a}"\n${USAGE}`);
  }
  if (args.file === undefined) throw new CliError(`-f MODULECONFIG.yaml is required\n${USAGE}`);
  return args;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The cluster file as props; PEM file references are read relative to it; errors carry file:line. */
function readCluster(file: string): Record<string, unknown> {
  const lines = new LineCounter();
  const doc = parseDocument(read(file), { lineCounter: lines, version: '1.1' });
  if (doc.errors.length > 0) {
    const pos = lines.linePos(doc.errors[0].pos[0]);
    throw new CliError(`${file}:${pos.line}:${pos.col}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  }
  const lineOf = (p: Array<string | number>): number => {
    for (let n = p.length; n > 0; n--) {
      const parent = n > 1 ? doc.getIn(p.slice(0, n - 1), true) : doc.contents;
      const key = p[n - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((x) => (x.key as { value?: unknown } | null)?.value === key);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return lines.linePos(range[0]).line;
      } else if (isSeq(parent) && typeof key === 'number') {
        const range = (parent.items[key] as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return lines.linePos(range[0]).line;
      }
    }
    return 1;
  };
  const props = (doc.toJS() ?? {}) as Record<string, any>;
  const dir = path.dirname(file);
  const pem = (where: Array<string | number>, obj: Record<string, any> | undefined, name: string) => {
    const ref = obj?.[`${name}File`];
    if (ref === undefined || obj === undefined) return;
    if (typeof ref !== 'string') throw new CliError(`${file}:${lineOf([...where, `${name}File`])}: ${[...where, `${name}File`].join('.')}: expected a file path`);
    obj[name] = read(path.resolve(dir, ref));
    delete obj[`${name}File`];
  };
  for (const part of ['ca', 'token', 'auth', 'distribution']) {
    pem(['pki', part], props.pki?.[part], 'certificate');
    pem(['pki', part], props.pki?.[part], 'privateKey');
  }
  pem(['ingress'], props.ingress, 'clientCa');
  for (const section of ['bootstrapRegistry']) pem([section], props[section], 'ca');
  Object.defineProperty(props, '__lineOf', { value: lineOf, enumerable: false });
  return props;
}

/** Prefixes a library error with file:line when its field path (e.g. `nodeGroups[1].cri`) is in the cluster file. */
function locate(e: Error, clusterFile: string | undefined, cluster: Record<string, unknown>): Error {
  const m = e.message.match(/^([A-Za-z][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z0-9_]+)*): /);
  if (clusterFile === undefined || m === null || m[1].startsWith('registry')) return e;
  const p = m[1].split(/\.|\[|\]/).filter((x) => x !== '').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const lineOf = (cluster as { __lineOf?: (p: Array<string | number>) => number }).__lineOf;
  return new CliError(`${clusterFile}:${lineOf ? lineOf(p) : 1}: ${e.message}`);
}

function render(args: Args): Record<string, string> {
  const to = RegistrySettings.fromModuleConfig(read(args.file as string), args.file);
  const cluster = args.cluster === undefined ? {} : readCluster(args.cluster);
  const app = new App({ outdir: args.out });
  try {
    if (args.from !== undefined) {
      const from = RegistrySettings.fromModuleConfig(read(args.from), args.from);
      return new RegistrySwitch(app, 'Switch', { ...cluster, from, to }).toFiles();
    }
    const { bootstrapRegistry: _ignored, ...moduleProps } = cluster;
    const chart = new Chart(app, 'registry');
    const module = new RegistryModule(chart, 'Registry', { ...moduleProps, mode: to });
    return { 'registry.k8s.yaml': app.synthYaml(), 'DIAGRAM.md': `\`\`\`mermaid\n${module.diagram()}\`\`\`\n`, ...module.toFiles() };
  } catch (e) {
    throw locate(e as Error, args.cluster, cluster);
  }
}

function write(out: string, files: Record<string, string>, force: boolean): void {
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !force) {
    throw new CliError(`${out}: the output folder is not empty; pass --force to replace it`);
  }
  const tmp = `${out.replace(/\/+$/, '')}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
    fs.writeFileSync(path.join(tmp, file), content, { mode: /hosts\.toml$|\.key$/.test(file) ? 0o600 : 0o644 });
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
}

export function main(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    const files = render(args);
    write(args.out, files, args.force);
    process.stdout.write(`wrote ${Object.keys(files).length} file(s) to ${args.out}/\n`);
    return 0;
  } catch (e) {
    if ((e as Error).message === USAGE) {
      process.stdout.write(`${USAGE}\n`);
      return argv.length === 0 ? 2 : 0;
    }
    process.stderr.write(`registry-cdk8s: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
