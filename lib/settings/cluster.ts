import { ClusterType, Cri } from './enums';

/** A Deckhouse NodeGroup as far as the registry module cares. */
export interface NodeGroup {
  /** NodeGroup name (`metadata.name`), a DNS label such as `master` or `worker`. */
  readonly name: string;

  /**
   * Container runtime of the group's nodes (`spec.cri.type`).
   * @default Cri.CONTAINERD
   */
  readonly cri?: Cri;
}

/** A PEM certificate and its PEM private key. */
export interface CertificateKeyPair {
  /** The certificate, PEM. */
  readonly certificate: string;
  /** The private key, PEM (PKCS#8, PKCS#1 or SEC1). Lands only in Secrets. */
  readonly privateKey: string;
}

/**
 * Key material of the module's PKI. Synth never generates keys: Deckhouse generates these once at run time and
 * keeps them in Secrets, so a static renderer takes them as inputs.
 */
export interface RegistryPki {
  /** The registry CA (Deckhouse: ECDSA P-256, CN `registry-ca`, 10 years). Its certificate is trusted by clients. */
  readonly ca: CertificateKeyPair;
  /** The token signing pair (Deckhouse: CN `registry-auth-token`), signed by the CA. */
  readonly token: CertificateKeyPair;
  /** TLS pair of the auth server (CN `registry-auth`), signed by the CA, with SANs `127.0.0.1`, `localhost`, `registry.d8-system.svc`. */
  readonly auth: CertificateKeyPair;
  /** TLS pair of distribution (CN `registry-distribution`), signed by the CA, with the same SANs. */
  readonly distribution: CertificateKeyPair;

  /**
   * distribution's `http.secret` (Deckhouse: 25 random characters from `[a-zA-Z0-9]`).
   * @default - 25 characters derived from the CA private key with HMAC-SHA256, so the same PKI gives the same value
   */
  readonly httpSecret?: string;
}

/**
 * Digests of the module's component images. Images are referenced as `<images base>@<digest>`, where the base is
 * `registry.d8-system.svc:5001/system/deckhouse` in the managed modes.
 */
export interface RegistryImages {
  /** Digest of the `dockerDistribution` image, `sha256:<64 hex>`. */
  readonly dockerDistribution: string;
  /** Digest of the `dockerAuth` image, `sha256:<64 hex>`. */
  readonly dockerAuth: string;
}

/** What the module learns from the cluster at run time and a static renderer needs as input. */
export interface RegistryClusterProps {
  /**
   * The cluster's node groups and their container runtimes. The managed modes need containerd on every node.
   * @default - one group `master` with `Cri.CONTAINERD`
   */
  readonly nodeGroups?: NodeGroup[];

  /**
   * Number of control-plane (master) nodes; more than one means high availability.
   * @default 1
   */
  readonly controlPlaneNodes?: number;

  /**
   * The cluster type; Proxy and Local need `ClusterType.STATIC`.
   * @default ClusterType.CLOUD
   */
  readonly clusterType?: ClusterType;

  /**
   * Digests of the component images.
   * @default - none; required by the modes that run components (Direct)
   */
  readonly images?: RegistryImages;

  /**
   * The module's PKI.
   * @default - none; required by the modes that run components (Direct)
   */
  readonly pki?: RegistryPki;

  /**
   * Extra taint keys every Deckhouse workload tolerates (`global.modules.placement.customTolerationKeys`).
   * @default - none
   */
  readonly customTolerationKeys?: string[];

  /**
   * Whether the `vertical-pod-autoscaler` module is enabled; then a VerticalPodAutoscaler is rendered for the
   * in-cluster proxy and the containers get no fixed requests.
   * @default false
   */
  readonly verticalPodAutoscaler?: boolean;
}
