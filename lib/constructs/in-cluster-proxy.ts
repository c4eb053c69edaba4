import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubePodDisruptionBudget, Quantity, Toleration } from '../../imports/k8s';
import { REGISTRY_IMAGES_BASE, REGISTRY_NAMESPACE, DECKHOUSE_REGISTRY_SECRET } from '../model/constants';
import { AUTH_PORT, DEBUG_PORT, DISTRIBUTION_PORT, inClusterProxyConfig } from '../model/in-cluster-proxy';
import { orchestratorHash } from '../model/module-settings';
import { toYaml } from '../render/yaml';
import { Cluster, Images, Pki, resolveCluster } from '../settings/_cluster';
import { Upstream } from '../settings/_registry-settings';
import { RegistryClusterProps } from '../settings/cluster';
import { RegistryModeName } from '../settings/enums';
import { RegistryMode } from '../settings/registry-mode';
import { dataChecksum, secret } from './_objects';

/** Name of the in-cluster proxy's Deployment, PodDisruptionBudget and VerticalPodAutoscaler. */
export const IN_CLUSTER_PROXY_NAME = 'registry-incluster-proxy';
/** Name of its configuration Secret. */
export const IN_CLUSTER_PROXY_CONFIG = 'registry-incluster-proxy-config';

const SELECTOR = { app: IN_CLUSTER_PROXY_NAME, component: 'registry-service', type: 'incluster-proxy' };
const LABELS = { heritage: 'deckhouse', module: 'registry', app: IN_CLUSTER_PROXY_NAME };

/** Props of `InClusterProxy`: the Direct settings and the cluster facts it runs with. */
export interface InClusterProxyProps extends RegistryClusterProps {
  /** A `RegistryMode.direct(…)`: the upstream the proxy forwards to. */
  readonly mode: RegistryMode;
}

/**
 * The Direct mode's In-Cluster Proxy: a non-caching pull-through distribution plus docker_auth on the
 * control-plane nodes, serving `/system/deckhouse` from the upstream path for clients that call the registry
 * API themselves. Renders Secret `registry-incluster-proxy-config`, Deployment and PodDisruptionBudget
 * `registry-incluster-proxy`, and a VerticalPodAutoscaler when that module is enabled.
 */
export class InClusterProxy extends Construct {
  /** `registry.deckhouse.io/version` of the rendered configuration. */
  public readonly configVersion: string;
  /** Deployment `registry-incluster-proxy`. */
  public readonly deployment: KubeDeployment;

  constructor(scope: Construct, id: string, props: InClusterProxyProps) {
    super(scope, id);
    const settings = props.mode._settings;
    if (settings.mode !== RegistryModeName.DIRECT) {
      throw new Error(`${this.node.path}: expected mode to be RegistryMode.direct(…), got mode '${settings.mode}'`);
    }
    const cluster = resolveCluster(props, settings);
    const pki = cluster.pki as Pki;
    const images = cluster.images as Images;
    const hash = orchestratorHash(settings, cluster);
    const config = inClusterProxyConfig(settings.upstream, pki);
    this.configVersion = config.version;

    const data = this.secretData(settings.upstream, pki, config.auth, config.distribution);
    secret(this, 'Config', {
      name: IN_CLUSTER_PROXY_CONFIG,
      type: 'registry/incluster-proxy-config',
      labels: { app: 'registry', name: IN_CLUSTER_PROXY_CONFIG },
      annotations: { 'registry.deckhouse.io/version': config.version },
      data,
    });
    const checksum = dataChecksum(data);
    this.deployment = this.renderDeployment(cluster, images, hash, config.version, checksum);

    new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name: IN_CLUSTER_PROXY_NAME, namespace: REGISTRY_NAMESPACE, labels: LABELS },
      spec: { maxUnavailable: IntOrString.fromNumber(cluster.highAvailability ? 1 : 0), selector: { matchLabels: SELECTOR } },
    });

    if (cluster.verticalPodAutoscaler) {
      const policy = (containerName: string) => ({
        containerName,
        minAllowed: { cpu: '25m', memory: '40Mi' },
        maxAllowed: { cpu: '50m', memory: '50Mi' },
      });
      new ApiObject(this, 'VerticalPodAutoscaler', {
        apiVersion: 'autoscaling.k8s.io/v1',
        kind: 'VerticalPodAutoscaler',
        metadata: { name: IN_CLUSTER_PROXY_NAME, namespace: REGISTRY_NAMESPACE, labels: LABELS },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: IN_CLUSTER_PROXY_NAME },
          updatePolicy: { updateMode: 'Auto' },
          resourcePolicy: { containerPolicies: [policy('distribution'), policy('auth')] },
        },
      });
    }
  }

  private secretData(u: Upstream, pki: Pki, auth: Record<string, unknown>, distribution: Record<string, unknown>): Record<string, string> {
    const data: Record<string, string> = {
      'auth_config.yaml': toYaml(auth),
      'distribution_config.yaml': toYaml(distribution),
      'auth.crt': pki.auth.certificate,
      'auth.key': pki.auth.privateKey,
      'token.crt': pki.token.certificate,
      'token.key': pki.token.privateKey,
      'distribution.crt': pki.distribution.certificate,
      'distribution.key': pki.distribution.privateKey,
      'ca.crt': pki.ca.certificate,
    };
    if (u.ca !== undefined) data['upstream-registry-ca.crt'] = u.ca;
    return data;
  }

  private renderDeployment(cluster: Cluster, images: Images, hash: string, version: string, checksum: string): KubeDeployment {
    const requests: Record<string, Quantity> = { 'ephemeral-storage': Quantity.fromString('60Mi') };
    if (!cluster.verticalPodAutoscaler) {
      requests.cpu = Quantity.fromString('25m');
      requests.memory = Quantity.fromString('40Mi');
    }
    const mount = [{ name: IN_CLUSTER_PROXY_CONFIG, mountPath: '/config', readOnly: true }];
    const probe = (port: string) => ({ httpGet: { path: '/', port: IntOrString.fromString(port), scheme: 'HTTPS' } });
    const podAnnotations = { 'registry.deckhouse.io/version': version, 'registry.deckhouse.io/config-checksum': checksum };
    const ha = cluster.highAvailability;
    return new KubeDeployment(this, 'Deployment', {
      metadata: {
        name: IN_CLUSTER_PROXY_NAME,
        namespace: REGISTRY_NAMESPACE,
        labels: LABELS,
        annotations: { 'registry.deckhouse.io/hash': hash, ...podAnnotations },
      },
      spec: {
        replicas: ha ? cluster.controlPlaneNodes : 1,
        strategy: ha
          ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: IntOrString.fromNumber(0), maxUnavailable: IntOrString.fromNumber(cluster.controlPlaneNodes > 2 ? 2 : 1) } }
          : undefined,
        revisionHistoryLimit: 2,
        selector: { matchLabels: SELECTOR },
        template: {
          metadata: { labels: SELECTOR, annotations: podAnnotations },
          spec: {
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: tolerations(cluster.customTolerationKeys),
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534 },
            priorityClassName: 'system-cluster-critical',
            affinity: ha
              ? {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: { matchLabels: { app: IN_CLUSTER_PROXY_NAME } }, topologyKey: 'kubernetes.io/hostname' },
                  ],
                },
              }
              : undefined,
            imagePullSecrets: [{ name: DECKHOUSE_REGISTRY_SECRET }],
            containers: [
              {
                name: 'distribution',
                image: `${REGISTRY_IMAGES_BASE}@${images.dockerDistribution}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['serve', '/config/distribution_config.yaml'],
                ports: [
                  { name: 'distribution', containerPort: DISTRIBUTION_PORT, protocol: 'TCP' },
                  { name: 'debug', containerPort: DEBUG_PORT, protocol: 'TCP' },
                ],
                livenessProbe: probe('distribution'),
                readinessProbe: probe('distribution'),
                securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                volumeMounts: mount,
                resources: { requests },
              },
              {
                name: 'auth',
                image: `${REGISTRY_IMAGES_BASE}@${images.dockerAuth}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['-logtostderr', '/config/auth_config.yaml'],
                ports: [{ name: 'auth', containerPort: AUTH_PORT, protocol: 'TCP' }],
                livenessProbe: probe('auth'),
                readinessProbe: probe('auth'),
                securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                volumeMounts: mount,
                resources: { requests },
              },
            ],
            volumes: [{ name: IN_CLUSTER_PROXY_CONFIG, secret: { secretName: IN_CLUSTER_PROXY_CONFIG } }],
          },
        },
      },
    });
  }
}

/** helm-lib "any-node" plus "uninitialized" tolerations, then the cluster's custom keys. */
function tolerations(customKeys: readonly string[]): Toleration[] {
  return [
    { key: 'node-role.kubernetes.io/master' },
    { key: 'node-role.kubernetes.io/control-plane' },
    { key: 'dedicated.deckhouse.io', operator: 'Exists' },
    { key: 'dedicated', operator: 'Exists' },
    { key: 'DeletionCandidateOfClusterAutoscaler' },
    { key: 'ToBeDeletedByClusterAutoscaler' },
    ...customKeys.map((key) => ({ key, operator: 'Exists' })),
    { key: 'node.deckhouse.io/uninitialized', operator: 'Exists', effect: 'NoSchedule' },
  ];
}
