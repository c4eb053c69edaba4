import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { NodeConfiguration } from '../lib';
import { directLicense } from './direct-license';
import { directPrivate } from './direct-private';
import { unmanagedConfigurable } from './unmanaged-configurable';
import { unmanagedDefault } from './unmanaged-default';

/** Every example by its `dist/` folder name. */
export const EXAMPLES: { readonly [name: string]: (app: App) => Chart } = {
  'direct-license': directLicense,
  'direct-private': directPrivate,
  'unmanaged-default': unmanagedDefault,
  'unmanaged-configurable': unmanagedConfigurable,
};

/** Synthesizes one example into `<outdir>/<name>/`: the manifests, then the node file trees under `nodes/`. */
export function writeExample(name: string, outdir: string): void {
  const build = EXAMPLES[name];
  if (build === undefined) throw new Error(`unknown example "${name}"; expected one of ${Object.keys(EXAMPLES).join(', ')}`);
  const dir = path.join(outdir, name);
  const app = new App({ outdir: dir });
  const chart = build(app);
  app.synth();
  for (const c of chart.node.findAll()) {
    if (!(c instanceof NodeConfiguration)) continue;
    for (const [file, content] of Object.entries(c.toFiles())) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
  }
}
