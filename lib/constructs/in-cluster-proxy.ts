import { ApiObject, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubePodDisruptionBudget, Quantity, Toleration } from '../../imports/k8s';
import { REGISTRY_IMAGES_BASE, REGISTRY_NAMESPACE } from '../model/constants';
import { DECKHOUSE_REGISTRY_SECRET, IN_CLUSTER_PROXY, IN_CLUSTER_PROXY_CONFIG_SECRET, REGISTRY_LABELS } from '../model/object-names';
import { RegistryModel } from '../model/registry-model';
import { inClusterProxyConfig } from '../model/in-cluster-proxy';
import { AUTH_PORT, DEBUG_PORT, DISTRIBUTION_PORT } from '../model/_distribution';
import { toYaml } from '../render/yaml';
import { Images } from '../settings/cluster-facts';
import { Cluster, Pki } from '../model/cluster';
import { Settings, Upstream } from '../settings/parsed-settings';
import { RegistryModeName } from '../settings/enums';
import { resolvedModel } from './registry-mode-construct';
import { configChecksum, secret } from './_objects';
import { proxyEnv } from '../model/_distribution';

const SELECTOR = { app: IN_CLUSTER_PROXY, component: 'registry-service', type: 'incluster-proxy' };
const LABELS = { ...REGISTRY_LABELS, app: IN_CLUSTER_PROXY };

/** Props of `InClusterProxy`. */
export interface InClusterProxyProps {
  /** A model of a `RegistryMode.direct(…)`: the upstream the proxy forwards to and the cluster it runs in. */
  readonly model: RegistryModel;
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
    const m = resolvedModel(this, props.model, RegistryModeName.DIRECT);
    const settings = m.settings as Extract<Settings, { mode: RegistryModeName.DIRECT }>;
    const cluster = m.cluster;
    const pki = cluster.pki as Pki;
    const images = cluster.images as Images;
    const hash = m.configHash;
    const config = inClusterProxyConfig(settings.upstream, pki);
    this.configVersion = config.version;

    const data = this.secretData(settings.upstream, pki, config.auth, config.distribution);
    const configSecret = secret(this, 'Config', {
      name: IN_CLUSTER_PROXY_CONFIG_SECRET,
      type: 'registry/incluster-proxy-config',
      labels: { ...REGISTRY_LABELS, app: 'registry', name: IN_CLUSTER_PROXY_CONFIG_SECRET },
      annotations: { 'registry.deckhouse.io/version': config.version },
      data,
    });
    const checksum = configChecksum(Yaml.stringify(configSecret.toJson()));
    this.deployment = this.renderDeployment(cluster, images, hash, config.version, checksum, config.auth !== undefined);

    new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name: IN_CLUSTER_PROXY, namespace: REGISTRY_NAMESPACE, labels: LABELS },
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
        metadata: { name: IN_CLUSTER_PROXY, namespace: REGISTRY_NAMESPACE, labels: LABELS },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: IN_CLUSTER_PROXY },
          updatePolicy: { updateMode: 'Auto' },
          resourcePolicy: { containerPolicies: config.auth === undefined ? [policy('distribution')] : [policy('distribution'), policy('auth')] },
        },
      });
    }
  }

  private secretData(u: Upstream, pki: Pki, auth: Record<string, unknown> | undefined, distribution: Record<string, unknown>): Record<string, string> {
    const data: Record<string, string> = {
      'distribution_config.yaml': toYaml(distribution),
      'distribution.crt': pki.distribution.certificate,
      'distribution.key': pki.distribution.privateKey,
      'ca.crt': pki.ca.certificate,
    };
    // An anonymous upstream: no docker_auth, so no auth configuration, TLS pair or token pair (errata §5).
    if (auth !== undefined) {
      Object.assign(data, {
        'auth_config.yaml': toYaml(auth),
        'auth.crt': pki.auth.certificate,
        'auth.key': pki.auth.privateKey,
        'token.crt': pki.token.certificate,
        'token.key': pki.token.privateKey,
      });
    }
    if (u.ca !== undefined) data['upstream-registry-ca.crt'] = u.ca;
    return data;
  }

  private renderDeployment(cluster: Cluster, images: Images, hash: string, version: string, checksum: string, withAuth: boolean): KubeDeployment {
    const requests: Record<string, Quantity> = { 'ephemeral-storage': Quantity.fromString('60Mi') };
    if (!cluster.verticalPodAutoscaler) {
      requests.cpu = Quantity.fromString('25m');
      requests.memory = Quantity.fromString('40Mi');
    }
    const mount = [{ name: IN_CLUSTER_PROXY_CONFIG_SECRET, mountPath: '/config', readOnly: true }];
    const probe = (port: string) => ({ httpGet: { path: '/', port: IntOrString.fromString(port), scheme: 'HTTPS' } });
    const podAnnotations = { 'registry.deckhouse.io/version': version, 'registry.deckhouse.io/config-checksum': checksum };
    const ha = cluster.highAvailability;
    const env = proxyEnv(cluster.proxy);
    return new KubeDeployment(this, 'Deployment', {
      metadata: {
        name: IN_CLUSTER_PROXY,
        namespace: REGISTRY_NAMESPACE,
        labels: LABELS,
        annotations: { 'registry.deckhouse.io/hash': hash, ...podAnnotations },
      },
      spec: {
        // helm_lib_deployment_on_master_strategy_and_replicas_for_ha (errata §1c): the non-HA strategy is rendered too.
        replicas: ha ? cluster.controlPlaneNodes : 1,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: IntOrString.fromNumber(0), maxUnavailable: IntOrString.fromNumber(ha && cluster.controlPlaneNodes > 2 ? 2 : 1) },
        },
        revisionHistoryLimit: 2,
        selector: { matchLabels: SELECTOR },
        template: {
          metadata: { labels: SELECTOR, annotations: podAnnotations },
          spec: {
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: anyNodeTolerations(cluster.customTolerationKeys),
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534 },
            priorityClassName: 'system-cluster-critical',
            affinity: ha
              ? {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: { matchLabels: { app: IN_CLUSTER_PROXY } }, topologyKey: 'kubernetes.io/hostname' },
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
                env: env.length === 0 ? undefined : env,
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
              // Without upstream credentials there is no docker_auth (errata §5).
              ...(withAuth ? [
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
              ] : []),
            ],
            volumes: [{ name: IN_CLUSTER_PROXY_CONFIG_SECRET, secret: { secretName: IN_CLUSTER_PROXY_CONFIG_SECRET } }],
          },
        },
      },
    });
  }
}

/**
 * helm-lib 1.63.6 `helm_lib_tolerations` with "any-node" and "uninitialized" (errata §1a): the any-node list, the
 * cluster's custom keys, then the default `storage-problems` strategy. The "uninitialized" argument lacks the `with-`
 * prefix, so helm-lib ignores it: there is no `node.deckhouse.io/uninitialized` toleration.
 * @internal
 */
export function anyNodeTolerations(customKeys: readonly string[]): Toleration[] {
  return [
    { key: 'node-role.kubernetes.io/master' },
    { key: 'node-role.kubernetes.io/control-plane' },
    { key: 'dedicated.deckhouse.io', operator: 'Exists' },
    { key: 'dedicated', operator: 'Exists' },
    { key: 'DeletionCandidateOfClusterAutoscaler' },
    { key: 'ToBeDeletedByClusterAutoscaler' },
    ...customKeys.map((key) => ({ key, operator: 'Exists' })),
    { key: 'drbd.linbit.com/lost-quorum' },
    { key: 'drbd.linbit.com/force-io-error' },
    { key: 'drbd.linbit.com/ignore-fail-over' },
  ];
}
