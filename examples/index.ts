import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { DeliveryTarget, RegistryModule, RegistrySwitch } from '../lib';
import { directLicense } from './direct-license';
import { directPrivate } from './direct-private';
import { local } from './local';
import { proxy } from './proxy';
import { switchDirectToDirect, switchDirectToProxy, switchDirectToUnmanaged, switchUnmanagedToDefault, switchUnmanagedToDirect } from './switch-plans';
import { unmanagedConfigurable } from './unmanaged-configurable';
import { unmanagedDefault } from './unmanaged-default';

/** Every example by its `dist/` folder name: a chart, or a switch plan with one folder per stage. */
export const EXAMPLES: { readonly [name: string]: (app: App) => Chart | RegistrySwitch } = {
  'direct-license': directLicense,
  'direct-private': directPrivate,
  'unmanaged-default': unmanagedDefault,
  'unmanaged-configurable': unmanagedConfigurable,
  'proxy': proxy,
  'local': local,
  'switch-unmanaged-to-direct': switchUnmanagedToDirect,
  'switch-direct-to-direct': switchDirectToDirect,
  'switch-direct-to-unmanaged': switchDirectToUnmanaged,
  'switch-unmanaged-to-default': switchUnmanagedToDefault,
  'switch-direct-to-proxy': switchDirectToProxy,
  // Without the module: the pipeline applies everything (at least one example per mode).
  'direct-private-without-module': (app) => directPrivate(app, DeliveryTarget.WITHOUT_MODULE),
  'unmanaged-configurable-without-module': (app) => unmanagedConfigurable(app, DeliveryTarget.WITHOUT_MODULE),
  'proxy-without-module': (app) => proxy(app, DeliveryTarget.WITHOUT_MODULE),
  'local-without-module': (app) => local(app, DeliveryTarget.WITHOUT_MODULE),
  'switch-direct-to-proxy-without-module': (app) => switchDirectToProxy(app, DeliveryTarget.WITHOUT_MODULE),
};

function writeFiles(dir: string, files: { [file: string]: string }): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

/**
 * Synthesizes one example into `<outdir>/<name>/`: a chart's manifests and node file trees under `nodes/`, or a
 * switch plan's `PLAN.md` and stage folders.
 */
export function writeExample(name: string, outdir: string): void {
  const build = EXAMPLES[name];
  if (build === undefined) throw new Error(`unknown example "${name}"; expected one of ${Object.keys(EXAMPLES).join(', ')}`);
  const dir = path.join(outdir, name);
  const app = new App({ outdir: dir });
  const result = build(app);
  if (result instanceof RegistrySwitch) {
    writeFiles(dir, result.toFiles());
    return;
  }
  // The module's whole output (apply/, expected/, READMEs); the chart holds nothing else.
  for (const c of result.node.findAll()) if (c instanceof RegistryModule) writeFiles(dir, c.toFiles());
}
