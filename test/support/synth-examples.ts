// Child process of test/determinism.test.ts: synthesizes every example into <outdir>/<example>/.
//
//   node -r ts-node/register/transpile-only test/support/synth-examples.ts <outdir> [--reverse-keys]
//
// --reverse-keys feeds the library the same inputs with every object's keys in reverse order: the examples'
// `RegistryMode.<factory>(options)` calls go through `RegistryMode.fromSettings` with the settings document's keys
// reversed, and the props of RegistryModule and RegistrySwitch are reversed (deeply; arrays keep their order, class
// instances such as RegistryMode are left alone). It does so by replacing the exports of lib/index.ts that the
// examples import, before the examples are loaded.
import * as path from 'path';

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** The same value with the keys of every plain object in reverse order. */
export function reverseKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reverseKeys) as unknown as T;
  if (!isPlain(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).reverse()) out[k] = reverseKeys(v[k]);
  return out as T;
}

/** How often the reversing hooks ran, by name: proof that the examples went through them. */
const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

function installReversedKeys(): void {
  const libPath = require.resolve('../../lib');
  const lib = require(libPath);
  const RegistryMode = lib.RegistryMode;
  const viaSettings: Record<string, (...args: any[]) => unknown> = {
    direct: (o: unknown) => count('RegistryMode.direct') && RegistryMode.fromSettings(reverseKeys({ mode: 'Direct', direct: o })),
    unmanaged: (o?: unknown) => count('RegistryMode.unmanaged') && RegistryMode.fromSettings(reverseKeys(o === undefined ? { mode: 'Unmanaged' } : { mode: 'Unmanaged', unmanaged: o })),
    proxy: (o: unknown) => count('RegistryMode.proxy') && RegistryMode.fromSettings(reverseKeys({ mode: 'Proxy', proxy: o })),
    local: () => count('RegistryMode.local') && RegistryMode.fromSettings({ mode: 'Local' }),
    fromSettings: (s: unknown) => count('RegistryMode.fromSettings') && RegistryMode.fromSettings(reverseKeys(s)),
  };
  // Any other static member (a factory added later) passes through unchanged.
  const PatchedMode = new Proxy(RegistryMode, { get: (target, prop, receiver) => viaSettings[prop as string] ?? Reflect.get(target, prop, receiver) });
  class ReversedRegistryModule extends lib.RegistryModule {
    constructor(scope: unknown, id: string, props?: unknown) {
      super(scope, id, reverseKeys(props));
      count('RegistryModule');
    }
  }
  class ReversedRegistrySwitch extends lib.RegistrySwitch {
    constructor(scope: unknown, id: string, props: unknown) {
      super(scope, id, reverseKeys(props));
      count('RegistrySwitch');
    }
  }
  const patched: Record<string, unknown> = {};
  for (const k of Object.keys(lib).reverse()) patched[k] = lib[k];
  Object.assign(patched, { RegistryMode: PatchedMode, RegistryModule: ReversedRegistryModule, RegistrySwitch: ReversedRegistrySwitch });
  (require.cache[libPath] as NodeModule).exports = patched;
}

function main(): void {
  const [outdir, ...flags] = process.argv.slice(2);
  if (outdir === undefined || !path.isAbsolute(outdir)) throw new Error('usage: synth-examples.ts <absolute outdir> [--reverse-keys]');
  if (flags.includes('--reverse-keys')) installReversedKeys();
  const examples = require('../../examples');
  for (const name of Object.keys(examples.EXAMPLES)) examples.writeExample(name, outdir);
  process.stdout.write(`${JSON.stringify({ examples: Object.keys(examples.EXAMPLES), reversed: flags.includes('--reverse-keys'), calls, cwd: process.cwd(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone })}\n`);
}

if (require.main === module) main();
