// `registry-cdk8s synth`: a ModuleConfig (and a cluster file) in, manifests and node files out.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { App, Chart } from 'cdk8s';
import { Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { CredentialForm, DeliveryTarget, IngressTls, RegistryMode, RegistryModeName, RegistryModule, RegistrySettings, RegistrySwitch } from '../lib';
import { CLUSTER_PROPS } from '../lib/settings/_cluster';
import { pathKeys, RegistryValidationError } from '../lib/settings/validation-error';
import { toJsSafely, yamlErrorMessage } from '../lib/settings/_yaml';
import { EXIT, fsReason, InputError, report, shown, UsageError } from './common';
import { outputFiles } from '../lib/constructs/_output-files';
import { checkOutputFolder, OutputFile, SECRET_FILE_MODE, writeTree } from './output';

export const SYNTH_USAGE = `usage: registry-cdk8s synth -f MODULECONFIG.yaml [-c CLUSTER.yaml] [-o OUT_DIR] [--from OLD_MODULECONFIG.yaml]
                             [--without-module] [--inline-credentials] [--force]

Renders the registry module from a ModuleConfig into OUT_DIR/apply/ (what the pipeline applies: with the module,
your ModuleConfig alone, only settings.registry changed; without it, every object) and OUT_DIR/expected/ (review
only: the objects the module renders and the files each node ends up with), each with a README; with --from, a
staged switch plan (PLAN.md, and the stages under expected/ or, without the module, apply/).

  -f, --file=FILE     ModuleConfig/deckhouse (apiVersion deckhouse.io/v1alpha1) with spec.settings.registry
  -c, --cluster=FILE  what the module learns at run time (an Unmanaged ModuleConfig needs none), see below
  -o, --out=DIR       output folder (default: out). It must be absent or empty unless --force; it may not be, or
                      hold, the working directory or the folder of an input file. It is replaced as a whole
                      (a new folder is written beside it, then swapped in): a failure leaves it as it was.
                      Folders are 0700 and files 0600 when they hold a secret.
      --from=FILE     the ModuleConfig the cluster runs now: renders a staged switch plan instead
      --without-module   the cluster does not run the registry module: the pipeline applies everything (the
                      same as target: WithoutModule in CLUSTER.yaml); images and pki are then required
      --inline-credentials  write the credentials into apply/moduleconfig.yaml instead of \${REGISTRY_…}
                      placeholders, for a pipeline that encrypts the file (SOPS) before it is committed
      --force         replace a non-empty output folder
  -h, --help          this help
  -V, --version       the version

CLUSTER.yaml fields (file paths are relative to CLUSTER.yaml and hold PEM text):
  target: WithModule                                    or WithoutModule (default WithModule)
  nodeGroups: [{ name: master, cri: Containerd }, …]   cri: Containerd, ContainerdV2, Docker or NotManaged
  controlPlaneNodes: 3                                  or controlPlane: [{ name: master-0, address: 10.0.0.10 }, …]
  clusterType: Static                                   Proxy and Local need Static (default Cloud)
  images: { dockerDistribution: "sha256:…", dockerAuth: "sha256:…", mirrorer: "sha256:…" }   with the module: optional
  pki:                                                  with the module: optional; ca, token, auth, distribution, each:
    ca: { certificateFile: ca.crt, privateKeyFile: ca.key }
    nodes:                                              Proxy and Local: per control-plane node (registry-cdk8s pki)
      master-0: { auth: { certificateFile: …, privateKeyFile: … }, distribution: { certificateFile: …, privateKeyFile: … } }
    httpSecret: …                                       optional
  highAvailability: true                                default: more than one control-plane node
  httpProxy: http://proxy:3128   httpsProxy: …   noProxy: [.corp]   clusterDomain, podSubnetCIDR, serviceSubnetCIDR
  ingress:                                              Local only
    publicDomainTemplate: "%s.kube.example.com"
    clientCaFile: ingress-client-ca.crt
    tls: { clusterIssuer: letsencrypt }                 or tls: { certificateFile: tls.crt, privateKeyFile: tls.key }
    whitelistSourceRanges: [10.0.0.0/8]
    ingressClass: nginx
  bootstrapRegistry: { imagesRepo: …, caFile: ca.crt, username: …, password: … }   with --from a default Unmanaged
  customTolerationKeys: [dedicated.example.com/registry]
  verticalPodAutoscaler: false
  containerdBuild: Deckhouse                            or Stock
  nodeConfigurationWeight: 30

Exit codes: 0 success, 1 bad input (a file, a value or the output folder), 2 usage (unknown or missing options).`;

/** The PEM file fields of the cluster file: where they are, and the field they fill. */
const PEM_FIELDS: ReadonlyArray<{ at: readonly string[]; file: string; field: string }> = [
  ...['ca', 'token', 'auth', 'distribution'].flatMap((part) => [
    { at: ['pki', part], file: 'certificateFile', field: 'certificate' },
    { at: ['pki', part], file: 'privateKeyFile', field: 'privateKey' },
  ]),
  { at: ['ingress'], file: 'clientCaFile', field: 'clientCa' },
  { at: ['bootstrapRegistry'], file: 'caFile', field: 'ca' },
  { at: ['ingress', 'tls'], file: 'certificateFile', field: 'certificate' },
  { at: ['ingress', 'tls'], file: 'privateKeyFile', field: 'privateKey' },
];

/** Cluster-file keys that only the CLI and RegistrySwitch read. */
const EXTRA_CLUSTER_KEYS = ['bootstrapRegistry', 'containerdBuild', 'nodeConfigurationWeight', 'moduleConfigCredentials'];

interface SynthArgs { file: string; cluster?: string; out: string; from?: string; force: boolean; withoutModule: boolean; inlineCredentials: boolean }

function parseSynthArgs(argv: string[]): SynthArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f' },
        cluster: { type: 'string', short: 'c' },
        out: { type: 'string', short: 'o' },
        from: { type: 'string' },
        force: { type: 'boolean' },
        'without-module': { type: 'boolean' },
        'inline-credentials': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
  }
  if (parsed.values.help) return 'help';
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
    seen.add(t.name);
  }
  const v = parsed.values as { file?: string; cluster?: string; out?: string; from?: string; force?: boolean; 'without-module'?: boolean; 'inline-credentials'?: boolean };
  for (const k of ['file', 'cluster', 'out', 'from'] as const) {
    if (v[k] !== undefined && v[k] === '') throw new UsageError(`--${k} needs a non-empty value`);
  }
  if (v.file === undefined) throw new UsageError('-f MODULECONFIG.yaml is required');
  return {
    file: v.file, cluster: v.cluster, out: v.out ?? 'out', from: v.from, force: v.force === true,
    withoutModule: v['without-module'] === true, inlineCredentials: v['inline-credentials'] === true,
  };
}

function read(file: string, what = 'cannot read'): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${shown(file)}: ${what}: ${fsReason(e)}`);
  }
}

interface ClusterInput {
  readonly file: string;
  readonly props: Record<string, any>;
  /** PEM files the cluster file refers to. */
  readonly files: string[];
  /** `pki.ca.privateKey` -> the file field it came from (`pki.ca.privateKeyFile`, and as keys) and the path as written. */
  readonly fromFile: Map<string, { field: string; keys: readonly string[]; ref: string }>;
  lineOf(p: ReadonlyArray<string | number>): number;
}

function lineFinder(doc: Document, lines: LineCounter) {
  return (p: ReadonlyArray<string | number>): number => {
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
}

/** The cluster file as props; PEM file fields are read relative to it; errors carry file:line and the field. */
function readCluster(file: string): ClusterInput {
  const lines = new LineCounter();
  const name = shown(file);
  const doc = parseDocument(read(file), { lineCounter: lines, version: '1.1', prettyErrors: false });
  if (doc.errors.length > 0) throw new InputError(yamlErrorMessage(name, doc, lines, doc.errors[0]));
  const lineOf = lineFinder(doc, lines);
  const raw = toJsSafely(name, doc, lines) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${name}:1: expected a mapping of cluster facts (nodeGroups, images, pki, …)`);
  const props = raw as Record<string, any>;
  const dir = path.dirname(file);
  const files: string[] = [];
  const fromFile = new Map<string, { field: string; keys: readonly string[]; ref: string }>();
  const at = (where: readonly string[]) => where.reduce<any>((o, k) => (o !== null && typeof o === 'object' ? o[k] : undefined), props);
  const nodes = at(['pki', 'nodes']);
  const nodeFields = nodes !== null && typeof nodes === 'object' && !Array.isArray(nodes)
    ? Object.keys(nodes).flatMap((node) => ['auth', 'distribution'].flatMap((part) => [
      { at: ['pki', 'nodes', node, part], file: 'certificateFile', field: 'certificate' },
      { at: ['pki', 'nodes', node, part], file: 'privateKeyFile', field: 'privateKey' },
    ]))
    : [];
  for (const f of [...PEM_FIELDS, ...nodeFields]) {
    const obj = at(f.at);
    if (obj === null || typeof obj !== 'object' || !(f.file in obj)) continue;
    const fieldPath = [...f.at, f.file];
    const where = `${name}:${lineOf(fieldPath)}: ${fieldPath.join('.')}`;
    const ref = obj[f.file];
    if (typeof ref !== 'string' || ref === '') throw new InputError(`${where}: expected the path of a PEM file, relative to ${name}`);
    if (f.field in obj) throw new InputError(`${where}: give either ${f.file} or ${f.field}, not both`);
    const full = path.resolve(dir, ref);
    try {
      obj[f.field] = fs.readFileSync(full, 'utf8');
    } catch (e) {
      throw new InputError(`${where}: cannot read ${JSON.stringify(ref)}${path.isAbsolute(ref) ? '' : ` (${shown(path.relative(process.cwd(), full) || full)})`}: ${fsReason(e)}`);
    }
    files.push(full);
    fromFile.set([...f.at, f.field].join('.'), { field: fieldPath.join('.'), keys: fieldPath, ref });
    delete obj[f.file];
  }
  const tls = at(['ingress', 'tls']);
  if (tls !== undefined && tls !== null && typeof tls === 'object' && !Array.isArray(tls)) {
    const keys = Object.keys(tls).sort().join(',');
    const where = `${name}:${lineOf(['ingress', 'tls'])}: ingress.tls`;
    if (keys === 'clusterIssuer') props.ingress.tls = IngressTls.certManager(tls.clusterIssuer);
    else if (keys === 'certificate,privateKey') props.ingress.tls = IngressTls.customCertificate({ certificate: tls.certificate, privateKey: tls.privateKey });
    else throw new InputError(`${where}: expected { clusterIssuer: <name> } (cert-manager) or { certificateFile, privateKeyFile } (your certificate)`);
  }
  return { file: name, props, files, fromFile, lineOf };
}

/**
 * Puts file:line before a validation error whose field path (e.g. `nodeGroups[1].cri`) belongs to the cluster file.
 * The path is read from the error's fields, never from its message; any other error is reported as it is.
 */
function locate(e: unknown, args: SynthArgs, cluster: ClusterInput | undefined): Error {
  if (!(e instanceof Error) || e instanceof InputError) return e as Error;
  const message = e.message;
  if (message.startsWith('switch: ')) return new InputError(`${shown(args.from as string)} -> ${shown(args.file)}: ${message}`);
  if (!(e instanceof RegistryValidationError) || e.file !== undefined) return new InputError(message);
  const keys = pathKeys(e.path);
  const top = keys[0];
  const known = typeof top === 'string' && ([...CLUSTER_PROPS, ...EXTRA_CLUSTER_KEYS].includes(top) || (cluster !== undefined && top in cluster.props));
  if (!known) return new InputError(message);
  if (cluster === undefined) return new InputError(`${message} (cluster facts go in a cluster file: -c CLUSTER.yaml, see --help)`);
  const pem = cluster.fromFile.get(e.path);
  if (pem !== undefined) {
    // the value came from a PEM file: point at the line that names the file, and name the file
    return new InputError(`${cluster.file}:${cluster.lineOf(pem.keys)}: ${pem.field} (${JSON.stringify(pem.ref)}): ${e.problem}`);
  }
  return new InputError(e.withLocation(cluster.file, cluster.lineOf(keys)).message);
}

interface Rendered {
  readonly files: OutputFile[];
  readonly kind: 'module' | 'switch';
  readonly target: DeliveryTarget;
  readonly variables: readonly string[];
  readonly stages: string[];
  readonly nodeGroups: string[];
  readonly warnings: string[];
}


function render(args: SynthArgs): Rendered & { inputs: string[] } {
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw e instanceof InputError ? e : new InputError((e as Error).message);
    }
  };
  const to = wrap(() => RegistrySettings.fromModuleConfig(read(args.file), shown(args.file)));
  const cluster = args.cluster === undefined ? undefined : readCluster(args.cluster);
  const inputs = [args.file, ...(args.from ? [args.from] : []), ...(args.cluster ? [args.cluster] : []), ...(cluster?.files ?? [])];
  const props: Record<string, any> = { ...(cluster?.props ?? {}) };
  if (args.withoutModule) props.target = 'WithoutModule';
  if (args.inlineCredentials) props.moduleConfigCredentials = CredentialForm.INLINE;
  const app = new App(); // never synthesized to disk: the files are written by writeTree
  const warnings: string[] = [];
  try {
    if (args.from !== undefined) {
      const from = wrap(() => RegistrySettings.fromModuleConfig(read(args.from as string), shown(args.from as string)));
      if (from.name === RegistryModeName.UNMANAGED && from.imagesRepo === undefined && props.bootstrapRegistry === undefined) {
        warnings.push(`${shown(args.from)} is the default Unmanaged mode (the bootstrap registry), and ${cluster ? cluster.file : 'no cluster file'} gives no bootstrapRegistry: `
          + 'the plan cannot know where nodes pull from today, so it cannot check that those images still resolve during the transition; '
          + 'add bootstrapRegistry: { imagesRepo: …, username: …, password: … } to the cluster file to have it checked');
      }
      const sw = new RegistrySwitch(app, 'Switch', { ...props, from, to } as any);
      const files = outputFiles(sw);
      const groups = [...new Set(sw.stages.flatMap((s) => s.bundles.map((b) => b.nodeGroup)))];
      return { files, kind: 'switch', target: sw.target, stages: sw.stages.map((s) => s.folder), nodeGroups: groups, variables: sw.moduleConfig.variables, warnings, inputs };
    }
    const { bootstrapRegistry: _ignored, ...moduleProps } = props;
    const chart = new Chart(app, 'registry');
    const module = new RegistryModule(chart, 'Registry', { ...moduleProps, mode: to as RegistryMode });
    const files = outputFiles(module);
    return {
      files, kind: 'module', target: module.target, stages: [], nodeGroups: module.nodeConfiguration.bundles.map((b) => b.nodeGroup),
      variables: module.moduleConfig.variables, warnings, inputs,
    };
  } catch (e) {
    throw locate(e, args, cluster);
  }
}

function summary(args: SynthArgs, r: Rendered, result: { replaced: boolean; recovered?: string; folderMode: number }): string {
  const out = shown(args.out);
  const secret = r.files.filter((f) => f.mode === SECRET_FILE_MODE).length;
  const withModule = r.target === DeliveryTarget.WITH_MODULE;
  const lines = [`wrote ${r.files.length} file(s) to ${out}/${result.replaced ? ' (replacing its previous contents)' : ''}; `
    + `folder mode ${result.folderMode.toString(8).padStart(4, '0')}${secret > 0 ? `, ${secret} file(s) hold secrets and are 0600` : ''}`];
  if (result.recovered !== undefined) lines.push(`  note: restored ${out}/ from ${shown(result.recovered)}, left by an interrupted earlier run`);
  lines.push(withModule
    ? '  target             with the module: Deckhouse\'s registry module renders the objects and switches; bashible writes the node files'
    : '  target             without the module: the pipeline applies every object; NodeGroupConfigurations deliver the node files');
  lines.push(withModule
    ? '  apply/             ModuleConfig/deckhouse only (kubectl apply -k), with a kustomization.yaml and a README'
    : `  apply/             every object${r.kind === 'switch' ? ', one folder per stage' : ''} (kubectl apply -k), with a kustomization.yaml and a README`);
  lines.push(`  expected/          review only, never applied: ${withModule ? 'the objects the module renders and ' : ''}the files each node ends up with${r.nodeGroups.length > 0 ? ` (${r.nodeGroups.join(', ')})` : ''}`);
  if (r.kind === 'switch') lines.push('  PLAN.md            the stages, what to wait for between them, what each disrupts', `  stages             ${r.stages.join(', ')}`);
  const substitute = r.variables.length > 0 ? `substitute ${r.variables.map((v) => `$${v}`).join(', ')} (envsubst with that list, see apply/README.md), then ` : '';
  if (r.kind === 'module' || withModule) {
    lines.push(`next: review ${out}/, ${substitute}apply: kubectl apply -k ${out}/apply/${r.kind === 'switch' ? ' (the module then performs the stages in PLAN.md)' : ''}`);
  } else {
    lines.push(`next: read ${out}/PLAN.md, ${substitute}apply the stages in order (kubectl apply -k ${out}/apply/<stage>/), waiting for the listed conditions between them`);
  }
  return `${lines.join('\n')}\n`;
}

/** `registry-cdk8s synth …`: returns the exit code. */
export function synth(argv: string[]): number {
  try {
    const args = parseSynthArgs(argv);
    if (args === 'help') {
      process.stdout.write(`${SYNTH_USAGE}\n`);
      return EXIT.OK;
    }
    // the output folder first: a misplaced -o is reported before any input is read
    checkOutputFolder(args.out, { force: args.force, inputs: [args.file, ...(args.from ? [args.from] : []), ...(args.cluster ? [args.cluster] : [])] });
    const rendered = render(args);
    for (const w of rendered.warnings) process.stderr.write(`registry-cdk8s: warning: ${w}\n`);
    const result = writeTree(args.out, rendered.files, { force: args.force, inputs: rendered.inputs });
    process.stdout.write(summary(args, rendered, result));
    return EXIT.OK;
  } catch (e) {
    return report(e, 'synth');
  }
}
