// The one entry from construct props into the settings layer: every prop is validated here, once, in a fixed order
// (unknown props, mode, cluster facts, containerd build, weight), and comes out as plain resolved values.
import { Cluster, CLUSTER_PROPS, parseContainerdBuild, parseWeight, rejectUnknownProps, resolveCluster } from './_cluster';
import { describeValue, invalid } from './_errors';
import { ParsedSettings } from './_registry-settings';
import { RegistryClusterProps } from './cluster';
import { ContainerdBuild } from './enums';
import { RegistryMode } from './registry-mode';

/** Props every resolution reads besides the cluster facts. */
const MODEL_PROPS = ['mode', 'containerdBuild', 'nodeConfigurationWeight'];

/** Resolved inputs of one registry setting. */
export interface Inputs {
  readonly mode: RegistryMode;
  readonly parsed: ParsedSettings;
  readonly cluster: Cluster;
  readonly build: ContainerdBuild;
  readonly weight: number;
}

/**
 * Validates the props of a setting: `mode` (default: the default Unmanaged mode), the cluster facts,
 * `containerdBuild` and `nodeConfigurationWeight`. `ownProps` names the props a construct reads itself (accepted, not
 * read here), so that a typo is refused rather than ignored.
 */
export function resolveInputs(props: unknown, ownProps: readonly string[] = []): Inputs {
  rejectUnknownProps(props, [...CLUSTER_PROPS, ...MODEL_PROPS, ...ownProps]);
  const p = props as { mode?: unknown; containerdBuild?: unknown; nodeConfigurationWeight?: unknown };
  const mode = p.mode ?? RegistryMode.unmanaged();
  if (!(mode instanceof RegistryMode)) return invalid('mode', 'mode to be a RegistryMode (RegistryMode.direct(…), RegistryMode.fromSettings(…), …)', describeValue(mode));
  const parsed = mode._parsed;
  return {
    mode,
    parsed,
    cluster: resolveCluster(props as RegistryClusterProps, parsed.settings),
    build: parseContainerdBuild(p.containerdBuild),
    weight: parseWeight(p.nodeConfigurationWeight, 'nodeConfigurationWeight'),
  };
}
