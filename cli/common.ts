// What every registry-cdk8s subcommand shares: exit codes, error classes, how an error becomes a message.
import * as fs from 'fs';
import * as path from 'path';

/** Exit codes of every subcommand (documented in `--help`). */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Bad input: a file that cannot be read or fails validation, an output folder that cannot be used (or, for verify, drift). */
  INPUT: 1,
  /** Usage: an unknown command or option, a missing or repeated option. */
  USAGE: 2,
} as const;

/** A command-line usage error: exit code 2. */
export class UsageError extends Error {}

/** A bad input (file, folder, value): exit code 1. The message is complete and printed as is. */
export class InputError extends Error {}

/** A subcommand: takes the arguments after its name, writes to stdout/stderr, returns an exit code. */
export type Command = (argv: string[]) => number;

/** Prints `registry-cdk8s: <message>` on stderr and returns the exit code for the error. */
export function report(e: unknown, command?: string): number {
  if (e instanceof UsageError) {
    process.stderr.write(`registry-cdk8s: ${e.message}\nrun 'registry-cdk8s ${command === undefined ? '' : `${command} `}--help' for the options\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`registry-cdk8s: ${e instanceof Error ? e.message : String(e)}\n`);
  return EXIT.INPUT;
}

/** The package version (the nearest package.json up from this file: cli/ in the sources, build/cli/ in the package). */
export function version(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return String(JSON.parse(fs.readFileSync(file, 'utf8')).version);
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** A path as the user wrote it, for messages: normalized, without trailing slashes (`out//` -> `out`). */
export function shown(p: string): string {
  const n = path.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** A short text for a file-system error code, never the raw Node message (which repeats the path). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENAMETOOLONG: 'a file name is too long',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
    EEXIST: 'it already exists',
    ELOOP: 'too many symbolic links',
    EMFILE: 'too many open files',
    EIO: 'input/output error',
  };
  return code === undefined ? (e as Error).message : `${reasons[code] ?? 'file-system error'} (${code})`;
}
