import { Construct } from 'constructs';
import { NodeGroupConfiguration } from '../../imports/deckhouse-nodegroupconfiguration-deckhouse.io';
import { Routing, routingForBuild } from '../model/routing';
import { NodeFile, nodeFiles, ownedHostDirs } from '../render/node-files';
import { nodeScriptBody, nodeScriptHeader, secretKey } from '../render/node-script';
import { NodeGroupFacts } from '../settings/cluster-facts';
import { hasNodeServices } from '../settings/parsed-settings';
import { RegistryModel } from '../model/registry-model';
import { resolvedModel } from './registry-mode-construct';
import { nodeServicesExtra } from '../render/node-services-files';
import { ContainerdBuild, Cri, DeliveryTarget } from '../settings/enums';
import { assertClusterScope, secret } from './_objects';
import { KubeRole, KubeRoleBinding } from '../../imports/k8s';
import { REGISTRY_NAMESPACE } from '../model/constants';
import { groupFilesSecretName, NODE_FILES_READER, nodeFilesSecretName, nodeGroupConfigurationName, REGISTRY_LABELS } from '../model/object-names';

export type { NodeFile };

/** The files one node group receives. */
export interface NodeBundle {
  /** NodeGroup name. */
  readonly nodeGroup: string;
  /** Its container runtime. */
  readonly cri: Cri;
  /** Absolute node paths, sorted: what every node of the group gets. */
  readonly files: NodeFile[];
  /**
   * Files of single nodes of the group, by node name (Proxy and Local: the node services of each control-plane node).
   * @default - none
   */
  readonly nodeFiles?: { [node: string]: NodeFile[] };
}

/** Extra files beside the routing: per group, and per node of a group. @internal */
export interface ExtraFiles {
  readonly group: (group: string) => NodeFile[];
  readonly node: (group: string) => Map<string, NodeFile[]>;
}

const NO_EXTRA: ExtraFiles = { group: () => [], node: () => new Map() };

/** Props of `NodeConfiguration`. */
export interface NodeConfigurationProps {
  /**
   * The model whose node routing to deliver, with the containerd build (stock containerd ignores hosts.toml `auth`
   * and `rewrite`, so routing that needs either is refused for it) and `spec.weight` of the NodeGroupConfigurations.
   */
  readonly model: RegistryModel;
}

/**
 * Per-node containerd configuration: for every containerd node group, the hosts.toml and CA files of the mode's
 * routing plus the config.toml fragment that sets `config_path` for its runtime, delivered by one
 * `NodeGroupConfiguration` (`registry-containerd-<group>`) whose script writes exactly these files. `toFiles()`
 * gives the same files as a plain tree.
 */
export class NodeConfiguration extends Construct {
  /** The files of every containerd node group. */
  public readonly bundles: NodeBundle[];

  constructor(scope: Construct, id: string, props: NodeConfigurationProps) {
    super(scope, id);
    const m = resolvedModel(this, props.model);
    // With the module, bashible writes the node files: they are expected state, delivered by no object of ours.
    const deliver = m.cluster.target === DeliveryTarget.WITHOUT_MODULE;
    if (deliver) assertClusterScope(this, 'NodeGroupConfiguration');
    this.bundles = renderNodeObjects(deliver ? this : undefined, m.routing, m.cluster.nodeGroups, m.build, m.weight, hasNodeServices(m.settings) ? nodeServicesExtra(m) : undefined);
  }

  /** Every bundle as a file tree: `nodes/<group>/<absolute node path without the leading slash>` -> content. */
  public toFiles(): { [path: string]: string } {
    return bundleFiles(this.bundles);
  }
}

/**
 * One NodeGroupConfiguration per containerd node group for a routing (none when the routing is undefined, or without
 * a scope: the files are then only expected state); returns the bundles. Ids are the node group names.
 * @internal
 */
export function renderNodeObjects(scope: Construct | undefined, routing: Routing | undefined, nodeGroups: readonly NodeGroupFacts[], build: ContainerdBuild, weight: number,
  extra: ExtraFiles = NO_EXTRA): NodeBundle[] {
  const bundles: NodeBundle[] = [];
  if (routing === undefined) return bundles;
  const nodeRouting = routingForBuild(routing, build);
  const owned = ownedHostDirs(nodeRouting);
  const groupSecrets: string[] = [];
  // Groups with the same runtime, extra files and Secret get the same script body: render it once.
  const bodies = new Map<string, string>();
  for (const group of nodeGroups) {
    if (group.cri !== Cri.CONTAINERD && group.cri !== Cri.CONTAINERD_V2) continue;
    const groupExtra = extra.group(group.name);
    const perNode = extra.node(group.name);
    const groupFiles = nodeFiles(nodeRouting, group.cri, groupExtra);
    // Files that hold a credential or a key travel in a Secret the script reads, never in the script itself.
    const groupSecret = scope !== undefined && groupFiles.some((f) => f.secret === true) ? nodeFilesSecret(scope, `Group-${group.name}`, groupFilesSecretName(group.name), groupFiles) : undefined;
    if (groupSecret !== undefined) groupSecrets.push(groupSecret);
    if (perNode.size > 0) {
      // Every node gets the group's files plus its own; the script picks the node's set by bashible's node name.
      const nodeFilesOf: { [node: string]: NodeFile[] } = {};
      const arms: string[] = [];
      for (const [node, own] of [...perNode.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const files = nodeFiles(nodeRouting, group.cri, [...groupExtra, ...own]);
        nodeFilesOf[node] = own;
        const secrets = groupSecret === undefined ? [] : [groupSecret];
        if (scope !== undefined && own.some((f) => f.secret === true)) {
          secrets.push(nodeFilesSecret(scope, `Node-${node}`, nodeFilesSecretName(node), own));
          nodeReader(scope, node);
        }
        // Without a scope (with the module) there is no script: bashible writes the files.
        if (scope !== undefined) arms.push(`  ${shellWord(node)})\n${nodeScriptBody(files, owned, secrets)}    ;;`);
      }
      const content = `${nodeScriptHeader(group.name)}node_name=\${D8_NODE_HOSTNAME:-$(hostname)}\ncase "$node_name" in\n${arms.join('\n')}\n`
        + '  *) echo "registry node files: node $node_name is not a known control-plane node of this group" >&2; exit 1 ;;\nesac\n';
      bundles.push({ nodeGroup: group.name, cri: group.cri, files: groupFiles, nodeFiles: nodeFilesOf });
      if (scope !== undefined) {
        new NodeGroupConfiguration(scope, group.name, {
          metadata: { name: nodeGroupConfigurationName(group.name) },
          spec: { nodeGroups: [group.name], bundles: ['*'], weight, content },
        });
      }
      continue;
    }
    bundles.push({ nodeGroup: group.name, cri: group.cri, files: [...groupFiles] });
    if (scope !== undefined) {
      const key = `${group.cri}\u0000${groupSecret ?? ''}\u0000${groupExtra.map((f) => f.path).join('\u0000')}`;
      let body = bodies.get(key);
      if (body === undefined) {
        body = nodeScriptBody(groupFiles, owned, groupSecret === undefined ? [] : [groupSecret]);
        bodies.set(key, body);
      }
      new NodeGroupConfiguration(scope, group.name, {
        metadata: { name: nodeGroupConfigurationName(group.name) },
        spec: { nodeGroups: [group.name], bundles: ['*'], weight, content: nodeScriptHeader(group.name) + body },
      });
    }
  }
  if (scope !== undefined && groupSecrets.length > 0) groupReader(scope, groupSecrets);
  return bundles;
}

/** Whether a bundle has files that hold a credential or a key. @internal */
export function hasSecretFiles(b: NodeBundle): boolean {
  return b.files.some((f) => f.secret === true) || Object.values(b.nodeFiles ?? {}).some((files) => files.some((f) => f.secret === true));
}

function nodeFilesSecret(scope: Construct, id: string, name: string, files: readonly NodeFile[]): string {
  const data: Record<string, string> = {};
  for (const f of files) if (f.secret === true) data[secretKey(f.path)] = f.content;
  secret(scope, `NodeFiles${id}`, { name, labels: { ...REGISTRY_LABELS, app: 'registry', type: 'registry-node-files' }, data });
  return name;
}

/**
 * Every node may read the group Secrets (each holds what every node of a group writes on disk anyway): a Role on
 * exactly those names, bound to the group `system:nodes`. The Node authorizer has no opinion on these reads, so RBAC
 * decides.
 */
function groupReader(scope: Construct, names: readonly string[]): void {
  const name = NODE_FILES_READER;
  new KubeRole(scope, 'NodeFilesReader', {
    metadata: { name, namespace: REGISTRY_NAMESPACE, labels: { ...REGISTRY_LABELS, app: 'registry' } },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [...names], verbs: ['get'] }],
  });
  new KubeRoleBinding(scope, 'NodeFilesReaderBinding', {
    metadata: { name, namespace: REGISTRY_NAMESPACE, labels: { ...REGISTRY_LABELS, app: 'registry' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
  });
}

/** A node's own Secret (its node-services keys) is readable by that node's identity `system:node:<node>` only. */
function nodeReader(scope: Construct, node: string): void {
  const name = nodeFilesSecretName(node);
  new KubeRole(scope, `NodeFilesReader-${node}`, {
    metadata: { name, namespace: REGISTRY_NAMESPACE, labels: { ...REGISTRY_LABELS, app: 'registry' } },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['get'] }],
  });
  new KubeRoleBinding(scope, `NodeFilesReaderBinding-${node}`, {
    metadata: { name, namespace: REGISTRY_NAMESPACE, labels: { ...REGISTRY_LABELS, app: 'registry' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `system:node:${node}` }],
  });
}

/** A node name as a single-quoted shell word (node names are validated DNS subdomains). */
function shellWord(value: string): string {
  if (!/^[a-z0-9.-]+$/.test(value)) throw new Error(`node script: refusing node name ${JSON.stringify(value)}`);
  return `'${value}'`;
}

/**
 * Bundles as a file tree under `prefix`: `<prefix>nodes/<group>/<node path without the leading slash>`, and a single
 * node's own files under `<prefix>nodes/<group>@<node>/…`. @internal
 */
export function bundleFiles(bundles: readonly NodeBundle[], prefix = ''): { [path: string]: string } {
  const out: { [path: string]: string } = {};
  for (const b of bundles) {
    for (const f of b.files) out[`${prefix}nodes/${b.nodeGroup}${f.path}`] = f.content;
    for (const [node, files] of Object.entries(b.nodeFiles ?? {})) for (const f of files) out[`${prefix}nodes/${b.nodeGroup}@${node}${f.path}`] = f.content;
  }
  return out;
}
