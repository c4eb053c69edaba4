import { ClusterType, Cri, DeliveryTarget } from './enums';

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

/** The per-node TLS pairs of the Proxy/Local node services on one control-plane node. */
export interface NodeServicesCertificates {
  /** TLS pair of the node's auth server, signed by the CA, SANs IP `127.0.0.1` and the node's InternalIP, DNS `localhost` and `registry.d8-system.svc`. */
  readonly auth: CertificateKeyPair;
  /** TLS pair of the node's distribution, signed by the CA, with the same SANs. */
  readonly distribution: CertificateKeyPair;
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
   * @default - without the module: 25 characters derived from the CA private key with HMAC-SHA256, so the same PKI gives
   * the same value; with the module (Direct, Proxy, Local): the module's own, marked as generated in the expected state
   */
  readonly httpSecret?: string;

  /**
   * Proxy and Local: per control-plane node (by node name), the auth and distribution pairs of its node services, as
   * the module issues them (the node's InternalIP in the SANs). `registry-cdk8s pki` creates them.
   * @default - none; required by Proxy and Local for every control-plane node
   */
  readonly nodes?: { [nodeName: string]: NodeServicesCertificates };
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

  /**
   * Not used: the per-node load balancer runs `deckhouse.local/images:registry-proxy`, which Deckhouse imports and
   * pins on every node from its registry package (errata §8). Accepted for compatibility.
   * @default - none
   */
  readonly registryProxy?: string;

  /**
   * Digest of the `mirrorer` image that replicates the local copy between control-plane nodes.
   * @default - none; required by Local
   */
  readonly mirrorer?: string;
}

/** A control-plane (master) node: Proxy and Local run the registry on each and balance over them. */
export interface ControlPlaneNode {
  /** Node name (`metadata.name`). */
  readonly name: string;
  /** The node's InternalIP (IPv4). */
  readonly address: string;
}

/** Where the `registry` Ingress of the Local mode gets its TLS certificate. */
export class IngressTls {
  /** A cert-manager Certificate from a ClusterIssuer (Deckhouse's default, `letsencrypt`). */
  public static certManager(clusterIssuer = 'letsencrypt'): IngressTls {
    return new IngressTls('CertManager', clusterIssuer);
  }

  /** A certificate you supply: written to Secret `registry-ingress-tls-customcertificate`. */
  public static customCertificate(certificate: CertificateKeyPair): IngressTls {
    return new IngressTls('CustomCertificate', undefined, certificate);
  }

  /** @internal */
  public readonly _kind: 'CertManager' | 'CustomCertificate';
  /** @internal */
  public readonly _clusterIssuer?: string;
  /** @internal */
  public readonly _certificate?: CertificateKeyPair;

  private constructor(kind: 'CertManager' | 'CustomCertificate', clusterIssuer?: string, certificate?: CertificateKeyPair) {
    this._kind = kind;
    this._clusterIssuer = clusterIssuer;
    this._certificate = certificate;
  }
}

/** The push endpoint of the Local mode: Ingress `d8-system/registry` at `registry.<public domain>`. */
export interface RegistryIngressOptions {
  /**
   * Deckhouse's public domain template, e.g. `%s.kube.example.com`; the host is the template with `%s` = `registry`.
   */
  readonly publicDomainTemplate: string;

  /**
   * PEM CA of the client certificate the ingress controller presents to the backend (`/etc/nginx/ssl/client.crt`);
   * the node services accept pushes from it. Exactly one certificate, as the module keeps it.
   */
  readonly clientCa: string;

  /**
   * TLS certificate of the Ingress.
   * @default IngressTls.certManager('letsencrypt')
   */
  readonly tls?: IngressTls;

  /**
   * Source ranges allowed to reach the Ingress (`nginx.ingress.kubernetes.io/whitelist-source-range`).
   * @default - any source
   */
  readonly whitelistSourceRanges?: string[];

  /**
   * Ingress class.
   * @default 'nginx'
   */
  readonly ingressClass?: string;
}

/** What the module learns from the cluster at run time and a static renderer needs as input. */
export interface RegistryClusterProps {
  /**
   * Who writes the objects and node files: Deckhouse's `registry` module (the pipeline applies only
   * `ModuleConfig/deckhouse`; everything else is expected state) or this library's output (the pipeline applies it all).
   * @default DeliveryTarget.WITH_MODULE
   */
  readonly target?: DeliveryTarget;

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
   * The control-plane nodes with their addresses; Proxy and Local run the registry on each.
   * @default - none; required by Proxy and Local
   */
  readonly controlPlane?: ControlPlaneNode[];

  /**
   * The Local mode's push Ingress.
   * @default - none; required by Local
   */
  readonly ingress?: RegistryIngressOptions;

  /**
   * Digests of the component images.
   * @default - with the module: the module's own (marked as generated in the expected state); without it: required by
   * the modes that run components (Direct, Proxy, Local)
   */
  readonly images?: RegistryImages;

  /**
   * The module's PKI.
   * @default - with the module: the module generates it (marked as generated in the expected state); without it:
   * required by the modes that run components (Direct, Proxy, Local)
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

  /**
   * Whether Deckhouse runs its workloads highly available (`registry.highAvailability` or `global.highAvailability`):
   * the In-Cluster Proxy then runs one replica per control-plane node with a PodDisruptionBudget that allows one down.
   * @default - more than one control-plane node (`global.discovery.clusterControlPlaneIsHighlyAvailable`)
   */
  readonly highAvailability?: boolean;

  /**
   * The cluster's HTTP proxy for outgoing HTTP (`clusterConfiguration.proxy.httpProxy`), e.g. `http://proxy.corp:3128`.
   * Proxy credentials are refused: the value lands in pod environment variables, not in a Secret.
   * @default - no HTTP proxy
   */
  readonly httpProxy?: string;

  /**
   * The cluster's HTTP proxy for outgoing HTTPS (`clusterConfiguration.proxy.httpsProxy`).
   * @default - no HTTPS proxy
   */
  readonly httpsProxy?: string;

  /**
   * Extra destinations that bypass the proxy (`clusterConfiguration.proxy.noProxy`), appended to `NO_PROXY` after
   * `127.0.0.1`, `169.254.169.254`, the cluster domain and the pod and service subnets. Giving any of `httpProxy`,
   * `httpsProxy` or `noProxy` turns the cluster proxy on.
   * @default - none
   */
  readonly noProxy?: string[];

  /**
   * The cluster domain (`clusterConfiguration.clusterDomain`), part of `NO_PROXY`.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * The pod subnet (`clusterConfiguration.podSubnetCIDR`), part of `NO_PROXY`.
   * @default '10.111.0.0/16'
   */
  readonly podSubnetCIDR?: string;

  /**
   * The service subnet (`clusterConfiguration.serviceSubnetCIDR`), part of `NO_PROXY`.
   * @default '10.222.0.0/16'
   */
  readonly serviceSubnetCIDR?: string;
}
