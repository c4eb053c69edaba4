// The resolver against the look-alike failures of containerd.md §3-§10. It reads node files, as containerd does.
import { ContainerdBuild, firstManifestEndpoint, parseImageReference, resolveImage } from '../lib';
import { goReplaceAll } from '../lib/model/resolver';
import { b64 } from './support/manifests';

const DIR = '/etc/containerd/registry.d';
const FIXED = 'registry.d8-system.svc:5001';
const IMAGE = `${FIXED}/system/deckhouse:v1`;
const deckhouse = { build: ContainerdBuild.DECKHOUSE, containerdMajor: 2 };
const stock = { build: ContainerdBuild.STOCK, containerdMajor: 1 };
const directToml = [
  '[host."https://registry.deckhouse.ru"]',
  'capabilities = [ "pull", "resolve" ]',
  '  [host."https://registry.deckhouse.ru".auth]',
  '  username = "license-token"',
  '  password = "x"',
  '  [[host."https://registry.deckhouse.ru".rewrite]]',
  '  regex = "^system/deckhouse"',
  '  replace = "deckhouse/ee"',
  '',
].join('\n');
const files = (dir: string, toml: string | undefined, extra: Record<string, string> = {}) => ({
  ...(toml === undefined ? { [`${DIR}/${dir}/ca.crt`]: 'x' } : { [`${DIR}/${dir}/hosts.toml`]: toml }),
  ...extra,
});

describe('parseImageReference', () => {
  test.each([
    [IMAGE, { host: FIXED, repository: 'system/deckhouse', reference: 'v1', byDigest: false }],
    [`${FIXED}/system/deckhouse@sha256:abc`, { host: FIXED, repository: 'system/deckhouse', reference: 'sha256:abc', byDigest: true }],
    ['nginx', { host: 'docker.io', repository: 'library/nginx', reference: 'latest', byDigest: false }],
    ['bitnami/redis:7', { host: 'docker.io', repository: 'bitnami/redis', reference: '7', byDigest: false }],
    ['localhost/app:1', { host: 'localhost', repository: 'app', reference: '1', byDigest: false }],
    ['registry.deckhouse.ru/deckhouse/ee/modules/x:v2', { host: 'registry.deckhouse.ru', repository: 'deckhouse/ee/modules/x', reference: 'v2', byDigest: false }],
  ])('%s', (ref, expected) => expect(parseImageReference(ref)).toEqual(expected));
});

describe('resolveImage', () => {
  test('Direct on Deckhouse containerd: the upstream with the rewritten path, then the unresolvable fixed name', () => {
    const r = resolveImage(IMAGE, files(FIXED, directToml), deckhouse);
    expect(r.hostDir).toBe(FIXED);
    expect(r.notes).toEqual([]);
    expect(r.endpoints).toEqual([
      {
        source: 'mirror', scheme: 'https', host: 'registry.deckhouse.ru', path: '/v2', repository: 'deckhouse/ee', capabilities: ['pull', 'resolve'], auth: true,
        manifestRequest: '/v2/deckhouse/ee/manifests/v1?ns=registry.d8-system.svc%3A5001', credentials: { username: 'license-token', password: 'x' },
      },
      {
        source: 'fallback', scheme: 'https', host: FIXED, path: '/v2', repository: 'system/deckhouse', capabilities: ['pull', 'resolve', 'push'], auth: false,
        manifestRequest: '/v2/system/deckhouse/manifests/v1',
      },
    ]);
  });

  test('stock containerd ignores rewrite and auth: the mirror is asked for system/deckhouse', () => {
    const first = resolveImage(IMAGE, files(FIXED, directToml), stock).endpoints[0];
    expect(first).toMatchObject({ host: 'registry.deckhouse.ru', repository: 'system/deckhouse', auth: false, manifestRequest: '/v2/system/deckhouse/manifests/v1?ns=registry.d8-system.svc%3A5001' });
  });

  test('the host_port_ directory wins over host:port when it exists, even without a hosts.toml (shadowing)', () => {
    const r = resolveImage(IMAGE, { ...files(FIXED, directToml), ...files('registry.d8-system.svc_5001_', undefined) }, deckhouse);
    expect(r.hostDir).toBe('registry.d8-system.svc_5001_');
    expect(r.endpoints.map((e) => e.source)).toEqual(['fallback']);
    expect(r.notes[0]).toMatch(/has no hosts\.toml/);
  });

  test('_default is used when no host directory exists; nothing at all means the image host', () => {
    const r = resolveImage(IMAGE, files('_default', '[host."http://127.0.0.1:5000"]\ncapabilities = ["pull", "resolve"]\n'), deckhouse);
    expect(r.hostDir).toBe('_default');
    expect(r.endpoints[0]).toMatchObject({ scheme: 'http', host: '127.0.0.1:5000' });
    expect(resolveImage(IMAGE, {}, deckhouse).endpoints).toEqual([expect.objectContaining({ source: 'fallback', host: FIXED })]);
  });

  test('a server-only hosts.toml is discarded by containerd 1.x but used by 2.x', () => {
    const serverOnly = 'server = "http://127.0.0.1:5000"\ncapabilities = ["pull", "resolve"]\n';
    const v1 = resolveImage(IMAGE, files(FIXED, serverOnly), stock);
    expect(v1.endpoints.map((e) => e.source)).toEqual(['fallback']);
    expect(v1.notes[0]).toMatch(/invalid `host` tree/);
    const v2 = resolveImage(IMAGE, files(FIXED, serverOnly), { ...stock, containerdMajor: 2 });
    expect(v2.endpoints).toEqual([expect.objectContaining({ source: 'server', host: '127.0.0.1:5000', manifestRequest: '/v2/system/deckhouse/manifests/v1?ns=registry.d8-system.svc%3A5001' })]);
  });

  test('an empty [host] table satisfies containerd 1.x', () => {
    const ok = resolveImage(IMAGE, files(FIXED, 'server = "http://127.0.0.1:5000"\n[host]\n'), stock);
    expect(ok.notes).toEqual([]);
    expect(ok.endpoints[0].source).toBe('server');
  });

  test('override_path gives a prefix, never a substitution; a path without it goes before /v2', () => {
    const over = resolveImage(IMAGE, files(FIXED, '[host."http://up/v2/deckhouse/ee"]\noverride_path = true\n'), stock).endpoints[0];
    expect(over.manifestRequest).toBe('/v2/deckhouse/ee/system/deckhouse/manifests/v1?ns=registry.d8-system.svc%3A5001');
    const plain = resolveImage(IMAGE, files(FIXED, '[host."http://up/deckhouse/ee/../ee"]\n'), stock).endpoints[0];
    expect(plain.manifestRequest).toBe('/deckhouse/ee/v2/system/deckhouse/manifests/v1?ns=registry.d8-system.svc%3A5001');
  });

  test('an unknown capability or a TOML syntax error discards the whole file', () => {
    const bad = resolveImage(IMAGE, files(FIXED, '[host."http://up"]\ncapabilities = ["pul"]\n'), deckhouse);
    expect(bad.endpoints.map((e) => e.source)).toEqual(['fallback']);
    expect(bad.notes[0]).toMatch(/unknown capability "pul"/);
    const broken = resolveImage(IMAGE, files(FIXED, '[host."http://up"\n'), deckhouse);
    expect(broken.endpoints.map((e) => e.source)).toEqual(['fallback']);
    expect(broken.notes[0]).toMatch(/failed to decode/);
  });

  test('an invalid rewrite regex discards the file on Deckhouse containerd', () => {
    const r = resolveImage(IMAGE, files(FIXED, '[host."http://up"]\n[[host."http://up".rewrite]]\nregex = "^system/(deckhouse"\nreplace = "x"\n'), deckhouse);
    expect(r.endpoints.map((e) => e.source)).toEqual(['fallback']);
  });

  test('a rewrite regex with a leading slash never matches', () => {
    const r = resolveImage(IMAGE, files(FIXED, '[host."http://up"]\n[[host."http://up".rewrite]]\nregex = "^/system/deckhouse"\nreplace = "deckhouse/ee"\n'), deckhouse);
    expect(r.endpoints[0].repository).toBe('system/deckhouse');
  });

  test('the first matching rewrite wins and ${1} expands a capture', () => {
    const toml = [
      '[host."http://up"]',
      '[[host."http://up".rewrite]]', 'regex = "^nomatch"', 'replace = "a"',
      '[[host."http://up".rewrite]]', 'regex = "^system/(.+)$"', 'replace = "mirror/${1}/x"',
      '[[host."http://up".rewrite]]', 'regex = "^system"', 'replace = "never"', '',
    ].join('\n');
    expect(resolveImage(IMAGE, files(FIXED, toml), deckhouse).endpoints[0].repository).toBe('mirror/deckhouse/x');
  });

  test('mirrors are tried in file order, and a tag needs resolve while a digest needs only pull', () => {
    const toml = '[host."http://pull-only"]\ncapabilities = ["pull"]\n[host."http://both"]\ncapabilities = ["pull", "resolve"]\n';
    const r = resolveImage(IMAGE, files(FIXED, toml), stock);
    expect(r.endpoints.map((e) => e.host)).toEqual(['pull-only', 'both', FIXED]);
    expect(firstManifestEndpoint(r, IMAGE)?.host).toBe('both');
    const digest = `${FIXED}/system/deckhouse@sha256:0123`;
    expect(firstManifestEndpoint(resolveImage(digest, files(FIXED, toml), stock), digest)?.host).toBe('pull-only');
  });

  test('loopback images fall back to http, docker.io to registry-1.docker.io', () => {
    expect(resolveImage('localhost:5000/app:1', {}, stock).endpoints[0]).toMatchObject({ scheme: 'http', host: 'localhost:5000' });
    expect(resolveImage('nginx:1', {}, stock).endpoints[0]).toMatchObject({ scheme: 'https', host: 'registry-1.docker.io', repository: 'library/nginx' });
  });
});

describe('goReplaceAll (regexp.ReplaceAllString semantics)', () => {
  test.each([
    ['^system/deckhouse', 'system/deckhouse', 'deckhouse/ee', 'deckhouse/ee'],
    ['^system/deckhouse', 'system/deckhouse/modules/x', 'deckhouse/ee', 'deckhouse/ee/modules/x'],
    ['o', 'foo/boo', '0', 'f00/b00'],
    ['^(\\w+)/(\\w+)$', 'a/b', '${2}/${1}', 'b/a'],
    ['^(?P<first>\\w+)/', 'a/b', '${first}-', 'a-b'],
    ['^(\\w+)/', 'a/b', '$1x/', '/b'],
    ['^(\\w+)/', 'a/b', '$$1/', '$1/b'],
  ])('%s on %s with %s', (re, subject, template, expected) => expect(goReplaceAll(re, subject, template)).toBe(expected));
});

describe('resolveImage: credentials and HTTPS-first (what the e2e on the patched containerd checks)', () => {
  const up = (auth: string, scheme = 'https', host = 'up:5000', extra = '') =>
    `[host."${scheme}://${host}"]\ncapabilities = ["pull", "resolve"]\n${extra}[host."${scheme}://${host}".auth]\n${auth}\n`;

  test('username and password are the credentials, on the Deckhouse build only', () => {
    const f = files(FIXED, up('username = "u"\npassword = "p:\\"$#"'));
    expect(resolveImage(IMAGE, f, deckhouse).endpoints[0]).toMatchObject({ auth: true, credentials: { username: 'u', password: 'p:"$#' } });
    expect(resolveImage(IMAGE, f, stock).endpoints[0].credentials).toBeUndefined();
    expect(resolveImage(IMAGE, f, stock).endpoints[0].auth).toBe(false);
  });

  test('the base64 auth key is split at its first colon; identitytoken is a token, not a password', () => {
    expect(resolveImage(IMAGE, files(FIXED, up(`auth = "${b64('üser:pa:ss')}"`)), deckhouse).endpoints[0].credentials).toEqual({ username: 'üser', password: 'pa:ss' });
    expect(resolveImage(IMAGE, files(FIXED, up('identitytoken = "tok"')), deckhouse).endpoints[0].credentials).toEqual({ identityToken: 'tok' });
  });

  test('[[auth]] (an array of tables) makes the Deckhouse build discard the file', () => {
    const toml = '[host."https://up:5000"]\n[[host."https://up:5000".auth]]\nusername = "u"\npassword = "p"\n';
    const r = resolveImage(IMAGE, files(FIXED, toml), deckhouse);
    expect(r.endpoints.map((e) => e.source)).toEqual(['fallback']);
    expect(r.notes.join()).toMatch(/must be a single table/);
    expect(resolveImage(IMAGE, files(FIXED, toml), stock).endpoints[0].source).toBe('mirror');
  });

  test('[rewrite] (a single table) makes the Deckhouse build discard the file', () => {
    const toml = '[host."https://up:5000"]\n[host."https://up:5000".rewrite]\nregex = "^system"\nreplace = "x"\n';
    const r = resolveImage(IMAGE, files(FIXED, toml), deckhouse);
    expect(r.endpoints.map((e) => e.source)).toEqual(['fallback']);
    expect(r.notes.join()).toMatch(/must be an array of tables/);
  });

  test('an http mirror with skip_verify (as the module writes it) is tried with TLS first', () => {
    const r = resolveImage(IMAGE, files(FIXED, '[host."http://up:5000"]\nskip_verify = true\n'), stock);
    expect(r.endpoints[0]).toMatchObject({ scheme: 'http', host: 'up:5000', tlsFirst: true, manifestRequest: `/v2/system/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}` });
    expect(r.notes.join()).toMatch(/host will try HTTPS first since it is configured for HTTP with a TLS configuration/);
    expect(r.notes.join()).toMatch(/HTTP status line/);
    expect(resolveImage(IMAGE, files(FIXED, '[host."http://up:5000"]\nskip_verify = true\n'), deckhouse).endpoints[0].tlsFirst).toBe(true);
  });

  test.each([
    ['no TLS settings', '[host."http://up:5000"]\n', { containerdMajor: 1 }],
    ['port 80', '[host."http://up:80"]\nskip_verify = true\n', { containerdMajor: 1 }],
    ['an https mirror', '[host."https://up:5000"]\nskip_verify = true\n', { containerdMajor: 2 }],
    ['containerd 1.6', '[host."http://up:5000"]\nskip_verify = true\n', { containerdMajor: 1, containerdMinor: 6 }],
  ])('no HTTPS-first with %s', (_name, toml, version) => {
    const r = resolveImage(IMAGE, files(FIXED, toml), { build: ContainerdBuild.STOCK, ...version });
    expect(r.endpoints[0].tlsFirst).toBeUndefined();
    expect(r.notes.join()).not.toMatch(/HTTPS first/);
  });
});
