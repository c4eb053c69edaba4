import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { bashibleConfig } from '../model/bashible';
import { managedDeckhouseRegistry, unmanagedDeckhouseRegistry } from '../model/deckhouse-registry';
import { orchestratorHash } from '../model/module-settings';
import { resolveImage } from '../model/resolver';
import { checkStageResolution, checkSwitchAllowed, describeSettings, planSwitch, Side, StagePlan } from '../model/switch-plan';
import { Cluster, CLUSTER_PROPS, Images, IngressFacts, parseContainerdBuild, parseWeight, Pki, rejectUnknownProps, resolveCluster } from '../settings/_cluster';
import { isNodeServicesMode, parseConnection, Settings, Upstream } from '../settings/_registry-settings';
import { describeValue, invalid, violated } from '../settings/_errors';
import { RegistryClusterProps } from '../settings/cluster';
import { ContainerdBuild, CredentialForm, Cri, DeliveryTarget, RegistryModeName } from '../settings/enums';
import { RegistryMode, UnmanagedModeOptions } from '../settings/registry-mode';
import { planDiagram } from '../render/diagram';
import { applyReadme, expectedReadme, kustomization, rootReadme } from '../render/output-readme';
import { modeNodes } from '../model/mode-nodes';
import { proxyEndpoints } from '../model/node-services';
import { NodeFile } from '../render/node-files';
import { nodeServicesExtra, registryProxyFiles } from '../render/node-services-files';
import { nodeServicesDeckhouseRegistry, renderLocalPush, renderNodeServicesSecrets } from './node-services-mode';
import { InClusterProxy } from './in-cluster-proxy';
import { DeckhouseModuleConfig } from './module-config';
import { bundleFiles, hasSecretFiles, NodeBundle, renderNodeObjects } from './node-configuration';
import { RegistryService, RegistryServiceTarget } from './registry-service';
import { bashibleConfigSecret, deckhouseRegistrySecret, registryConfigSecret, registryPkiSecret } from './_module-secrets';

/** Props of `RegistrySwitch`: both settings and the cluster facts. */
export interface RegistrySwitchProps extends RegistryClusterProps {
  /** The settings the cluster runs now. */
  readonly from: RegistryMode;
  /** The settings to switch to. */
  readonly to: RegistryMode;

  /**
   * When `from` is the default Unmanaged mode: the registry the cluster was bootstrapped with (what
   * `deckhouse-registry` holds), so that the transition keeps routing for it, as the module does.
   * @default - unknown: the transition only adds the new routing, and images of the bootstrap registry are pulled from their own host
   */
  readonly bootstrapRegistry?: UnmanagedModeOptions;

  /**
   * The containerd build on the nodes.
   * @default ContainerdBuild.DECKHOUSE
   */
  readonly containerdBuild?: ContainerdBuild;

  /**
   * `spec.weight` of the node configuration objects.
   * @default 30
   */
  readonly nodeConfigurationWeight?: number;

  /**
   * How `ModuleConfig/deckhouse` carries the registry credentials.
   * @default CredentialForm.PLACEHOLDER
   */
  readonly moduleConfigCredentials?: CredentialForm;
}

/** One stage of a switch: a complete desired state, applied after the previous stage's conditions hold. */
export interface SwitchStage {
  /** 1-based position. */
  readonly index: number;
  /** `transition`, `in-cluster-proxy`, `switch`, `final` or `cleanup`. */
  readonly name: string;
  /** Output folder, `<NN>-<name>`. */
  readonly folder: string;
  /** `registry-state` conditions to wait for before applying the next stage. */
  readonly waitFor: string[];
  /** What applying the stage does to a running cluster. */
  readonly disruptions: string[];
  /** Objects this stage removes (`Kind namespace/name`); prune them when applying it. */
  readonly prune: string[];
  /** The stage's manifests. */
  readonly chart: Chart;
  /** The stage's node files. */
  readonly bundles: NodeBundle[];
}

/**
 * A staged switch between two registry settings, as the module performs it: transition (old and new routing on
 * every node), In-Cluster Proxy (when the target runs one), switch (`deckhouse-registry` and the Service move),
 * final (new routing only), cleanup (the old mode's objects removed). Each stage is its own Chart, a complete set
 * of manifests and node files for a GitOps pipeline to apply in order.
 *
 * Forbidden switches throw at construction and name the route to take instead. At every stage every node group
 * must resolve every image reference in use with the stage's own node files (checked with the resolver).
 *
 * Put it directly under an App (each stage is a Chart); write `toFiles()` to disk instead of `app.synth()`.
 */
export class RegistrySwitch extends Construct {
  /** The stages in the order to apply them (without the module) or to expect (with it). */
  public readonly stages: SwitchStage[] = [];
  /** Who performs the stages: the module (the pipeline applies the new ModuleConfig once) or the pipeline. */
  public readonly target: DeliveryTarget;
  /** The new `ModuleConfig/deckhouse`. */
  public readonly moduleConfig: DeckhouseModuleConfig;
  private readonly summary: string;

  constructor(scope: Construct, id: string, props: RegistrySwitchProps) {
    super(scope, id);
    if (this.node.scopes.some((s) => s instanceof Chart)) throw new Error(`${this.node.path}: a RegistrySwitch renders one Chart per stage; create it directly under an App, not inside a Chart`);
    rejectUnknownProps(props, [...CLUSTER_PROPS, 'from', 'to', 'bootstrapRegistry', 'containerdBuild', 'nodeConfigurationWeight', 'moduleConfigCredentials']);
    for (const side of ['from', 'to'] as const) {
      if (!(props[side] instanceof RegistryMode)) invalid(side, 'a RegistryMode (RegistryMode.direct(…), RegistryMode.fromSettings(…), …)', describeValue(props[side]));
    }
    const from = props.from._settings;
    const to = props.to._settings;
    checkSwitchAllowed(from, to);
    const clusters = { from: resolveCluster(props, from), to: resolveCluster(props, to) };
    const build = parseContainerdBuild(props.containerdBuild);
    const weight = parseWeight(props.nodeConfigurationWeight, 'nodeConfigurationWeight');
    const images = clusters.to.images ?? clusters.from.images;
    const digests = images === undefined ? [`sha256:${'0'.repeat(64)}`] : [images.dockerDistribution, images.dockerAuth];
    let bootstrap: Upstream | undefined;
    if (props.bootstrapRegistry !== undefined) {
      if (!(from.mode === RegistryModeName.UNMANAGED && from.upstream === undefined)) {
        violated('bootstrapRegistry', `only meaningful when from is the default Unmanaged mode; from is ${describeSettings(from)}`);
      }
      bootstrap = parseConnection('bootstrapRegistry', props.bootstrapRegistry);
    }
    const plan = planSwitch(from, to, clusters.to, digests, (x) => modeNodes(x, clusters.to).routing, bootstrap);
    const modes = { from: props.from, to: props.to };
    const settings = { from: plan.effectiveFrom, to: plan.effectiveTo };
    this.target = clusters.to.target;
    this.moduleConfig = new DeckhouseModuleConfig(this, 'ModuleConfig', { mode: props.to, credentials: props.moduleConfigCredentials });
    // With the module the stages are what to expect and wait for: their charts live outside the app.
    const stageParent: Construct = this.target === DeliveryTarget.WITH_MODULE ? new App() : this;

    plan.stages.forEach((stage, i) => {
      const folder = `${String(i + 1).padStart(2, '0')}-${stage.name}`;
      const chart = new Chart(stageParent, folder);
      const bundles = this.renderStage(chart, stage, props, modes, settings, clusters, build, weight);
      for (const b of bundles) {
        const files: Record<string, string> = {};
        for (const f of b.files) files[f.path] = f.content;
        const major = b.cri === Cri.CONTAINERD_V2 ? 2 : 1;
        for (const check of stage.checks) checkStageResolution(folder, b.nodeGroup, check, resolveImage(check.image, files, { build, containerdMajor: major }));
      }
      this.stages.push({
        index: i + 1, name: stage.name, folder, chart, bundles,
        waitFor: [...stage.waitFor], disruptions: [...stage.disruptions], prune: [...stage.prune],
      });
    });
    this.summary = `${describeSettings(from)} -> ${describeSettings(to)}`;
    if (this.target === DeliveryTarget.WITHOUT_MODULE) {
      for (const st of this.stages) {
        for (const o of st.chart.node.findAll()) if (o instanceof ApiObject) o.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/substitute', 'disabled');
      }
    }
  }

  /**
   * The plan as files: `README.md`, `PLAN.md`; with the module `apply/moduleconfig.yaml` and
   * `expected/<NN>-<stage>/registry.k8s.yaml`; without it `apply/<NN>-<stage>/` (manifests, ModuleConfig, kustomization,
   * `prune.txt` when the stage removes objects); node files under `expected/<NN>-<stage>/nodes/<group>/…`.
   */
  public toFiles(): { [path: string]: string } {
    const withModule = this.target === DeliveryTarget.WITH_MODULE;
    const facts = {
      target: this.target, summary: this.summary, variables: this.moduleConfig.variables, inline: this.moduleConfig.inlineCredentials,
      kept: this.moduleConfig.kept, nodeGroups: [...new Set(this.stages.flatMap((st) => st.bundles.map((b) => b.nodeGroup)))],
      secretDelivery: !withModule && this.stages.some((st) => st.bundles.some(hasSecretFiles)),
    };
    const out: { [path: string]: string } = {
      'README.md': rootReadme(facts),
      'PLAN.md': this.planMarkdown(),
      'apply/README.md': applyReadme(facts),
      'expected/README.md': expectedReadme(facts),
    };
    if (withModule) {
      out['apply/moduleconfig.yaml'] = this.moduleConfig.toYaml();
      out['apply/kustomization.yaml'] = kustomization(['moduleconfig.yaml']);
    }
    for (const st of this.stages) {
      const manifests = Yaml.stringify(...st.chart.toJson());
      if (withModule) {
        out[`expected/${st.folder}/registry.k8s.yaml`] = manifests;
      } else {
        out[`apply/${st.folder}/moduleconfig.yaml`] = this.moduleConfig.toYaml();
        out[`apply/${st.folder}/registry.k8s.yaml`] = manifests;
        out[`apply/${st.folder}/kustomization.yaml`] = kustomization(['moduleconfig.yaml', 'registry.k8s.yaml']);
        if (st.prune.length > 0) out[`apply/${st.folder}/prune.txt`] = `${st.prune.join('\n')}\n`;
      }
      Object.assign(out, bundleFiles(st.bundles, `expected/${st.folder}/`));
    }
    return out;
  }

  /**
   * A readable plan: per stage, what happens, what to wait for, what it disrupts and what goes. With the module, the
   * pipeline applies the new ModuleConfig once and the module performs the stages; without it, the pipeline applies
   * the stage folders in order.
   */
  public planMarkdown(): string {
    const withModule = this.target === DeliveryTarget.WITH_MODULE;
    const lines = [
      `# Registry switch: ${this.summary}`,
      '',
      ...(withModule
        ? [
          'Target: **with the module**. The pipeline applies `apply/moduleconfig.yaml` once; Deckhouse\'s `registry` module then performs',
          'these stages by itself, in this order. Nothing here is applied by hand: each stage is what to expect and to wait for. The module',
          'moves on when every listed condition of `d8-system/registry-state` is `True` (`d8 k -n d8-system get secret registry-state -o yaml`);',
          '`expected/<stage>/` holds the objects and node files of each stage for review and `registry-cdk8s verify`.',
          '',
          '| # | stage | expected state | the module waits for | what it causes | the module removes |',
        ]
        : [
          'Target: **without the module**. The pipeline applies the stages in order: `apply/<stage>/`, then waits until the listed',
          'conditions hold (or, with no module to report them, until the check in the table holds), then the next stage; prune what a',
          'stage lists. NodeGroupConfigurations in each stage deliver its node files; `expected/<stage>/nodes/` shows them.',
          '',
          '| # | stage | apply | wait for | what it causes | prune |',
        ]),
      '|---|---|---|---|---|---|',
    ];
    for (const st of this.stages) {
      const where = withModule ? `\`expected/${st.folder}/\`` : `\`apply/${st.folder}/\``;
      lines.push(`| ${st.index} | ${st.name} | ${where} | ${st.waitFor.map((c) => `\`${c}\``).join(', ')} | ${st.disruptions.join('<br>')} | ${st.prune.length === 0 ? '—' : st.prune.map((p) => `\`${p}\``).join('<br>')} |`);
    }
    lines.push('', withModule
      ? 'Node files of each stage are under `expected/<stage>/nodes/<node-group>/`: bashible writes them from `registry-bashible-config`, and its containerd step restarts containerd when the `config_path` configuration changes.'
      : 'Node files of each stage are under `expected/<stage>/nodes/<node-group>/`; the NodeGroupConfiguration objects in the stage\'s manifests deliver them and restart containerd only when its `config_path` fragment changed.', '');
    lines.push('```mermaid', this.diagram().trimEnd(), '```', '');
    return lines.join('\n');
  }

  /** A Mermaid flowchart of the stages and the conditions between them. */
  public diagram(): string {
    return planDiagram(this.stages);
  }

  private renderStage(chart: Chart, stage: StagePlan, props: RegistrySwitchProps, modes: Record<Side, RegistryMode>,
    settings: Record<Side, Settings>, clusters: Record<Side, Cluster>, build: ContainerdBuild, weight: number): NodeBundle[] {
    registryConfigSecret(chart, 'RegistryConfig', modes.to._parsed);
    if (stage.pki !== undefined) {
      const side = stage.pki;
      registryPkiSecret(chart, 'Pki', clusters[side].pki as Pki, orchestratorHash(settings[side], clusters[side]));
    }
    if (stage.deckhouseRegistry !== undefined) {
      const side = stage.deckhouseRegistry;
      const s = settings[side];
      const pki = clusters[side].pki as Pki;
      if (s.mode === RegistryModeName.DIRECT) {
        deckhouseRegistrySecret(chart, 'DeckhouseRegistry', managedDeckhouseRegistry(pki.ca.certificate, s.upstream.username, s.upstream.password));
      } else if (isNodeServicesMode(s)) {
        deckhouseRegistrySecret(chart, 'DeckhouseRegistry', nodeServicesDeckhouseRegistry(s, pki));
      } else if (s.upstream !== undefined) {
        deckhouseRegistrySecret(chart, 'DeckhouseRegistry', unmanagedDeckhouseRegistry(s.upstream));
      }
    }
    const endpoints = stage.registryProxy ? proxyEndpoints(clusters.to.controlPlane) : [];
    if (stage.routing !== undefined) bashibleConfigSecret(chart, 'BashibleConfig', bashibleConfig(stage.bashibleMode, stage.imagesBase, stage.routing, endpoints));
    if (stage.inClusterProxy !== undefined) new InClusterProxy(chart, 'InClusterProxy', { ...clusterProps(props), mode: modes[stage.inClusterProxy] });
    if (stage.nodeServices !== undefined) {
      const side = stage.nodeServices;
      renderNodeServicesSecrets(chart, settings[side], clusters[side]);
      if (settings[side].mode === RegistryModeName.LOCAL) renderLocalPush(chart, clusters[side].ingress as IngressFacts, orchestratorHash(settings[side], clusters[side]));
    }
    if (stage.service !== undefined) {
      const side: Side = serviceSide(stage.service, settings);
      const target = stage.service === 'incluster-proxy' ? RegistryServiceTarget.IN_CLUSTER_PROXY : RegistryServiceTarget.NODE_SERVICES;
      new RegistryService(chart, 'Service', { target, configHash: orchestratorHash(settings[side], clusters[side]) });
    }
    const node = new Construct(chart, 'NodeConfiguration');
    const c = clusters.to;
    const lb = stage.registryProxy ? registryProxyFiles(c.controlPlane) : [];
    let services: (group: string) => Map<string, NodeFile[]> = () => new Map();
    if (stage.nodeServices !== undefined) {
      const side = stage.nodeServices;
      const sc = clusters[side];
      services = nodeServicesExtra(settings[side], sc.pki as Pki, sc.images as Images, sc.controlPlane, orchestratorHash(settings[side], sc), sc.proxy).node;
    }
    const deliver = this.target === DeliveryTarget.WITHOUT_MODULE;
    return renderNodeObjects(deliver ? node : undefined, stage.routing, c.nodeGroups, build, weight, { group: () => lb, node: services });
  }

}

/** The side whose settings the Service's target belongs to. */
function serviceSide(target: 'incluster-proxy' | 'node-services', settings: Record<Side, Settings>): Side {
  const matches = (s: Settings) => (target === 'incluster-proxy' ? s.mode === RegistryModeName.DIRECT : isNodeServicesMode(s));
  return matches(settings.to) ? 'to' : 'from';
}

/** The cluster facts of switch props, without the switch's own props. */
function clusterProps(props: RegistrySwitchProps): RegistryClusterProps {
  const { from: _f, to: _t, bootstrapRegistry: _b, containerdBuild: _c, nodeConfigurationWeight: _w, ...rest } = props;
  return rest;
}
