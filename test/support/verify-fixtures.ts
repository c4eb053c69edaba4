// Fixtures of the verify tests: an expected state rendered with the public API, the same state as a live cluster
// prints it (`kubectl get -o yaml`: a List, server-set fields, Helm's labels and annotations, API-server defaults,
// unrelated and module-internal objects), and the expected state with the module's generated values replaced by
// the marker, as the with-the-module target writes it.
import * as TOML from '@iarna/toml';
import * as YAML from 'yaml';
import { RegistryConstants, RegistryModuleProps } from '../../lib';
import { b64, decodeSecret, find } from './manifests';
import { renderModule } from './render';


export interface RenderedState {
  /** Every object, parsed (the ModuleConfig first, as its own file holds it). */
  objects: any[];
  /** Node files per node group: absolute node path -> content. */
  readonly nodeFiles: Record<string, Record<string, string>>;
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

/** Renders a module and splits `toFiles()` into node groups with absolute paths. */
export function renderState(props: RegistryModuleProps): RenderedState {
  const r = renderModule(props);
  const nodeFiles: Record<string, Record<string, string>> = {};
  for (const [file, content] of Object.entries(r.module.toFiles())) {
    const m = file.match(/^expected\/nodes\/([^/]+)(\/.*)$/);
    if (m === null) continue;
    (nodeFiles[m[1]] ??= {})[m[2]] = content;
  }
  return { objects: [YAML.parse(r.module.moduleConfig.toYaml()), ...r.objects], nodeFiles };
}

export function toYamlDocuments(objects: any[]): string {
  return objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join('---\n');
}

/** Edits one embedded YAML or JSON document of a Secret in place. */
export function editSecretDocument(objects: any[], name: string, key: string, edit: (doc: any) => void, json = false): void {
  const s = find(objects, 'Secret', name);
  const text = decodeSecret(s)[key];
  const doc = json ? JSON.parse(text) : YAML.parse(text, { version: '1.1' });
  edit(doc);
  s.data[key] = b64(json ? JSON.stringify(doc) : YAML.stringify(doc, { version: '1.1', lineWidth: 0 }));
}

/**
 * The expected state as the with-the-module target writes it for Proxy and Local: the module's PKI, user passwords,
 * hashes, `http_secret` and the hashes computed from them replaced by the marker.
 */
export function markGenerated(state: RenderedState): RenderedState {
  const objects = clone(state.objects);
  for (const o of objects) {
    if (o.metadata.annotations?.['registry.deckhouse.io/config-hash'] !== undefined) {
      o.metadata.annotations['registry.deckhouse.io/config-hash'] = RegistryConstants.MODULE_GENERATED;
    }
    if (o.kind !== 'Secret') continue;
    const name: string = o.metadata.name;
    if (name === 'registry-pki') for (const k of Object.keys(o.data)) o.data[k] = b64(RegistryConstants.MODULE_GENERATED);
    if (name.startsWith('registry-user-')) {
      o.data.password = b64(RegistryConstants.MODULE_GENERATED);
      o.data.passwordHash = b64(RegistryConstants.MODULE_GENERATED);
    }
    if (name.startsWith('registry-node-config-')) {
      o.data.version = b64(RegistryConstants.MODULE_GENERATED);
      editSecretDocument(objects, name, 'config', (c) => {
        c.ca = RegistryConstants.MODULE_GENERATED;
        for (const k of ['auth_cert', 'auth_key', 'token_cert', 'token_key', 'distribution_cert', 'distribution_key']) c[k] = RegistryConstants.MODULE_GENERATED;
        for (const k of Object.keys(c)) {
          if (k.startsWith('user_')) c[k] = { ...c[k], password: RegistryConstants.MODULE_GENERATED, password_hash: RegistryConstants.MODULE_GENERATED };
        }
        c.http_secret = RegistryConstants.MODULE_GENERATED;
      });
    }
    if (name === 'deckhouse-registry' && o.data.ca !== undefined) {
      o.data.ca = b64(RegistryConstants.MODULE_GENERATED);
      editSecretDocument(objects, name, '.dockerconfigjson', (d) => {
        for (const a of Object.values<any>(d.auths)) {
          a.password = RegistryConstants.MODULE_GENERATED;
          // The marker as part of a value: base64("ro:<marker>") cannot hold it, so the whole auth is generated.
          a.auth = RegistryConstants.MODULE_GENERATED;
        }
      }, true);
    }
    if (name === 'registry-bashible-config') {
      editSecretDocument(objects, name, 'config', (c) => {
        c.version = RegistryConstants.MODULE_GENERATED;
        for (const h of Object.values<any>(c.hosts ?? {})) {
          for (const m of h.mirrors ?? []) {
            if (m.host === '127.0.0.1:5001') {
              m.ca = RegistryConstants.MODULE_GENERATED;
              if (m.auth?.password !== undefined) m.auth.password = RegistryConstants.MODULE_GENERATED;
            }
          }
        }
      });
    }
  }
  const nodeFiles: Record<string, Record<string, string>> = {};
  for (const [group, files] of Object.entries(state.nodeFiles)) {
    nodeFiles[group] = {};
    for (const [path, content] of Object.entries(files)) {
      if (path.endsWith('/hosts.toml')) {
        const t: any = TOML.parse(content);
        for (const [url, h] of Object.entries<any>(t.host ?? {})) {
          if (url === 'https://127.0.0.1:5001' && h.auth?.password !== undefined) h.auth.password = RegistryConstants.MODULE_GENERATED;
        }
        nodeFiles[group][path] = TOML.stringify(t);
      } else if (path.endsWith('https-127.0.0.1:5001-ca.crt')) {
        nodeFiles[group][path] = RegistryConstants.MODULE_GENERATED;
      } else {
        nodeFiles[group][path] = content;
      }
    }
  }
  return { objects, nodeFiles };
}

let uid = 0;

/** One object as the API server returns it after Helm installed it: server-set fields, Helm metadata, defaults. */
export function asLive(o: any): any {
  const l = clone(o);
  uid++;
  l.metadata.uid = `00000000-0000-4000-8000-${String(uid).padStart(12, '0')}`;
  l.metadata.resourceVersion = String(1000 + uid);
  l.metadata.creationTimestamp = '2026-11-30T10:00:00Z';
  l.metadata.managedFields = [{ apiVersion: l.apiVersion, fieldsType: 'FieldsV1', manager: 'helm', operation: 'Update', time: '2026-11-30T10:00:00Z' }];
  l.metadata.annotations = {
    ...(l.metadata.annotations ?? {}),
    'meta.helm.sh/release-name': 'registry',
    'meta.helm.sh/release-namespace': 'd8-system',
    'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(o),
  };
  l.metadata.labels = { ...(l.metadata.labels ?? {}), 'app.kubernetes.io/managed-by': 'Helm' };
  if (l.kind === 'Deployment') {
    l.metadata.generation = 3;
    l.metadata.annotations['deployment.kubernetes.io/revision'] = '2';
    l.spec.progressDeadlineSeconds ??= 600;
    l.spec.revisionHistoryLimit ??= 10;
    l.spec.template.spec.schedulerName = 'default-scheduler';
    l.spec.template.spec.dnsPolicy = 'ClusterFirst';
    l.spec.template.spec.terminationGracePeriodSeconds ??= 30;
    for (const c of l.spec.template.spec.containers) {
      c.terminationMessagePath = '/dev/termination-log';
      c.terminationMessagePolicy = 'File';
      c.imagePullPolicy ??= 'IfNotPresent';
    }
    l.status = { replicas: l.spec.replicas ?? 1, readyReplicas: l.spec.replicas ?? 1, observedGeneration: 3 };
  }
  if (l.kind === 'Service') {
    l.spec.clusterIPs = ['None'];
    l.spec.ipFamilies = ['IPv4'];
    l.spec.ipFamilyPolicy = 'SingleStack';
    l.spec.sessionAffinity = 'None';
    l.spec.internalTrafficPolicy = 'Cluster';
    l.spec.type ??= 'ClusterIP';
    l.status = { loadBalancer: {} };
  }
  if (l.kind === 'PodDisruptionBudget') l.status = { currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 1 };
  return l;
}

/** Objects that a `kubectl get` of d8-system also prints and the module does not own, plus one it keeps for itself. */
export function bystanders(): any[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'd8-cluster-terraform-state', namespace: 'd8-system' }, data: { state: b64('{"bystander":"BYSTANDER-SECRET"}') }, type: 'Opaque' },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'registry-incluster-proxy-7c9d-abcde', namespace: 'd8-system' }, spec: { containers: [{ name: 'distribution', image: 'x' }] } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-state', namespace: 'd8-system' }, data: { mode: b64('Direct') }, type: 'registry/state' },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'deckhouse', namespace: 'd8-system' }, spec: { ports: [{ port: 9650 }] } },
  ];
}

/** `kubectl get … -o yaml` of the given objects: one List. */
export function kubectlList(objects: any[]): string {
  return YAML.stringify({ apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } }, { lineWidth: 0 });
}

/** The live cluster that converged to `state`: its objects as kubectl prints them, plus bystanders. */
export function liveCluster(state: RenderedState, edit: (objects: any[]) => void = () => {}): string {
  const objects = state.objects.map(asLive);
  edit(objects);
  return kubectlList([...objects, ...bystanders()]);
}
