import { App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { RegistryModel, ResolvedRegistry, resolvedFor } from '../model/registry-model';
import { resolveImage } from '../model/resolver';
import { checkStageResolution, checkSwitchAllowed, effectiveSettings, planSwitch, Side, StagePlan } from '../model/switch-plan';
import { planDiagram } from '../render/diagram';
import { nodeServicesExtra, registryProxyFiles } from '../render/node-services-files';
import { applyReadme, expectedReadme, kustomization, rootReadme } from '../render/output-readme';
import { resolveSwitchInputs } from '../settings/inputs';
import { describeSettings } from '../settings/parsed-settings';
import { RegistryClusterProps } from '../settings/cluster';
import { ContainerdBuild, CredentialForm, Cri, DeliveryTarget, RegistryModeName } from '../settings/enums';
import { RegistryMode, UnmanagedModeOptions } from '../settings/registry-mode';
import { InClusterProxy } from './in-cluster-proxy';
import { DeckhouseModuleConfig } from './deckhouse-module-config';
import { bundleFiles, NodeBundle, renderNodeObjects } from './node-configuration';
import { RegistryService, RegistryServiceTarget } from './registry-service';
import { bashibleConfigSecret, deckhouseRegistrySecret, registryConfigSecret, registryPkiSecret } from './_module-secrets';
import { disableFluxSubstitution } from './_objects';
import { outputFacts } from './_output-facts';
import { renderLocalPush, renderNodeServicesSecrets } from './_node-services-objects';

/** What every stage of a switch renders from: both sides' models, declared and effective. */
interface StageContext {
  /** Models of the settings as written (the In-Cluster Proxy renders from these; `to` also gives `registry-config`). */
  readonly declared: Record<Side, RegistryModel>;
  /** Models of the effective settings (`effectiveSettings`): everything else renders from these. */
  readonly effective: Record<Side, ResolvedRegistry>;
  /** Whether the stages' NodeGroupConfigurations deliver the node files (without the module). */
  readonly deliver: boolean;
}

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
  /** `transition`, `in-cluster-proxy`, `node-services`, `switch`, `final` or `cleanup`. */
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
 * every node), In-Cluster Proxy (when the target runs one), node services (when the target runs them on the control-plane
 * nodes), switch (`deckhouse-registry` and the Service move),
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
    // Every input error surfaces here, in a fixed order, before anything is created.
    const inputs = resolveSwitchInputs(props, checkSwitchAllowed);
    const declared = { from: RegistryModel._fromInputs(inputs.from), to: RegistryModel._fromInputs(inputs.to) };
    const settings = { from: declared.from._resolved.settings, to: declared.to._resolved.settings };
    const effectiveOf = effectiveSettings(settings.from, settings.to, inputs.bootstrap);
    const sideOf = (side: Side): ResolvedRegistry => {
      const m = declared[side]._resolved;
      return effectiveOf[side] === m.settings ? m : resolvedFor(effectiveOf[side], m.cluster, m.build, m.weight);
    };
    const effective = { from: sideOf('from'), to: sideOf('to') };
    const plan = planSwitch({ declared: settings, from: effective.from, to: effective.to });
    const { build } = effective.to;
    this.target = declared.to.target;
    this.moduleConfig = new DeckhouseModuleConfig(this, 'ModuleConfig', { mode: props.to, credentials: props.moduleConfigCredentials });
    // With the module the stages are what to expect and wait for: their charts live outside the app.
    const stageParent: Construct = this.target === DeliveryTarget.WITH_MODULE ? new App() : this;

    const ctx: StageContext = { declared, effective, deliver: this.target === DeliveryTarget.WITHOUT_MODULE };
    plan.forEach((stage, i) => {
      const folder = `${String(i + 1).padStart(2, '0')}-${stage.name}`;
      const chart = new Chart(stageParent, folder);
      const bundles = renderStage(chart, stage, ctx);
      for (const b of bundles) {
        const files: Record<string, string> = {};
        for (const f of b.files) files[f.path] = f.content;
        const major = b.cri === Cri.CONTAINERD_V2 ? 2 : 1;
        for (const check of stage.checks) checkStageResolution(folder, b.nodeGroup, check, resolveImage(check.image, files, { containerdBuild: build, containerdMajor: major }));
      }
      this.stages.push({
        index: i + 1, name: stage.name, folder, chart, bundles,
        waitFor: [...stage.waitFor], disruptions: [...stage.disruptions], prune: [...stage.prune],
      });
    });
    this.summary = `${describeSettings(settings.from)} -> ${describeSettings(settings.to)}`;
    if (this.target === DeliveryTarget.WITHOUT_MODULE) {
      for (const st of this.stages) disableFluxSubstitution(st.chart);
    }
  }

  /**
   * The plan as files: `README.md`, `PLAN.md`; with the module `apply/moduleconfig.yaml` and
   * `expected/<NN>-<stage>/registry.k8s.yaml`; without it `apply/<NN>-<stage>/` (manifests, ModuleConfig, kustomization,
   * `prune.txt` when the stage removes objects); node files under `expected/<NN>-<stage>/nodes/<group>/…`.
   */
  public toFiles(): { [path: string]: string } {
    const withModule = this.target === DeliveryTarget.WITH_MODULE;
    const facts = outputFacts(this.target, this.summary, this.moduleConfig, this.stages.flatMap((st) => st.bundles));
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
          'conditions hold (or, with no module to report them, until `registry-cdk8s verify --expected apply/<stage>/ --objects <live>`',
          'reports no drift), then the next stage; prune what a stage lists. NodeGroupConfigurations in each stage deliver its node',
          'files; `expected/<stage>/nodes/` shows them.',
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
      : 'Node files of each stage are under `expected/<stage>/nodes/<node-group>/`; the NodeGroupConfiguration objects in the stage\'s manifests deliver them. Their scripts never restart containerd: when the `config_path` fragment changed they set bashible\'s `containerd-need-restart` flag (outside bashible they print that containerd must be restarted).', '');
    lines.push('```mermaid', this.diagram().trimEnd(), '```', '');
    return lines.join('\n');
  }

  /** A Mermaid flowchart of the stages and the conditions between them. */
  public diagram(): string {
    return planDiagram(this.stages);
  }

}

/** One stage's objects and node files, in a fixed order, from the stage plan and both sides' models. */
function renderStage(chart: Chart, stage: StagePlan, ctx: StageContext): NodeBundle[] {
  const sides = ctx.effective;
  registryConfigSecret(chart, 'RegistryConfig', ctx.declared.to._parsed);
  if (stage.pki !== undefined) registryPkiSecret(chart, 'Pki', sides[stage.pki]);
  const registry = stage.deckhouseRegistry === undefined ? undefined : sides[stage.deckhouseRegistry].deckhouseRegistry;
  if (registry !== undefined) deckhouseRegistrySecret(chart, 'DeckhouseRegistry', registry);
  if (stage.bashible !== undefined) bashibleConfigSecret(chart, 'BashibleConfig', stage.bashible);
  if (stage.inClusterProxy !== undefined) new InClusterProxy(chart, 'InClusterProxy', { model: ctx.declared[stage.inClusterProxy] });
  if (stage.nodeServices !== undefined) {
    const m = sides[stage.nodeServices];
    renderNodeServicesSecrets(chart, m);
    if (m.settings.mode === RegistryModeName.LOCAL) renderLocalPush(chart, m);
  }
  if (stage.service !== undefined) {
    const target = stage.service === 'incluster-proxy' ? RegistryServiceTarget.IN_CLUSTER_PROXY : RegistryServiceTarget.NODE_SERVICES;
    new RegistryService(chart, 'Service', { target, configHash: sides[stage.serviceSide as Side].configHash });
  }
  const node = new Construct(chart, 'NodeConfiguration');
  const { build, weight, cluster } = sides.to;
  const lb = stage.registryProxy ? registryProxyFiles(cluster.controlPlane) : [];
  const services = stage.nodeServices === undefined ? () => new Map() : nodeServicesExtra(sides[stage.nodeServices]).node;
  return renderNodeObjects(ctx.deliver ? node : undefined, stage.routing, cluster.nodeGroups, build, weight, { group: () => lb, node: services });
}

