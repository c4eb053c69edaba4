// A kubectl stand-in for running node scripts that read their secret files from Secrets: it serves the Secrets of
// the rendered objects to the node identity `system:node:<node>` and enforces the rendered Roles and RoleBindings
// (Group system:nodes, User system:node:<node>), printing what `kubectl get secret -o go-template=…` prints.
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir } from './scratch';

const SCRIPT = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
const name = args[args.indexOf('secret') + 1];
const objects = JSON.parse(fs.readFileSync(process.env.FAKE_OBJECTS, 'utf8'));
const user = process.env.FAKE_USER;
const groups = ['system:nodes', 'system:authenticated'];
const allowed = objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'd8-system').some((b) => {
  const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === b.roleRef.name && o.metadata.namespace === 'd8-system');
  const subject = b.subjects.some((s) => (s.kind === 'User' && s.name === user) || (s.kind === 'Group' && groups.includes(s.name)));
  return role !== undefined && subject && role.rules.some((r) => r.resources.includes('secrets') && r.verbs.includes('get') && (r.resourceNames || []).includes(name));
});
if (args[args.indexOf('-n') + 1] !== 'd8-system' || !allowed) {
  process.stderr.write('Error from server (Forbidden): secrets "' + name + '" is forbidden: User "' + user + '" cannot get resource "secrets" in the namespace "d8-system"\\n');
  process.exit(1);
}
const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name && o.metadata.namespace === 'd8-system');
if (!s) { process.stderr.write('Error from server (NotFound): secrets "' + name + '" not found\\n'); process.exit(1); }
for (const k of Object.keys(s.data || {}).sort()) process.stdout.write(k + ' ' + s.data[k] + '\\n');
`;

let dir: string | undefined;

/** Environment for a node script run: the stand-in kubectl serving `objects` to node `node`. */
export function fakeKubeEnv(objects: readonly any[], node = 'node-0'): Record<string, string> {
  if (dir === undefined) {
    dir = scratchDir('fake-kubectl-');
    fs.writeFileSync(path.join(dir, 'kubectl'), SCRIPT, { mode: 0o755 });
  }
  const file = path.join(dir, `objects-${process.pid}-${Math.floor(performance.now() * 1000)}-${Math.round(Math.random() * 1e9)}.json`);
  fs.writeFileSync(file, JSON.stringify(objects));
  return { REGISTRY_KUBECTL: path.join(dir, 'kubectl'), FAKE_OBJECTS: file, FAKE_USER: `system:node:${node}`, D8_NODE_HOSTNAME: node };
}
