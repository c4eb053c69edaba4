// The settings layer: defaults, normalization, and one `fails …` test per validation rule.
import { CheckMode, RegistryMode, RegistryModeName, Scheme } from '../lib';
import { TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';

const REPO = 'registry.deckhouse.ru/deckhouse/ee';

describe('defaults and normalization', () => {
  test('no settings means non-configurable Unmanaged', () => {
    const m = RegistryMode.fromSettings(undefined);
    expect(m.name).toBe(RegistryModeName.UNMANAGED);
    expect(m._settings).toEqual({ mode: 'Unmanaged' });
    expect(RegistryMode.fromSettings({})._settings).toEqual({ mode: 'Unmanaged' });
  });

  test('Direct applies scheme HTTPS and checkMode Default, splits imagesRepo', () => {
    const m = RegistryMode.direct({ imagesRepo: 'private-registry:5000/deckhouse/ce' });
    expect(m._settings).toEqual({
      mode: 'Direct',
      upstream: {
        imagesRepo: 'private-registry:5000/deckhouse/ce', address: 'private-registry:5000', path: '/deckhouse/ce',
        scheme: 'HTTPS', checkMode: 'Default', ca: undefined, fromLicense: false,
      },
    });
  });

  test('a licence becomes username license-token', () => {
    const s = RegistryMode.direct({ imagesRepo: REPO, license: 'abc' })._settings as any;
    expect(s.upstream).toMatchObject({ username: 'license-token', password: 'abc', fromLicense: true });
  });

  test('Proxy ttl defaults to 168h and keeps a valid value', () => {
    expect((RegistryMode.proxy({ imagesRepo: REPO })._settings as any).ttl).toBe('168h');
    expect((RegistryMode.proxy({ imagesRepo: REPO, ttl: '5m' })._settings as any).ttl).toBe('5m');
    expect((RegistryMode.proxy({ imagesRepo: REPO, ttl: '1h30m' })._settings as any).ttl).toBe('1h30m');
  });

  test('Local takes no section', () => {
    expect(RegistryMode.local()._settings).toEqual({ mode: 'Local' });
  });

  test('typed factories and ModuleConfig-style objects validate identically', () => {
    const typed = RegistryMode.direct({ imagesRepo: REPO, scheme: Scheme.HTTP, checkMode: CheckMode.RELAX, username: 'u', password: 'p', ca: TEST_UPSTREAM_CA });
    const plain = RegistryMode.fromSettings({ mode: 'Direct', direct: { imagesRepo: REPO, scheme: 'HTTP', checkMode: 'Relax', username: 'u', password: 'p', ca: TEST_UPSTREAM_CA } });
    expect(plain._parsed).toEqual(typed._parsed);
  });

  test('the written document keeps only what the user set', () => {
    expect(RegistryMode.direct({ imagesRepo: REPO, license: 'k' })._parsed.written).toEqual({ mode: 'Direct', direct: { imagesRepo: REPO, license: 'k' } });
    expect(RegistryMode.fromSettings({})._parsed.written).toEqual({});
  });

  test('a CA is re-encoded canonically (errata §6): CRLF, blank lines and 76-column base64 become Go\'s PEM', () => {
    const body = TEST_UPSTREAM_CA.trim().split('\n').slice(1, -1).join('');
    const messy = `\r\n-----BEGIN CERTIFICATE-----\r\n${body.match(/.{1,76}/g)!.join('\r\n')}\r\n-----END CERTIFICATE-----\r\n\r\n`;
    const u = (RegistryMode.direct({ imagesRepo: REPO, ca: messy })._settings as any).upstream;
    expect(u.ca).toBe(`-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
    // registry-config keeps the text as written: module deckhouse copies it unchanged.
    expect(u.caWritten).toBe(messy);
  });

  test('fails on a CA bundle: the module accepts exactly one certificate (errata §6)', () => {
    const two = `${TEST_UPSTREAM_CA.trim()}\n${TEST_PKI.ca.certificate.trim()}\n`;
    expect(() => RegistryMode.direct({ imagesRepo: REPO, ca: two }))
      .toThrow(/^registry\.direct\.ca: expected exactly one PEM certificate \(the root CA of the registry\), found 2: .*the PEM file should contain only one object/);
  });
});

describe('fails on every rule of the settings schema', () => {
  const direct = (d: Record<string, unknown>) => () => RegistryMode.fromSettings({ mode: 'Direct', direct: d });
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['fails when the registry object is not an object', () => RegistryMode.fromSettings('Direct' as any), /^registry: expected an object/],
    ['fails on an unknown registry field', () => RegistryMode.fromSettings({ mode: 'Direct', drect: {} }), /^registry\.drect: unknown field; expected one of mode, direct, unmanaged, proxy/],
    ['fails on an unknown mode', () => RegistryMode.fromSettings({ mode: 'Mirror' }), /^registry\.mode: expected one of "Unmanaged" or "Direct" or "Proxy" or "Local", got "Mirror"/],
    ['fails on a wrong-case mode and suggests the right one', () => RegistryMode.fromSettings({ mode: 'direct' }), /did you mean "Direct"\?/],
    ['fails when Direct has no direct section', () => RegistryMode.fromSettings({ mode: 'Direct' }), /^registry\.direct: when mode is 'Direct', the 'direct' section must be specified/],
    ['fails when a direct section is given in another mode', () => RegistryMode.fromSettings({ mode: 'Unmanaged', direct: { imagesRepo: REPO } }), /^registry\.direct: when mode is not 'Direct', the 'direct' section must be omitted/],
    ['fails when Proxy has no proxy section', () => RegistryMode.fromSettings({ mode: 'Proxy' }), /^registry\.proxy: when mode is 'Proxy', the 'proxy' section must be specified/],
    ['fails when a proxy section is given in another mode', () => RegistryMode.fromSettings({ mode: 'Local', proxy: { imagesRepo: REPO } }), /^registry\.proxy: when mode is not 'Proxy'/],
    ['fails when an unmanaged section is given in another mode', () => RegistryMode.fromSettings({ mode: 'Direct', direct: { imagesRepo: REPO }, unmanaged: { imagesRepo: REPO } }), /^registry\.unmanaged: when mode is not 'Unmanaged'/],
    ['fails when the section is not an object', direct(null as any), /^registry\.direct: expected an object/],
    ['fails on an unknown section field', direct({ imageRepo: REPO }), /^registry\.direct\.imageRepo: unknown field; expected one of imagesRepo,/],
    ['fails on ttl outside the proxy section', direct({ imagesRepo: REPO, ttl: '1h' }), /^registry\.direct\.ttl: unknown field/],
    ['fails without imagesRepo', direct({ license: 'x' }), /^registry\.direct\.imagesRepo: 'imagesRepo' is required/],
    ['fails on an empty imagesRepo', direct({ imagesRepo: '' }), /^registry\.direct\.imagesRepo: expected host\[:port\]\/path .*got an empty string/],
    ['fails on imagesRepo with a scheme', direct({ imagesRepo: 'https://registry.deckhouse.ru/deckhouse/ee' }), /the scheme belongs in 'scheme'.*got "https:\/\/registry/],
    ['fails on imagesRepo with a trailing slash', direct({ imagesRepo: `${REPO}/` }), /^registry\.direct\.imagesRepo: expected host\[:port\]\/path.*got "registry\.deckhouse\.ru\/deckhouse\/ee\/"/],
    ['fails on imagesRepo with spaces', direct({ imagesRepo: 'registry example/x' }), /got "registry example\/x"/],
    ['fails on imagesRepo with a port out of range', direct({ imagesRepo: 'r.example:70000/x' }), /a port from 1 to 65535, got "r\.example:70000\/x"/],
    ['fails on imagesRepo with port 0', direct({ imagesRepo: 'r.example:0/x' }), /a port from 1 to 65535/],
    ['fails on imagesRepo with a six-digit port', direct({ imagesRepo: 'r.example:123456/x' }), /^registry\.direct\.imagesRepo: expected host\[:port\]\/path/],
    ['fails on imagesRepo without a repository path', direct({ imagesRepo: 'r.example:5000' }), /a repository path is required/],
    ['fails on imagesRepo that is a number', direct({ imagesRepo: 5000 }), /got number 5000/],
    ['fails on a wrong scheme', direct({ imagesRepo: REPO, scheme: 'FTP' }), /^registry\.direct\.scheme: expected one of "HTTP" or "HTTPS", got "FTP"/],
    ['fails on a lower-case scheme', direct({ imagesRepo: REPO, scheme: 'https' }), /did you mean "HTTPS"/],
    ['fails on a wrong checkMode', direct({ imagesRepo: REPO, checkMode: 'relax' }), /^registry\.direct\.checkMode: .*did you mean "Relax"/],
    ['fails on username without password', direct({ imagesRepo: REPO, username: 'u' }), /^registry\.direct\.password: 'password' is required when 'username' is provided/],
    ['fails on password without username', direct({ imagesRepo: REPO, password: 'p' }), /^registry\.direct\.username: 'username' is required when 'password' is provided/],
    ['fails on a licence together with a username', direct({ imagesRepo: REPO, license: 'k', username: 'u', password: 'p' }), /^registry\.direct: 'license' and 'username'\/'password' are mutually exclusive/],
    ['fails on a licence together with only a password', direct({ imagesRepo: REPO, license: 'k', password: 'p' }), /mutually exclusive/],
    ['fails on an empty licence', direct({ imagesRepo: REPO, license: '' }), /^registry\.direct\.license: expected a non-empty string/],
    ['fails on an empty password', direct({ imagesRepo: REPO, username: 'u', password: '' }), /^registry\.direct\.password: expected a non-empty string/],
    ['fails on a username with a colon', direct({ imagesRepo: REPO, username: 'a:b', password: 'p' }), /^registry\.direct\.username: expected a username without ":"/],
    ['fails on a password with a newline', direct({ imagesRepo: REPO, username: 'u', password: 'p\nq' }), /^registry\.direct\.password: expected the registry password without control characters/],
    ['fails on a CA that is garbage', direct({ imagesRepo: REPO, ca: 'not a certificate' }), /^registry\.direct\.ca: expected one PEM certificate.*found text outside the PEM blocks/],
    ['fails on a CA that is a private key', direct({ imagesRepo: REPO, ca: TEST_PKI.ca.privateKey }), /^registry\.direct\.ca: .*block 1 is a private key \(PRIVATE KEY\)/],
    ['fails on a CA bundle with a key after the certificate', direct({ imagesRepo: REPO, ca: TEST_UPSTREAM_CA + TEST_PKI.token.privateKey }), /block 2 is a private key/],
    ['fails on a CA with a broken body', direct({ imagesRepo: REPO, ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), /block 1 is not a valid X\.509 certificate/],
    ['fails on an empty CA', direct({ imagesRepo: REPO, ca: '' }), /^registry\.direct\.ca: expected .*got an empty string/],
    ['fails on a proxy ttl with a bad pattern', () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '7d' }), /^registry\.proxy\.ttl: expected a duration such as "168h".*got "7d"/],
    ['fails on a proxy ttl in the wrong unit order', () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '30m1h' }), /^registry\.proxy\.ttl: expected a duration/],
    ['fails on an empty proxy ttl', () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '' }), /^registry\.proxy\.ttl: expected a duration/],
    ['fails on a proxy ttl under 5 minutes', () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '4m59s' }), /^registry\.proxy\.ttl: 'ttl' should be at least 5 minutes, got "4m59s"/],
    ['fails on a configurable Unmanaged section with a bad imagesRepo', () => RegistryMode.unmanaged({ imagesRepo: 'http://x/y' }), /^registry\.unmanaged\.imagesRepo:/],
  ];
  test.each(cases)('%s', (_name, run, message) => {
    expect(run).toThrow(message);
  });

  test('errors never contain a secret value', () => {
    const secret = 'S3cr3t-Value-That-Must-Not-Leak';
    const attempts = [
      direct({ imagesRepo: REPO, username: 'u', password: `${secret}\n` }),
      direct({ imagesRepo: REPO, license: `${secret}\t` }),
      direct({ imagesRepo: REPO, license: secret, username: 'u', password: secret }),
      direct({ imagesRepo: REPO, password: secret }),
      direct({ imagesRepo: REPO, ca: TEST_PKI.ca.privateKey }),
    ];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(secret);
      expect(message).not.toContain(TEST_PKI.ca.privateKey.trim().split('\n')[2]);
    }
  });
});

test('RegistryMode exposes the name, whether it is managed and the upstream imagesRepo', () => {
  expect([RegistryMode.local().managed, RegistryMode.unmanaged().managed]).toEqual([true, false]);
  expect(RegistryMode.unmanaged().imagesRepo).toBeUndefined();
  expect(RegistryMode.unmanaged({ imagesRepo: 'r.example/x' }).imagesRepo).toBe('r.example/x');
  expect(RegistryMode.local().imagesRepo).toBeUndefined();
});
