// Switching between two settings the way the module's orchestrator does (reference §7.4, §8, §9): first every node
// gets routing for the old and the new source, then components switch, then only the new routing stays, then the
// old mode's objects go. Each stage is a complete desired state; the invariants are checked with the resolver.
import { Cluster } from '../settings/_cluster';
import { Settings, Upstream } from '../settings/_registry-settings';
import { Cri, RegistryModeName } from '../settings/enums';
import { canonicalJson } from './_hash';
import { REGISTRY_IMAGES_BASE } from './constants';
import { IN_CLUSTER_PROXY_OBJECTS } from './in-cluster-proxy';
import { firstManifestEndpoint, Resolution } from './resolver';
import { mergeRouting, Routing, routingFor, unmanagedRouting } from './routing';

export type Side = 'from' | 'to';

export type StageName = 'transition' | 'in-cluster-proxy' | 'switch' | 'final' | 'cleanup';

/** An image reference in use and the (host, repository) pairs that may serve it at a stage. */
export interface ImageCheck {
  readonly image: string;
  readonly accepts: ReadonlyArray<{ readonly host: string; readonly repository: string }>;
}

export interface StagePlan {
  readonly name: StageName;
  /** Conditions of `registry-state` the module reports before the next stage may start. */
  readonly waitFor: readonly string[];
  /** Node routing; undefined leaves nodes on the bootstrap configuration. */
  readonly routing?: Routing;
  readonly bashibleMode: RegistryModeName;
  readonly imagesBase: string;
  /** Whose form `deckhouse-registry` has; undefined leaves it to module `deckhouse`. */
  readonly deckhouseRegistry?: Side;
  /** Whose In-Cluster Proxy runs. */
  readonly inClusterProxy?: Side;
  /** Whether the `registry` Service selects the In-Cluster Proxy. */
  readonly service: boolean;
  /** Whose PKI `registry-pki` holds. */
  readonly pki?: Side;
  readonly checks: readonly ImageCheck[];
  /** What applying the stage does to a running cluster. */
  readonly disruptions: readonly string[];
  /** Objects the stage removes (`Kind namespace/name`), for pruning. */
  readonly prune: readonly string[];
}

export interface SwitchPlan {
  /** Settings the old side renders with: a default Unmanaged source with a known bootstrap registry uses it. */
  readonly effectiveFrom: Settings;
  /** Settings the target stages render with: a default Unmanaged target keeps the remembered upstream. */
  readonly effectiveTo: Settings;
  readonly stages: readonly StagePlan[];
}

function upstreamOf(s: Settings): Upstream | undefined {
  return s.mode === RegistryModeName.LOCAL ? undefined : s.upstream;
}

/** `global.modulesImages.registry.base`: the fixed address in the managed modes, else the upstream, else unknown. */
export function imagesBaseOf(s: Settings): string | undefined {
  if (s.mode !== RegistryModeName.UNMANAGED) return REGISTRY_IMAGES_BASE;
  return s.upstream?.imagesRepo;
}

/** A short name of a setting for plans and errors, e.g. `Direct (registry.deckhouse.ru/deckhouse/ee)`. */
export function describeSettings(s: Settings): string {
  if (s.mode === RegistryModeName.UNMANAGED) return s.upstream === undefined ? 'Unmanaged (default)' : `Unmanaged (${s.upstream.imagesRepo})`;
  if (s.mode === RegistryModeName.LOCAL) return 'Local';
  return `${s.mode} (${s.upstream.imagesRepo})`;
}

/**
 * The module's allowed and forbidden switches (reference §9.4). Throws with the route to take instead.
 */
export function checkSwitchAllowed(from: Settings, to: Settings): void {
  const f = from.mode;
  const t = to.mode;
  if ((f === RegistryModeName.PROXY && t === RegistryModeName.LOCAL) || (f === RegistryModeName.LOCAL && t === RegistryModeName.PROXY)) {
    throw new Error(`switch: the module does not support switching from ${f} to ${t} (ErrTransitionNotSupported); take the route ${f} -> Direct -> ${t}`);
  }
  if (f === RegistryModeName.LOCAL && t === RegistryModeName.UNMANAGED && to.upstream === undefined) {
    throw new Error('switch: the module does not support switching from Local to the default Unmanaged mode (ErrTransitionNotSupported); '
      + 'take the route Local -> Unmanaged with an \'unmanaged\' section -> Unmanaged');
  }
  if (canonicalJson(from) === canonicalJson(to)) throw new Error(`switch: from and to are the same settings (${describeSettings(from)}); there is nothing to switch`);
}

function checksFor(s: Settings, images: readonly string[]): ImageCheck[] {
  const base = imagesBaseOf(s);
  const u = upstreamOf(s);
  if (base === undefined || u === undefined) return [];
  const upstreamRepo = u.path.replace(/^\//, '');
  return images.map((digest) => ({ image: `${base}@${digest}`, accepts: [{ host: u.address, repository: upstreamRepo }] }));
}

function mergeChecks(...lists: ImageCheck[][]): ImageCheck[] {
  const out = new Map<string, { image: string; accepts: Array<{ host: string; repository: string }> }>();
  for (const c of lists.flat()) {
    const seen = out.get(c.image);
    if (seen === undefined) out.set(c.image, { image: c.image, accepts: [...c.accepts] });
    else for (const a of c.accepts) if (!seen.accepts.some((x) => x.host === a.host && x.repository === a.repository)) seen.accepts.push(a);
  }
  return [...out.values()];
}

/**
 * The staged plan from one setting to another; the caller has checked that the switch is allowed. `bootstrap` is
 * the registry a default-Unmanaged cluster uses (what `deckhouse-registry` holds), when known.
 */
export function planSwitch(declaredFrom: Settings, to: Settings, cluster: Cluster, images: readonly string[], bootstrap?: Upstream): SwitchPlan {
  // Nodes of a default-Unmanaged cluster run the legacy configuration built from deckhouse-registry.
  const legacyNodes = declaredFrom.mode === RegistryModeName.UNMANAGED && declaredFrom.upstream === undefined;
  const from: Settings = legacyNodes && bootstrap !== undefined ? { mode: RegistryModeName.UNMANAGED, upstream: bootstrap } : declaredFrom;
  const fromUpstream = upstreamOf(from);
  // FinalizeUnmanagedTransition: a default Unmanaged target keeps the remembered upstream's node configuration.
  const effectiveTo: Settings = to.mode === RegistryModeName.UNMANAGED && to.upstream === undefined && fromUpstream !== undefined
    ? { mode: RegistryModeName.UNMANAGED, upstream: fromUpstream }
    : to;
  const fromRouting = from.mode === RegistryModeName.UNMANAGED && from.upstream === undefined ? undefined : routingFor(from);
  const toRouting = effectiveTo.mode === RegistryModeName.UNMANAGED && effectiveTo.upstream === undefined
    ? undefined
    : effectiveTo.mode === RegistryModeName.UNMANAGED ? unmanagedRouting(effectiveTo.upstream as Upstream) : routingFor(effectiveTo);
  const fromBase = imagesBaseOf(from);
  const toBase = imagesBaseOf(effectiveTo) as string;
  const fromDirect = from.mode === RegistryModeName.DIRECT;
  const toDirect = to.mode === RegistryModeName.DIRECT;
  const fromChecks = checksFor(from, images);
  const toChecks = checksFor(effectiveTo, images);
  const bothChecks = mergeChecks(fromChecks, toChecks);
  const v1Groups = cluster.nodeGroups.filter((g) => g.cri === Cri.CONTAINERD).map((g) => g.name);
  const deckhouseRegistryFrom: Side | undefined = legacyNodes ? undefined : 'from';
  const stages: StagePlan[] = [];
  const routingChanges = canonicalJson(fromRouting ?? null) !== canonicalJson(toRouting ?? null);
  const dual = toRouting === undefined ? fromRouting : fromRouting === undefined ? toRouting : mergeRouting(fromRouting, toRouting);

  if (routingChanges) {
    const disruptions = [fromRouting === undefined
      ? `every node moves to config_path with routing for ${describeSettings(to)}; images of the bootstrap registry are pulled from their own host (its CA and credentials from the legacy configuration no longer apply; pass bootstrapRegistry to keep them routed)`
      : `every node receives routing for both ${describeSettings(from)} and ${describeSettings(to)}; hosts.toml edits apply without restarting containerd`];
    if (legacyNodes && v1Groups.length > 0) {
      disruptions.push(`containerd 1.x restarts once on the nodes of ${v1Groups.map((g) => `"${g}"`).join(', ')}: they move from the legacy registry.mirrors configuration to config_path`);
    }
    stages.push({
      name: 'transition',
      waitFor: ['RegistryContainsRequiredImages', 'ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: fromBase ?? toBase,
      deckhouseRegistry: deckhouseRegistryFrom, inClusterProxy: fromDirect ? 'from' : undefined, service: fromDirect, pki: fromDirect ? 'from' : undefined,
      checks: bothChecks, disruptions, prune: [],
    });
  }
  if (toDirect) {
    stages.push({
      name: 'in-cluster-proxy',
      waitFor: ['InClusterProxyReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: fromBase ?? toBase,
      deckhouseRegistry: deckhouseRegistryFrom, inClusterProxy: 'to', service: fromDirect, pki: 'to',
      checks: bothChecks,
      disruptions: [fromDirect
        ? 'registry-incluster-proxy rolls to the new upstream (nodes already route to both, so the old proxy is not replaced before they do)'
        : 'registry-incluster-proxy starts on the control-plane nodes'],
      prune: [],
    });
  }
  const registryChanges = fromBase !== toBase || deckhouseRegistryFrom === undefined || canonicalJson(fromUpstream ?? null) !== canonicalJson(upstreamOf(effectiveTo) ?? null);
  if (registryChanges) {
    stages.push({
      name: 'switch',
      waitFor: ['DeckhouseRegistrySwitchReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: toBase,
      deckhouseRegistry: 'to', inClusterProxy: toDirect ? 'to' : fromDirect ? 'from' : undefined, service: toDirect || fromDirect, pki: toDirect ? 'to' : fromDirect ? 'from' : undefined,
      checks: bothChecks,
      disruptions: [fromBase === toBase
        ? `only Deckhouse restarts: deckhouse-registry changes, image references stay ${toBase}`
        : `every Deckhouse component restarts: image references move from ${fromBase ?? 'the bootstrap registry'} to ${toBase}`],
      prune: [],
    });
  }
  if (routingChanges && toRouting !== undefined) {
    stages.push({
      name: 'final',
      waitFor: ['FinalContainerdConfigReady'],
      routing: toRouting, bashibleMode: to.mode, imagesBase: toBase,
      deckhouseRegistry: 'to', inClusterProxy: toDirect ? 'to' : fromDirect ? 'from' : undefined, service: toDirect || fromDirect, pki: toDirect ? 'to' : fromDirect ? 'from' : undefined,
      checks: toChecks,
      disruptions: [`nodes keep only the routing for ${describeSettings(to)}; no restart`],
      prune: [],
    });
  }
  if (fromDirect && !toDirect) {
    stages.push({
      name: 'cleanup',
      waitFor: ['CleanupInClusterProxy', 'Ready'],
      routing: toRouting, bashibleMode: to.mode, imagesBase: toBase,
      deckhouseRegistry: 'to', service: false,
      checks: toChecks,
      disruptions: ['the In-Cluster Proxy, its Service and the module PKI are removed'],
      prune: [...IN_CLUSTER_PROXY_OBJECTS, 'Service d8-system/registry', 'Secret d8-system/registry-pki'],
    });
  }
  if (stages.length === 0) {
    stages.push({
      name: 'final',
      waitFor: ['Ready'],
      routing: toRouting, bashibleMode: to.mode, imagesBase: toBase,
      deckhouseRegistry: deckhouseRegistryFrom === undefined ? undefined : 'to', service: toDirect, pki: toDirect ? 'to' : undefined, inClusterProxy: toDirect ? 'to' : undefined,
      checks: toChecks,
      disruptions: ['none: only the settings change; registry-bashible-config is kept (helm.sh/resource-policy: keep) with the same routing. '
        + 'To return containerd 1.x to the legacy mirrors format, delete it by hand (d8 k -n d8-system delete secret registry-bashible-config)'],
      prune: [],
    });
  }
  const last = stages[stages.length - 1];
  if (!last.waitFor.includes('Ready')) stages[stages.length - 1] = { ...last, waitFor: [...last.waitFor, 'Ready'] };
  return { effectiveFrom: from, effectiveTo, stages };
}

/**
 * Checks that a node group resolves every image of a stage to a source that serves it. Throws naming the stage,
 * the node group and the image.
 */
export function checkStageResolution(stage: string, nodeGroup: string, check: ImageCheck, resolution: Resolution): void {
  const first = firstManifestEndpoint(resolution, check.image);
  const ok = first !== undefined && first.source === 'mirror' && check.accepts.some((a) => a.host === first.host && a.repository === first.repository);
  if (!ok) {
    const got = first === undefined ? 'no endpoint' : `${first.scheme}://${first.host}${first.path}/${first.repository} (${first.source})`;
    const want = check.accepts.map((a) => `${a.host}/${a.repository}`).join(' or ');
    throw new Error(`switch: stage ${stage}, node group "${nodeGroup}": image ${check.image} does not resolve to a source that serves it; `
      + `containerd would ask ${got}, expected ${want}${resolution.notes.length > 0 ? ` (${resolution.notes.join('; ')})` : ''}`);
  }
}
