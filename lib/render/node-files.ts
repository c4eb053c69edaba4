// The files one node group receives: every hosts.toml and CA file of the routing plus the config_path fragment.
import { Routing } from '../model/routing';
import { Cri } from '../settings/enums';
import { CONFIG_PATH_FRAGMENT, configPathFragment } from './containerd-config';
import { caFileContent, caFilePath, hostsToml, hostsTomlPath, writesAuth } from './hosts-toml';

/** A file for a node: absolute path, content, permissions. */
export interface NodeFile {
  /** Absolute node path. */
  readonly path: string;
  /** File content (UTF-8). */
  readonly content: string;
  /** Octal permission bits: 0600 for files that may carry credentials, 0644 otherwise. */
  readonly mode: number;
  /** `uid:gid` to own the file and its directory, when not root. */
  readonly owner?: string;
  /** Permission bits of the file's directory, when it matters. */
  readonly directoryMode?: number;
  /** Written only when the file does not exist yet (a later version is applied by another process, e.g. a reloader). */
  readonly onlyIfMissing?: boolean;
  /** Holds a credential or a private key: delivered from a Secret, never inside a NodeGroupConfiguration. */
  readonly secret?: boolean;
}

/** Every file for one node, sorted by path; `extra` files (static pods and their configuration) join the routing's. @internal */
export function nodeFiles(routing: Routing, cri: Cri, extra: readonly NodeFile[] = []): NodeFile[] {
  const files: NodeFile[] = [{ path: CONFIG_PATH_FRAGMENT, content: configPathFragment(cri), mode: 0o644 }];
  for (const [hostName, cfg] of Object.entries(routing)) {
    const withAuth = cfg.mirrors.some(writesAuth);
    files.push({ path: hostsTomlPath(hostName), content: hostsToml(hostName, cfg.mirrors), mode: 0o600, ...(withAuth ? { secret: true } : {}) });
    for (const m of cfg.mirrors) {
      if (m.ca !== undefined) files.push({ path: caFilePath(hostName, m), content: caFileContent(m.ca), mode: 0o644 });
    }
  }
  files.push(...extra);
  for (const f of files) checkNameLengths(f.path);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Linux NAME_MAX: the longest file name (one path component), in bytes. */
const NAME_MAX = 255;

/** Every node file must be writable on a node (by bashible or our script) and in an output folder. */
function checkNameLengths(path: string): void {
  const long = path.split('/').find((part) => Buffer.byteLength(part, 'utf8') > NAME_MAX);
  if (long !== undefined) {
    throw new Error(`node files: the path ${JSON.stringify(path)} has a name of ${Buffer.byteLength(long, 'utf8')} bytes; Linux allows ${NAME_MAX} per path component (shorten the registry host)`);
  }
}

/** The registry host directories (under config_path) that a file list owns. @internal */
export function ownedHostDirs(routing: Routing): string[] {
  return Object.keys(routing).sort();
}
