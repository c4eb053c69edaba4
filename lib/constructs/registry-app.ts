import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart } from 'cdk8s';
import { manifestHoldsSecret, outputFiles, SECRET_FILE_MODE } from './_output-files';
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
      if (f.endsWith(this.outputFileExtension) && fs.statSync(file).isFile() && manifestHoldsSecret(fs.readFileSync(file, 'utf8'))) fs.chmodSync(file, SECRET_FILE_MODE);
    }
    const owners = this.node.findAll().filter((c): c is RegistryModule | RegistrySwitch => c instanceof RegistryModule || c instanceof RegistrySwitch);
    for (const owner of owners) {
      const folder = owners.length === 1 ? '' : owner.node.path.split('/').join('-');
      const written: string[] = [];
      for (const f of outputFiles(owner)) {
        const file = path.join(folder, f.path);
        writeFile(this.outdir, file, f.content, f.mode);
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

function writeFile(outdir: string, rel: string, content: string, mode: number): void {
  const target = path.join(outdir, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (mode === SECRET_FILE_MODE) {
    for (let d = path.dirname(rel); d !== '.' && d !== '' && d !== path.sep; d = path.dirname(d)) fs.chmodSync(path.join(outdir, d), 0o700);
  }
  // A file left by an earlier synth keeps its mode on write: remove it, so the content is never readable wider than `mode`.
  fs.rmSync(target, { force: true });
  fs.writeFileSync(target, content, { mode });
  fs.chmodSync(target, mode);
}
