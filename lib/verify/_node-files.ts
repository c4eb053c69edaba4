// Node files under /etc/containerd/registry.d: hosts.toml compared as parsed TOML (values shown except in `auth`
// tables), every other file (CA certificates, keys) compared as bytes and never shown; extra host directories and
// extra files in expected host directories are drift; the bookkeeping files of bashible and of our node scripts are
// ignored.
import { OWNED_FILES_FILE, OWNERSHIP_FILE } from '../render/node-script';
import * as TOML from '@iarna/toml';
import { CONTAINERD_REGISTRY_DIR, MODULE_GENERATED } from '../model/constants';
import { compareValue, DiffContext, IgnoreSink, REASON_GENERATED } from './_diff';
import { VerifyEntry, VerifyStatus, VerifySubjectKind } from './report';

const ROOT = `${CONTAINERD_REGISTRY_DIR}/`;

/** Files directly in registry.d that record who wrote which host directory; not configuration. */
const BOOKKEEPING: Record<string, string> = {
  'deckhouse_hosts_state.json': "bashible's list of the host directories it wrote (the directories themselves are compared)",
  [OWNERSHIP_FILE]: "the node script's list of the host directories it wrote (the directories themselves are compared)",
  [OWNED_FILES_FILE]: "the node script's list of the files it wrote (the files themselves are compared)",
};

export const REASON_OUT_OF_SCOPE = `outside ${CONTAINERD_REGISTRY_DIR}: the live node input covers only that folder`;

function parseToml(text: string): { value?: unknown; line?: number } {
  try {
    return { value: TOML.parse(text) };
  } catch (e) {
    const line = (e as { line?: number }).line;
    return { line: typeof line === 'number' ? line + 1 : undefined };
  }
}

function hostDirOf(path: string): string | undefined {
  if (!path.startsWith(ROOT)) return undefined;
  const rest = path.slice(ROOT.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? undefined : rest.slice(0, slash);
}

function compareFile(path: string, expected: string, live: string, ignored: IgnoreSink): string[] {
  const differences: string[] = [];
  if (path.endsWith('.toml')) {
    const e = parseToml(expected);
    const l = parseToml(live);
    if (l.value === undefined) return [`does not parse as TOML${l.line === undefined ? '' : ` (line ${l.line})`}: containerd ignores the whole file`];
    if (e.value === undefined) return expected === live ? [] : ['differs (the expected file does not parse as TOML)'];
    const ctx: DiffContext = {
      subject: path,
      secret: false,
      prefix: '',
      differences,
      ignored,
      strictAt: () => true,
      liveOnly: () => '',
    };
    // Strict both ways; values under a credential-like key (`auth`, `password`, `ca`) are never shown.
    compareValue(e.value, l.value, [], ctx, true);
    return differences;
  }
  if (expected === live) return [];
  if (expected.trim() === MODULE_GENERATED) {
    ignored.add(path, '(file)', REASON_GENERATED);
    return [];
  }
  if (expected.replace(/\s+$/, '') === live.replace(/\s+$/, '')) return ['content differs only in trailing whitespace'];
  return ['content differs'];
}

/**
 * Entries for one node: every expected file under registry.d (equal, differs, missing), every extra host directory
 * (one entry with its files), every extra file inside an expected host directory. Keys ending in `/` are directories.
 */
export function compareNodeFiles(expected: Record<string, string>, live: Record<string, string>, ignored: IgnoreSink): VerifyEntry[] {
  const entries: VerifyEntry[] = [];
  const expectedDirs = new Set<string>();
  for (const path of Object.keys(expected).sort()) {
    if (!path.startsWith(ROOT)) {
      ignored.add(path, '(file)', REASON_OUT_OF_SCOPE);
      continue;
    }
    const dir = hostDirOf(path);
    if (dir !== undefined) expectedDirs.add(dir);
    if (path.endsWith('/')) continue;
    const liveText = live[path];
    if (liveText === undefined) {
      entries.push({ subjectKind: VerifySubjectKind.NODE_FILE, subject: path, status: VerifyStatus.MISSING, differences: [] });
      continue;
    }
    const differences = compareFile(path, expected[path], liveText, ignored);
    entries.push({ subjectKind: VerifySubjectKind.NODE_FILE, subject: path, status: differences.length === 0 ? VerifyStatus.EQUAL : VerifyStatus.DIFFERS, differences });
  }
  const extraDirs = new Map<string, string[]>();
  for (const path of Object.keys(live).sort()) {
    if (path in expected) continue;
    if (!path.startsWith(ROOT)) {
      ignored.add(path, '(file)', REASON_OUT_OF_SCOPE);
      continue;
    }
    const dir = hostDirOf(path);
    if (dir === undefined) {
      const name = path.slice(ROOT.length);
      if (name === '') continue;
      if (BOOKKEEPING[name] !== undefined) ignored.add(path, '(file)', BOOKKEEPING[name]);
      else entries.push({ subjectKind: VerifySubjectKind.NODE_FILE, subject: path, status: VerifyStatus.EXTRA, differences: [] });
      continue;
    }
    if (expectedDirs.has(dir)) {
      if (path.endsWith('/')) continue;
      entries.push({ subjectKind: VerifySubjectKind.NODE_FILE, subject: path, status: VerifyStatus.EXTRA, differences: [] });
      continue;
    }
    const files = extraDirs.get(dir) ?? [];
    if (!path.endsWith('/')) files.push(path.slice(ROOT.length + dir.length + 1));
    extraDirs.set(dir, files);
  }
  for (const [dir, files] of extraDirs) {
    entries.push({
      subjectKind: VerifySubjectKind.HOST_DIRECTORY,
      subject: `${ROOT}${dir}/`,
      status: VerifyStatus.EXTRA,
      differences: [files.length === 0 ? 'an empty host directory' : `holds ${files.join(', ')}`],
    });
  }
  return entries;
}
