// The one entry from construct props into the settings layer: every prop is validated here, once, in a fixed order
// (unknown props, mode, cluster facts, containerd build, weight), and comes out as plain resolved values.
import { CLUSTER_PROPS, resolveCluster } from './_cluster';
import { Cluster } from './cluster-facts';
import { describeValue, enumValue, invalid, violated } from './_errors';
import { ParsedSettings } from './parsed-settings';
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

/** The containerd build; undefined means Deckhouse's. */
export function parseContainerdBuild(value: unknown, path = 'containerdBuild'): ContainerdBuild {
  return value === undefined ? ContainerdBuild.DECKHOUSE : enumValue(path, value, [ContainerdBuild.DECKHOUSE, ContainerdBuild.STOCK]);
}

/** A NodeGroupConfiguration weight; undefined means 30 (next to Deckhouse's own containerd steps). */
export function parseWeight(value: unknown, path = 'weight'): number {
  const weight = value ?? 30;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 9999) {
    return invalid(path, 'a whole number from 0 to 9999', describeValue(weight));
  }
  return weight;
}

/** Rejects props that no construct reads (a typo would otherwise be ignored silently). */
export function rejectUnknownProps(props: unknown, allowed: readonly string[]): void {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) invalid('props', 'an object', describeValue(props));
  for (const key of Object.keys(props as object).sort()) {
    if (!allowed.includes(key)) violated(key, `unknown property; expected one of ${[...allowed].sort().join(', ')}`);
  }
}
