// The one way the tests render a RegistryModule: in a fresh app and chart, by default without the module (the target
// where every object is applied, so unit tests see all of them). Also: finding every NodeConfiguration and its
// scripts generically (so new modes and stages are covered without edits).
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as YAML from 'yaml';
import { DeliveryTarget, NodeBundle, NodeConfiguration, RegistryModule, RegistryModuleProps, RegistrySwitch } from '../../lib';

export interface Rendered {
  readonly app: App;
  readonly chart: Chart;
  readonly module: RegistryModule;
  /** The chart's objects (what `Testing.synth(chart)` returns). */
  readonly objects: any[];
  /** `app.synthYaml()`: what `cdk8s synth` writes, as one multi-document string (made when first read). */
  readonly yaml: string;
}

/**
 * Renders a RegistryModule in a fresh app and chart. The target is WithoutModule unless `props` names one (give
 * `DeliveryTarget.WITH_MODULE` for the library's default).
 */
export function renderModule(props: RegistryModuleProps): Rendered {
  const app = new App({ outdir: '/nonexistent-outdir-never-written' });
  const chart = new Chart(app, 'registry');
  const module = new RegistryModule(chart, 'Registry', { target: DeliveryTarget.WITHOUT_MODULE, ...props });
  const objects = chart.toJson();
  let yaml: string | undefined;
  return { app, chart, module, objects, get yaml() { return (yaml ??= app.synthYaml()); } };
}

/** The objects of renderModule(props). */
export function renderObjects(props: RegistryModuleProps): any[] {
  return renderModule(props).objects;
}

/** Every NodeConfiguration below a construct, in construct-tree order. */
export function nodeConfigurationsOf(scope: IConstruct): NodeConfiguration[] {
  return scope.node.findAll().filter((c): c is NodeConfiguration => c instanceof NodeConfiguration);
}

export interface NodeScript {
  /** Construct path of the NodeGroupConfiguration. */
  readonly path: string;
  /** The resolved NodeGroupConfiguration object. */
  readonly object: any;
  readonly nodeGroup: string;
  readonly script: string;
  /** The bundle of the same node configuration (or switch stage) and node group: the files the script must write. */
  readonly bundle: NodeBundle;
  /** Every object of the script's chart (its Secrets and RBAC), for the kubectl stand-in. */
  readonly chartObjects: any[];
}

/** The bundles that the NodeGroupConfigurations below `c` deliver: its NodeConfiguration's, or its switch stage's. */
function bundlesOf(c: IConstruct): readonly NodeBundle[] {
  const scopes = c.node.scopes;
  const nc = [...scopes].reverse().find((s): s is NodeConfiguration => s instanceof NodeConfiguration);
  if (nc !== undefined) return nc.bundles;
  const sw = scopes.find((s): s is RegistrySwitch => s instanceof RegistrySwitch);
  const stage = sw?.stages.find((st) => scopes.includes(st.chart));
  if (stage !== undefined) return stage.bundles;
  throw new Error(`${c.node.path}: a NodeGroupConfiguration outside a NodeConfiguration or a switch stage; teach test/support/render.ts where its bundle is`);
}

/**
 * Every NodeGroupConfiguration script below a construct (a RegistryModule, a RegistrySwitch, a whole App) with the
 * bundle it delivers. A script whose node group has no bundle is an error: it would write files nobody reviewed in
 * toFiles().
 */
export function nodeScriptsOf(scope: IConstruct): NodeScript[] {
  const out: NodeScript[] = [];
  for (const child of scope.node.findAll()) {
    if (!(child instanceof ApiObject) || child.kind !== 'NodeGroupConfiguration') continue;
    const object = child.toJson();
    const groups: string[] = object.spec.nodeGroups;
    if (groups.length !== 1) throw new Error(`${child.node.path}: expected one node group per NodeGroupConfiguration, got ${groups.join(', ')}`);
    const bundle = bundlesOf(child).find((b) => b.nodeGroup === groups[0]);
    if (bundle === undefined) throw new Error(`${child.node.path}: no bundle for node group ${groups[0]}`);
    out.push({ path: child.node.path, object, nodeGroup: groups[0], script: object.spec.content, bundle, chartObjects: Chart.of(child).toJson() });
  }
  return out;
}

/** Every document of a multi-document YAML string (empty documents dropped). */
export function parseDocuments(text: string, options: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions = {}): any[] {
  return YAML.parseAllDocuments(text, options).map((d) => {
    if (d.errors.length > 0) throw new Error(`YAML does not parse: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((o) => o !== null && o !== undefined);
}

/** Decoded `data` of a Secret object (UTF-8). */
export function decodeSecret(object: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(object.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries<string>(object.stringData ?? {})) out[k] = v;
  return out;
}

export interface PutLine {
  readonly path: string;
  /** Octal mode as written, e.g. "600". */
  readonly mode: string;
  readonly base64: string;
  readonly content: string;
  /** Offsets of the base64 payload in the script. */
  readonly start: number;
  readonly end: number;
}

// put 'PATH' MODE 'BASE64' ['OWNER' [DIRECTORY_MODE]]
const PUT = /^put '([^']+)' ([0-7]+) '([A-Za-z0-9+/=]*)'((?: '[0-9:]*'(?: [0-7]+)?)?)$/gm;

/** The `put PATH MODE 'BASE64' [OWNER [DIRECTORY_MODE]]` lines of a node script. */
export function putLines(script: string): PutLine[] {
  const out: PutLine[] = [];
  for (const m of script.matchAll(PUT)) {
    const start = (m.index as number) + `put '${m[1]}' ${m[2]} '`.length;
    out.push({ path: m[1], mode: m[2], base64: m[3], content: Buffer.from(m[3], 'base64').toString('utf8'), start, end: start + m[3].length });
  }
  return out;
}

/** The script with every put payload replaced by a placeholder: the part that is code, not data. */
export function scriptSkeleton(script: string): string {
  return script.replace(PUT, (_all, p: string, mode: string, _b64: string, rest: string) => `put '${p}' ${mode} '<payload>'${rest}`);
}
