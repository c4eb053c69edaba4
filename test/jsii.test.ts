// The public API compiles with jsii (`npm run jsii`, scripts/jsii-check.sh), as cdk8s-plus does, so it stays usable
// from Python, Java, .NET and Go. Offline: jsii only compiles and writes the .jsii assembly; no language package is
// generated. The assembly must hold every public name and nothing else: jsii silently drops what it cannot represent
// (a free function, a module-level constant), so a name missing here is a name other languages would not see.
import { scratchDir } from './support/scratch';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PUBLIC_API, PUBLIC_CONSTRUCTS, PUBLIC_TYPES, PUBLIC_VALUES, TYPESCRIPT_ONLY } from './support/public-api';

const root = path.resolve(__dirname, '..');

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly datatype?: boolean;
  readonly base?: string;
}

let tmp: string;
let stdout: string;
let assembly: { name: string; types: Record<string, JsiiType> };

beforeAll(() => {
  tmp = scratchDir('jsii-test-');
  const out = path.join(tmp, 'assembly.jsii');
  try {
    // Exit 0 or execFileSync throws: jsii fails on any error.
    stdout = execFileSync('bash', [path.join(root, 'scripts', 'jsii-check.sh'), out], { cwd: root, stdio: 'pipe', timeout: 180_000, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/jsii-check.sh failed (run \`npm run jsii\`): ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  assembly = JSON.parse(fs.readFileSync(out, 'utf8'));
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('jsii compiles the public API and the script lists the constructs it found', () => {
  expect(assembly.name).toBe('@deckhouse-registry/cdk8s');
  const listed = [...stdout.matchAll(/^construct (\w+) \(base ([^)]+)\)$/gm)].map((m) => m[1]).sort();
  expect(listed).toEqual(PUBLIC_CONSTRUCTS);
  for (const name of ['RegistryModule', 'DirectMode', 'InClusterProxy', 'UnmanagedMode', 'ProxyMode', 'LocalMode', 'NodeConfiguration',
    'RegistrySwitch', 'DeckhouseModuleConfig', 'RegistryService', 'RegistryApp']) {
    expect(listed).toContain(name);
    expect(assembly.types[`@deckhouse-registry/cdk8s.${name}`]?.kind).toBe('class');
  }
});

test('the assembly holds exactly the public API: classes and enums as such, interfaces as structs', () => {
  const types = Object.values(assembly.types);
  const inJsii = (names: string[]) => names.filter((n) => !TYPESCRIPT_ONLY.includes(n));
  expect(types.map((t) => t.name).sort()).toEqual(inJsii(PUBLIC_API));
  expect(types.filter((t) => t.kind !== 'interface').map((t) => t.name).sort()).toEqual(inJsii(PUBLIC_VALUES));
  expect(types.filter((t) => t.kind === 'interface' && t.datatype === true).map((t) => t.name).sort()).toEqual(PUBLIC_TYPES);
});
