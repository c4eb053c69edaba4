// Switching between two settings the way the module's orchestrator does (reference §7.4, §8, §9): first every node
// gets routing for the old and the new source, then components switch, then only the new routing stays, then the
// old mode's objects go. Each stage is a complete desired state; the invariants are checked with the resolver.
import { describeSettings, hasNodeServices, isDefaultUnmanaged, runsComponents, Settings, Upstream, upstreamOf } from '../settings/parsed-settings';
import { Cri, RegistryModeName } from '../settings/enums';
import { canonicalJson } from './_hash';
import { REGISTRY_PATH } from './constants';
import { BashibleConfig, bashibleConfig } from './bashible';
import { LOCAL_ENDPOINT, proxyEndpoints } from './node-services';
import {
  IN_CLUSTER_PROXY_OBJECTS, nodeConfigSecretName, objectRef, PUSH_INGRESS, PUSH_INGRESS_CERTIFICATE, pushIngressTlsSecretName, PUSH_SERVICE,
  REGISTRY_PKI_SECRET, REGISTRY_SERVICE, userSecretName,
} from './object-names';
import { imagesBaseOf, ResolvedRegistry } from './registry-model';
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
  /** `registry-bashible-config` of the stage (set by `planSwitch` from the routing); undefined with no routing. */
  readonly bashible?: BashibleConfig;
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
  /** Whose config hash the Service carries: the target's when it serves the same pods, else the source's (set by `planSwitch`). */
  readonly serviceSide?: Side;
  /** Whose PKI `registry-pki` holds. */
  readonly pki?: Side;
  readonly checks: readonly ImageCheck[];
  /** What applying the stage does to a running cluster. */
  readonly disruptions: readonly string[];
  /** Objects the stage removes (`Kind namespace/name`), for pruning. */
  readonly prune: readonly string[];
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
  if (hasNodeServices(s)) {
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
  return hasNodeServices(s) ? 'node-services' : undefined;
}

/** Objects of a setting's node services, as `Kind namespace/name`, for pruning. */
function nodeServicesObjects(m: ResolvedRegistry): string[] {
  const out = [
    ...m.users.map((u) => objectRef('Secret', userSecretName(u.name))),
    ...m.cluster.controlPlane.map((n) => objectRef('Secret', nodeConfigSecretName(n.name))),
  ];
  const ingress = m.cluster.ingress;
  if (m.settings.mode === RegistryModeName.LOCAL && ingress !== undefined) {
    // The Secret cert-manager fills is cert-manager's; a user's certificate is copied into one of the module's.
    out.push(objectRef('Service', PUSH_SERVICE), objectRef('Ingress', PUSH_INGRESS), ingress.tls.kind === 'CustomCertificate'
      ? objectRef('Secret', pushIngressTlsSecretName(ingress.tls.kind)) : objectRef('Certificate', PUSH_INGRESS_CERTIFICATE));
  }
  return out;
}

/** The settings a switch renders with, on each side. */
export interface EffectiveSettings {
  /** A default Unmanaged source with a known bootstrap registry uses it. */
  readonly from: Settings;
  /** A default Unmanaged target keeps the remembered upstream (FinalizeUnmanagedTransition). */
  readonly to: Settings;
}

/** The settings both sides of a switch render with; `bootstrap` is the registry a default-Unmanaged cluster uses. */
export function effectiveSettings(declaredFrom: Settings, to: Settings, bootstrap?: Upstream): EffectiveSettings {
  const legacyNodes = isDefaultUnmanaged(declaredFrom);
  const from: Settings = legacyNodes && bootstrap !== undefined ? { mode: RegistryModeName.UNMANAGED, upstream: bootstrap } : declaredFrom;
  const fromUpstream = upstreamOf(from);
  const effectiveTo: Settings = to.mode === RegistryModeName.UNMANAGED && to.upstream === undefined && fromUpstream !== undefined
    ? { mode: RegistryModeName.UNMANAGED, upstream: fromUpstream }
    : to;
  return { from, to: effectiveTo };
}

/** Everything a switch is planned from: the declared settings and the models of the effective ones. */
export interface SwitchContext {
  /** The settings as the user wrote them (wording, and whether nodes run the legacy configuration). */
  readonly declared: { readonly from: Settings; readonly to: Settings };
  /** Models of the effective settings (`effectiveSettings`) in the cluster. */
  readonly from: ResolvedRegistry;
  readonly to: ResolvedRegistry;
}

/** The image digests every node must resolve at every stage: the components' own, or a stand-in when none is known. */
function checkedDigests(ctx: SwitchContext): string[] {
  const images = ctx.to.cluster.images ?? ctx.from.cluster.images;
  return images === undefined ? [`sha256:${'0'.repeat(64)}`] : [images.dockerDistribution, images.dockerAuth];
}

/** What runs at a stage, side by side. */
type StageParts = Pick<StagePlan, 'deckhouseRegistry' | 'inClusterProxy' | 'nodeServices' | 'registryProxy' | 'service' | 'pki'>;

/** The facts every stage builder reads, derived once from the context. */
interface SwitchFacts {
  readonly ctx: SwitchContext;
  /** The source as it renders (a bootstrap registry in place of the default Unmanaged mode). */
  readonly effectiveFrom: Settings;
  /** The target as written (its mode and wording; `ctx.to.settings` is how it renders). */
  readonly declaredTo: Settings;
  /** Nodes of a default-Unmanaged cluster run the legacy configuration built from deckhouse-registry. */
  readonly legacyNodes: boolean;
  readonly fromRouting?: Routing;
  readonly toRouting?: Routing;
  /** Routing for both sides (transition). */
  readonly dual?: Routing;
  readonly routingChanges: boolean;
  readonly fromBase?: string;
  readonly toBase: string;
  readonly proxyFrom: boolean;
  readonly proxyTo: boolean;
  readonly nsFrom: boolean;
  readonly nsTo: boolean;
  readonly local: boolean;
  readonly toChecks: ImageCheck[];
  readonly bothChecks: ImageCheck[];
  /** The old side, plus what the new side has started. */
  readonly before: StageParts;
  /** After the switch. */
  readonly after: StageParts;
  readonly common: Pick<StagePlan, 'bashibleMode' | 'imagesBase'>;
}

function switchFacts(ctx: SwitchContext): SwitchFacts {
  const digests = checkedDigests(ctx);
  const from = ctx.from.settings;
  const to = ctx.declared.to;
  const legacyNodes = isDefaultUnmanaged(ctx.declared.from);
  const fromRouting = ctx.from.routing;
  const toRouting = ctx.to.routing;
  const dual = toRouting === undefined ? fromRouting : fromRouting === undefined ? toRouting : mergeRouting(fromRouting, toRouting);
  const proxyFrom = from.mode === RegistryModeName.DIRECT;
  const proxyTo = to.mode === RegistryModeName.DIRECT;
  const nsFrom = hasNodeServices(from);
  const nsTo = hasNodeServices(to);
  const side = (holds: boolean, s: Side): Side | undefined => (holds ? s : undefined);
  return {
    ctx, effectiveFrom: from, declaredTo: to, legacyNodes, fromRouting, toRouting, dual,
    routingChanges: canonicalJson(fromRouting ?? null) !== canonicalJson(toRouting ?? null),
    fromBase: imagesBaseOf(from),
    toBase: imagesBaseOf(ctx.to.settings) as string,
    proxyFrom, proxyTo, nsFrom, nsTo,
    local: to.mode === RegistryModeName.LOCAL,
    toChecks: checksFor(ctx.to.settings, digests),
    bothChecks: mergeChecks(checksFor(from, digests), checksFor(ctx.to.settings, digests)),
    before: {
      deckhouseRegistry: side(!legacyNodes, 'from'), inClusterProxy: side(proxyFrom, 'from'), nodeServices: side(nsFrom, 'from'),
      registryProxy: nsFrom || nsTo, service: serviceOf(from), pki: side(runsComponents(from.mode), 'from'),
    },
    after: {
      deckhouseRegistry: 'to',
      inClusterProxy: side(proxyTo, 'to') ?? side(proxyFrom, 'from'),
      nodeServices: side(nsTo, 'to') ?? side(nsFrom, 'from'),
      registryProxy: nsFrom || nsTo,
      service: serviceOf(to) ?? serviceOf(from),
      pki: side(runsComponents(to.mode), 'to') ?? side(runsComponents(from.mode), 'from'),
    },
    common: { bashibleMode: to.mode, imagesBase: imagesBaseOf(ctx.to.settings) as string },
  };
}

/** Transition: every node gets routing for both sides (only when the routing changes). */
function transitionStage(f: SwitchFacts): StagePlan | undefined {
  if (!f.routingChanges) return undefined;
  const { effectiveFrom: from, declaredTo: to } = f;
  const v1Groups = f.ctx.to.cluster.nodeGroups.filter((g) => g.cri === Cri.CONTAINERD).map((g) => g.name);
  // Routing for both sides merges per upstream: when the upstreams are the same (a credential or CA rotation),
  // nodes hold only the new side's routing from this stage on.
  const onlyNew = f.toRouting !== undefined && canonicalJson(f.dual ?? null) === canonicalJson(f.toRouting);
  const disruptions = [f.fromRouting === undefined
    ? `every node moves to config_path with routing for ${describeSettings(to)}; images of the bootstrap registry are pulled from their own host (its CA and credentials from the legacy configuration no longer apply; pass bootstrapRegistry to keep them routed)`
    : onlyNew
      ? `every node's routing for ${describeSettings(to)} takes the new credentials or CA (the same upstream: hosts.toml holds only the new ones from this stage on); hosts.toml edits apply without restarting containerd`
      : `every node receives routing for both ${describeSettings(from)} and ${describeSettings(to)}; hosts.toml edits apply without restarting containerd`];
  if (f.fromRouting === undefined) {
    disruptions.push('config_path takes effect only when containerd restarts: with Deckhouse, bashible restarts it (its containerd step; the registry NodeGroupConfiguration script also sets the containerd-need-restart flag when /etc/containerd/registry-config-path.toml changes); elsewhere the script prints that containerd must be restarted');
  }
  if (f.nsTo && !f.nsFrom) disruptions.push('every node starts the registry-proxy load balancer on 127.0.0.1:5001 (static pod)');
  if (f.legacyNodes && v1Groups.length > 0) {
    disruptions.push(`containerd 1.x restarts once on the nodes of ${v1Groups.map((g) => `"${g}"`).join(', ')}: they move from the legacy registry.mirrors configuration to config_path`);
  }
  return {
    name: 'transition',
    waitFor: f.local ? ['ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady'] : ['RegistryContainsRequiredImages', 'ContainerdConfigPreflightReady', 'TransitionContainerdConfigReady'],
    routing: f.dual, ...f.common, ...f.before, checks: f.bothChecks, disruptions, prune: [],
  };
}

/** In-Cluster Proxy: the target's proxy starts (or rolls) before anything points at it. */
function inClusterProxyStage(f: SwitchFacts): StagePlan | undefined {
  if (!f.proxyTo) return undefined;
  return {
    name: 'in-cluster-proxy',
    waitFor: ['InClusterProxyReady'],
    routing: f.dual, ...f.common, ...f.before, inClusterProxy: 'to', pki: 'to',
    checks: f.bothChecks,
    disruptions: [f.proxyFrom
      ? 'registry-incluster-proxy rolls to the new upstream (nodes already route to both, so the old proxy is not replaced before they do)'
      : 'registry-incluster-proxy starts on the control-plane nodes'],
    prune: [],
  };
}

/** Node services: the target's registry starts on the control-plane nodes (Local: to be filled now). */
function nodeServicesStage(f: SwitchFacts): StagePlan | undefined {
  if (!f.nsTo) return undefined;
  return {
    name: 'node-services',
    waitFor: f.local ? ['NodeServicesReady', 'RegistryContainsRequiredImages'] : ['NodeServicesReady'],
    routing: f.dual, ...f.common, ...f.before, nodeServices: 'to', pki: 'to',
    checks: f.bothChecks,
    disruptions: [
      `the registry starts on every control-plane node (static pod registry-nodeservices, ${f.local ? 'the local copy' : 'a pull-through cache'} on /opt/deckhouse/registry)`,
      ...(f.local ? ['fill the local copy now: d8 mirror push --registry-login=rw --registry-password=<registry-user-rw password> <bundle> registry.<public domain>/system/deckhouse; '
        + 'RegistryContainsRequiredImages stays False until the images are there'] : []),
    ],
    prune: [],
  };
}

/** Switch: `deckhouse-registry` and the Service move (when the registry components pull from changes). */
function switchStage(f: SwitchFacts): StagePlan | undefined {
  const changes = f.fromBase !== f.toBase || f.before.deckhouseRegistry === undefined || f.effectiveFrom.mode !== f.declaredTo.mode
    || canonicalJson(upstreamOf(f.effectiveFrom) ?? null) !== canonicalJson(upstreamOf(f.ctx.to.settings) ?? null);
  if (!changes) return undefined;
  return {
    name: 'switch',
    waitFor: ['DeckhouseRegistrySwitchReady'],
    routing: f.dual, ...f.common, ...f.after,
    checks: f.bothChecks,
    disruptions: [f.fromBase === f.toBase
      ? `only Deckhouse restarts: deckhouse-registry changes, image references stay ${f.toBase}`
      : `every Deckhouse component restarts: image references move from ${f.fromBase ?? 'the bootstrap registry'} to ${f.toBase}`],
    prune: [],
  };
}

/** Final: nodes keep only the new routing. */
function finalStage(f: SwitchFacts): StagePlan | undefined {
  if (!f.routingChanges || f.toRouting === undefined) return undefined;
  return {
    name: 'final',
    waitFor: ['FinalContainerdConfigReady'],
    routing: f.toRouting, ...f.common, ...f.after,
    checks: f.toChecks,
    disruptions: [`nodes keep only the routing for ${describeSettings(f.declaredTo)}; no restart`],
    prune: [],
  };
}

/** Cleanup: the old side's components go; the prune list names them from `object-names`. */
function cleanupStage(f: SwitchFacts): StagePlan | undefined {
  const dropProxy = f.proxyFrom && !f.proxyTo;
  const dropNodeServices = f.nsFrom && !f.nsTo;
  if (!dropProxy && !dropNodeServices) return undefined;
  const noService = serviceOf(f.declaredTo) === undefined;
  const noPki = !runsComponents(f.declaredTo.mode);
  const prune = [
    ...(dropProxy ? IN_CLUSTER_PROXY_OBJECTS : []),
    ...(dropNodeServices ? nodeServicesObjects(f.ctx.from) : []),
    ...(noService ? [objectRef('Service', REGISTRY_SERVICE)] : []),
    ...(noPki ? [objectRef('Secret', REGISTRY_PKI_SECRET)] : []),
  ];
  const gone = [
    ...(dropProxy ? ['the In-Cluster Proxy'] : []),
    ...(dropNodeServices ? ['the node services (their static pods and files leave the masters) and the registry-proxy load balancer on every node'] : []),
    ...(noService ? ['the registry Service'] : []),
    ...(noPki ? ['the module PKI'] : []),
  ];
  return {
    name: 'cleanup',
    waitFor: [...(dropProxy ? ['CleanupInClusterProxy'] : []), ...(dropNodeServices ? ['CleanupNodeServices'] : []), 'Ready'],
    routing: f.toRouting, ...f.common,
    deckhouseRegistry: 'to', inClusterProxy: f.proxyTo ? 'to' : undefined, nodeServices: f.nsTo ? 'to' : undefined, registryProxy: f.nsTo,
    service: serviceOf(f.declaredTo), pki: noPki ? undefined : 'to',
    checks: f.toChecks,
    disruptions: [`${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} removed`],
    prune,
  };
}

/** Nothing but the settings changes: one stage that says so. */
function settingsOnlyStage(f: SwitchFacts): StagePlan {
  return {
    name: 'final',
    waitFor: ['Ready'],
    routing: f.toRouting, ...f.common,
    deckhouseRegistry: f.before.deckhouseRegistry === undefined ? undefined : 'to', registryProxy: false,
    checks: f.toChecks,
    disruptions: ['none: only the settings change; registry-bashible-config is kept (helm.sh/resource-policy: keep) with the same routing. '
      + 'To return containerd 1.x to the legacy mirrors format, delete it by hand (d8 k -n d8-system delete secret registry-bashible-config)'],
    prune: [],
  };
}

/** The staged plan of an allowed switch: each stage from its own builder, in the module's order; the last waits for `Ready`. */
export function planSwitch(ctx: SwitchContext): StagePlan[] {
  const f = switchFacts(ctx);
  const stages = [transitionStage, inClusterProxyStage, nodeServicesStage, switchStage, finalStage, cleanupStage]
    .map((build) => build(f))
    .filter((st): st is StagePlan => st !== undefined);
  if (stages.length === 0) stages.push(settingsOnlyStage(f));
  const last = stages[stages.length - 1];
  if (!last.waitFor.includes('Ready')) stages[stages.length - 1] = { ...last, waitFor: [...last.waitFor, 'Ready'] };
  // registry-bashible-config of each stage: its routing, and the masters' endpoints while the load balancer runs.
  const endpoints = proxyEndpoints(ctx.to.cluster.controlPlane);
  return stages.map((st) => ({
    ...st,
    ...(st.routing === undefined ? {} : { bashible: bashibleConfig(st.bashibleMode, st.imagesBase, st.routing, st.registryProxy ? endpoints : []) }),
    ...(st.service === undefined ? {} : { serviceSide: serviceOf(ctx.to.settings) === st.service ? 'to' as Side : 'from' as Side }),
  }));
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
