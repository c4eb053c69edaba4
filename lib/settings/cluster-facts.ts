// The cluster facts as validated (`resolveCluster`): node groups, control plane, images, PKI as given, Ingress, proxy
// and the delivery target. The model completes them into its Cluster (lib/model/cluster.ts).
import { ClusterType, Cri, DeliveryTarget } from './enums';

export interface NodeGroupFacts {
  readonly name: string;
  readonly cri: Cri;
}

export interface KeyPair {
  /** Normalized PEM certificate. */
  readonly certificate: string;
  /** Normalized PEM private key. */
  readonly privateKey: string;
}

export interface NodePki {
  readonly auth: KeyPair;
  readonly distribution: KeyPair;
}

/** The PKI as the user gave it, parsed and checked. */
export interface PkiInput {
  readonly ca: KeyPair;
  readonly token: KeyPair;
  readonly auth: KeyPair;
  readonly distribution: KeyPair;
  /** distribution's `http.secret`, when given. */
  readonly httpSecret?: string;
  /** Per control-plane node name (Proxy and Local). */
  readonly nodes: { readonly [node: string]: NodePki };
}

export interface Images {
  readonly dockerDistribution: string;
  readonly dockerAuth: string;
  readonly registryProxy?: string;
  readonly mirrorer?: string;
}

export interface ControlPlaneFacts {
  readonly name: string;
  readonly address: string;
}

export interface IngressFacts {
  /** `registry.<public domain>`. */
  readonly host: string;
  readonly clientCa: string;
  readonly tls: { readonly kind: 'CertManager'; readonly clusterIssuer: string } | { readonly kind: 'CustomCertificate'; readonly certificate: KeyPair };
  readonly whitelistSourceRanges: readonly string[];
  readonly ingressClass: string;
}

/**
 * The cluster facts as validated (`resolveCluster`): the PKI and the images as given. The model completes them
 * (`completeCluster` in lib/model/cluster.ts): derived secrets, and what the module generates itself.
 */
export interface ClusterInput {
  readonly nodeGroups: readonly NodeGroupFacts[];
  readonly controlPlaneNodes: number;
  /** More than one control-plane node. */
  readonly highAvailability: boolean;
  readonly clusterType: ClusterType;
  readonly images?: Images;
  readonly pki?: PkiInput;
  readonly customTolerationKeys: readonly string[];
  readonly verticalPodAutoscaler: boolean;
  /** Control-plane nodes sorted by name (empty when not given). */
  readonly controlPlane: readonly ControlPlaneFacts[];
  readonly ingress?: IngressFacts;
  /** The cluster proxy (`clusterConfiguration.proxy`), when set. */
  readonly proxy?: ProxyFacts;
  /** Who writes the objects and node files. */
  readonly target: DeliveryTarget;
}

/** `clusterConfiguration.proxy` with what `NO_PROXY` is composed of. */
export interface ProxyFacts {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy: readonly string[];
  readonly clusterDomain: string;
  readonly podSubnetCIDR: string;
  readonly serviceSubnetCIDR: string;
}
