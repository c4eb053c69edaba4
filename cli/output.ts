// Writing an output folder safely: never a folder that holds the inputs or the working directory, always a
// complete old or a complete new tree (write a sibling, then swap with renames), secrets 0600 in 0700 folders,
// nothing left behind on failure.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { fsReason, InputError, shown } from './common';

import type { OutputFile } from '../lib/constructs/_output-files';

export type { OutputFile } from '../lib/constructs/_output-files';
export { PLAIN_FILE_MODE, SECRET_FILE_MODE } from '../lib/constructs/_output-files';

export interface WriteOptions {
  /** Replace a non-empty folder. */
  readonly force: boolean;
  /** Files read as input: the output folder may neither be their folder nor hold it, nor hold them. */
  readonly inputs: readonly string[];
  /** The working directory (default: process.cwd()). */
  readonly cwd?: string;
}

export interface WriteResult {
  /** Whether an existing folder was replaced. */
  readonly replaced: boolean;
  /** A folder restored from an interrupted earlier run, if any. */
  readonly recovered?: string;
  /** Permission bits of the output folder. */
  readonly folderMode: number;
}

const SECRET_DIR_MODE = 0o700;
const PLAIN_DIR_MODE = 0o755;

/** `realpath` of a path that may not exist yet: the nearest existing ancestor resolved, the rest appended. */
function realish(p: string): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.join(cur, ...rest.reverse());
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);

/** Refuses an output folder that replacing could destroy the user's files with; throws InputError saying why. */
export function checkOutputFolder(out: string, opts: WriteOptions): void {
  const name = shown(out);
  const abs = path.resolve(out);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(`${name}: cannot use the output folder: ${fsReason(e)}`);
  }
  if (st?.isSymbolicLink()) {
    throw new InputError(`${name}: the output folder is a symbolic link (to ${JSON.stringify(fs.readlinkSync(abs))}); replacing it would replace the link, not the folder: give the real folder with -o`);
  }
  if (st !== undefined && !st.isDirectory()) throw new InputError(`${name}: exists and is not a folder; give a folder (absent, empty, or with --force one this command wrote)`);
  const real = realish(abs);
  const why = (what: string) => new InputError(`${name}: refusing this output folder: it ${what}, and writing the output replaces the whole folder (--force deletes what is in it); give the output a folder of its own, such as out`);
  const cwd = realish(opts.cwd ?? process.cwd());
  if (real === path.parse(real).root) throw why('is the root of the file system');
  if (inside(cwd, real)) throw why(real === cwd ? 'is the working directory' : 'contains the working directory');
  for (const input of opts.inputs) {
    const file = realish(input);
    const dir = path.dirname(file);
    if (inside(dir, real)) throw why(`${real === dir ? 'is' : 'contains'} the folder of the input file ${shown(input)}`);
    if (inside(file, real)) throw why(`holds the input file ${shown(input)}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Siblings left by a run that was killed: `.<name>.new-<pid>-*` (a tree being written) are removed; when the output
 * folder is missing and `.<name>.old-<pid>-*` exists, the run died between the two renames of the swap, and the old
 * tree is put back. Only siblings of dead processes are touched.
 */
function recoverInterrupted(parent: string, base: string, abs: string): string | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return undefined;
  }
  let recovered: string | undefined;
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(new|old)-(\\d+)-[0-9a-f]+$`);
  for (const e of entries.sort()) {
    const m = e.match(pattern);
    if (m === null || alive(Number(m[2]))) continue;
    const full = path.join(parent, e);
    if (m[1] === 'old' && !fs.existsSync(abs) && recovered === undefined) {
      fs.renameSync(full, abs);
      recovered = full;
    } else {
      fs.rmSync(full, { recursive: true, force: true });
    }
  }
  return recovered;
}

/** Holds SIGINT, SIGTERM and SIGHUP while `fn` runs, then re-raises the first one: a write is never cut short by them. */
function withSignalsHeld<T>(fn: () => T): T {
  const pending: NodeJS.Signals[] = [];
  const hold = (s: NodeJS.Signals) => { pending.push(s); };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, hold);
  try {
    return fn();
  } finally {
    // Node delivers signals from the event loop: a signal that arrived during fn reaches `hold` after we return;
    // keep the listener until then and re-raise it with the default action.
    setImmediate(() => {
      for (const s of signals) process.removeListener(s, hold);
      if (pending.length > 0) process.kill(process.pid, pending[0]);
    });
  }
}

/**
 * Writes `files` as the folder `out`: checks the folder (see checkOutputFolder), writes a hidden sibling, then swaps
 * it in with renames. Files are written with their mode; folders are 0700 when any file is secret, 0755 otherwise,
 * and never looser than an existing output folder. On any failure the sibling is removed and `out` is untouched.
 */
export function writeTree(out: string, files: readonly OutputFile[], opts: WriteOptions): WriteResult {
  checkOutputFolder(out, opts);
  const name = shown(out);
  const abs = path.resolve(out);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    // a recursive mkdir reports ENOENT for most failures: name the existing ancestor that refused, and why
    let ancestor = path.dirname(parent);
    while (!fs.existsSync(ancestor) && path.dirname(ancestor) !== ancestor) ancestor = path.dirname(ancestor);
    let reason = fsReason(e);
    try {
      fs.accessSync(ancestor, fs.constants.W_OK);
    } catch (denied) {
      reason = `${shown(path.relative(process.cwd(), ancestor) || '.')}: ${fsReason(denied)}`;
    }
    throw new InputError(`${name}: cannot create the parent folder ${shown(path.dirname(out))}: ${reason}`);
  }
  const recovered = recoverInterrupted(parent, base, abs);
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(abs);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && !opts.force && fs.readdirSync(abs).length > 0) {
    throw new InputError(`${name}: the output folder is not empty; pass --force to replace it`);
  }
  const secret = files.some((f) => (f.mode & 0o077) === 0);
  const dirMode = secret ? SECRET_DIR_MODE : PLAIN_DIR_MODE;
  // never loosen: keep the stricter bits of an existing folder (the owner always keeps rwx)
  const folderMode = existing === undefined ? dirMode : ((existing.mode & 0o777) & dirMode) | 0o700;

  return withSignalsHeld(() => {
    const suffix = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
    let tmp: string;
    try {
      tmp = path.join(parent, `.${base}.new-${suffix()}`);
      fs.mkdirSync(tmp, { mode: 0o700 });
    } catch (e) {
      throw new InputError(`${name}: cannot write beside the output folder, in ${shown(path.dirname(out))}: ${fsReason(e)}`);
    }
    let current = '';
    try {
      const made = new Set<string>();
      for (const f of files) {
        current = f.path;
        const target = path.join(tmp, f.path);
        const dir = path.dirname(target);
        if (!made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true, mode: dirMode });
          made.add(dir);
        }
        fs.writeFileSync(target, f.content, { mode: f.mode, flag: 'wx' });
        fs.chmodSync(target, f.mode); // the umask may have narrowed it; never widened past f.mode
      }
      current = '';
      for (const dir of made) if (dir !== tmp) fs.chmodSync(dir, dirMode);
      fs.chmodSync(tmp, folderMode);
      if (existing === undefined) {
        fs.renameSync(tmp, abs);
      } else {
        const old = path.join(parent, `.${base}.old-${suffix()}`);
        fs.renameSync(abs, old);
        try {
          fs.renameSync(tmp, abs);
        } catch (e) {
          fs.renameSync(old, abs);
          throw e;
        }
        fs.rmSync(old, { recursive: true, force: true });
      }
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const what = current === '' ? 'cannot replace the output folder' : `cannot write ${current}`;
      throw new InputError(`${name}: ${what}: ${fsReason(e)}; the output folder was left as it was`);
    }
    return { replaced: existing !== undefined, recovered, folderMode };
  });
}
