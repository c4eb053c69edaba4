// Node files of Proxy and Local: the node services on the control-plane nodes and the registry-proxy load
// balancer on every node, as static pods with their configuration (reference §10.2–§10.4).
import { REGISTRY_IMAGES_BASE, REGISTRY_NAMESPACE, REGISTRY_PORT } from '../model/constants';
import { sha256 } from '../model/_hash';
import {
  mirrorerConfig, NODE_SERVICES_DATA, NODE_SERVICES_DIR, NODE_SERVICES_MANIFEST, nodeServicesAuthConfig, nodeServicesDistributionConfig,
  REGISTRY_PROXY_DIR, REGISTRY_PROXY_MANIFEST, REGISTRY_PROXY_OWNER, RegistryUser, CONTROL_PLANE_GROUP,
} from '../model/node-services';
import { ControlPlaneFacts, Images, ProxyFacts } from '../settings/cluster-facts';
import { Pki } from '../model/cluster';
import { AUTH_PORT, DEBUG_PORT, proxyEnv } from '../model/_distribution';
import { REGISTRY_LABELS } from '../model/object-names';
import { ResolvedRegistry } from '../model/registry-model';
import { Settings } from '../settings/parsed-settings';
import { RegistryModeName } from '../settings/enums';
import { registryProxyNginxConf } from './nginx';
import { NodeFile } from './node-files';
import { toYaml } from './yaml';


/** The image Deckhouse imports on every node from its registry package and pins (errata §8); never pulled. */
export const REGISTRY_PROXY_IMAGE = 'deckhouse.local/images:registry-proxy';

/**
 * The load balancer every node runs (errata §8): step 001 writes `nginx_new.conf`, copies it to `nginx.conf` only
 * when that does not exist yet (the reloader applies later changes after `nginx -t`), owner 0:64535, files 0640,
 * directory 0750 with setgid. The image is `deckhouse.local/images:registry-proxy`, imported and pinned on the node,
 * so the static pod never pulls it (`imagePullPolicy: Never`). The manifest itself is not in the public sources: its
 * shape is inferred (reference §10.2).
 */
export function registryProxyFiles(controlPlane: readonly ControlPlaneFacts[]): NodeFile[] {
  const conf = registryProxyNginxConf(controlPlane);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'registry-proxy',
      namespace: REGISTRY_NAMESPACE,
      labels: { ...REGISTRY_LABELS, app: 'registry-proxy', tier: 'node' },
      annotations: { 'registry.deckhouse.io/config-hash': sha256(conf) },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [{
        name: 'registry-proxy',
        image: REGISTRY_PROXY_IMAGE,
        imagePullPolicy: 'Never',
        args: ['-c', '/etc/nginx/config/nginx.conf', '-g', 'daemon off;'],
        readinessProbe: { tcpSocket: { host: '127.0.0.1', port: REGISTRY_PORT } },
        resources: { requests: { cpu: '10m', memory: '20Mi' } },
        volumeMounts: [{ name: 'config', mountPath: '/etc/nginx/config' }],
      }],
      volumes: [{ name: 'config', hostPath: { path: REGISTRY_PROXY_DIR, type: 'Directory' } }],
    },
  };
  const owned = { owner: REGISTRY_PROXY_OWNER, directoryMode: 0o2750 };
  return [
    { path: `${REGISTRY_PROXY_DIR}/nginx_new.conf`, content: conf, mode: 0o640, ...owned },
    { path: `${REGISTRY_PROXY_DIR}/nginx.conf`, content: conf, mode: 0o640, ...owned, onlyIfMissing: true },
    { path: REGISTRY_PROXY_MANIFEST, content: toYaml(pod), mode: 0o600 },
  ];
}

/**
 * The node services of one control-plane node, as the manager writes them from `registry-node-config-<node>`: PKI
 * (the node's own auth and distribution pairs), distribution and auth configs, the mirrorer (Local), the static pod.
 */
export function nodeServicesFiles(settings: Settings, pki: Pki, images: Images, users: readonly RegistryUser[],
  controlPlane: readonly ControlPlaneFacts[], node: ControlPlaneFacts, configVersion: string, proxy?: ProxyFacts): NodeFile[] {
  const own = pki.nodes[node.name];
  const local = settings.mode === RegistryModeName.LOCAL;
  const pkiDir = `${NODE_SERVICES_DIR}/pki`;
  const files: NodeFile[] = [
    { path: `${pkiDir}/ca.crt`, content: pki.ca.certificate, mode: 0o644 },
    { path: `${pkiDir}/auth.crt`, content: own.auth.certificate, mode: 0o644 },
    { path: `${pkiDir}/auth.key`, content: own.auth.privateKey, mode: 0o600, secret: true },
    { path: `${pkiDir}/token.crt`, content: pki.token.certificate, mode: 0o644 },
    { path: `${pkiDir}/token.key`, content: pki.token.privateKey, mode: 0o600, secret: true },
    { path: `${pkiDir}/distribution.crt`, content: own.distribution.certificate, mode: 0o644 },
    { path: `${pkiDir}/distribution.key`, content: own.distribution.privateKey, mode: 0o600, secret: true },
    { path: `${NODE_SERVICES_DIR}/distribution/config.yaml`, content: toYaml(nodeServicesDistributionConfig(settings, pki.httpSecret)), mode: 0o600, secret: true },
    { path: `${NODE_SERVICES_DIR}/auth/config.yaml`, content: toYaml(nodeServicesAuthConfig(users)), mode: 0o600, secret: true },
  ];
  if (settings.mode === RegistryModeName.PROXY && settings.upstream.ca !== undefined) {
    files.push({ path: `${pkiDir}/upstream-registry-ca.crt`, content: settings.upstream.ca, mode: 0o644 });
  }
  if (local) {
    const others = controlPlane.filter((n) => n.address !== node.address);
    files.push({ path: `${NODE_SERVICES_DIR}/mirrorer/config.yaml`, content: toYaml(mirrorerConfig(users, others)), mode: 0o600, secret: true });
  }
  // The manager passes its own proxy environment to distribution, in Proxy mode only (errata §7).
  const env = settings.mode === RegistryModeName.PROXY ? proxyEnv(proxy) : [];

  const hostPath = (name: string, path: string, type: string) => ({ name, hostPath: { path, type } });
  const mount = (name: string, path: string, readOnly = true) => ({ name, mountPath: path, readOnly });
  const https = (port: number, host?: string) => ({ httpGet: { path: '/', port, scheme: 'HTTPS', ...(host ? { host } : {}) } });
  const containers: unknown[] = [
    {
      name: 'distribution',
      image: `${REGISTRY_IMAGES_BASE}@${images.dockerDistribution}`,
      imagePullPolicy: 'IfNotPresent',
      args: ['serve', `${NODE_SERVICES_DIR}/distribution/config.yaml`],
      ...(env.length > 0 ? { env } : {}),
      ports: [
        { name: 'distribution', containerPort: REGISTRY_PORT, hostPort: REGISTRY_PORT, protocol: 'TCP' },
        { name: 'debug', containerPort: DEBUG_PORT, protocol: 'TCP' },
      ],
      livenessProbe: https(REGISTRY_PORT),
      readinessProbe: https(REGISTRY_PORT),
      volumeMounts: [mount('pki', `${pkiDir}`), mount('distribution', `${NODE_SERVICES_DIR}/distribution`), mount('data', NODE_SERVICES_DATA, false)],
    },
    {
      name: 'auth',
      image: `${REGISTRY_IMAGES_BASE}@${images.dockerAuth}`,
      imagePullPolicy: 'IfNotPresent',
      args: ['-logtostderr', `${NODE_SERVICES_DIR}/auth/config.yaml`],
      ports: [{ name: 'auth', containerPort: AUTH_PORT, protocol: 'TCP' }],
      livenessProbe: https(AUTH_PORT, '127.0.0.1'),
      readinessProbe: https(AUTH_PORT, '127.0.0.1'),
      volumeMounts: [mount('pki', `${pkiDir}`), mount('auth', `${NODE_SERVICES_DIR}/auth`)],
    },
  ];
  const volumes = [
    hostPath('pki', pkiDir, 'Directory'),
    hostPath('auth', `${NODE_SERVICES_DIR}/auth`, 'DirectoryOrCreate'),
    hostPath('distribution', `${NODE_SERVICES_DIR}/distribution`, 'DirectoryOrCreate'),
    hostPath('data', NODE_SERVICES_DATA, 'DirectoryOrCreate'),
  ];
  if (local) {
    containers.push({
      name: 'mirrorer',
      image: `${REGISTRY_IMAGES_BASE}@${images.mirrorer}`,
      imagePullPolicy: 'IfNotPresent',
      args: ['--config', `${NODE_SERVICES_DIR}/mirrorer/config.yaml`],
      env: [{ name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
      volumeMounts: [mount('pki', `${pkiDir}`), mount('mirrorer', `${NODE_SERVICES_DIR}/mirrorer`)],
    });
    volumes.push(hostPath('mirrorer', `${NODE_SERVICES_DIR}/mirrorer`, 'DirectoryOrCreate'));
  }
  const configHash = sha256(files.map((f) => `${f.path}\n${sha256(f.content)}`).join('\n'));
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'registry-nodeservices',
      namespace: REGISTRY_NAMESPACE,
      labels: {
        'app.kubernetes.io/managed-by': 'registry-nodeservices', ...REGISTRY_LABELS, 'app': 'registry',
        'component': 'registry-service', 'tier': 'control-plane', 'type': 'node-services',
      },
      annotations: { 'registry.deckhouse.io/config-hash': configHash, 'registry.deckhouse.io/config-version': configVersion },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      securityContext: { runAsUser: 0, runAsGroup: 0 },
      containers,
      volumes,
    },
  };
  files.push({ path: NODE_SERVICES_MANIFEST, content: toYaml(pod), mode: 0o600 });
  return files;
}

/**
 * For Proxy and Local: the files a node group gets besides its routing (every group: registry-proxy) and the files of
 * each control-plane node (the node services, on the `master` group).
 */
export function nodeServicesExtra(m: ResolvedRegistry): { group: (group: string) => NodeFile[]; node: (group: string) => Map<string, NodeFile[]> } {
  const { settings, cluster } = m;
  const proxyFiles = registryProxyFiles(cluster.controlPlane);
  return {
    group: () => proxyFiles,
    node: (group) => new Map(group === CONTROL_PLANE_GROUP
      ? cluster.controlPlane.map((n) => [n.name, nodeServicesFiles(settings, cluster.pki as Pki, cluster.images as Images, m.users, cluster.controlPlane, n, m.configHash, cluster.proxy)])
      : []),
  };
}
