/** Namespace of every namespaced object the module renders. */
export const REGISTRY_NAMESPACE = 'd8-system';
/** DNS name of the fixed registry address. */
export const REGISTRY_HOST = 'registry.d8-system.svc';
/** Port of the fixed registry address. */
export const REGISTRY_PORT = 5001;
/** The fixed registry address every image reference uses in the managed modes. */
export const REGISTRY_ADDRESS = `${REGISTRY_HOST}:${REGISTRY_PORT}`;
/** Repository path of Deckhouse images behind the fixed address. */
export const REGISTRY_PATH = '/system/deckhouse';
/** Regex that the node-side rewrite matches against the repository (no leading slash). */
export const REGISTRY_PATH_REGEXP = '^system/deckhouse';
/** `global.modulesImages.registry.base` in the managed modes. */
export const REGISTRY_IMAGES_BASE = `${REGISTRY_ADDRESS}${REGISTRY_PATH}`;
/** Scheme of the fixed address. */
export const REGISTRY_SCHEME = 'https';
/** Root of containerd's hosts directories on every node. */
export const CONTAINERD_REGISTRY_DIR = '/etc/containerd/registry.d';
export { MODULE_GENERATED } from '../settings/_generated';
