// Child processes of the tests: a TypeScript entry point run with ts-node, and collecting a child's output.
import { spawn, SpawnOptions } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/** The command line that runs a TypeScript file with ts-node (transpile only): `[node, args]`. */
export function tsNodeCommand(file: string, args: readonly string[] = []): [string, string[]] {
  return [process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), file, ...args]];
}

/** `env` (by default ours) with ts-node pointed at the project's tsconfig.json, whatever the working directory. */
export function tsNodeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
}

export interface ChildRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end with standard input closed, collecting its output as text. */
export function runChild(cmd: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
