// The one resolved model of a registry module: the parsed settings, the cluster facts, the containerd build and the
// decisions every renderer shares (node routing, module users, config hash, `deckhouse-registry` data, bashible
// payload). Props enter the settings layer once (`RegistryModel.resolve`); everything below reads this model.
import { hasNodeServices, ParsedSettings, Settings } from '../settings/parsed-settings';
import { Cluster, Pki } from './cluster';
import { Inputs, resolveInputs } from '../settings/inputs';
import { RegistryClusterProps } from '../settings/cluster';
import { ContainerdBuild, DeliveryTarget, RegistryModeName } from '../settings/enums';
import { RegistryMode } from '../settings/registry-mode';
import { BashibleConfig, bashibleConfig } from './bashible';
import { REGISTRY_IMAGES_BASE } from './constants';
import { completeCluster } from './cluster';
import { deckhouseRegistryData } from './deckhouse-registry';
import { orchestratorHash } from './deckhouse-module';
import { nodeServicesRouting, proxyEndpoints, RegistryUser, registryUsers, userNamed } from './node-services';
import { directRouting, Routing, routingForBuild, unmanagedRouting } from './routing';

/** Everything a renderer needs about one registry setting in one cluster. Immutable; built by `resolvedFor`. */
export interface ResolvedRegistry {
  readonly settings: Settings;
  readonly cluster: Cluster;
  readonly build: ContainerdBuild;
  /** `spec.weight` of the NodeGroupConfigurations. */
  readonly weight: number;
  /** The orchestrator's input hash (`registry.deckhouse.io/config-hash`). */
  readonly configHash: string;
  /** The module's users (Proxy: `ro`; Local: four); empty for the other modes. */
  readonly users: readonly RegistryUser[];
  /** What every node routes; undefined leaves nodes alone (default Unmanaged). */
  readonly routing?: Routing;
  /** `registry-bashible-config`; undefined with no routing. */
  readonly bashible?: BashibleConfig;
  /** Data of `d8-system/deckhouse-registry`; undefined leaves it to module `deckhouse` (default Unmanaged). */
  readonly deckhouseRegistry?: { readonly [key: string]: string };
}

/** `global.modulesImages.registry.base`: the fixed address in the managed modes, else the upstream, else unknown. */
export function imagesBaseOf(s: Settings): string | undefined {
  if (s.mode !== RegistryModeName.UNMANAGED) return REGISTRY_IMAGES_BASE;
  return s.upstream?.imagesRepo;
}

/** The node routing of a setting; the node-services modes route through their read-only user and the registry CA. */
function routingOf(settings: Settings, users: readonly RegistryUser[], pki: Pki | undefined): Routing | undefined {
  switch (settings.mode) {
    case RegistryModeName.DIRECT:
      return directRouting(settings.upstream);
    case RegistryModeName.UNMANAGED:
      return settings.upstream === undefined ? undefined : unmanagedRouting(settings.upstream);
    default:
      return nodeServicesRouting(userNamed(users, 'ro'), (pki as Pki).ca.certificate);
  }
}

/**
 * The model of a setting in a cluster: the one place the shared decisions are made. A switch derives the models of
 * its effective settings (a remembered or bootstrap upstream) from the same cluster with it.
 */
export function resolvedFor(settings: Settings, cluster: Cluster, build: ContainerdBuild, weight: number): ResolvedRegistry {
  const users = hasNodeServices(settings) ? registryUsers(settings.mode, cluster.pki as Pki) : [];
  const routing = routingOf(settings, users, cluster.pki);
  // A build that cannot carry the routing fails here, before anything is rendered.
  if (routing !== undefined) routingForBuild(routing, build);
  const endpoints = hasNodeServices(settings) ? proxyEndpoints(cluster.controlPlane) : [];
  return {
    settings,
    cluster,
    build,
    weight,
    configHash: orchestratorHash(settings, cluster),
    users,
    routing,
    bashible: routing === undefined ? undefined : bashibleConfig(settings.mode, imagesBaseOf(settings) as string, routing, endpoints),
    deckhouseRegistry: deckhouseRegistryData(settings, cluster.pki, users),
  };
}

/** Props of `RegistryModel.resolve`: a registry setting, the cluster facts and the node runtime build. */
export interface RegistryModelProps extends RegistryClusterProps {
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
   * `spec.weight` of the node configuration objects (bashible runs lower weights first).
   * @default 30
   */
  readonly nodeConfigurationWeight?: number;
}

/**
 * A registry setting resolved against the cluster facts, once: every input error surfaces in `resolve`, and the
 * constructs that render the setting (`DirectMode`, `InClusterProxy`, `ProxyMode`, `LocalMode`, `UnmanagedMode`,
 * `NodeConfiguration`) read it instead of validating props again. `RegistryModule` resolves its props into one.
 */
export class RegistryModel {
  /**
   * Validates the props and resolves them. The first bad input throws a `RegistryValidationError` naming the field:
   * `<path>: expected …, got …` for a value of the wrong shape, `<path>: <rule>` for a broken rule (a mode that needs
   * a prop, a stock containerd that cannot carry the routing, …).
   */
  public static resolve(props: RegistryModelProps = {}): RegistryModel {
    return RegistryModel._resolve(props);
  }

  /** Resolves props that also carry a construct's own props (`ownProps`: accepted, not read). @internal */
  public static _resolve(props: RegistryModelProps, ownProps: readonly string[] = []): RegistryModel {
    return RegistryModel._fromInputs(resolveInputs(props, ownProps));
  }

  /** The model of inputs already validated (each side of a switch). @internal */
  public static _fromInputs(inputs: Inputs): RegistryModel {
    const settings = inputs.parsed.settings;
    return new RegistryModel(inputs.mode, inputs.parsed, resolvedFor(settings, completeCluster(inputs.cluster, settings.mode), inputs.build, inputs.weight));
  }

  /** The registry settings. */
  public readonly mode: RegistryMode;
  /** The mode's name. */
  public readonly modeName: RegistryModeName;
  /** Who writes the objects and node files. */
  public readonly target: DeliveryTarget;
  /** @internal */
  public readonly _parsed: ParsedSettings;
  /** @internal */
  public readonly _resolved: ResolvedRegistry;

  private constructor(mode: RegistryMode, parsed: ParsedSettings, resolved: ResolvedRegistry) {
    this.mode = mode;
    this.modeName = resolved.settings.mode;
    this.target = resolved.cluster.target;
    this._parsed = parsed;
    this._resolved = resolved;
  }
}
