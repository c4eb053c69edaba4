// Child process for the kill test: writes a prepared file list (JSON) to an output folder with the CLI's writeTree.
import * as fs from 'fs';
import { writeTree } from '../../cli/output';

const [list, out] = process.argv.slice(2);
writeTree(out, JSON.parse(fs.readFileSync(list, 'utf8')), { force: true, inputs: [] });
