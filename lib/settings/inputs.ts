// The one entry from construct props into the settings layer: every prop is validated here, once, in a fixed order
// (unknown props, mode, cluster facts, containerd build, weight; for a switch both sides, then the bootstrap
// registry), and comes out as plain resolved values. The model decides from these; nothing validates props again.
import { CLUSTER_PROPS, resolveCluster } from './_cluster';
import { ClusterInput } from './cluster-facts';
import { describeValue, enumValue, invalid, violated } from './_errors';
import { describeSettings, isDefaultUnmanaged, parseConnection, ParsedSettings, Settings, Upstream } from './parsed-settings';
import { RegistryClusterProps } from './cluster';
import { ContainerdBuild } from './enums';
import { RegistryMode } from './registry-mode';

/** Props every resolution reads besides the cluster facts. */
const MODEL_PROPS = ['mode', 'containerdBuild', 'nodeConfigurationWeight'];

/** Resolved inputs of one registry setting. */
export interface Inputs {
  readonly mode: RegistryMode;
  readonly parsed: ParsedSettings;
  /** As validated; the model completes it (`completeCluster`). */
  readonly cluster: ClusterInput;
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
  return inputsOf(props as Record<string, unknown>);
}

/** The props of a switch besides the cluster facts, build and weight. */
const SWITCH_PROPS = ['from', 'to', 'bootstrapRegistry', 'moduleConfigCredentials'];

/** Resolved inputs of a switch: each side, and the registry a default-Unmanaged cluster was bootstrapped with. */
export interface SwitchInputs {
  readonly from: Inputs;
  readonly to: Inputs;
  readonly bootstrap?: Upstream;
}

/**
 * Validates the props of a switch, in this order: unknown props, `from` and `to`, `allowed` (the model's rule on which
 * switches exist, passed in so that a forbidden switch is named before anything else), each side's cluster facts,
 * build and weight, then `bootstrapRegistry`.
 */
export function resolveSwitchInputs(props: unknown, allowed: (from: Settings, to: Settings) => void): SwitchInputs {
  rejectUnknownProps(props, [...CLUSTER_PROPS, ...MODEL_PROPS.filter((k) => k !== 'mode'), ...SWITCH_PROPS]);
  const p = props as Record<string, unknown>;
  for (const side of ['from', 'to']) {
    if (!(p[side] instanceof RegistryMode)) invalid(side, 'a RegistryMode (RegistryMode.direct(…), RegistryMode.fromSettings(…), …)', describeValue(p[side]));
  }
  const [from, to] = [p.from as RegistryMode, p.to as RegistryMode];
  allowed(from._settings, to._settings);
  const inputs = { from: inputsOf({ ...p, mode: from }), to: inputsOf({ ...p, mode: to }) };
  if (p.bootstrapRegistry === undefined) return inputs;
  const f = from._settings;
  if (!isDefaultUnmanaged(f)) {
    violated('bootstrapRegistry', `only meaningful when from is the default Unmanaged mode; from is ${describeSettings(f)}`);
  }
  return { ...inputs, bootstrap: parseConnection('bootstrapRegistry', p.bootstrapRegistry) };
}

/** Mode, cluster facts, build and weight of props already checked for unknown keys. */
function inputsOf(p: Record<string, unknown>): Inputs {
  const mode = p.mode ?? RegistryMode.unmanaged();
  if (!(mode instanceof RegistryMode)) return invalid('mode', 'mode to be a RegistryMode (RegistryMode.direct(…), RegistryMode.fromSettings(…), …)', describeValue(mode));
  const parsed = mode._parsed;
  return {
    mode,
    parsed,
    cluster: resolveCluster(p as RegistryClusterProps, parsed.settings),
    build: parseContainerdBuild(p.containerdBuild),
    weight: parseWeight(p.nodeConfigurationWeight, 'nodeConfigurationWeight'),
  };
}

/** The containerd build; undefined means Deckhouse's. */
function parseContainerdBuild(value: unknown, path = 'containerdBuild'): ContainerdBuild {
  return value === undefined ? ContainerdBuild.DECKHOUSE : enumValue(path, value, [ContainerdBuild.DECKHOUSE, ContainerdBuild.STOCK]);
}

/** A NodeGroupConfiguration weight; undefined means 30 (next to Deckhouse's own containerd steps). */
function parseWeight(value: unknown, path = 'weight'): number {
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
