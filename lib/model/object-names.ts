// Every fixed name of an object the module renders, in one place: the renderers name their objects from here, and
// a switch's prune lists are built from the same names, so the two cannot drift apart.
import { REGISTRY_NAMESPACE, RegistryConstants } from './constants';

/** Labels of module `registry`'s objects (helm_lib_module_labels with Chart.Name `registry`). */
export const REGISTRY_LABELS: { readonly [key: string]: string } = { heritage: 'deckhouse', module: 'registry' };

/** The platform-wide registry Secret (pull secret of every Deckhouse workload); public as a RegistryConstants member. */
export const DECKHOUSE_REGISTRY_SECRET = RegistryConstants.DECKHOUSE_REGISTRY_SECRET;
/** The headless Service in front of the registry; public as a RegistryConstants member. */
export const REGISTRY_SERVICE = RegistryConstants.SERVICE_NAME;
/** What module `deckhouse` derives from the settings: the registry module's input. */
export const REGISTRY_CONFIG_SECRET = 'registry-config';
/** The CA and the token signing pair. */
export const REGISTRY_PKI_SECRET = 'registry-pki';
/** What bashible turns into containerd files on every node. */
export const BASHIBLE_CONFIG_SECRET = 'registry-bashible-config';
/** The In-Cluster Proxy's Deployment, PodDisruptionBudget and VerticalPodAutoscaler. */
export const IN_CLUSTER_PROXY = 'registry-incluster-proxy';
/** The In-Cluster Proxy's configuration Secret. */
export const IN_CLUSTER_PROXY_CONFIG_SECRET = 'registry-incluster-proxy-config';
/** Local: the Service the push Ingress points at. */
export const PUSH_SERVICE = 'registry-push';
/** Local: the push Ingress. */
export const PUSH_INGRESS = 'registry';
/** Local: the cert-manager Certificate of the push Ingress, and the Secret it fills. */
export const PUSH_INGRESS_CERTIFICATE = 'registry-ingress';
export const PUSH_INGRESS_TLS_SECRET = 'registry-ingress-tls';
/** Local: the Secret holding a user-supplied Ingress certificate. */
export const PUSH_INGRESS_CUSTOM_TLS_SECRET = 'registry-ingress-tls-customcertificate';

/** Without the module: the Role and RoleBinding that let every node read the group Secrets of node files. */
export const NODE_FILES_READER = 'registry-node-files';

/** Local: the TLS Secret of the push Ingress, cert-manager's or the copy of a user-supplied certificate. */
export function pushIngressTlsSecretName(tls: 'CertManager' | 'CustomCertificate'): string {
  return tls === 'CustomCertificate' ? PUSH_INGRESS_CUSTOM_TLS_SECRET : PUSH_INGRESS_TLS_SECRET;
}

/** Without the module: the NodeGroupConfiguration that delivers a group's node files. */
export function nodeGroupConfigurationName(group: string): string {
  return `registry-containerd-${group}`;
}

/** Without the module: the Secret holding the secret node files of every node of a group. */
export function groupFilesSecretName(group: string): string {
  return `registry-node-files-group-${group}`;
}

/** Without the module: the Secret (and its Role and RoleBinding) of the secret node files of one node. */
export function nodeFilesSecretName(node: string): string {
  return `registry-node-files-node-${node}`;
}

/** A module user's Secret: `registry-user-<name>`. */
export function userSecretName(user: string): string {
  return `registry-user-${user}`;
}

/** A control-plane node's node-services configuration: `registry-node-config-<node>`. */
export function nodeConfigSecretName(node: string): string {
  return `registry-node-config-${node}`;
}

/** An object as prune lists and plans name it: `Kind namespace/name`. */
export function objectRef(kind: string, name: string): string {
  return `${kind} ${REGISTRY_NAMESPACE}/${name}`;
}

/** Objects of the In-Cluster Proxy, as `Kind namespace/name`. */
export const IN_CLUSTER_PROXY_OBJECTS: readonly string[] = [
  objectRef('Deployment', IN_CLUSTER_PROXY),
  objectRef('PodDisruptionBudget', IN_CLUSTER_PROXY),
  objectRef('VerticalPodAutoscaler', IN_CLUSTER_PROXY),
  objectRef('Secret', IN_CLUSTER_PROXY_CONFIG_SECRET),
];
