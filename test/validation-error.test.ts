// Issue 14: bad input throws a RegistryValidationError whose fields (path, expected, got, rule, file, line) say what
// the message says, so callers add context from the fields instead of parsing the text; no field holds a secret.
import { App, Chart } from 'cdk8s';
import { Cri, DeliveryTarget, RegistryMode, RegistryModule, RegistrySettings, RegistryValidationError } from '../lib';
import { pathKeys } from '../lib/settings/validation-error';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';

/** The error `run` throws. */
function thrown(run: () => unknown): RegistryValidationError {
  try {
    run();
  } catch (e) {
    return e as RegistryValidationError;
  }
  throw new Error('expected an error');
}

/** The fields, for one toEqual. */
const fields = (e: RegistryValidationError) => ({ path: e.path, expected: e.expected, got: e.got, rule: e.rule, file: e.file, line: e.line });

const MC = (registry: string) => ['apiVersion: deckhouse.io/v1alpha1', 'kind: ModuleConfig', 'metadata:', '  name: deckhouse', 'spec:',
  '  settings:', '    registry:', ...registry.split('\n').map((l) => `      ${l}`), ''].join('\n');

const registryModule = (over: Record<string, unknown>) => () => new RegistryModule(new Chart(new App(), 'registry'), 'Registry', {
  target: DeliveryTarget.WITHOUT_MODULE, mode: RegistryMode.direct({ imagesRepo: 'r.example.com/x' }),
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }], images: EXAMPLE_IMAGES, pki: TEST_PKI, ...over,
} as any);

describe('the fields of a RegistryValidationError', () => {
  test('a value of the wrong shape: path, expected and got; the message is composed from them as before', () => {
    const e = thrown(() => RegistryMode.direct({ imagesRepo: 'https://r.example.com/x' }));
    expect(e).toBeInstanceOf(RegistryValidationError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RegistryValidationError');
    expect(Object.keys(e)).not.toContain('name');
    expect(String(e)).toBe(`RegistryValidationError: ${e.message}`);
    expect(e.stack).toMatch(/^RegistryValidationError: registry\.direct\.imagesRepo: /);
    expect(fields(e)).toEqual({
      path: 'registry.direct.imagesRepo',
      expected: 'host[:port]/path without a scheme or trailing slash, e.g. "registry.deckhouse.io/deckhouse/ee"; the scheme belongs in \'scheme\', not in \'imagesRepo\'',
      got: '"https://r.example.com/x"',
      rule: undefined, file: undefined, line: undefined,
    });
    expect(e.problem).toBe(`expected ${e.expected}, got ${e.got}`);
    expect(e.message).toBe(`registry.direct.imagesRepo: expected ${e.expected}, got "https://r.example.com/x"`);
  });

  test('an enum value: what is allowed, the case hint and the value', () => {
    const e = thrown(() => RegistryMode.fromSettings({ mode: 'direct' } as any));
    expect(fields(e)).toEqual({
      path: 'registry.mode', expected: 'one of "Unmanaged" or "Direct" or "Proxy" or "Local" (case matters: did you mean "Direct"?)', got: '"direct"',
      rule: undefined, file: undefined, line: undefined,
    });
    expect(e.message).toBe('registry.mode: expected one of "Unmanaged" or "Direct" or "Proxy" or "Local" (case matters: did you mean "Direct"?), got "direct"');
  });

  test('a broken rule: path and rule, no expected or got', () => {
    const e = thrown(() => RegistryMode.fromSettings({ mode: 'Direct', direct: { imagesRepo: 'r.example.com/x', username: 'puller' } } as any));
    expect(fields(e)).toEqual({
      path: 'registry.direct.password', expected: undefined, got: undefined, rule: '\'password\' is required when \'username\' is provided', file: undefined, line: undefined,
    });
    expect(e.problem).toBe(e.rule);
    expect(e.message).toBe('registry.direct.password: \'password\' is required when \'username\' is provided');
  });

  test('a cluster prop: the path holds the array index', () => {
    const e = thrown(registryModule({ nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.DOCKER }] }));
    expect(e.path).toBe('nodeGroups[1].cri');
    expect(e.rule).toMatch(/^managed modes \(Direct, Proxy, Local\) need containerd on all nodes/);
    expect(pathKeys(e.path)).toEqual(['nodeGroups', 1, 'cri']);
  });

  test('a rule checked while rendering (stock containerd) is a validation error on its prop too', () => {
    const e = thrown(registryModule({ mode: RegistryMode.direct({ imagesRepo: 'r.example.com/x', username: 'puller', password: 'pw' }), containerdBuild: 'Stock' }));
    expect(e).toBeInstanceOf(RegistryValidationError);
    expect(e.path).toBe('containerdBuild');
    expect(e.rule).toMatch(/^stock containerd ignores hosts\.toml auth/);
  });

  test('the constructor takes expected with got, or a rule alone', () => {
    expect(() => new RegistryValidationError({ path: 'x', expected: 'a' })).toThrow(TypeError);
    expect(() => new RegistryValidationError({ path: 'x', rule: 'r', got: 'g' })).toThrow(TypeError);
    expect(() => new RegistryValidationError({ path: 'x' })).toThrow(TypeError);
    expect(new RegistryValidationError({ path: 'x', expected: 'a', got: 'b' }).message).toBe('x: expected a, got b');
    expect(new RegistryValidationError({ path: 'x', rule: 'r', file: 'f.yaml', line: 3 }).message).toBe('f.yaml:3: x: r');
    expect(new RegistryValidationError({ path: 'x', rule: 'r', file: 'f.yaml' }).message).toBe('f.yaml: x: r');
  });
});

describe('re-basing an error onto an outer path', () => {
  const inner = new RegistryValidationError({ path: 'registry.mode', expected: 'one of "Direct"', got: '"direct"' });

  test('withPathPrefix changes the path and composes the message again; the original is unchanged', () => {
    const outer = inner.withPathPrefix('spec.settings');
    expect(outer).toBeInstanceOf(RegistryValidationError);
    expect(outer).not.toBe(inner);
    expect(fields(outer)).toEqual({ ...fields(inner), path: 'spec.settings.registry.mode' });
    expect(outer.message).toBe('spec.settings.registry.mode: expected one of "Direct", got "direct"');
    expect(inner.message).toBe('registry.mode: expected one of "Direct", got "direct"');
  });

  test('an index path joins without a dot, a rule is kept, an empty prefix changes nothing', () => {
    const rule = new RegistryValidationError({ path: '[1].cri', rule: 'needs containerd' });
    expect(rule.withPathPrefix('nodeGroups').message).toBe('nodeGroups[1].cri: needs containerd');
    expect(rule.withPathPrefix('nodeGroups').rule).toBe('needs containerd');
    expect(inner.withPathPrefix('').message).toBe(inner.message);
  });

  test('withLocation puts file:line first; a later prefix keeps it', () => {
    const located = inner.withLocation('mc.yaml', 7);
    expect([located.file, located.line, located.message]).toEqual(['mc.yaml', 7, 'mc.yaml:7: registry.mode: expected one of "Direct", got "direct"']);
    expect(located.withPathPrefix('spec.settings').message).toBe('mc.yaml:7: spec.settings.registry.mode: expected one of "Direct", got "direct"');
  });

  test('pathKeys splits keys and indexes', () => {
    expect(pathKeys('pki.nodes.master-0.auth.certificate')).toEqual(['pki', 'nodes', 'master-0', 'auth', 'certificate']);
    expect(pathKeys('customTolerationKeys[0]')).toEqual(['customTolerationKeys', 0]);
    expect(pathKeys('a[2][3].b')).toEqual(['a', 2, 3, 'b']);
  });
});

describe('RegistrySettings.fromModuleConfig', () => {
  test('an invalid setting is a RegistryValidationError at its path in the manifest, with file and line', () => {
    const e = thrown(() => RegistrySettings.fromModuleConfig(MC('mode: Direct\ndirect:\n  imagesRepo: https://r.example.com/x'), 'mc.yaml'));
    expect(e).toBeInstanceOf(RegistryValidationError);
    expect([e.path, e.file, e.line]).toEqual(['spec.settings.registry.direct.imagesRepo', 'mc.yaml', 10]);
    expect(e.got).toBe('"https://r.example.com/x"');
    expect(e.message).toBe(`mc.yaml:10: spec.settings.registry.direct.imagesRepo: expected ${e.expected}, got "https://r.example.com/x"`);
  });

  test('a field whose name is not an identifier is located at its own line', () => {
    const e = thrown(() => RegistrySettings.fromModuleConfig(MC('mode: Direct\ndirect:\n  imagesRepo: r.example.com/x\n  image-repo: r.example.com/y'), 'mc.yaml'));
    expect([e.path, e.line]).toEqual(['spec.settings.registry.direct.image-repo', 11]);
    expect(e.message).toMatch(/^mc\.yaml:11: spec\.settings\.registry\.direct\.image-repo: unknown field; expected one of imagesRepo, /);
  });

  test('text that is no ModuleConfig stays a plain Error', () => {
    const e = thrown(() => RegistrySettings.fromModuleConfig(MC('mode: Direct\ndirect: [a,'), 'mc.yaml'));
    expect(e).not.toBeInstanceOf(RegistryValidationError);
    expect(e.constructor).toBe(Error);
    expect(e.message).toMatch(/^mc\.yaml:\d+:\d+: spec\.settings\.registry\.direct: invalid YAML/);
  });
});

describe('no field of the error ever holds a secret', () => {
  const PASSWORD = 'pw-5c1d0e-DO-NOT-LEAK';
  const LICENSE = 'lic-8a2f4b-DO-NOT-LEAK';
  const keyLines = TEST_PKI.ca.privateKey.trim().split('\n').filter((l) => !l.startsWith('-----') && l.length >= 16);
  const secrets = [PASSWORD, LICENSE, '81726354', ...keyLines];
  const direct = (section: Record<string, unknown>) => () => RegistryMode.fromSettings({ mode: 'Direct', direct: { imagesRepo: 'r.example.com/x', ...section } } as any);

  test.each([
    ['a password with a newline', direct({ username: 'puller', password: `${PASSWORD}\n` }), 'registry.direct.password'],
    ['a password YAML read as a number', direct({ username: 'puller', password: 81726354 }), 'registry.direct.password'],
    ['a password over 128 KiB', direct({ username: 'puller', password: PASSWORD.repeat(7000) }), 'registry.direct.password'],
    ['a licence with a line separator', direct({ license: `${LICENSE}\u2028` }), 'registry.direct.license'],
    ['a licence with a username', direct({ license: LICENSE, username: 'puller', password: PASSWORD }), 'registry.direct'],
    ['credentials in imagesRepo', direct({ imagesRepo: `puller:${PASSWORD}@r.example.com/x` }), 'registry.direct.imagesRepo'],
    ['a private key as the CA', direct({ ca: TEST_PKI.ca.privateKey }), 'registry.direct.ca'],
    ['a private key that is not PEM', registryModule({ pki: { ...TEST_PKI, ca: { ...TEST_PKI.ca, privateKey: TEST_PKI.ca.privateKey.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!') } } }), 'pki.ca.privateKey'],
    ['a private key of another certificate', registryModule({ pki: { ...TEST_PKI, ca: { ...TEST_PKI.ca, privateKey: TEST_PKI.token.privateKey } } }), 'pki.ca.privateKey'],
  ])('%s', (_name, run, path) => {
    const e = thrown(run);
    expect(e).toBeInstanceOf(RegistryValidationError);
    expect(e.path).toBe(path);
    const texts = [e.message, e.path, e.expected, e.got, e.rule, e.problem, String(e), e.stack, JSON.stringify(e),
      e.withPathPrefix('spec.settings').message, e.withLocation('f.yaml', 1).message];
    for (const s of [...secrets, ...TEST_PKI.token.privateKey.trim().split('\n').filter((l) => !l.startsWith('-----') && l.length >= 16)]) {
      for (const t of texts) expect(t ?? '').not.toContain(s);
    }
  });
});
