// Reading a folder tree back: entries with modes and owners, or its files as bytes or text.
import * as fs from 'fs';
import * as path from 'path';

export interface TreeEntry {
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits, e.g. 0o600. */
  readonly mode: number;
  /** `uid:gid`. */
  readonly owner: string;
  /** File content (files), link target (symlinks). */
  readonly content?: Buffer;
}

/** Every entry below `root` (dot files included, symlinks not followed), keyed by `/`-prefixed relative path, sorted. */
export function snapshotTree(root: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = `/${path.relative(root, full).split(path.sep).join('/')}`;
      const st = fs.lstatSync(full);
      const mode = st.mode & 0o7777;
      const owner = `${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.set(rel, { type: 'symlink', mode, owner, content: Buffer.from(fs.readlinkSync(full)) });
      else if (st.isDirectory()) {
        out.set(rel, { type: 'dir', mode, owner });
        walk(full);
      } else if (st.isFile()) out.set(rel, { type: 'file', mode, owner, content: fs.readFileSync(full) });
      else out.set(rel, { type: 'other', mode, owner });
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out;
}

/** Files below `root` as relative path -> bytes (directories implied); for byte-for-byte tree comparison. */
export function readBytesTree(root: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [p, e] of snapshotTree(root)) {
    if (e.type === 'dir') continue;
    out[p] = e.content ?? Buffer.alloc(0);
  }
  return out;
}

/**
 * The regular files below `root` as relative path (no leading `/`, as toFiles() names them) -> UTF-8 content, sorted
 * by path. Symbolic links are not followed: a link where a file was is a difference, not the same content.
 */
export function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, e] of snapshotTree(root)) if (e.type === 'file') out[p.slice(1)] = (e.content as Buffer).toString('utf8');
  return out;
}
