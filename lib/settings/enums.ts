/** Transport scheme of an upstream registry (`spec.settings.registry.<section>.scheme`). */
export enum Scheme {
  /** Plain HTTP; containerd is told `skip_verify = true` for such mirrors, as Deckhouse does. */
  HTTP = 'HTTP',
  /** HTTPS, verified against the system roots or the section's `ca`. */
  HTTPS = 'HTTPS',
}

/** How the module's checker verifies an upstream before switching (`checkMode`). */
export enum CheckMode {
  /** Check that every critical component image exists in the upstream. */
  DEFAULT = 'Default',
  /** Check only the Deckhouse image tag; meant for edition switches. */
  RELAX = 'Relax',
}

/** The registry mode (`spec.settings.registry.mode`). */
export enum RegistryModeName {
  /** No internal registry; the cluster uses the registry given at bootstrap or in `unmanaged`. */
  UNMANAGED = 'Unmanaged',
  /** No cache: containerd redirects the fixed address to the upstream, API clients use the in-cluster proxy. */
  DIRECT = 'Direct',
  /** A caching registry on the control-plane nodes. */
  PROXY = 'Proxy',
  /** A full local copy on the control-plane nodes. */
  LOCAL = 'Local',
}

/** Container runtime of a node group (`NodeGroup.spec.cri.type`). */
export enum Cri {
  /** containerd 1.6 / 1.7, config.toml `version = 2`. */
  CONTAINERD = 'Containerd',
  /** containerd 2.x, config.toml `version = 3`. */
  CONTAINERD_V2 = 'ContainerdV2',
  /** Docker; not supported by the managed modes. */
  DOCKER = 'Docker',
  /** A runtime Deckhouse does not manage; not supported by the managed modes. */
  NOT_MANAGED = 'NotManaged',
}

/** Deckhouse cluster type (`clusterConfiguration.clusterType`). */
export enum ClusterType {
  /** Nodes are virtual machines of a cloud provider. */
  CLOUD = 'Cloud',
  /** Bare-metal or otherwise statically provisioned nodes; required by Proxy and Local. */
  STATIC = 'Static',
}

/** Which containerd build the nodes run; only Deckhouse's build understands hosts.toml `auth` and `rewrite`. */
export enum ContainerdBuild {
  /** Deckhouse's patched containerd (`002-hosts-rewrite.patch`, `003-hosts-auth.patch`). */
  DECKHOUSE = 'Deckhouse',
  /** Upstream containerd, which silently ignores hosts.toml `auth` and `rewrite`. */
  STOCK = 'Stock',
}

/** Who writes the registry's objects and node files in the cluster (the operating model). */
export enum DeliveryTarget {
  /**
   * Deckhouse runs its `registry` module: the pipeline applies only `ModuleConfig/deckhouse`; the module renders every
   * other object and bashible writes the node files. What this library renders besides the ModuleConfig is the
   * expected state, for review, switch plans and verification; values the module generates are marked as such.
   */
  WITH_MODULE = 'WithModule',
  /**
   * The module does not run (e.g. Deckhouse releases before it): the pipeline applies every object, and nodes get
   * their files through NodeGroupConfiguration scripts, whose secret files come from Secrets.
   */
  WITHOUT_MODULE = 'WithoutModule',
}

/** How `ModuleConfig/deckhouse` carries the registry credentials (`license`, `password`). */
export enum CredentialForm {
  /**
   * `${REGISTRY_<SECTION>_<FIELD>}` placeholders in block scalars: substituting any value the module accepts (with
   * `envsubst` and an explicit variable list, or Flux post-build substitution) yields exactly that string.
   */
  PLACEHOLDER = 'Placeholder',
  /** The values themselves, for a pipeline that encrypts the file (SOPS) before it is committed. */
  INLINE = 'Inline',
}
