// The command line under test: its entry points run in this process with their output captured, its input files.
import * as fs from 'fs';
import * as path from 'path';
import { TEST_PKI } from '../../examples/fixtures/test-pki';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command-line entry point (`main`, `verifyMain`, `pkiMain`) in this process, in `cwd` if given, and returns
 * its exit code and what it printed (nothing reaches the terminal).
 */
export function runCli(entry: (argv: string[]) => number, argv: string[], cwd?: string): CliRun {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => { stdout += String(s); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { stderr += String(s); return true; });
  const before = process.cwd();
  try {
    if (cwd !== undefined) process.chdir(cwd);
    return { code: entry(argv), stdout, stderr };
  } finally {
    process.chdir(before);
    out.mockRestore();
    err.mockRestore();
  }
}

/** A `ModuleConfig/deckhouse` with `registry` (YAML lines) as `spec.settings.registry`. */
export function moduleConfigYaml(registry: string, apiVersion = 'deckhouse.io/v1alpha1'): string {
  return `apiVersion: ${apiVersion}
kind: ModuleConfig
metadata:
  name: deckhouse
spec:
  version: 1
  enabled: true
  settings:
    registry:
${registry.split('\n').map((l) => `      ${l}`).join('\n')}
`;
}

/** Direct with a username and password: the ModuleConfig most CLI tests start from. */
export const DIRECT_MODULE_CONFIG = moduleConfigYaml('mode: Direct\ndirect:\n  imagesRepo: registry.example.com/deckhouse/ee\n  username: puller\n  password: pw-cli');

/** TEST_PKI as PEM files `<dir>/<part>.crt` and `<dir>/<part>.key` (keys 0600), for a cluster file's `pki:` block. */
export function writePkiFiles(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const part of ['ca', 'token', 'auth', 'distribution'] as const) {
    fs.writeFileSync(path.join(dir, `${part}.crt`), TEST_PKI[part].certificate);
    fs.writeFileSync(path.join(dir, `${part}.key`), TEST_PKI[part].privateKey, { mode: 0o600 });
  }
}
