import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { RegistryModel, RegistryModelProps } from '../model/registry-model';
import { modeDiagram } from '../render/diagram';
import { applyReadme, expectedReadme, kustomization, rootReadme } from '../render/output-readme';
import { CredentialForm, DeliveryTarget, RegistryModeName } from '../settings/enums';
import { describeSettings } from '../settings/parsed-settings';
import { RegistryMode } from '../settings/registry-mode';
import { DirectMode } from './direct-mode';
import { LocalMode } from './local-mode';
import { RegistryModeConstruct } from './registry-mode-construct';
import { DeckhouseModuleConfig } from './deckhouse-module-config';
import { bundleFiles, NodeConfiguration } from './node-configuration';
import { ProxyMode } from './proxy-mode';
import { UnmanagedMode } from './unmanaged-mode';
import { registryConfigSecret } from './_module-secrets';
import { disableFluxSubstitution } from './_objects';
import { outputFacts } from './_output-facts';

/** Props of `RegistryModule`: the settings and the cluster facts. */
export interface RegistryModuleProps extends RegistryModelProps {
  /**
   * How `ModuleConfig/deckhouse` carries the registry credentials.
   * @default CredentialForm.PLACEHOLDER
   */
  readonly moduleConfigCredentials?: CredentialForm;
}

/**
 * The Deckhouse `registry` module: `ModuleConfig/deckhouse` with the registry settings, the `registry-config`
 * Secret module `deckhouse` derives from them, and every object and node file the mode converges to.
 *
 * The target decides what is applied and what is expected, never what an object contains. With the module (the
 * default) the pipeline applies only the ModuleConfig; every other object lives in a chart of its own that no
 * `app.synth()` writes (`expectedChart`), and node files are those bashible writes. Without the module the objects
 * are created in the enclosing chart, NodeGroupConfigurations deliver the node files, and Secrets carry the files
 * that hold credentials or keys. `toFiles()` gives the whole output: `apply/`, `expected/`, their READMEs.
 *
 * Construct ids are part of the API: `ModuleConfig`, `RegistryConfig`, `Direct`, `Unmanaged`, `Proxy` or
 * `Local`, then `NodeConfiguration`.
 */
export class RegistryModule extends Construct {
  /** The registry settings it renders. */
  public readonly mode: RegistryMode;
  /** `ModuleConfig/deckhouse`. */
  public readonly moduleConfig: DeckhouseModuleConfig;
  /** The settings resolved against the cluster facts, once; every part of the module renders from it. */
  public readonly model: RegistryModel;
  /** The mode's construct: a `DirectMode`, `UnmanagedMode`, `ProxyMode` or `LocalMode`. */
  public readonly modeConstruct: RegistryModeConstruct;
  /** The per-node containerd files and their delivery. */
  public readonly nodeConfiguration: NodeConfiguration;
  /** Who writes the objects and node files. */
  public readonly target: DeliveryTarget;
  /** With the module: the chart holding the expected objects (not part of the app, never synthesized by it). */
  public readonly expectedChart?: Chart;
  private readonly diagramText: string;
  private readonly summary: string;

  constructor(scope: Construct, id: string, props: RegistryModuleProps = {}) {
    super(scope, id);
    // Every input error surfaces here, before anything is created; the parts below read the model only.
    this.model = RegistryModel._resolve(props, ['moduleConfigCredentials']);
    const m = this.model._resolved;
    this.mode = this.model.mode;
    this.target = this.model.target;
    this.moduleConfig = new DeckhouseModuleConfig(this, 'ModuleConfig', { mode: this.mode, credentials: props.moduleConfigCredentials });
    // With the module, what it renders is expected state: a chart outside the app, so no synth applies it by accident.
    if (this.target === DeliveryTarget.WITH_MODULE) this.expectedChart = new Chart(new App(), 'expected');
    const home: Construct = this.expectedChart ?? this;
    registryConfigSecret(home, 'RegistryConfig', this.model._parsed);
    const modeProps = { model: this.model };
    switch (this.model.modeName) {
      case RegistryModeName.DIRECT:
        this.modeConstruct = new DirectMode(home, 'Direct', modeProps);
        break;
      case RegistryModeName.PROXY:
        this.modeConstruct = new ProxyMode(home, 'Proxy', modeProps);
        break;
      case RegistryModeName.LOCAL:
        this.modeConstruct = new LocalMode(home, 'Local', modeProps);
        break;
      default:
        this.modeConstruct = new UnmanagedMode(home, 'Unmanaged', modeProps);
    }
    this.nodeConfiguration = new NodeConfiguration(home, 'NodeConfiguration', modeProps);
    if (this.target === DeliveryTarget.WITHOUT_MODULE) {
      // Every applied object but the ModuleConfig (a file of its own) is kept out of Flux's post-build substitution.
      disableFluxSubstitution(this);
    }
    this.diagramText = modeDiagram(m.settings, m.cluster, m.routing);
    this.summary = describeSettings(m.settings);
  }

  /** The objects this module puts into the enclosing chart (without the module: all of them; with it: none). */
  private appliedObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }

  /** A Mermaid flowchart of what the mode deploys and where every node's pulls go. */
  public diagram(): string {
    return this.diagramText;
  }

  /**
   * The whole output as files: `README.md`; `apply/` (`moduleconfig.yaml`, without the module also
   * `registry.k8s.yaml`, a `kustomization.yaml` and a README); `expected/` (with the module `registry.k8s.yaml`, the
   * node files under `nodes/<group>/…`, `DIAGRAM.md` and a README).
   */
  public toFiles(): { [path: string]: string } {
    const withModule = this.target === DeliveryTarget.WITH_MODULE;
    const facts = outputFacts(this.target, this.summary, this.moduleConfig, this.nodeConfiguration.bundles);
    const applied = withModule ? [] : this.appliedObjects().map((o) => o.toJson());
    const out: { [path: string]: string } = {
      'README.md': rootReadme(facts),
      'apply/README.md': applyReadme(facts),
      'apply/kustomization.yaml': kustomization(applied.length > 0 ? ['moduleconfig.yaml', 'registry.k8s.yaml'] : ['moduleconfig.yaml']),
      'apply/moduleconfig.yaml': this.moduleConfig.toYaml(),
      'expected/README.md': expectedReadme(facts),
      'expected/DIAGRAM.md': `\`\`\`mermaid\n${this.diagramText}\`\`\`\n`,
    };
    if (applied.length > 0) out['apply/registry.k8s.yaml'] = Yaml.stringify(...applied);
    if (this.expectedChart !== undefined) out['expected/registry.k8s.yaml'] = Yaml.stringify(...this.expectedChart.toJson());
    Object.assign(out, bundleFiles(this.nodeConfiguration.bundles, 'expected/'));
    return out;
  }
}
