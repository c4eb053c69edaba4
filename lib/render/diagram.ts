// Mermaid pictures generated from the model: what each mode deploys and where every node's pulls go.
import { REGISTRY_ADDRESS, REGISTRY_IMAGES_BASE } from '../model/constants';
import { LOCAL_ENDPOINT } from '../model/node-services';
import { Routing } from '../model/routing';
import { Cluster } from '../model/cluster';
import { Settings } from '../settings/parsed-settings';
import { RegistryModeName } from '../settings/enums';

/** Text safe inside a quoted Mermaid label. */
function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'))}"`;
}

function nodeGroups(cluster: Pick<Cluster, 'nodeGroups'>): string[] {
  return [
    '  subgraph nodes["every node: containerd + /etc/containerd/registry.d"]',
    ...cluster.nodeGroups.map((g, i) => `    ng${i}[${label(`${g.name} · ${g.cri}`)}]`),
    '  end',
  ];
}

/** Arrows for every host of a routing: fixed name or upstream host -> mirror, with the rewrite on the arrow. */
function routingEdges(routing: Routing, from: string, ids: Map<string, string>, lines: string[]): void {
  for (const [host, cfg] of Object.entries(routing)) {
    let hostId = ids.get(`host:${host}`);
    if (hostId === undefined) {
      hostId = `h${ids.size}`;
      ids.set(`host:${host}`, hostId);
      lines.push(`  ${hostId}([${label(host === REGISTRY_ADDRESS ? REGISTRY_IMAGES_BASE : host)}])`);
      lines.push(`  ${from} -- "pull" --> ${hostId}`);
    }
    cfg.mirrors.forEach((m, i) => {
      const key = `mirror:${m.scheme}://${m.host}`;
      let mirrorId = ids.get(key);
      if (mirrorId === undefined) {
        mirrorId = `m${ids.size}`;
        ids.set(key, mirrorId);
        lines.push(`  ${mirrorId}[(${label(`${m.scheme}://${m.host}`)})]`);
      }
      const notes = [`hosts.toml mirror ${i + 1}`, ...(m.rewrites ?? []).map((r) => `rewrite ${r.from} → ${r.to}`), ...(m.auth ? ['auth'] : [])];
      lines.push(`  ${hostId} -- ${label(notes.join(', '))} --> ${mirrorId}`);
    });
  }
}

/** A flowchart of what a mode deploys and where pulls go. */
export function modeDiagram(settings: Settings, cluster: Pick<Cluster, 'nodeGroups' | 'controlPlane' | 'controlPlaneNodes'>, routing: Routing | undefined): string {
  const lines = ['flowchart LR', ...nodeGroups(cluster)];
  const ids = new Map<string, string>();
  switch (settings.mode) {
    case RegistryModeName.UNMANAGED:
      if (routing === undefined) {
        lines.push('  boot[("the registry the cluster was bootstrapped with (deckhouse-registry)")]', '  nodes -- "legacy containerd configuration" --> boot');
      } else {
        routingEdges(routing, 'nodes', ids, lines);
      }
      break;
    case RegistryModeName.DIRECT: {
      routingEdges(routing as Routing, 'nodes', ids, lines);
      const u = settings.upstream;
      lines.push(
        '  clients["API clients: deckhouse-controller, operator-trivy, …"]',
        '  svc{{"Service registry :5001 (headless)"}}',
        `  proxy[${label(`In-Cluster Proxy on the control plane: Deployment registry-incluster-proxy ×${cluster.controlPlaneNodes}`)}]`,
        '  clients --> svc --> proxy',
        `  proxy -- ${label(`/system/deckhouse → ${u.path}`)} --> ${ids.get(`mirror:${u.scheme.toLowerCase()}://${u.address}`)}`,
      );
      break;
    }
    default: {
      routingEdges(routing as Routing, 'nodes', ids, lines);
      const lb = ids.get(`mirror:https://${LOCAL_ENDPOINT}`);
      lines.push('  subgraph masters["control-plane nodes: static pod registry-nodeservices (distribution + auth), hostPort 5001"]');
      cluster.controlPlane.forEach((n, i) => lines.push(`    cp${i}[${label(`${n.name} ${n.address}:5001`)}]`));
      lines.push('  end', `  ${lb} -- "registry-proxy nginx, least_conn" --> masters`, '  clients["API clients"] --> svc{{"Service registry :5001 (headless)"}} --> masters');
      if (settings.mode === RegistryModeName.PROXY) {
        lines.push(`  up[(${label(`${settings.upstream.scheme.toLowerCase()}://${settings.upstream.imagesRepo} (cache ttl ${settings.ttl})`)})]`, '  masters -- "pull-through cache" --> up');
      } else {
        // '#lt;'/'#gt;': a bare <public domain> is an HTML tag to Mermaid and vanishes. Replication is drawn between the
        // masters, not as a self-loop on the subgraph, whose label the renderer clips.
        lines.push('  push["d8 mirror push"] --> ing{{"Ingress registry.#lt;public domain#gt; → Service registry-push"}} --> masters');
        for (let i = 1; i < cluster.controlPlane.length; i++) lines.push(`  cp${i - 1} <-- ${i === 1 ? '"mirrorer replicates" ' : ''}--> cp${i}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A flowchart of a switch plan: the stages in order with the conditions between them. */
export function planDiagram(stages: ReadonlyArray<{ folder: string; waitFor: readonly string[]; disruptions: readonly string[] }>): string {
  const lines = ['flowchart TD'];
  stages.forEach((s, i) => {
    lines.push(`  s${i}[${label(`${s.folder}: ${s.disruptions[0] ?? ''}`)}]`);
    if (i > 0) lines.push(`  s${i - 1} -- ${label(`wait: ${stages[i - 1].waitFor.join(', ')}`)} --> s${i}`);
  });
  const last = stages.length - 1;
  lines.push(`  s${last} -- ${label(`wait: ${stages[last].waitFor.join(', ')}`)} --> done(["done"])`);
  return `${lines.join('\n')}\n`;
}
