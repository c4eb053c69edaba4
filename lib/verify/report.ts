// The result of comparing a live cluster with the expected state, and its text form. No value of a Secret, of a
// hosts.toml `auth` table or of a CA/key file ever reaches an entry: differences name the path only.

/** How one object or node file compares. */
export enum VerifyStatus {
  /** Live matches the expected state (after the ignore rules). */
  EQUAL = 'equal',
  /** Present on both sides, with field-level differences. */
  DIFFERS = 'differs',
  /** In the expected state, not live. */
  MISSING = 'missing',
  /** Live, among the names the module owns, not in the expected state. */
  EXTRA = 'extra',
}

/** What an entry is about. */
export enum VerifySubjectKind {
  /** A Kubernetes object, named `<Kind> <namespace>/<name>` (cluster-scoped: `<Kind> <name>`). */
  OBJECT = 'object',
  /** A file on the node, named by its absolute path. */
  NODE_FILE = 'node file',
  /** A host directory under `/etc/containerd/registry.d`, named by its absolute path with a trailing `/`. */
  HOST_DIRECTORY = 'host directory',
}

/** One object, node file or host directory and how it compares. */
export interface VerifyEntry {
  /** What the subject is. */
  readonly subjectKind: VerifySubjectKind;
  /** `Secret d8-system/registry-pki`, `/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml`, … */
  readonly subject: string;
  /** How it compares. */
  readonly status: VerifyStatus;
  /**
   * Field-level differences, one line each, for `DIFFERS` (`spec.replicas: expected 3, live 1`,
   * `data.config: hosts."registry.d8-system.svc:5001".mirrors[0].host: differs`); values only where they are not secret.
   */
  readonly differences: string[];
}

/** A field (or object, or file) that was not compared, why, and where. */
export interface VerifyIgnored {
  /** Field path inside the subjects (`metadata.uid`, `data.password`), or `(object)` / `(file)` for whole subjects. */
  readonly path: string;
  /** Why it was not compared. */
  readonly reason: string;
  /** The objects or files it was ignored in, sorted. */
  readonly subjects: string[];
}

/** Inputs of a VerifyReport. */
export interface VerifyReportProps {
  /** One entry per compared object, node file and extra host directory, in report order. */
  readonly entries: VerifyEntry[];
  /** What was not compared. */
  readonly ignored: VerifyIgnored[];
  /** Lines that say what the comparison covered (inputs given and not given). @default - none */
  readonly scope?: string[];
}

/** The outcome of `RegistryVerification.compare()`. */
export class VerifyReport {
  /** True when every entry is `EQUAL`: the cluster has converged to the expected state. */
  public readonly converged: boolean;
  /** One entry per compared object, node file and extra host directory. */
  public readonly entries: VerifyEntry[];
  /** What was not compared and why (server-set fields, values the module generates, objects it does not own, …). */
  public readonly ignored: VerifyIgnored[];
  /** What the comparison covered. */
  public readonly scope: string[];

  public constructor(props: VerifyReportProps) {
    this.entries = props.entries;
    this.ignored = props.ignored;
    this.scope = props.scope ?? [];
    this.converged = this.entries.every((e) => e.status === VerifyStatus.EQUAL);
  }

  /** The entries that are not `EQUAL`. */
  public get drift(): VerifyEntry[] {
    return this.entries.filter((e) => e.status !== VerifyStatus.EQUAL);
  }

  /**
   * The report as plain text: a verdict line, every entry with its differences, then what was ignored and why.
   *
   * @param verbose also list every `EQUAL` entry and every subject of an ignore rule (default: counts only)
   */
  public toText(verbose: boolean = false): string {
    const out: string[] = [];
    const drift = this.drift;
    const count = (kinds: VerifySubjectKind[]) => {
      const all = this.entries.filter((e) => kinds.includes(e.subjectKind));
      return { all: all.length, drift: all.filter((e) => e.status !== VerifyStatus.EQUAL).length };
    };
    const objects = count([VerifySubjectKind.OBJECT]);
    const files = count([VerifySubjectKind.NODE_FILE, VerifySubjectKind.HOST_DIRECTORY]);
    const parts = [`${objects.all} object(s)${objects.drift > 0 ? `, ${objects.drift} drifted` : ''}`,
      `${files.all} node file(s)${files.drift > 0 ? `, ${files.drift} drifted` : ''}`];
    out.push(`${this.converged ? 'CONVERGED' : 'DRIFT'}: ${parts.join('; ')}`);
    for (const line of this.scope) out.push(`  ${line}`);

    const section = (title: string, kinds: VerifySubjectKind[]) => {
      const entries = this.entries.filter((e) => kinds.includes(e.subjectKind));
      if (entries.length === 0) return;
      out.push('', title);
      const shown = verbose ? entries : entries.filter((e) => e.status !== VerifyStatus.EQUAL);
      for (const e of shown) {
        out.push(`  ${e.status.padEnd(8)} ${e.subject}`);
        for (const d of e.differences) out.push(`             ${d}`);
      }
      const equal = entries.length - entries.filter((e) => e.status !== VerifyStatus.EQUAL).length;
      if (!verbose && equal > 0) out.push(`  equal    ${equal} ${entries.length === equal ? '(all)' : 'more'}, not listed (verbose lists them)`);
    };
    section('objects', [VerifySubjectKind.OBJECT]);
    section('node files', [VerifySubjectKind.NODE_FILE, VerifySubjectKind.HOST_DIRECTORY]);

    if (this.ignored.length > 0) {
      out.push('', 'ignored (not compared)');
      const byReason = new Map<string, VerifyIgnored[]>();
      for (const i of this.ignored) byReason.set(i.reason, [...(byReason.get(i.reason) ?? []), i]);
      for (const [reason, items] of byReason) {
        out.push(`  ${reason}:`);
        for (const i of items) {
          const subjects = verbose || i.subjects.length <= 3
            ? i.subjects.join(', ')
            : `${i.subjects.slice(0, 3).join(', ')} and ${i.subjects.length - 3} more`;
          out.push(`    ${i.path}  (${subjects})`);
        }
      }
    }
    if (drift.length === 0 && this.entries.length === 0) out.push('', 'nothing was compared');
    return `${out.join('\n')}\n`;
  }
}
