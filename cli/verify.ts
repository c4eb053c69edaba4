// registry-cdk8s verify: compare a live cluster with the expected state folder.
//
//   registry-cdk8s verify --expected DIR [--expected DIR…] [--objects FILE|-] [--node DIR_OR_TARBALL [--node-group NAME]] [--verbose]
//
// Reads every *.k8s.yaml below DIR (except nodes/) and DIR/nodes/<group>/…; live objects from FILE or stdin
// (`kubectl get … -o yaml`), one node's /etc/containerd/registry.d as a directory or a tarball
// (`tar -C /etc/containerd -cf - registry.d`, plain or gzip). Exit 0 when converged, 1 on drift, 2 on usage or
// input errors. No secret value reaches stdout or stderr.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { RegistryConstants, RegistryVerification } from '../lib';
import { readTar } from '../lib/verify/_tar';
import { InputError, UsageError } from './common';

const { CONTAINERD_REGISTRY_DIR } = RegistryConstants;

export const VERIFY_USAGE = `usage: registry-cdk8s verify --expected DIR [--expected DIR…] [--objects FILE|-] [--node DIR_OR_TARBALL [--node-group NAME]] [--verbose]

  -e, --expected    the expected-state folder: *.k8s.yaml manifests and nodes/<node-group>/<absolute node path>;
                    repeat it to add the applied folder (then ModuleConfig/deckhouse is compared too)
  -o, --objects     live objects as \`kubectl get … -o yaml\` prints them (a List, one object or several documents);
                    "-" reads stdin, e.g.
                      kubectl get moduleconfig/deckhouse nodegroupconfigurations -o yaml > live.yaml
                      kubectl -n d8-system get secrets,services,deployments,poddisruptionbudgets -o yaml >> live.yaml
  -n, --node        one node's /etc/containerd/registry.d: a directory, or a tarball (plain or gzip) made with
                      tar -C /etc/containerd -czf - registry.d
  -g, --node-group  the node group of that node (needed when the expected state has several)
  -v, --verbose     list equal entries and every subject of each ignore rule

Exit status: 0 converged, 1 drift, 2 usage or input error.`;


/** Every file below `dir` whose name matches, as relative path → absolute path, sorted. */
function walk(dir: string, accept: (rel: string, isDir: boolean) => boolean, base = dir): Array<[string, string, boolean]> {
  const out: Array<[string, string, boolean]> = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(base, full).split(path.sep).join('/');
    if (entry.isDirectory()) {
      if (!accept(rel, true)) continue;
      out.push([rel, full, true]);
      out.push(...walk(full, accept, base));
    } else if (entry.isFile() && accept(rel, false)) {
      out.push([rel, full, false]);
    }
  }
  return out;
}

function read(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readStdin(): Buffer {
  try {
    return fs.readFileSync(0);
  } catch (e) {
    throw new InputError(`stdin: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readExpectedObjects(dirs: string[]): string {
  const texts: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`${dir}: not a folder`);
    const files = walk(dir, (rel, isDir) => (isDir ? rel !== 'nodes' : rel.endsWith('.k8s.yaml'))).filter(([, , isDir]) => !isDir);
    if (files.length === 0) throw new InputError(`${dir}: no *.k8s.yaml manifests in the expected-state folder`);
    texts.push(...files.map(([, full]) => read(full).toString('utf8').replace(/\n*$/, '\n')));
  }
  return texts.join('---\n');
}

function nodeGroups(dirs: string[]): string[] {
  const out = new Set<string>();
  for (const dir of dirs) {
    const nodes = path.join(dir, 'nodes');
    if (!fs.existsSync(nodes)) continue;
    for (const e of fs.readdirSync(nodes, { withFileTypes: true })) if (e.isDirectory()) out.add(e.name);
  }
  return [...out].sort();
}

function readExpectedNodeFiles(dirs: string[], group: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of dirs) {
    const root = path.join(dir, 'nodes', group);
    if (!fs.existsSync(root)) continue;
    for (const [rel, full, isDir] of walk(root, () => true)) if (!isDir) out[`/${rel}`] = read(full).toString('utf8');
  }
  return out;
}

/** Maps a path inside the live input to its absolute node path under /etc/containerd/registry.d. */
function nodePath(rel: string): string {
  const clean = rel.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  for (const prefix of ['etc/containerd/registry.d', 'registry.d']) {
    if (clean === prefix || clean === `${prefix}/`) return `${CONTAINERD_REGISTRY_DIR}/`;
    if (clean.startsWith(`${prefix}/`)) return `${CONTAINERD_REGISTRY_DIR}/${clean.slice(prefix.length + 1)}`;
  }
  return `${CONTAINERD_REGISTRY_DIR}/${clean}`;
}

function readLiveNode(input: string): { files: Record<string, string>; notes: string[] } {
  const files: Record<string, string> = {};
  const notes: string[] = [];
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    throw new InputError(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (stat.isDirectory()) {
    // The registry.d folder itself, or a folder holding registry.d or etc/containerd/registry.d.
    let root = input;
    for (const inner of ['registry.d', path.join('etc', 'containerd', 'registry.d')]) {
      if (fs.existsSync(path.join(input, inner)) && fs.statSync(path.join(input, inner)).isDirectory()) root = path.join(input, inner);
    }
    for (const [rel, full, isDir] of walk(root, () => true)) {
      files[isDir ? `${nodePath(rel)}/` : nodePath(rel)] = isDir ? '' : read(full).toString('utf8');
    }
    return { files, notes };
  }
  let contents;
  try {
    contents = readTar(read(input));
  } catch (e) {
    throw new InputError(`${input}: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const entry of contents.entries) {
    const p = nodePath(entry.path.replace(/\/$/, ''));
    if (p === `${CONTAINERD_REGISTRY_DIR}/`) continue;
    files[entry.directory ? `${p.replace(/\/$/, '')}/` : p] = entry.content.toString('utf8');
  }
  for (const s of contents.skipped) notes.push(`skipped ${s} in ${input}: neither a file nor a directory`);
  return { files, notes };
}

interface VerifyArgs {
  readonly expected: string[];
  readonly objects?: string;
  readonly node?: string;
  readonly nodeGroup?: string;
  readonly verbose: boolean;
}

function parse(argv: string[]): VerifyArgs | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'expected': { type: 'string', short: 'e', multiple: true },
        'objects': { type: 'string', short: 'o' },
        'node': { type: 'string', short: 'n' },
        'node-group': { type: 'string', short: 'g' },
        'verbose': { type: 'boolean', short: 'v', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  const v = parsed.values;
  if (v.help) return undefined;
  if (v.expected === undefined || v.expected.length === 0) throw new UsageError('--expected DIR is required');
  if (v.objects === undefined && v.node === undefined) throw new UsageError('give --objects, --node or both: there is nothing to compare');
  if (v['node-group'] !== undefined && v.node === undefined) throw new UsageError('--node-group needs --node');
  return { expected: v.expected, objects: v.objects, node: v.node, nodeGroup: v['node-group'], verbose: v.verbose === true };
}

/** `registry-cdk8s verify …` (with or without the leading `verify`); returns the exit status. */
export function verifyMain(argv: string[]): number {
  const args = argv[0] === 'verify' ? argv.slice(1) : argv;
  try {
    const a = parse(args);
    if (a === undefined) {
      process.stdout.write(`${VERIFY_USAGE}\n`);
      return 0;
    }
    const expectedObjects = readExpectedObjects(a.expected);
    const liveObjects = a.objects === undefined ? undefined : (a.objects === '-' ? readStdin() : read(a.objects)).toString('utf8');

    let nodeGroup = a.nodeGroup;
    let expectedNodeFiles: Record<string, string> | undefined;
    let liveNodeFiles: Record<string, string> | undefined;
    const notes: string[] = [];
    if (a.node !== undefined) {
      const groups = nodeGroups(a.expected);
      if (nodeGroup === undefined) {
        if (groups.length !== 1) {
          throw new UsageError(`--node-group is required: the expected state has node groups ${groups.length === 0 ? '(none)' : groups.join(', ')}`);
        }
        nodeGroup = groups[0];
      } else if (!groups.includes(nodeGroup)) {
        throw new UsageError(`--node-group ${nodeGroup}: not in the expected state (node groups: ${groups.length === 0 ? 'none' : groups.join(', ')})`);
      }
      expectedNodeFiles = readExpectedNodeFiles(a.expected, nodeGroup);
      const live = readLiveNode(a.node);
      liveNodeFiles = live.files;
      notes.push(...live.notes);
    }

    let report;
    try {
      report = RegistryVerification.compare({ expectedObjects, liveObjects, expectedNodeFiles, liveNodeFiles, nodeGroup });
    } catch (e) {
      throw new InputError((e as Error).message.split('\n')[0]);
    }
    for (const n of notes) process.stderr.write(`registry-cdk8s verify: ${n}\n`);
    process.stdout.write(report.toText(a.verbose));
    return report.converged ? 0 : 1;
  } catch (e) {
    // Exit code 1 is drift here, so a bad input shares 2 with a usage error; only the usage error repeats the usage.
    const usage = e instanceof UsageError ? `\n${VERIFY_USAGE}` : '';
    process.stderr.write(`registry-cdk8s verify: ${(e as Error).message.split('\n')[0]}${usage}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = verifyMain(process.argv.slice(2));
