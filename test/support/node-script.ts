// Node scripts (a NodeGroupConfiguration's content): taking their `put` and `fetch` lines apart, and running them
// under bash against a scratch root, optionally in a mount namespace.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ChildRun, runChild } from './child';
import { decodeSecret } from './manifests';
import { scratchDir } from './scratch';

/** The script of the NodeGroupConfiguration for `group` among rendered objects (the first one without a group). */
export function nodeScriptIn(objects: readonly any[], group?: string): string {
  const ngc = objects.find((o) => o.kind === 'NodeGroupConfiguration' && (group === undefined || o.spec.nodeGroups[0] === group));
  if (ngc === undefined) throw new Error(`no NodeGroupConfiguration${group === undefined ? '' : ` for node group ${group}`}`);
  return ngc.spec.content;
}

// ---- parsing ----

export interface PutLine {
  readonly path: string;
  /** Octal mode as written, e.g. "600". */
  readonly mode: string;
  readonly base64: string;
  readonly content: string;
  /** Offsets of the base64 payload in the script. */
  readonly start: number;
  readonly end: number;
}

export interface SecretPutLine {
  readonly path: string;
  /** Octal mode as written, e.g. "600". */
  readonly mode: string;
  /** The data key of the fetched Secret that holds the content. */
  readonly key: string;
}

// put 'PATH' MODE PAYLOAD ['OWNER' [DIRECTORY_MODE]], PAYLOAD being 'BASE64' or "$(from_secret KEY)"
const PUT_HEAD = "^put '([^']+)' ([0-7]+) ";
const PUT_TAIL = "((?: '[0-9:]*'(?: [0-7]+)?)?)$";
const PUT = new RegExp(`${PUT_HEAD}'([A-Za-z0-9+/=]*)'${PUT_TAIL}`, 'gm');
const PUT_FROM_SECRET = new RegExp(`${PUT_HEAD}"\\$\\(from_secret (f-[0-9a-f]+)\\)"${PUT_TAIL}`, 'gm');
const FETCH = /^fetch '([^']+)'$/gm;

/** The `put PATH MODE 'BASE64' [OWNER [DIRECTORY_MODE]]` lines of a node script: files carried in the script. */
export function putLines(script: string): PutLine[] {
  const out: PutLine[] = [];
  for (const m of script.matchAll(PUT)) {
    const start = (m.index as number) + `put '${m[1]}' ${m[2]} '`.length;
    out.push({ path: m[1], mode: m[2], base64: m[3], content: Buffer.from(m[3], 'base64').toString('utf8'), start, end: start + m[3].length });
  }
  return out;
}

/** The `put PATH MODE "$(from_secret KEY)" …` lines: files whose content comes from a fetched Secret. */
export function secretPutLines(script: string): SecretPutLine[] {
  return [...script.matchAll(PUT_FROM_SECRET)].map((m) => ({ path: m[1], mode: m[2], key: m[3] }));
}

/** Names of the Secrets the script fetches (`fetch 'NAME'`). */
export function fetchedSecrets(script: string): string[] {
  return [...script.matchAll(FETCH)].map((m) => m[1]);
}

/** The script with every put payload replaced by a placeholder: the part that is code, not data. */
export function scriptSkeleton(script: string): string {
  return script.replace(PUT, (_all, p: string, mode: string, _b64: string, rest: string) => `put '${p}' ${mode} '<payload>'${rest}`);
}

/** Files a script writes: path -> { mode, content }, from its own payloads and from the Secrets (among `objects`) it fetches. */
export function scriptFiles(script: string, objects: readonly any[] = []): Record<string, { mode: string; content: string }> {
  const out: Record<string, { mode: string; content: string }> = {};
  for (const p of putLines(script)) out[p.path] = { mode: p.mode, content: p.content };
  const fetched = fetchedSecrets(script).map((name) => objects.find((o) => o.kind === 'Secret' && o.metadata.name === name));
  for (const p of secretPutLines(script)) {
    const holder = fetched.find((s) => s?.data?.[p.key] !== undefined);
    out[p.path] = { mode: p.mode, content: holder === undefined ? '' : decodeSecret(holder)[p.key] };
  }
  return out;
}

// ---- running ----

export interface RunOptions {
  /** Working directory, and HOME (default: the script's own scratch folder, and HOME `/`). */
  readonly cwd?: string;
  /** More environment: the kubectl stand-in's (fakeKubeEnv), REGISTRY_KUBECONFIG, … */
  readonly env?: Record<string, string>;
  /** Put first on PATH (test doubles such as a logging mktemp). */
  readonly extraPath?: string;
  readonly timeoutMs?: number;
  /**
   * Run under bubblewrap: the host's file system is read-only, `<root>/etc` is mounted at `/etc`, and the script runs
   * with the real paths (no REGISTRY_NODE_ROOT), so whatever it follows it can never reach the host's /etc. Symbolic
   * links that a test plants must be relative or point into `/etc`. Without bubblewrap (outside CI) it falls back to
   * REGISTRY_NODE_ROOT.
   */
  readonly isolated?: boolean;
}

/** Whether bubblewrap can create a mount namespace here. */
export function hasBubblewrap(): boolean {
  return spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', 'true']).status === 0;
}

/**
 * Runs a node script with bash against `root` (REGISTRY_NODE_ROOT, or `/etc` in a mount namespace with `isolated`).
 * The script is a file outside `root`; the environment holds only PATH, a harmless HOME, LC_ALL=C and `env`.
 * Standard input is closed (Debian's bash sources ~/.bashrc when stdin is a socket).
 */
export function runNodeScript(script: string, root: string, opts: RunOptions = {}): Promise<ChildRun> {
  const dir = scratchDir('registry-script-');
  const file = path.join(dir, 'script.sh');
  fs.writeFileSync(file, script, { mode: 0o600 });
  const basePath = process.env.PATH ?? '/usr/bin:/bin';
  const env = { PATH: opts.extraPath ? `${opts.extraPath}:${basePath}` : basePath, HOME: opts.cwd ?? '/', LC_ALL: 'C' };
  let isolated = false;
  if (opts.isolated === true) {
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    isolated = hasBubblewrap();
    if (!isolated && process.env.CI) throw new Error('bubblewrap is required in CI (.ci/run installs it)');
  }
  const [cmd, args, fullEnv] = isolated
    // (the script's own folder stays writable: its temporary files, e.g. the fetched Secrets, go there via TMPDIR)
    ? ['bwrap', ['--ro-bind', '/', '/', '--bind', path.join(root, 'etc'), '/etc', '--bind', dir, dir, '--dev', '/dev', '--proc', '/proc', '--die-with-parent', 'bash', file],
      { ...env, TMPDIR: dir, ...(opts.env ?? {}) }] as const
    : ['bash', [file], { ...env, REGISTRY_NODE_ROOT: root, ...(opts.env ?? {}) }] as const;
  return runChild(cmd, args, { cwd: opts.cwd ?? dir, env: fullEnv, timeout: opts.timeoutMs ?? 20_000 })
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/** runNodeScript, failing with the script's stderr unless it exits 0. */
export async function runNodeScriptOk(script: string, root: string, opts: RunOptions = {}): Promise<ChildRun> {
  const r = await runNodeScript(script, root, opts);
  if (r.status !== 0) throw new Error(`node script exited ${r.status}: ${r.stderr}`);
  return r;
}
