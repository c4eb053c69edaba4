// Switching between two settings the way the module's orchestrator does (reference §7.4, §8, §9): first every node
// gets routing for the old and the new source, then components switch, then only the new routing stays, then the
// old mode's objects go. Each stage is a complete desired state; the invariants are checked with the resolver.
import { Cluster } from '../settings/_cluster';
import { isNodeServicesMode, Settings, Upstream, upstreamOf } from '../settings/_registry-settings';
import { Cri, RegistryModeName } from '../settings/enums';
import { canonicalJson } from './_hash';
import { REGISTRY_IMAGES_BASE, REGISTRY_PATH } from './constants';
import { LOCAL_ENDPOINT, registryUserNames, userSecretName } from './node-services';
import { IN_CLUSTER_PROXY_OBJECTS } from './in-cluster-proxy';
import { EndpointSource, firstManifestEndpoint, Resolution } from './resolver';
import { mergeRouting, Routing } from './routing';

export type Side = 'from' | 'to';

export type StageName = 'transition' | 'in-cluster-proxy' | 'node-services' | 'switch' | 'final' | 'cleanup';

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
  /** Whose node services (static pods on the masters, users, per-node configs) run. */
  readonly nodeServices?: Side;
  /** Whether every node runs the registry-proxy load balancer on 127.0.0.1:5001. */
  readonly registryProxy: boolean;
  /** What the `registry` Service selects; undefined renders no Service. */
  readonly service?: 'incluster-proxy' | 'node-services';
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
  if (isNodeServicesMode(s)) {
    // Nodes pull the fixed address through the local load balancer; the node services map the path themselves.
    return images.map((digest) => ({ image: `${base}@${digest}`, accepts: [{ host: LOCAL_ENDPOINT, repository: REGISTRY_PATH.slice(1) }] }));
  }
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

function serviceOf(s: Settings): StagePlan['service'] {
  if (s.mode === RegistryModeName.DIRECT) return 'incluster-proxy';
  return isNodeServicesMode(s) ? 'node-services' : undefined;
}

/** Objects of a mode's node services, as `Kind namespace/name`, for pruning. */
function nodeServicesObjects(s: Settings, cluster: Cluster): string[] {
  const out = [
    ...registryUserNames(s.mode).map((u) => `Secret d8-system/${userSecretName(u)}`),
    ...cluster.controlPlane.map((n) => `Secret d8-system/registry-node-config-${n.name}`),
  ];
  if (s.mode === RegistryModeName.LOCAL) {
    out.push('Service d8-system/registry-push', 'Ingress d8-system/registry', cluster.ingress?.tls.kind === 'CustomCertificate'
      ? 'Secret d8-system/registry-ingress-tls-customcertificate' : 'Certificate d8-system/registry-ingress');
  }
  return out;
}

/**
 * The staged plan from one setting to another; the caller has checked that the switch is allowed. `bootstrap` is
 * the registry a default-Unmanaged cluster uses (what `deckhouse-registry` holds), when known. `routingOf` gives a
 * mode's node routing (Proxy and Local need the PKI for it).
 */
export function planSwitch(declaredFrom: Settings, to: Settings, cluster: Cluster, images: readonly string[],
  routingOf: (s: Settings) => Routing | undefined, bootstrap?: Upstream): SwitchPlan {
  // Nodes of a default-Unmanaged cluster run the legacy configuration built from deckhouse-registry.
  const legacyNodes = declaredFrom.mode === RegistryModeName.UNMANAGED && declaredFrom.upstream === undefined;
  const from: Settings = legacyNodes && bootstrap !== undefined ? { mode: RegistryModeName.UNMANAGED, upstream: bootstrap } : declaredFrom;
  const fromUpstream = upstreamOf(from);
  // FinalizeUnmanagedTransition: a default Unmanaged target keeps the remembered upstream's node configuration.
  const effectiveTo: Settings = to.mode === RegistryModeName.UNMANAGED && to.upstream === undefined && fromUpstream !== undefined
    ? { mode: RegistryModeName.UNMANAGED, upstream: fromUpstream }
    : to;
  const fromRouting = routingOf(from);
  const toRouting = routingOf(effectiveTo);
  const fromBase = imagesBaseOf(from);
  const toBase = imagesBaseOf(effectiveTo) as string;
  const proxyFrom = from.mode === RegistryModeName.DIRECT;
  const proxyTo = to.mode === RegistryModeName.DIRECT;
  const nsFrom = isNodeServicesMode(from);
  const nsTo = isNodeServicesMode(to);
  const managed = (s: Settings) => s.mode !== RegistryModeName.UNMANAGED;
  const fromChecks = checksFor(from, images);
  const toChecks = checksFor(effectiveTo, images);
  const bothChecks = mergeChecks(fromChecks, toChecks);
  const v1Groups = cluster.nodeGroups.filter((g) => g.cri === Cri.CONTAINERD).map((g) => g.name);
  const deckhouseRegistryFrom: Side | undefined = legacyNodes ? undefined : 'from';
  const stages: StagePlan[] = [];
  const routingChanges = canonicalJson(fromRouting ?? null) !== canonicalJson(toRouting ?? null);
  const dual = toRouting === undefined ? fromRouting : fromRouting === undefined ? toRouting : mergeRouting(fromRouting, toRouting);
  const local = to.mode === RegistryModeName.LOCAL;
  // What runs before the switch (the old side, plus what the new side has started), and after it.
  const before = {
    deckhouseRegistry: deckhouseRegistryFrom, inClusterProxy: proxyFrom ? 'from' as Side : undefined, nodeServices: nsFrom ? 'from' as Side : undefined,
    registryProxy: nsFrom || nsTo, service: serviceOf(from), pki: managed(from) ? 'from' as Side : undefined,
  };
  const after = {
    deckhouseRegistry: 'to' as Side,
    inClusterProxy: proxyTo ? 'to' as Side : proxyFrom ? 'from' as Side : undefined,
    nodeServices: nsTo ? 'to' as Side : nsFrom ? 'from' as Side : undefined,
    registryProxy: nsFrom || nsTo,
    service: serviceOf(to) ?? serviceOf(from),
    pki: managed(to) ? 'to' as Side : managed(from) ? 'from' as Side : undefined,
  };

  if (routingChanges) {
    // Routing for both sides merges per upstream: when the upstreams are the same (a credential or CA rotation),
    // nodes hold only the new side's routing from this stage on.
    const onlyNew = toRouting !== undefined && canonicalJson(dual ?? null) === canonicalJson(toRouting);
    const disruptions = [fromRouting === undefined
      ? `every node moves to config_path with routing for ${describeSettings(to)}; images of the bootstrap registry are pulled from their own host (its CA and credentials from the legacy configuration no longer apply; pass bootstrapRegistry to keep them routed)`
      : onlyNew
        ? `every node's routing for ${describeSettings(to)} takes the new credentials or CA (the same upstream: hosts.toml holds only the new ones from this stage on); hosts.toml edits apply without restarting containerd`
        : `every node receives routing for both ${describeSettings(from)} and ${describeSettings(to)}; hosts.toml edits apply without restarting containerd`];
    if (fromRouting === undefined) {
      disruptions.push('config_path takes effect only when containerd restarts: with Deckhouse, bashible restarts it (its containerd step; the registry NodeGroupConfiguration script also sets the containerd-need-restart flag when /etc/containerd/registry-config-path.toml changes); elsewhere the script prints that containerd must be restarted');
    }
    if (nsTo && !nsFrom) disruptions.push('every node starts the registry-proxy load balancer on 127.0.0.1:5001 (static pod)');
    if (legacyNodes && v1Groups.length > 0) {
      disruptions.push(`containerd 1.x restarts once on the nodes of ${v1Groups.map((g) => `"${g}"`).join(', ')}: they move from the legacy registry.mirrors configuration to config_path`);
    }
    stages.push({
      name: 'transition',
      waitFor: local ? ['ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady'] : ['RegistryContainsRequiredImages', 'ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: toBase, ...before, checks: bothChecks, disruptions, prune: [],
    });
  }
  if (proxyTo) {
    stages.push({
      name: 'in-cluster-proxy',
      waitFor: ['InClusterProxyReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: toBase, ...before, inClusterProxy: 'to', pki: 'to',
      checks: bothChecks,
      disruptions: [proxyFrom
        ? 'registry-incluster-proxy rolls to the new upstream (nodes already route to both, so the old proxy is not replaced before they do)'
        : 'registry-incluster-proxy starts on the control-plane nodes'],
      prune: [],
    });
  }
  if (nsTo) {
    stages.push({
      name: 'node-services',
      waitFor: local ? ['NodeServicesReady', 'RegistryContainsRequiredImages'] : ['NodeServicesReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: toBase, ...before, nodeServices: 'to', pki: 'to',
      checks: bothChecks,
      disruptions: [
        `the registry starts on every control-plane node (static pod registry-nodeservices, ${local ? 'the local copy' : 'a pull-through cache'} on /opt/deckhouse/registry)`,
        ...(local ? ['fill the local copy now: d8 mirror push --registry-login=rw --registry-password=<registry-user-rw password> <bundle> registry.<public domain>/system/deckhouse; '
          + 'RegistryContainsRequiredImages stays False until the images are there'] : []),
      ],
      prune: [],
    });
  }
  const registryChanges = fromBase !== toBase || deckhouseRegistryFrom === undefined || from.mode !== to.mode
    || canonicalJson(fromUpstream ?? null) !== canonicalJson(upstreamOf(effectiveTo) ?? null);
  if (registryChanges) {
    stages.push({
      name: 'switch',
      waitFor: ['DeckhouseRegistrySwitchReady'],
      routing: dual, bashibleMode: to.mode, imagesBase: toBase, ...after,
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
      routing: toRouting, bashibleMode: to.mode, imagesBase: toBase, ...after,
      checks: toChecks,
      disruptions: [`nodes keep only the routing for ${describeSettings(to)}; no restart`],
      prune: [],
    });
  }
  const dropProxy = proxyFrom && !proxyTo;
  const dropNodeServices = nsFrom && !nsTo;
  if (dropProxy || dropNodeServices) {
    const prune = [
      ...(dropProxy ? IN_CLUSTER_PROXY_OBJECTS : []),
      ...(dropNodeServices ? nodeServicesObjects(from, cluster) : []),
      ...(serviceOf(to) === undefined ? ['Service d8-system/registry'] : []),
      ...(managed(to) ? [] : ['Secret d8-system/registry-pki']),
    ];
    const gone = [
      ...(dropProxy ? ['the In-Cluster Proxy'] : []),
      ...(dropNodeServices ? ['the node services (their static pods and files leave the masters) and the registry-proxy load balancer on every node'] : []),
      ...(serviceOf(to) === undefined ? ['the registry Service'] : []),
      ...(managed(to) ? [] : ['the module PKI']),
    ];
    stages.push({
      name: 'cleanup',
      waitFor: [...(dropProxy ? ['CleanupInClusterProxy'] : []), ...(dropNodeServices ? ['CleanupNodeServices'] : []), 'Ready'],
      routing: toRouting, bashibleMode: to.mode, imagesBase: toBase,
      deckhouseRegistry: 'to', inClusterProxy: proxyTo ? 'to' : undefined, nodeServices: nsTo ? 'to' : undefined, registryProxy: nsTo,
      service: serviceOf(to), pki: managed(to) ? 'to' : undefined,
      checks: toChecks,
      disruptions: [`${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} removed`],
      prune,
    });
  }
  if (stages.length === 0) {
    stages.push({
      name: 'final',
      waitFor: ['Ready'],
      routing: toRouting, bashibleMode: to.mode, imagesBase: toBase,
      deckhouseRegistry: deckhouseRegistryFrom === undefined ? undefined : 'to', registryProxy: false,
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
  const ok = first !== undefined && first.source === EndpointSource.MIRROR && check.accepts.some((a) => a.host === first.host && a.repository === first.repository);
  if (!ok) {
    const got = first === undefined ? 'no endpoint' : `${first.scheme}://${first.host}${first.path}/${first.repository} (${first.source})`;
    const want = check.accepts.map((a) => `${a.host}/${a.repository}`).join(' or ');
    throw new Error(`switch: stage ${stage}, node group "${nodeGroup}": image ${check.image} does not resolve to a source that serves it; `
      + `containerd would ask ${got}, expected ${want}${resolution.notes.length > 0 ? ` (${resolution.notes.join('; ')})` : ''}`);
  }
}
