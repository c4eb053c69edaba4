import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { RegistryModule } from './registry-module';
import { RegistrySwitch } from './registry-switch';

/** What a `RegistryApp` wrote besides cdk8s's own manifests. */
export interface RegistryAppOutput {
  /** The construct whose `toFiles()` was written. */
  readonly construct: RegistryModule | RegistrySwitch;
  /** Its folder, relative to the outdir (`''` when it is the only one). */
  readonly folder: string;
  /** The files written, relative to the outdir. */
  readonly files: string[];
}

/**
 * A cdk8s `App` whose `synth()` (and so `cdk8s synth`) writes every `RegistryModule`'s and `RegistrySwitch`'s whole
 * output exactly as their `toFiles()` returns it (`apply/`, `expected/`, READMEs, a switch's `PLAN.md`), into the
 * outdir; charts that hold nothing but a RegistryModule are not written again by cdk8s's own writer.
 *
 * - Files that hold credentials or keys (private keys, `hosts.toml`, node files that are not world-readable on the
 *   node, manifests with a Secret) are written 0600 and the folders that contain them 0700; the rest 0644/0755.
 * - A `RegistrySwitch`'s stage Charts are written only into their stage folders (`01-transition/registry.k8s.yaml`,
 *   …), never as cdk8s's own per-chart files: applied together, all the stages at once would skip the switch.
 * - One RegistryModule or RegistrySwitch writes at the outdir's root; with several, each writes under a folder
 *   named after its construct path (`registry-Registry/`, `Switch/`).
 *
 * `toFiles()` stays available for programmatic use.
 */
export class RegistryApp extends App {
  /** What the last `synth()` wrote besides the manifests. */
  public readonly written: RegistryAppOutput[] = [];

  constructor(props: AppProps = {}) {
    super(props);
    // Hide switch stages from cdk8s's own writer (App.charts is a prototype getter in cdk8s 2.x).
    const base = Object.getOwnPropertyDescriptor(App.prototype, 'charts')?.get;
    if (base !== undefined) {
      Object.defineProperty(this, 'charts', {
        configurable: true,
        // …and charts whose objects all belong to a RegistryModule: its toFiles() writes them where they belong
        // (apply/ without the module; nothing but the ModuleConfig is applied with it).
        get: () => (base.call(this) as Chart[]).filter((c) => !c.node.scopes.some((s) => s instanceof RegistrySwitch) && !onlyRegistryObjects(c)),
      });
    }
  }

  public synth(): void {
    super.synth();
    this.written.length = 0;
    // Manifests with Secrets (credentials, keys) are for the pipeline only.
    for (const f of fs.readdirSync(this.outdir)) {
      const file = path.join(this.outdir, f);
      if (f.endsWith(this.outputFileExtension) && fs.statSync(file).isFile() && /^kind: Secret$/m.test(fs.readFileSync(file, 'utf8'))) fs.chmodSync(file, 0o600);
    }
    const owners = this.node.findAll().filter((c): c is RegistryModule | RegistrySwitch => c instanceof RegistryModule || c instanceof RegistrySwitch);
    for (const owner of owners) {
      const folder = owners.length === 1 ? '' : owner.node.path.split('/').join('-');
      const files: { [file: string]: string } = { ...owner.toFiles() };
      if (owner instanceof RegistryModule && !Object.keys(files).some((f) => /(^|\/)DIAGRAM\.md$/.test(f))) {
        files['DIAGRAM.md'] = `\`\`\`mermaid\n${owner.diagram()}\`\`\`\n`;
      }
      const modes = nodeFileModes(owner);
      const written: string[] = [];
      for (const [rel, content] of Object.entries(files)) {
        const file = path.join(folder, rel);
        writeFile(this.outdir, file, content, isSensitive(rel, content, modes));
        written.push(file.split(path.sep).join('/'));
      }
      this.written.push({ construct: owner, folder, files: written });
    }
  }
}

/** Whether a chart holds a RegistryModule and no API object outside one. */
function onlyRegistryObjects(chart: Chart): boolean {
  const all = chart.node.findAll();
  if (!all.some((c) => c instanceof RegistryModule)) return false;
  return all.filter((c) => c instanceof ApiObject).every((o) => o.node.scopes.some((s) => s instanceof RegistryModule));
}

/** Tree paths (`nodes/<group>/<absolute path>`, `nodes/<group>@<node>/…`) -> the mode the file gets on the node. */
function nodeFileModes(owner: IConstruct): Map<string, number> {
  const out = new Map<string, number>();
  const add = (bundles: unknown) => {
    if (!Array.isArray(bundles)) return;
    const addFiles = (folder: string, files: unknown) => {
      if (!Array.isArray(files)) return;
      for (const f of files as Array<{ path?: unknown; mode?: unknown }>) {
        if (typeof f?.path === 'string' && typeof f.mode === 'number') out.set(`nodes/${folder}${f.path}`, f.mode);
      }
    };
    for (const b of bundles as Array<{ nodeGroup?: unknown; files?: unknown; nodeFiles?: unknown }>) {
      if (typeof b?.nodeGroup !== 'string') continue;
      addFiles(b.nodeGroup, b.files);
      // Files of single nodes (Proxy/Local node services) are written under nodes/<group>@<node>/.
      if (typeof b.nodeFiles === 'object' && b.nodeFiles !== null) {
        for (const [node, files] of Object.entries(b.nodeFiles as Record<string, unknown>)) addFiles(`${b.nodeGroup}@${node}`, files);
      }
    }
  };
  for (const c of owner.node.findAll()) add((c as { bundles?: unknown }).bundles);
  // With the module the node configuration lives in a detached chart of expected state, outside the tree.
  add((owner as { nodeConfiguration?: { bundles?: unknown } }).nodeConfiguration?.bundles);
  for (const s of (owner as { stages?: unknown }).stages as Array<{ bundles?: unknown }> | undefined ?? []) add(s?.bundles);
  return out;
}

/** Whether a file of a `toFiles()` tree holds credentials or keys (written 0600 in 0700 folders). */
function isSensitive(rel: string, content: string, modes: Map<string, number>): boolean {
  const m = rel.match(/(?:^|\/)(nodes\/[^/]+\/.+)$/);
  const nodeMode = m === null ? undefined : modes.get(m[1]);
  if (nodeMode !== undefined && (nodeMode & 0o004) === 0) return true;
  if (/(^|\/)hosts\.toml$|\.key$/.test(rel)) return true;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(content)) return true;
  if (content.startsWith('# This file holds registry credentials in clear text')) return true;
  return /\.ya?ml$/.test(rel) && /^kind: Secret$/m.test(content);
}

function writeFile(outdir: string, rel: string, content: string, sensitive: boolean): void {
  const target = path.join(outdir, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (sensitive) {
    for (let d = path.dirname(rel); d !== '.' && d !== '' && d !== path.sep; d = path.dirname(d)) fs.chmodSync(path.join(outdir, d), 0o700);
  }
  const mode = sensitive ? 0o600 : 0o644;
  fs.writeFileSync(target, content, { mode });
  fs.chmodSync(target, mode);
}
