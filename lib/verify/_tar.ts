// A small tar reader for `tar -C /etc/containerd -cf - registry.d` (plain or gzip): ustar and old-GNU headers,
// pax extended headers (`path`, `size`) and GNU long names. Regular files and directories only; other entries
// (symlinks, devices) are reported by name so the caller can say they were skipped. Pure: bytes in, entries out.
import { gunzipSync } from 'zlib';

export interface TarEntry {
  /** Path as stored, without a leading `./`; directories end in `/`. */
  readonly path: string;
  readonly directory: boolean;
  readonly content: Buffer;
}

export interface TarContents {
  readonly entries: TarEntry[];
  /** Entries that are neither files nor directories (symlinks, devices, …), by path. */
  readonly skipped: string[];
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

function octal(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if ((field[0] & 0x80) !== 0) {
    // GNU base-256: big-endian binary in the remaining bytes.
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const s = text(block, start, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`not a tar archive: bad ${what} field`);
  return parseInt(s, 8);
}

/** pax records `"<len> key=value\n"`. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = parseInt(data.subarray(i, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

function checksumOk(block: Buffer): boolean {
  const stored = octal(block, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum === stored;
}

/** Reads a tar archive (gzip-compressed when it starts with the gzip magic). */
export function readTar(archive: Buffer): TarContents {
  const data = archive.length >= 2 && archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarEntry[] = [];
  const skipped: string[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header)) throw new Error(`not a tar archive (bad header checksum at byte ${offset})`);
    const type = String.fromCharCode(header[156] || 0x30);
    let size = octal(header, 124, 12, 'size');
    const overrides = new Map([...globalPax, ...pax]);
    if (overrides.has('size')) size = Number(overrides.get('size'));
    const body = data.subarray(offset + 512, offset + 512 + size);
    if (body.length < size) throw new Error('not a tar archive (truncated)');
    offset += 512 + Math.ceil(size / 512) * 512;

    if (type === 'x') {
      pax = paxRecords(body);
      continue;
    }
    if (type === 'g') {
      globalPax = paxRecords(body);
      continue;
    }
    if (type === 'L') {
      longName = text(body, 0, body.length);
      continue;
    }
    const magic = text(header, 257, 6);
    const prefix = magic.startsWith('ustar') && header[257 + 5] !== 0x20 ? text(header, 345, 155) : '';
    let path = overrides.get('path') ?? longName ?? (prefix !== '' ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    pax = new Map();
    longName = undefined;
    path = path.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
    if (type === '0' || type === '7' || type === '\0') {
      if (path.endsWith('/')) entries.push({ path, directory: true, content: Buffer.alloc(0) });
      else entries.push({ path, directory: false, content: Buffer.from(body) });
    } else if (type === '5') {
      if (path !== '' && path !== '.') entries.push({ path: path.endsWith('/') ? path : `${path}/`, directory: true, content: Buffer.alloc(0) });
    } else {
      skipped.push(path);
    }
  }
  return { entries, skipped };
}
