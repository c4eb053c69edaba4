// The modes of a `toFiles()` tree, decided once for every writer (RegistryApp's synth and the CLI): a file that holds
// a credential or key is 0600, the rest 0644.
import { NodeBundle } from './node-configuration';
import { RegistryModule } from './registry-module';
import { RegistrySwitch } from './registry-switch';

/** Mode of a file that holds a secret, and of one that does not. */
export const SECRET_FILE_MODE = 0o600;
export const PLAIN_FILE_MODE = 0o644;

/** A file of a `toFiles()` tree and the mode to write it with. */
export interface OutputFile {
  /** Relative to the output folder. */
  readonly path: string;
  readonly content: string;
  /** `SECRET_FILE_MODE` when the file holds a secret, `PLAIN_FILE_MODE` otherwise. */
  readonly mode: number;
}

/**
 * `owner.toFiles()` with modes: 0600 for manifests holding a Secret, a ModuleConfig with inline credentials, and node
 * files that are not world-readable on the node (hosts.toml with credentials, keys, configs with passwords).
 */
export function outputFiles(owner: RegistryModule | RegistrySwitch): OutputFile[] {
  const nodeModes = new Map<string, number>();
  const add = (bundles: readonly NodeBundle[], prefix: string) => {
    for (const b of bundles) {
      for (const f of b.files) nodeModes.set(`${prefix}nodes/${b.nodeGroup}${f.path}`, f.mode);
      for (const [node, files] of Object.entries(b.nodeFiles ?? {})) {
        for (const f of files) nodeModes.set(`${prefix}nodes/${b.nodeGroup}@${node}${f.path}`, f.mode);
      }
    }
  };
  if (owner instanceof RegistrySwitch) for (const s of owner.stages) add(s.bundles, `expected/${s.folder}/`);
  else add(owner.nodeConfiguration.bundles, 'expected/');
  const inline = owner.moduleConfig.inlineCredentials;
  return Object.entries(owner.toFiles()).map(([path, content]) => ({ path, content, mode: modeOf(path, content, nodeModes, inline) }));
}

/** Whether a multi-document manifest (as cdk8s writes it, top-level keys at column 0) holds a Secret. */
export function manifestHoldsSecret(yaml: string): boolean {
  return /^kind: Secret$/m.test(yaml);
}

function modeOf(path: string, content: string, nodeModes: ReadonlyMap<string, number>, inlineCredentials: boolean): number {
  if (path.endsWith('.k8s.yaml')) return manifestHoldsSecret(content) ? SECRET_FILE_MODE : PLAIN_FILE_MODE;
  // From the ModuleConfig construct itself, not from its header's wording.
  if (path.endsWith('moduleconfig.yaml')) return inlineCredentials ? SECRET_FILE_MODE : PLAIN_FILE_MODE;
  const nodeMode = nodeModes.get(path);
  return nodeMode === undefined || (nodeMode & 0o004) !== 0 ? PLAIN_FILE_MODE : SECRET_FILE_MODE;
}
