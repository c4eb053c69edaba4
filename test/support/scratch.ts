// Scratch folders of the tests, in the system's temporary folder.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A new empty folder `<tmp>/<prefix>XXXXXX`. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
