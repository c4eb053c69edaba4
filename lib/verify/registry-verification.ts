// Compares a live cluster with the expected state: pure, no file I/O, no cdk8s. See README "Verify" for the rules.
import { IgnoreSink } from './_diff';
import { REASON_OUT_OF_SCOPE, compareNodeFiles } from './_node-files';
import { compareObject, internalReason, KubeObject, keyOf, moduleOwns, parseObjects, subjectOf } from './_objects';
import { VerifyEntry, VerifyIgnored, VerifyReport, VerifyStatus, VerifySubjectKind } from './report';

/** Inputs of `RegistryVerification.compare()`. */
export interface VerifyOptions {
  /**
   * The expected objects: multi-document YAML, e.g. every `*.k8s.yaml` of the expected folder concatenated with
   * `---` between them.
   *
   * @default - no objects are expected (only node files are compared)
   */
  readonly expectedObjects?: string;

  /**
   * The live objects as `kubectl get … -o yaml` prints them: a `List`, a single object, or multi-document YAML.
   * Live objects the module does not own (other names, other namespaces, Pods, …) are listed as ignored.
   *
   * @default - objects are not compared
   */
  readonly liveObjects?: string;

  /**
   * The expected files of one node group: absolute node path → content (`nodes/<group>/…` of the expected folder).
   * Files outside `/etc/containerd/registry.d` are listed as ignored.
   *
   * @default - node files are not compared
   */
  readonly expectedNodeFiles?: { [path: string]: string };

  /**
   * The live files of one node of that group below `/etc/containerd/registry.d`: absolute node path → content.
   * Paths ending in `/` are directories (an empty extra host directory still counts).
   *
   * @default - node files are not compared
   */
  readonly liveNodeFiles?: { [path: string]: string };

  /**
   * Name of the node group the node files belong to, for the report.
   *
   * @default - not named
   */
  readonly nodeGroup?: string;
}

class IgnoredCollector implements IgnoreSink {
  private readonly byKey = new Map<string, { path: string; reason: string; subjects: Set<string> }>();

  public add(subject: string, path: string, reason: string): void {
    const key = `${reason}\u0000${path}`;
    const item = this.byKey.get(key) ?? { path, reason, subjects: new Set<string>() };
    item.subjects.add(subject);
    this.byKey.set(key, item);
  }

  public list(): VerifyIgnored[] {
    return [...this.byKey.values()].map((i) => ({ path: i.path, reason: i.reason, subjects: [...i.subjects].sort() }));
  }
}

const REASON_NOT_OWNED = 'not an object the module owns (ModuleConfig deckhouse, NodeGroupConfigurations registry-*, '
  + 'and in d8-system Secrets, ConfigMaps, Services, workloads, PDBs, VPAs, Ingresses, Certificates named registry* or deckhouse-registry)';

const REASON_MODULE_CONFIG = 'not in the expected objects (the pipeline applies it: give the applied manifests as expected objects too to compare it)';

/** Compares a live cluster with the expected state the library renders. */
export class RegistryVerification {
  /**
   * Compares live objects and one node's `/etc/containerd/registry.d` with the expected state.
   *
   * Objects are matched by kind, namespace and name. Every field of the expected object is compared; a field only
   * live is ignored (an API-server default, a server-set field, another writer's label) except in maps the module
   * owns (`data`, selectors, pod template labels, ModuleConfig `spec.settings`) and in lists, where it is drift.
   * Secret `data` is decoded on both sides; values that parse as YAML or JSON on both sides are compared as
   * documents. A field whose expected value is `MODULE_GENERATED` is ignored, and so is a `${REGISTRY_*}`
   * placeholder. hosts.toml is compared as parsed TOML, other node files byte for byte. No value of a Secret, an
   * `auth` table or a certificate or key file appears in the report.
   *
   * @throws Error when an input does not parse (the message names a line, never the text)
   */
  public static compare(options: VerifyOptions): VerifyReport {
    const ignored = new IgnoredCollector();
    const entries: VerifyEntry[] = [];
    const scope: string[] = [];

    if (options.liveObjects !== undefined) {
      const expected = parseObjects(options.expectedObjects ?? '', 'expected objects');
      const live = parseObjects(options.liveObjects, 'live objects');
      entries.push(...compareObjects(expected, live, ignored));
      scope.push(`objects: ${expected.length} expected, ${live.length} live`);
    } else {
      scope.push('objects: not compared (no live objects given)');
    }

    if (options.liveNodeFiles !== undefined) {
      const expected = options.expectedNodeFiles ?? {};
      entries.push(...compareNodeFiles(expected, options.liveNodeFiles, ignored));
      const count = Object.keys(options.liveNodeFiles).filter((p) => !p.endsWith('/')).length;
      scope.push(`node files${options.nodeGroup === undefined ? '' : ` of node group ${options.nodeGroup}`}: `
        + `${Object.keys(expected).length} expected, ${count} live`);
    } else {
      scope.push('node files: not compared (no live node files given)');
      if (options.expectedNodeFiles !== undefined) {
        for (const p of Object.keys(options.expectedNodeFiles).sort()) ignored.add(p, '(file)', REASON_OUT_OF_SCOPE);
      }
    }
    return new VerifyReport({ entries, ignored: ignored.list(), scope });
  }

  private constructor() {}
}

function compareObjects(expected: KubeObject[], live: KubeObject[], ignored: IgnoreSink): VerifyEntry[] {
  const entries: VerifyEntry[] = [];
  const expectedKeys = new Map<string, KubeObject>();
  for (const o of expected) {
    const k = keyOf(o);
    if (expectedKeys.has(k)) throw new Error(`expected objects: ${subjectOf(o)} appears twice`);
    expectedKeys.set(k, o);
  }
  const liveByKey = new Map<string, KubeObject>();
  for (const o of live) liveByKey.set(keyOf(o), o); // a later copy of the same object wins, as with kubectl apply

  for (const e of expected) {
    const l = liveByKey.get(keyOf(e));
    if (l === undefined) {
      entries.push({ subjectKind: VerifySubjectKind.OBJECT, subject: subjectOf(e), status: VerifyStatus.MISSING, differences: [] });
      continue;
    }
    const differences = compareObject(e, l, ignored);
    entries.push({
      subjectKind: VerifySubjectKind.OBJECT,
      subject: subjectOf(e),
      status: differences.length === 0 ? VerifyStatus.EQUAL : VerifyStatus.DIFFERS,
      differences,
    });
  }
  const extra = [...liveByKey.values()].filter((o) => !expectedKeys.has(keyOf(o))).sort((a, b) => subjectOf(a).localeCompare(subjectOf(b)));
  for (const o of extra) {
    if (o.kind === 'ModuleConfig') {
      ignored.add(subjectOf(o), '(object)', REASON_MODULE_CONFIG);
      continue;
    }
    if (!moduleOwns(o)) {
      ignored.add(subjectOf(o), '(object)', REASON_NOT_OWNED);
      continue;
    }
    const internal = internalReason(o);
    if (internal !== undefined) ignored.add(subjectOf(o), '(object)', internal);
    else entries.push({ subjectKind: VerifySubjectKind.OBJECT, subject: subjectOf(o), status: VerifyStatus.EXTRA, differences: [] });
  }
  return entries;
}
