// Scratch directories, byte-exact file trees and running node scripts under bash against a scratch root.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export { readBytesTree, snapshotTree } from './tree';
export type { TreeEntry } from './tree';

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a node script with bash: the script is a file outside `root`, the working directory is `cwd`, and the
 * environment holds only PATH, REGISTRY_NODE_ROOT and a harmless HOME. Standard input is closed (Debian's bash
 * sources ~/.bashrc when stdin is a socket).
 */
export function runScript(script: string, root: string, cwd: string, timeoutMs = 20_000, extraEnv: Record<string, string> = {}): Promise<ScriptRun> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-script-')), 'script.sh');
  fs.writeFileSync(file, script, { mode: 0o600 });
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [file], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', REGISTRY_NODE_ROOT: root, HOME: cwd, LC_ALL: 'C', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      resolve({ status, stdout, stderr });
    });
  });
}

/** Whether bubblewrap can create a mount namespace here. */
export function hasBubblewrap(): boolean {
  return spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', 'true']).status === 0;
}

/**
 * Runs a node script under bubblewrap: the host's file system is read-only, `<root>/etc` is mounted at `/etc`, and
 * the script runs with the real paths (no REGISTRY_NODE_ROOT), so whatever it follows it can never reach the host's
 * /etc. `extraPath` goes first on PATH (test doubles such as a logging mktemp). Symbolic links that a test plants
 * must be relative or point into `/etc`. Without bubblewrap (outside CI) it falls back to REGISTRY_NODE_ROOT.
 */
export function runScriptIsolated(script: string, root: string, opts: { extraPath?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ScriptRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-script-'));
  const file = path.join(dir, 'script.sh');
  fs.writeFileSync(file, script, { mode: 0o600 });
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  const basePath = process.env.PATH ?? '/usr/bin:/bin';
  const PATH = opts.extraPath ? `${opts.extraPath}:${basePath}` : basePath;
  const isolated = hasBubblewrap();
  if (!isolated && process.env.CI) throw new Error('bubblewrap is required in CI (.ci/run installs it)');
  const [cmd, args, env] = isolated
    // (the script's own folder stays writable: its temporary files, e.g. the fetched Secrets, go there via TMPDIR)
    ? ['bwrap', ['--ro-bind', '/', '/', '--bind', path.join(root, 'etc'), '/etc', '--bind', dir, dir, '--dev', '/dev', '--proc', '/proc', '--die-with-parent', 'bash', file],
      { PATH, HOME: '/', LC_ALL: 'C', TMPDIR: dir, ...(opts.env ?? {}) }]
    : ['bash', [file], { PATH, REGISTRY_NODE_ROOT: root, HOME: '/', LC_ALL: 'C', ...(opts.env ?? {}) }];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ status, stdout, stderr });
    });
  });
}
