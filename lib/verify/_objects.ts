// Kubernetes objects: parsing (multi-document YAML, `kubectl get -o yaml` Lists), identity, the module's names, the
// server-set fields, and the comparison of one expected object with its live counterpart.
import * as YAML from 'yaml';
import { MODULE_GENERATED, REGISTRY_NAMESPACE } from '../model/constants';
import { DECKHOUSE_REGISTRY_SECRET } from '../model/object-names';
import { compareValue, DiffContext, formatPath, ignore, IgnoreSink, isMap, PLACEHOLDER, REASON_GENERATED, REASON_PLACEHOLDER, Segment, shapeOf } from './_diff';

export interface KubeObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly body: Record<string, unknown>;
}

export function subjectOf(o: { kind: string; namespace?: string; name: string }): string {
  return o.namespace === undefined ? `${o.kind} ${o.name}` : `${o.kind} ${o.namespace}/${o.name}`;
}

/**
 * Every object in a YAML text: documents, `List` items (`kind: List` or any `*List` with `items`), nested Lists.
 * Errors name the input and a line, never the offending text (it may be a Secret).
 */
export function parseObjects(text: string, source: string): KubeObject[] {
  const lines = new YAML.LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const out: KubeObject[] = [];
  const add = (value: unknown, where: string) => {
    if (value === null || value === undefined) return;
    if (!isMap(value)) throw new Error(`${where}: expected a Kubernetes object, got ${Array.isArray(value) ? 'a list' : typeof value}`);
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, i) => add(item, `${where} items[${i}]`));
      return;
    }
    const meta = value.metadata;
    if (typeof value.kind !== 'string' || !isMap(meta) || typeof meta.name !== 'string') {
      throw new Error(`${where}: an object without kind or metadata.name`);
    }
    const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
    out.push({ kind: value.kind, namespace: ns, name: meta.name, body: value });
  };
  for (const doc of docs) {
    const errors = [...doc.errors];
    if (errors.length > 0) {
      const pos = lines.linePos(errors[0].pos[0]);
      throw new Error(`${source}:${pos.line}: not valid YAML (${errors[0].code})`);
    }
    const start = doc.contents?.range?.[0];
    add(doc.toJS({ maxAliasCount: 1000 }), start === undefined ? source : `${source}:${lines.linePos(start).line}`);
  }
  return out;
}

export function keyOf(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind}\u0000${o.namespace ?? ''}\u0000${o.name}`;
}

/** Kinds whose objects in d8-system named `registry*` or `deckhouse-registry` the module owns. */
const OWNED_KINDS = new Set(['Secret', 'ConfigMap', 'Service', 'Deployment', 'DaemonSet', 'StatefulSet', 'PodDisruptionBudget',
  'VerticalPodAutoscaler', 'Ingress', 'Certificate']);

/** Objects the Deckhouse module keeps for itself, which the expected state does not describe. */
const MODULE_INTERNAL: ReadonlyArray<[string, string, string]> = [
  ['Secret', 'registry-state', "the module's state machine and conditions"],
  ['Secret', 'registry-checker-state', "the module's image checker state"],
  ['Secret', 'registry-init', 'bootstrap input of the module'],
  ['DaemonSet', 'registry-nodeservices-manager', 'the module materializes the node services with it'],
];

/** Whether a live object is one the module renders or keeps (so an unexpected one is drift). */
export function moduleOwns(o: KubeObject): boolean {
  if (o.kind === 'ModuleConfig') return o.name === 'deckhouse';
  if (o.kind === 'NodeGroupConfiguration') return o.name.startsWith('registry-');
  return o.namespace === REGISTRY_NAMESPACE && OWNED_KINDS.has(o.kind) && (o.name === DECKHOUSE_REGISTRY_SECRET || /^registry($|-)/.test(o.name));
}

/** Why a live object the module owns but the expected state lacks is not drift, or undefined. */
export function internalReason(o: KubeObject): string | undefined {
  const hit = MODULE_INTERNAL.find(([kind, name]) => o.kind === kind && o.name === name && o.namespace === REGISTRY_NAMESPACE);
  return hit === undefined ? undefined : `kept by the Deckhouse module for itself, not part of the expected state: ${hit[2]}`;
}

const SERVER_SET_METADATA = new Set(['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink',
  'deletionTimestamp', 'deletionGracePeriodSeconds']);

export const REASON_SERVER = 'set by the API server (identity, versioning, bookkeeping)';
export const REASON_STATUS = 'status: written by controllers, not desired state';
export const REASON_LAST_APPLIED = 'written by kubectl apply';
export const REASON_HELM = "written by Helm (the module's release)";
export const REASON_CONTROLLER = 'written by a controller (Deployment revision)';
export const REASON_DEFAULT = 'absent from the expected object: an API-server default or another writer\'s field (owned maps and lists are compared both ways)';

/** Maps compared both ways: a key only live is drift. */
const OWNED_MAPS = new Set(['data', 'stringData', 'binaryData', 'spec.selector', 'spec.selector.matchLabels', 'spec.template.metadata.labels',
  'spec.settings']);

function liveOnlyReason(path: readonly Segment[]): string {
  const [top, second, third] = path;
  if (path.length === 1 && top === 'status') return REASON_STATUS;
  if (top === 'metadata' && path.length === 2 && typeof second === 'string' && SERVER_SET_METADATA.has(second)) return REASON_SERVER;
  if (top === 'metadata' && second === 'annotations' && typeof third === 'string') {
    if (third === 'kubectl.kubernetes.io/last-applied-configuration') return REASON_LAST_APPLIED;
    if (third.startsWith('meta.helm.sh/')) return REASON_HELM;
    if (third === 'deployment.kubernetes.io/revision') return REASON_CONTROLLER;
  }
  if (top === 'metadata' && second === 'labels' && third === 'app.kubernetes.io/managed-by') return REASON_HELM;
  return REASON_DEFAULT;
}

function strictAt(path: readonly Segment[]): boolean {
  return OWNED_MAPS.has(shapeOf(path));
}

/** Secret `data` as decoded buffers, `stringData` folded in (the API server does the same). */
function secretData(body: Record<string, unknown>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (isMap(body.data)) for (const [k, v] of Object.entries(body.data)) out.set(k, Buffer.from(typeof v === 'string' ? v : '', 'base64'));
  if (isMap(body.stringData)) for (const [k, v] of Object.entries(body.stringData)) out.set(k, Buffer.from(String(v), 'utf8'));
  return out;
}

/** A structured document (map or list) parsed from YAML or JSON text, or undefined. */
export function structured(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '' || !/[:{[\-]/.test(trimmed)) return undefined;
  try {
    const doc = YAML.parseDocument(text, { version: '1.1', prettyErrors: false, uniqueKeys: false });
    if (doc.errors.length > 0) return undefined;
    const v = doc.toJS({ maxAliasCount: 1000 });
    return isMap(v) || Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One embedded value (a Secret or ConfigMap data entry): the marker, equal text, both sides structured (compared
 * both ways with paths inside the document), or plain text.
 */
function compareEmbedded(expected: string, live: string, path: readonly Segment[], ctx: DiffContext): void {
  if (expected === MODULE_GENERATED) {
    ignore(ctx, path, REASON_GENERATED);
    return;
  }
  if (PLACEHOLDER.test(expected)) {
    ignore(ctx, path, REASON_PLACEHOLDER);
    return;
  }
  if (expected === live) return;
  const e = structured(expected);
  const l = e === undefined ? undefined : structured(live);
  if (e !== undefined && l !== undefined) {
    compareValue(e, l, [], { ...ctx, prefix: `${ctx.prefix}${formatPath(path)}: `, strictAt: () => true }, true);
    return;
  }
  // Plain text: the marker may stand for a part of it; otherwise equal or not, shown only when not secret.
  compareValue(expected, live, path, ctx, true);
}

export const REASON_VERSION = 'served in another version of the same API group (kubectl prints the preferred one)';

function splitApiVersion(v: unknown): [string, string] {
  const s = typeof v === 'string' ? v : '';
  const slash = s.lastIndexOf('/');
  return slash < 0 ? ['', s] : [s.slice(0, slash), s.slice(slash + 1)];
}

/** Compares one expected object with its live counterpart; returns the differences. */
export function compareObject(expected: KubeObject, live: KubeObject, ignored: IgnoreSink): string[] {
  const differences: string[] = [];
  const isSecret = expected.kind === 'Secret';
  const ctx: DiffContext = {
    subject: subjectOf(expected),
    secret: isSecret,
    prefix: '',
    differences,
    ignored,
    strictAt,
    liveOnly: liveOnlyReason,
  };
  const { data: ed, stringData: _es, ...expectedRest } = expected.body;
  const { data: ld, stringData: _ls, ...liveRest } = live.body;
  // kubectl prints the preferred version of a group; a different version of the same group is the same object.
  const [eg, ev] = splitApiVersion(expectedRest.apiVersion);
  const [lg, lv] = splitApiVersion(liveRest.apiVersion);
  if (eg === lg && ev !== lv) {
    ignored.add(ctx.subject, 'apiVersion', REASON_VERSION);
    liveRest.apiVersion = expectedRest.apiVersion;
  }
  if (isSecret) {
    const e = secretData(expected.body);
    const l = secretData(live.body);
    for (const [k, ev] of e) {
      const lv = l.get(k);
      const p = ['data', k];
      if (lv === undefined) differences.push(`${formatPath(p)}: absent live`);
      else if (!ev.equals(lv) && ev.toString('utf8') === lv.toString('utf8')) differences.push(`${formatPath(p)}: differs (binary)`);
      else compareEmbedded(ev.toString('utf8'), lv.toString('utf8'), p, ctx);
    }
    for (const k of [...l.keys()].sort()) if (!e.has(k)) differences.push(`${formatPath(['data', k])}: not expected (only live)`);
  } else if (isMap(ed) || isMap(ld)) {
    const e = isMap(ed) ? ed : {};
    const l = isMap(ld) ? ld : {};
    for (const [k, ev] of Object.entries(e)) {
      const lv = l[k];
      const p = ['data', k];
      if (typeof ev === 'string' && typeof lv === 'string') compareEmbedded(ev, lv, p, ctx);
      else compareValue(ev, lv, p, ctx, true);
    }
    for (const k of Object.keys(l).sort()) if (!(k in e)) differences.push(`${formatPath(['data', k])}: not expected (only live)`);
  }
  // Labels and annotations only live are classified one by one (Helm's, kubectl's, a controller's), not as one map.
  const em = isMap(expectedRest.metadata) ? { ...expectedRest.metadata } : {};
  const lm = isMap(liveRest.metadata) ? liveRest.metadata : {};
  for (const k of ['labels', 'annotations']) if (em[k] === undefined && isMap(lm[k])) em[k] = {};
  compareValue({ ...expectedRest, metadata: em }, liveRest, [], ctx);
  return differences;
}
