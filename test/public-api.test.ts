// The index is the only gate: the declarations a consumer gets (tsc -p tsconfig.build.json, as `npm run build`
// emits them) export exactly the allow-listed names, show no internal (`_`-prefixed) member, and name no type of
// this package that the index does not export (a signature naming such a type cannot be written down by a user, and
// jsii rejects it).
import { scratchDir } from './support/scratch';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { PUBLIC_API, PUBLIC_VALUES } from './support/public-api';

const root = path.resolve(__dirname, '..');

let tmp: string;
let build: string;
let program: ts.Program;
let indexFile: string;

beforeAll(() => {
  // The package's own layout: build/ below a folder whose node_modules resolves 'cdk8s', 'constructs', ...
  tmp = scratchDir('public-api-');
  build = path.join(tmp, 'build');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json'),
      '--outDir', build, '--emitDeclarationOnly'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`tsc -p tsconfig.build.json failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  indexFile = path.join(build, 'lib', 'index.d.ts');
  program = ts.createProgram([indexFile], {
    noEmit: true, strict: true, skipLibCheck: false, types: [], target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
  });
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The declaration files below `dir` that a program loads (from the index: what a consumer of the index loads). */
function filesBelow(p: ts.Program, dir: string): ts.SourceFile[] {
  return p.getSourceFiles().filter((f) => f.fileName.startsWith(`${dir}${path.sep}`));
}

function exportsOf(p: ts.Program, indexFile: string): ts.Symbol[] {
  const c = p.getTypeChecker();
  return c.getExportsOfModule(c.getSymbolAtLocation(p.getSourceFile(indexFile) as ts.SourceFile) as ts.Symbol);
}

/** `_`-prefixed class or interface members declared in `files`, as `file: name`. */
function internalMembers(files: ts.SourceFile[], dir: string): string[] {
  const found: string[] = [];
  for (const file of files) {
    const visit = (node: ts.Node): void => {
      const name = (node as ts.NamedDeclaration).name;
      if ((ts.isClassElement(node) || ts.isTypeElement(node)) && name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name))
        && name.text.startsWith('_')) {
        found.push(`${path.relative(dir, file.fileName)}: ${name.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

/**
 * Types declared below `dir` that a declaration exported by `indexFile` names (in a member, a parameter, a return
 * type, a heritage clause, a type argument) although the index does not export them.
 */
function namedButUnexported(p: ts.Program, indexFile: string, dir: string): string[] {
  const c = p.getTypeChecker();
  const real = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? c.getAliasedSymbol(s) : s);
  const exported = exportsOf(p, indexFile);
  const exportedSet = new Set(exported.map(real));
  const missing = new Set<string>();
  for (const symbol of exported) {
    for (const decl of real(symbol).declarations ?? []) {
      const visit = (node: ts.Node): void => {
        // Private members carry no type in a .d.ts and internal ones are stripped: everything left is public.
        let name: ts.Node | undefined;
        if (ts.isTypeReferenceNode(node)) name = node.typeName;
        else if (ts.isExpressionWithTypeArguments(node)) name = node.expression;
        else if (ts.isTypeQueryNode(node)) name = node.exprName;
        const target = name === undefined ? undefined : c.getSymbolAtLocation(name);
        if (target !== undefined) {
          const t = real(target);
          const own = (t.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(`${dir}${path.sep}`));
          if (own && !exportedSet.has(t) && !(t.flags & ts.SymbolFlags.TypeParameter)) {
            missing.add(`${t.name} (named by ${symbol.name} in ${path.relative(dir, decl.getSourceFile().fileName)})`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(decl);
    }
  }
  return [...missing].sort();
}

test('the declarations type-check on their own (skipLibCheck off)', () => {
  const diagnostics = ts.getPreEmitDiagnostics(program);
  expect(diagnostics.map((d) => `${d.file === undefined ? '' : `${path.relative(tmp, d.file.fileName)}: `}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)).toEqual([]);
});

test('the index exports exactly the allow-listed names (test/support/public-api.ts)', () => {
  expect(exportsOf(program, indexFile).map((s) => s.name).sort()).toEqual(PUBLIC_API);
});

test('at run time the index exports exactly the allow-listed classes and enums', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(Object.keys(require('../lib')).sort()).toEqual(PUBLIC_VALUES);
});

test('no declaration reachable from the index shows an internal (`_`-prefixed) member (stripInternal and @internal)', () => {
  const files = filesBelow(program, build);
  expect(files.map((f) => path.relative(build, f.fileName))).toContain(path.join('lib', 'settings', 'registry-mode.d.ts'));
  expect(internalMembers(files, build)).toEqual([]);
  // The same as text, in case a member hides from the walk.
  expect(files.flatMap((f) => [...f.text.matchAll(/^\s*(?:(?:public|protected|private|static|readonly|get|set)\s+)*['"]?(_\w+)/gm)].map((m) => m[1]))).toEqual([]);
});

test('every type of this package that a public declaration names is exported from the index', () => {
  expect(namedButUnexported(program, indexFile, build)).toEqual([]);
});

test('the checks can fail: an unexported type and an internal member in a small package are reported', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'selfcheck-'));
  fs.writeFileSync(path.join(dir, 'hidden.d.ts'), 'export interface Hidden { readonly x: string; }\n');
  fs.writeFileSync(path.join(dir, 'index.d.ts'), [
    "import { Hidden } from './hidden';",
    'export interface Shown { readonly h: Hidden[]; }',
    'export declare class Box<T> { readonly _internal: string; get(): T; static of(s: Shown): Box<Hidden>; }',
    '',
  ].join('\n'));
  const p = ts.createProgram([path.join(dir, 'index.d.ts')], { noEmit: true, types: [] });
  expect(namedButUnexported(p, path.join(dir, 'index.d.ts'), dir)).toEqual(['Hidden (named by Box in index.d.ts)', 'Hidden (named by Shown in index.d.ts)']);
  expect(internalMembers(filesBelow(p, dir), dir)).toEqual(['index.d.ts: _internal']);
});

test('RegistryConstants agrees with itself: ADDRESS is HOST:PORT, IMAGES_BASE is ADDRESS + PATH', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RegistryConstants } = require('../lib');
  expect(RegistryConstants.ADDRESS).toBe(`${RegistryConstants.HOST}:${RegistryConstants.PORT}`);
  expect(RegistryConstants.IMAGES_BASE).toBe(`${RegistryConstants.ADDRESS}${RegistryConstants.PATH}`);
});
