import { Construct } from 'constructs';
import { modeNodes } from '../model/mode-nodes';
import { modeDiagram } from '../render/diagram';
import { routingForBuild } from '../model/routing';
import { CLUSTER_PROPS, parseContainerdBuild, parseWeight, rejectUnknownProps, resolveCluster } from '../settings/_cluster';
import { describeValue, invalid } from '../settings/_errors';
import { RegistryClusterProps } from '../settings/cluster';
import { ContainerdBuild, RegistryModeName } from '../settings/enums';
import { RegistryMode } from '../settings/registry-mode';
import { DirectMode } from './direct-mode';
import { DeckhouseModuleConfig } from './module-config';
import { NodeConfiguration } from './node-configuration';
import { LocalMode, ProxyMode } from './node-services-mode';
import { UnmanagedMode } from './unmanaged-mode';
import { registryConfigSecret } from './_module-secrets';

/** Props of `RegistryModule`: the settings and the cluster facts. */
export interface RegistryModuleProps extends RegistryClusterProps {
  /**
   * The registry mode and its settings (`spec.settings.registry`).
   * @default RegistryMode.unmanaged()
   */
  readonly mode?: RegistryMode;

  /**
   * The containerd build on the nodes. Stock containerd ignores hosts.toml `auth` and `rewrite`, so a mode whose
   * node routing needs either (Direct with a path rewrite or credentials) is refused for it.
   * @default ContainerdBuild.DECKHOUSE
   */
  readonly containerdBuild?: ContainerdBuild;

  /**
   * `spec.weight` of the node configuration objects.
   * @default 30
   */
  readonly nodeConfigurationWeight?: number;
}

/**
 * The Deckhouse `registry` module: `ModuleConfig/deckhouse` with the registry settings, the `registry-config`
 * Secret module `deckhouse` derives from them, and every object the mode converges to.
 *
 * Construct ids are part of the API: `ModuleConfig`, `RegistryConfig`, `Direct`, `Unmanaged`, `Proxy` or
 * `Local`, then `NodeConfiguration`.
 */
export class RegistryModule extends Construct {
  /** The registry settings it renders. */
  public readonly mode: RegistryMode;
  /** `ModuleConfig/deckhouse`. */
  public readonly moduleConfig: DeckhouseModuleConfig;
  /** The mode's construct. */
  public readonly modeConstruct: Construct;
  /** The per-node containerd files and their delivery. */
  public readonly nodeConfiguration: NodeConfiguration;
  private readonly diagramText: string;

  constructor(scope: Construct, id: string, props: RegistryModuleProps = {}) {
    super(scope, id);
    rejectUnknownProps(props, [...CLUSTER_PROPS, 'mode', 'containerdBuild', 'nodeConfigurationWeight']);
    this.mode = props.mode ?? RegistryMode.unmanaged();
    if (!(this.mode instanceof RegistryMode)) invalid('mode', 'mode to be a RegistryMode (RegistryMode.direct(…), RegistryMode.fromSettings(…), …)', describeValue(this.mode));
    const settings = this.mode._settings;
    // Every input error surfaces here, before anything is created.
    const cluster = resolveCluster(props, settings);
    const build = parseContainerdBuild(props.containerdBuild);
    const weight = parseWeight(props.nodeConfigurationWeight, 'nodeConfigurationWeight');
    const routing = modeNodes(settings, cluster).routing;
    if (routing !== undefined) routingForBuild(routing, build);
    const modeProps = { ...props, mode: this.mode };
    this.moduleConfig = new DeckhouseModuleConfig(this, 'ModuleConfig', { mode: this.mode });
    registryConfigSecret(this, 'RegistryConfig', this.mode._parsed);
    switch (settings.mode) {
      case RegistryModeName.DIRECT:
        this.modeConstruct = new DirectMode(this, 'Direct', modeProps);
        break;
      case RegistryModeName.PROXY:
        this.modeConstruct = new ProxyMode(this, 'Proxy', modeProps);
        break;
      case RegistryModeName.LOCAL:
        this.modeConstruct = new LocalMode(this, 'Local', modeProps);
        break;
      default:
        this.modeConstruct = new UnmanagedMode(this, 'Unmanaged', modeProps);
    }
    this.nodeConfiguration = new NodeConfiguration(this, 'NodeConfiguration', { ...props, mode: this.mode, containerdBuild: build, weight });
    this.diagramText = modeDiagram(settings, cluster, routing);
  }

  /** A Mermaid flowchart of what the mode deploys and where every node's pulls go. */
  public diagram(): string {
    return this.diagramText;
  }

  /** The node file trees: `nodes/<group>/<absolute node path without the leading slash>` -> content. */
  public toFiles(): { [path: string]: string } {
    return this.nodeConfiguration.toFiles();
  }
}
