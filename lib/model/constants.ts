import { MODULE_GENERATED } from './_generated';

/**
 * The fixed names, addresses and paths of the Deckhouse `registry` module, and the marker of values it generates
 * itself. (Static members of a class: module-level constants are not part of a jsii API.)
 */
export class RegistryConstants {
  /** Namespace of every namespaced object the module renders. */
  public static readonly NAMESPACE = 'd8-system';
  /** Name of the headless Service in front of the registry. */
  public static readonly SERVICE_NAME = 'registry';
  /** DNS name of the fixed registry address. */
  public static readonly HOST = 'registry.d8-system.svc';
  /** Port of the fixed registry address. */
  public static readonly PORT = 5001;
  /** The fixed registry address every image reference uses in the managed modes (`HOST:PORT`). */
  public static readonly ADDRESS = 'registry.d8-system.svc:5001';
  /** Repository path of Deckhouse images behind the fixed address. */
  public static readonly PATH = '/system/deckhouse';
  /** `global.modulesImages.registry.base` in the managed modes (`ADDRESS` + `PATH`). */
  public static readonly IMAGES_BASE = 'registry.d8-system.svc:5001/system/deckhouse';
  /** Root of containerd's hosts directories on every node. */
  public static readonly CONTAINERD_REGISTRY_DIR = '/etc/containerd/registry.d';
  /** Name of the platform-wide registry Secret (pull secret of every Deckhouse workload). */
  public static readonly DECKHOUSE_REGISTRY_SECRET = 'deckhouse-registry';
  /**
   * Marks a value of the expected state that the Deckhouse module generates itself (keys, certificates, passwords,
   * hashes and versions computed from them) or knows itself (its image digests): verification ignores it.
   */
  public static readonly MODULE_GENERATED = MODULE_GENERATED;

  private constructor() {}
}

// The library's own code imports these names; RegistryConstants is their public form.
/** @internal */
export const REGISTRY_NAMESPACE = RegistryConstants.NAMESPACE;
/** @internal */
export const REGISTRY_PORT = RegistryConstants.PORT;
/** @internal */
export const REGISTRY_ADDRESS = RegistryConstants.ADDRESS;
/** @internal */
export const REGISTRY_PATH = RegistryConstants.PATH;
/** Regex that the node-side rewrite matches against the repository (no leading slash). @internal */
export const REGISTRY_PATH_REGEXP = '^system/deckhouse';
/** @internal */
export const REGISTRY_IMAGES_BASE = `${REGISTRY_ADDRESS}${REGISTRY_PATH}`;
/** Scheme of the fixed address. @internal */
export const REGISTRY_SCHEME = 'https';
/** @internal */
export const CONTAINERD_REGISTRY_DIR = RegistryConstants.CONTAINERD_REGISTRY_DIR;
export { MODULE_GENERATED };
