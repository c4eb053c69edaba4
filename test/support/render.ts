// The one way the tests render a RegistryModule: in a fresh app and chart, by default without the module (the target
// where every object is applied, so unit tests see all of them). Also: finding every NodeConfiguration and its
// scripts generically (so new modes and stages are covered without edits).
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
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
