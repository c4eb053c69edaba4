// An unset environment variable (`license: process.env.DKP_LICENSE!`) or an empty string in a credential field is
// an error naming the field, never a silent anonymous upstream; anonymous access is chosen by omitting the keys.
import { RegistryMode } from '../lib';

const REPO = 'registry.deckhouse.ru/deckhouse/ee';
const HINT = /unset environment variable\?.*omit 'license', 'username' and 'password'/;
const unset = process.env.REGISTRY_CDK8S_TEST_VARIABLE_THAT_IS_NEVER_SET;

describe('empty credentials', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['fails on an unset licence variable in direct()', () => RegistryMode.direct({ imagesRepo: REPO, license: unset! }), 'registry.direct.license'],
    ['fails on an empty licence in direct()', () => RegistryMode.direct({ imagesRepo: REPO, license: '' }), 'registry.direct.license'],
    ['fails on an unset password variable in direct()', () => RegistryMode.direct({ imagesRepo: REPO, username: 'puller', password: unset }), 'registry.direct.password'],
    ['fails on an unset username variable in direct()', () => RegistryMode.direct({ imagesRepo: REPO, username: unset, password: 'p' }), 'registry.direct.username'],
    ['fails on an unset licence variable in unmanaged()', () => RegistryMode.unmanaged({ imagesRepo: REPO, license: unset }), 'registry.unmanaged.license'],
    ['fails on an unset licence variable in proxy()', () => RegistryMode.proxy({ imagesRepo: REPO, license: unset, ttl: '1h' }), 'registry.proxy.license'],
    ['fails on an empty password in proxy()', () => RegistryMode.proxy({ imagesRepo: REPO, username: 'u', password: '' }), 'registry.proxy.password'],
    ['fails on an undefined licence in fromSettings()', () => RegistryMode.fromSettings({ mode: 'Direct', direct: { imagesRepo: REPO, license: undefined } }), 'registry.direct.license'],
    ['fails on an empty licence in fromSettings()', () => RegistryMode.fromSettings({ mode: 'Unmanaged', unmanaged: { imagesRepo: REPO, license: '' } }), 'registry.unmanaged.license'],
    ['fails on an undefined password in fromSettings()', () => RegistryMode.fromSettings({ mode: 'Proxy', proxy: { imagesRepo: REPO, username: 'u', password: undefined } }), 'registry.proxy.password'],
  ];
  test.each(cases)('%s', (_name, run, path) => {
    expect(run).toThrow(new RegExp(`^${path.replace(/\./g, '\\.')}: expected a non-empty string .*${HINT.source}`));
  });

  test('anonymous access is chosen by omitting the keys', () => {
    for (const mode of [RegistryMode.direct({ imagesRepo: REPO }), RegistryMode.fromSettings({ mode: 'Direct', direct: { imagesRepo: REPO } })]) {
      const upstream = (mode._settings as any).upstream;
      expect(upstream.username).toBeUndefined();
      expect(upstream.password).toBeUndefined();
    }
  });

  test('other optional fields may still be undefined', () => {
    expect(() => RegistryMode.proxy({ imagesRepo: REPO, ca: undefined, scheme: undefined, ttl: undefined, checkMode: undefined })).not.toThrow();
  });
});
