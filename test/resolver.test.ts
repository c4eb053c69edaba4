// The resolver against the look-alike failures of containerd.md §3-§10. It reads node files, as containerd does.
import { ContainerdBuild, ContainerdHosts, EndpointSource, ResolveOptions } from '../lib';
import {
  fallbackEndpoint, firstManifestEndpoint, goReplaceAll, hostConfig, hostDirectory, parseHostsFile, parseImageReference, resolveImage,
} from '../lib/model/resolver';
import { b64 } from './support/manifests';

const DIR = '/etc/containerd/registry.d';
const FIXED = 'registry.d8-system.svc:5001';
const IMAGE = `${FIXED}/system/deckhouse:v1`;
const deckhouse = { containerdBuild: ContainerdBuild.DECKHOUSE, containerdMajor: 2 };
const stock = { containerdBuild: ContainerdBuild.STOCK, containerdMajor: 1 };
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

  test('loopback images fall back to http (HTTPS first, as containerd logs), docker.io to registry-1.docker.io', () => {
    const local = resolveImage('localhost:5000/app:1', {}, stock);
    expect(local.endpoints[0]).toMatchObject({ scheme: 'http', host: 'localhost:5000', tlsFirst: true });
    expect(local.notes).toEqual(['no hosts directory: the image host is used', expect.stringMatching(/^http:\/\/localhost:5000: host will try HTTPS first since it is configured for HTTP with a TLS configuration/)]);
    expect(resolveImage('localhost/app:1', {}, stock).endpoints[0]).toMatchObject({ scheme: 'https', host: 'localhost' });
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
    const r = resolveImage(IMAGE, files(FIXED, toml), { containerdBuild: ContainerdBuild.STOCK, ...version });
    expect(r.endpoints[0].tlsFirst).toBeUndefined();
    expect(r.notes.join()).not.toMatch(/HTTPS first/);
  });
});

describe('ContainerdHosts (the jsii-compatible public entry point)', () => {
  test('its static methods give what the resolver functions give', () => {
    const f = files(FIXED, directToml);
    expect(ContainerdHosts.resolveImage(IMAGE, f, deckhouse)).toEqual(resolveImage(IMAGE, f, deckhouse));
    expect(ContainerdHosts.parseImageReference(IMAGE)).toEqual(parseImageReference(IMAGE));
    const r = ContainerdHosts.resolveImage(IMAGE, f, deckhouse);
    expect(ContainerdHosts.firstManifestEndpoint(r, IMAGE)).toMatchObject({ source: EndpointSource.MIRROR, host: 'registry.deckhouse.ru' });
    expect(r.endpoints.map((e) => e.source)).toEqual([EndpointSource.MIRROR, EndpointSource.FALLBACK]);
  });

  test('each endpoint owns its capabilities: changing one changes no later resolution', () => {
    const first = ContainerdHosts.resolveImage(IMAGE, {}, stock).endpoints[0];
    first.capabilities.length = 0;
    expect(ContainerdHosts.resolveImage(IMAGE, {}, stock).endpoints[0].capabilities).toEqual(['pull', 'resolve', 'push']);
  });
});

// Each of containerd's steps on its own: hostDirectory, parseHostsFile, hostConfig, fallbackEndpoint.
const PARSED = parseImageReference(IMAGE);
type Table = Parameters<typeof hostConfig>[3];
const caIn = (dir: string, root = DIR) => ({ [`${root}/${dir}/ca.crt`]: 'x' });

describe('step 1, hostDirectory: which directory under config_path containerd uses', () => {
  const PORT_DIR = 'registry.d8-system.svc_5001_';

  test('a host with a port: host_port_ first, then host:port, then _default, else none', () => {
    expect(hostDirectory(FIXED, { ...caIn('_default'), ...caIn(FIXED), ...caIn(PORT_DIR) }, DIR)).toBe(PORT_DIR);
    expect(hostDirectory(FIXED, { ...caIn('_default'), ...caIn(FIXED) }, DIR)).toBe(FIXED);
    expect(hostDirectory(FIXED, caIn('_default'), DIR)).toBe('_default');
    expect(hostDirectory(FIXED, caIn('registry.d8-system.svc'), DIR)).toBeUndefined();
  });

  test('an IPv6 host with a port gets its host_port_ form too; a host without a port has none', () => {
    expect(hostDirectory('[::1]:5000', { ...caIn('[::1]:5000'), ...caIn('[::1]_5000_') }, DIR)).toBe('[::1]_5000_');
    expect(hostDirectory('up', { ...caIn('_default'), ...caIn('up') }, DIR)).toBe('up');
  });

  test('any file makes a directory exist, but only a whole directory name under config_path counts', () => {
    expect(hostDirectory('up', { [`${DIR}/up/hosts.toml`]: '' }, DIR)).toBe('up');
    expect(hostDirectory('up', { ...caIn('upstream'), ...caIn('up:5000'), [`${DIR}/up`]: 'a file, not a directory' }, DIR)).toBeUndefined();
    expect(hostDirectory('up', caIn('up', '/etc/containerd/certs.d'), DIR)).toBeUndefined();
    expect(hostDirectory('up', caIn('up', '/etc/containerd/certs.d'), '/etc/containerd/certs.d')).toBe('up');
  });
});

describe('step 2, parseHostsFile: decoding hosts.toml', () => {
  test('a TOML error discards the file with the first line of the decoder\'s message', () => {
    const r = parseHostsFile('[host."http://up"\n', 2);
    expect(r.doc).toBeUndefined();
    expect(r.error).toMatch(/^failed to decode hosts\.toml: \S/);
    expect(r.error).not.toContain('\n');
  });

  test('containerd 1.x discards a hosts.toml without a [host] table; 2.x reads it', () => {
    const serverOnly = 'server = "https://up"\n';
    expect(parseHostsFile(serverOnly, 1)).toEqual({ error: 'failed to decode hosts.toml: invalid `host` tree (containerd 1.x needs a [host] table)' });
    expect(parseHostsFile(serverOnly, 2).doc?.server).toBe('https://up');
    expect(parseHostsFile('host = "x"\n', 1).error).toMatch(/invalid `host` tree/);
    expect(parseHostsFile('[[host]]\n', 1).error).toMatch(/invalid `host` tree/);
    expect(parseHostsFile('server = "https://up"\n[host]\n', 1)).toMatchObject({ doc: { server: 'https://up', host: {} } });
  });

  test.each([
    ['capabilities = "pull"', 'Can\'t convert pull(string) to []string(slice)', 'toml: cannot decode TOML string into a Go value of type []string'],
    ['capabilities = [1]', 'Can\'t convert 1(int64) to string', 'toml: cannot decode TOML integer into a Go value of type string'],
    ['server = 5', 'Can\'t convert 5(int64) to string', 'toml: cannot decode TOML integer into a Go value of type string'],
    ['server = ["https://up"]', 'Can\'t convert [https://up]([]interface {}) to a slice', 'toml: cannot decode TOML array into a Go value of type string'],
    ['skip_verify = "true"', 'Can\'t convert true(string) to bool', 'toml: cannot decode TOML string into a Go value of type bool'],
    ['override_path = 1', 'Can\'t convert 1(int64) to bool', 'toml: cannot decode TOML integer into a Go value of type bool'],
  ])('a value of the wrong type (%s) discards the file: go-toml v1 (1.x) and v2 (2.x) both refuse it', (line, v1, v2) => {
    const top = `${line}\n[host."https://a"]\n`;
    expect(parseHostsFile(top, 1)).toEqual({ error: `failed to decode hosts.toml: ${v1}` });
    expect(parseHostsFile(top, 2)).toEqual({ error: `failed to decode hosts.toml: ${v2}` });
    if (!line.startsWith('server')) {
      const inHost = `[host."https://a"]\n[host."https://b"]\n${line}\n`;
      expect(parseHostsFile(inHost, 1)).toEqual({ error: `failed to decode hosts.toml: ${v1}` });
      expect(parseHostsFile(inHost, 2)).toEqual({ error: `failed to decode hosts.toml: ${v2}` });
    }
  });

  test('a header that is not a table discards the file (containerd decodes it into a map); a table of headers is kept', () => {
    for (const major of [1, 2]) {
      expect(parseHostsFile('[host."https://a"]\n  header = "x"\n', major).error).toMatch(/^failed to decode hosts\.toml: /);
      expect(parseHostsFile('[host."https://a"]\n  header = ["x"]\n', major).error).toMatch(/^failed to decode hosts\.toml: /);
      expect(parseHostsFile('[host."https://a"]\n  [host."https://a".header]\n    x-a = "1"\n', major).error).toBeUndefined();
    }
  });

  test('containerd 2.x discards a file whose host is not a table of tables', () => {
    expect(parseHostsFile('host = "x"\n', 2).error).toMatch(/^failed to decode hosts\.toml: toml: cannot decode TOML value into a Go value of type map/);
    expect(parseHostsFile('[[host]]\n', 2).error).toMatch(/cannot decode TOML array/);
    expect(parseHostsFile('[host]\n"https://a" = 1\n', 2).error).toMatch(/config\.hostFileConfig \(host "https:\/\/a"\)/);
    expect(parseHostsFile('[host]\n"https://a" = 1\n', 1).error).toMatch(/^failed to decode hosts\.toml: Can't convert \(value hidden\) to config\.hostFileConfig/);
  });

  test('notes never print a header value, a host entry value, or user information of a host key, even a password holding @ or /', () => {
    const secretHeader = parseHostsFile('[host."https://a"]\n  header = "Authorization: Basic c2VjcmV0"\n', 1).error as string;
    expect(secretHeader).toMatch(/^failed to decode hosts\.toml: /);
    expect(secretHeader).not.toContain('c2VjcmV0');
    const entry = parseHostsFile('[host]\n"https://u:p@ss/w@a" = "TOKEN-1"\n', 1).error as string;
    expect(entry).not.toMatch(/TOKEN-1|p@ss|ss\/w/);
    const r = resolveImage(IMAGE, files(FIXED, '[host."https://u:p@ss/w@mirror"]\n  rewrite = "x"\n'), deckhouse);
    expect(r.notes.join('\n')).toContain('host."https://***@mirror".rewrite must be an array of tables');
    expect(r.notes.join('\n')).not.toMatch(/p@ss|ss\/w/);
    expect(parseHostsFile('server = "https://up"\ncapabilities = ["pull"]\nskip_verify = false\n', 2).doc).toBeDefined();
  });

  test('[host] tables keep the order of the file', () => {
    const doc = parseHostsFile('[host."https://b"]\n[host."https://a"]\n[host."https://c"]\n', 1).doc;
    expect(Object.keys(doc?.host as object)).toEqual(['https://b', 'https://a', 'https://c']);
  });
});

describe('step 3, hostConfig: one [host] table or the top-level server as an endpoint', () => {
  const mirror = (url: string, table: Record<string, unknown> = {}, options: ResolveOptions = deckhouse) =>
    hostConfig(PARSED, EndpointSource.MIRROR, url, table as Table, options);

  test('ns names the image host on every endpoint but the image host (registry-1.docker.io is docker.io)', () => {
    const hub = parseImageReference('nginx:1');
    const at = (url: string) => hostConfig(hub, EndpointSource.MIRROR, url, {}, stock).endpoint?.manifestRequest;
    expect(at('https://registry-1.docker.io')).toBe('/v2/library/nginx/manifests/1');
    expect(at('https://mirror.gcr.io')).toBe('/v2/library/nginx/manifests/1?ns=docker.io');
    expect(at('https://docker.io')).toBe('/v2/library/nginx/manifests/1');
  });

  test('the URL gives scheme and host; /v2 follows the cleaned path unless override_path', () => {
    expect(mirror('https://up:5000')).toEqual({ discard: false, notes: [], endpoint: expect.objectContaining({ source: EndpointSource.MIRROR, scheme: 'https', host: 'up:5000', path: '/v2' }) });
    expect(mirror('http://up/a/../b/./c/').endpoint?.path).toBe('/b/c/v2');
    expect(mirror('http://up/v2/deckhouse/ee', { override_path: true }).endpoint?.path).toBe('/v2/deckhouse/ee');
    expect(mirror('http://up', { override_path: true }).endpoint?.manifestRequest).toBe(`/system/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}`);
  });

  test('a path that already ends in /v2 gets no second /v2', () => {
    expect(mirror('https://up/v2').endpoint).toMatchObject({ path: '/v2', manifestRequest: `/v2/system/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}` });
    expect(mirror('https://up/mirror/v2/').endpoint?.path).toBe('/mirror/v2');
    expect(mirror('https://up/v2/../a/v2').endpoint?.path).toBe('/a/v2');
    expect(mirror('https://up/v2x').endpoint?.path).toBe('/v2x/v2');
    expect(mirror('https://up/mirror/v2', {}, stock).endpoint?.path).toBe('/mirror/v2');
  });

  test('the manifest request names the image host (ns) only when the endpoint is another host', () => {
    expect(mirror('https://up').endpoint?.manifestRequest).toBe(`/v2/system/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}`);
    expect(mirror(`https://${FIXED}`).endpoint?.manifestRequest).toBe('/v2/system/deckhouse/manifests/v1');
  });

  test('a [host] key that is not a URL even with https:// put before it discards the file', () => {
    expect(mirror('not a url')).toEqual({
      discard: true, notes: ['failed to decode hosts.toml: unable to parse server https://not a url: parse "https://not a url": invalid character " " in host name'],
    });
  });

  test('a key or server without a scheme is https: containerd puts https:// before any string not starting with "http"', () => {
    expect(mirror('mirror.local:5000')).toEqual({ discard: false, notes: [], endpoint: expect.objectContaining({ scheme: 'https', host: 'mirror.local:5000', path: '/v2' }) });
    expect(mirror('mirror.local/base', { skip_verify: true }).endpoint).toMatchObject({ scheme: 'https', host: 'mirror.local', path: '/base/v2' });
    expect(mirror('mirror.local').endpoint?.tlsFirst).toBeUndefined();
    // "HTTP://up" does not start with "http": containerd reads https://HTTP://up, host "HTTP:" and path /up
    expect(mirror('HTTP://up').endpoint).toMatchObject({ scheme: 'https', host: 'HTTP:', path: '/up/v2' });
    const top = { server: 'srv:5000' };
    expect(hostConfig(PARSED, EndpointSource.SERVER, top.server, top as Table, stock).endpoint).toMatchObject({ source: EndpointSource.SERVER, scheme: 'https', host: 'srv:5000' });
  });

  test.each([
    ['http-mirror:5000', 'http-mirror', '', 'unsupported protocol scheme "http-mirror"'],
    ['httpx://up', 'httpx', 'up', 'unsupported protocol scheme "httpx"'],
    ['http:up', 'http', '', 'http: no Host in request URL'],
    ['https:///v2', 'https', '', 'http: no Host in request URL'],
    ['httpmirror.local', '', '', 'missing protocol scheme'],
  ])('a key starting with "http" that names no http(s) host is kept, but its requests fail: %s', (url, scheme, host, failure) => {
    expect(mirror(url)).toEqual({ discard: false, unreachable: true, notes: [`trying next host: host "${url}" is read as scheme "${scheme}", host "${host}": ${failure}`] });
  });

  test.each([
    ['http://up:port', 'invalid port ":port" after host'],
    ['https://up:50a0', 'invalid port ":50a0" after host'],
    ['https://up name', 'invalid character " " in host name'],
    ['https://up{1}', 'invalid character "{" in host name'],
    ['https://up%41', 'invalid URL escape "%41"'],
    ['https://up/a%zz', 'invalid URL escape "%zz"'],
    ['https://up/a%2', 'invalid URL escape "%2"'],
    ['https://[::1:5000', 'missing \']\' in host'],
    ['https://[::1]x', 'invalid port "x" after host'],
    ['https://us er@up', 'net/url: invalid userinfo'],
    ['https://up/\tv2', 'net/url: invalid control character in URL'],
  ])('a URL Go\'s url.Parse rejects discards the file: %s', (url, why) => {
    expect(mirror(url)).toEqual({ discard: true, notes: [`failed to decode hosts.toml: unable to parse server ${url}: parse ${JSON.stringify(url)}: ${why}`] });
    const top = { server: url };
    expect(hostConfig(PARSED, EndpointSource.SERVER, url, top as Table, stock).discard).toBe(true);
  });

  test('a URL Go accepts is read as Go reads it: userinfo, query and fragment dropped, the path decoded', () => {
    expect(mirror('https://puller:pa%20ss@up:5000/mirror?x=1#top').endpoint).toMatchObject({ scheme: 'https', host: 'up:5000', path: '/mirror/v2' });
    expect(mirror('https://up/a%2Fv2').endpoint?.path).toBe('/a/v2');
    expect(mirror('https://[fe80::1%25eth0]:5000').endpoint?.host).toBe('[fe80::1%eth0]:5000');
    expect(mirror('http://up:').endpoint?.host).toBe('up:');
    expect(mirror('https://up:5000:1').endpoint?.host).toBe('up:5000:1'); // only the part after the last colon is a port
  });

  test('a URL\'s userinfo is hidden in the note', () => {
    const c = mirror('https://puller:Pass-Word@up:port');
    expect(c.discard).toBe(true);
    expect(c.notes.join()).not.toContain('Pass-Word');
    expect(c.notes[0]).toContain('https://***@up:port');
  });

  test('capabilities: all three by default, the listed ones otherwise; an unknown one discards the file', () => {
    expect(mirror('https://up').endpoint?.capabilities).toEqual(['pull', 'resolve', 'push']);
    expect(mirror('https://up', { capabilities: ['pull'] }).endpoint?.capabilities).toEqual(['pull']);
    expect(mirror('https://up', { capabilities: ['pull', 'pul'] })).toEqual({ discard: true, notes: ['failed to decode hosts.toml: unknown capability "pul"'] });
  });

  test('capabilities: names match in any case, as a set; an empty list means all three', () => {
    expect(mirror('https://up', { capabilities: ['PULL', 'Resolve'] })).toMatchObject({ discard: false, endpoint: { capabilities: ['pull', 'resolve'] } });
    expect(mirror('https://up', { capabilities: ['resolve', 'pull', 'RESOLVE'] }).endpoint?.capabilities).toEqual(['pull', 'resolve']);
    expect(mirror('https://up', { capabilities: [] }).endpoint?.capabilities).toEqual(['pull', 'resolve', 'push']);
    const top = { server: 'https://srv', capabilities: [] };
    expect(hostConfig(PARSED, EndpointSource.SERVER, top.server, top as Table, stock).endpoint?.capabilities).toEqual(['pull', 'resolve', 'push']);
    const r = resolveImage(IMAGE, files(FIXED, '[host."https://up"]\ncapabilities = ["Pull", "RESOLVE"]\n'), stock);
    expect(r.notes).toEqual([]);
    expect(firstManifestEndpoint(r, IMAGE)?.host).toBe('up');
  });

  test('rewrite, on the Deckhouse build only: the first matching rule wins; not an array of tables discards the file', () => {
    // after the match, neither the rewritten path (^mirror) nor the original one (^system) is matched again
    const rewrite = [
      { regex: '^nomatch', replace: 'a' }, { regex: '^system/(.+)$', replace: 'mirror/${1}' }, { regex: '^mirror', replace: 'never' }, { regex: '^system', replace: 'never' },
    ];
    expect(mirror('https://up', { rewrite }).endpoint).toMatchObject({ repository: 'mirror/deckhouse', manifestRequest: `/v2/mirror/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}` });
    expect(mirror('https://up', { rewrite }, stock).endpoint?.repository).toBe('system/deckhouse');
    expect(mirror('https://up', { rewrite: [{ regex: '(bad', replace: 'x' }, ...rewrite] })).toEqual({ discard: true, notes: ['failed to decode hosts.toml: invalid rewrite regex "(bad"'] });
    expect(mirror('https://up', { rewrite: rewrite[1] })).toEqual({ discard: true, notes: ['failed to decode hosts.toml: host."https://up".rewrite must be an array of tables'] });
  });

  test('auth, on the Deckhouse build only: username+password, else the base64 auth key split at its first colon, else identitytoken', () => {
    const b64 = Buffer.from('üser:pa:ss', 'utf8').toString('base64');
    expect(mirror('https://up', { auth: { auth: b64 } }).endpoint).toMatchObject({ auth: true, credentials: { username: 'üser', password: 'pa:ss' } });
    expect(mirror('https://up', { auth: { username: 'u', password: 'p', auth: b64 } }).endpoint?.credentials).toEqual({ username: 'u', password: 'p' });
    expect(mirror('https://up', { auth: { identitytoken: 'tok' } }).endpoint?.credentials).toEqual({ identityToken: 'tok' });
    const onStock = mirror('https://up', { auth: { auth: b64 } }, stock).endpoint;
    expect(onStock?.auth).toBe(false);
    expect(onStock).not.toHaveProperty('credentials');
    expect(mirror('https://up', { auth: [{ username: 'u', password: 'p' }] })).toEqual({ discard: true, notes: ['failed to decode hosts.toml: host."https://up".auth must be a single table'] });
  });

  test.each([
    ['ca on a port other than 80', 'http://up:5000', { ca: '/x.crt' }, stock, true],
    ['client, no port', 'http://up', { client: [['/c.crt', '/c.key']] }, stock, true],
    ['skip_verify = false (set is what counts)', 'http://up:5000', { skip_verify: false }, stock, true],
    ['2.x', 'http://up:5000', { ca: '/x.crt' }, { containerdBuild: ContainerdBuild.STOCK, containerdMajor: 2, containerdMinor: 0 }, true],
    ['ca on port 80', 'http://up:80', { ca: '/x.crt' }, stock, false],
    ['no TLS settings', 'http://up:5000', {}, stock, false],
    ['https', 'https://up:5000', { ca: '/x.crt' }, stock, false],
    ['containerd 1.6', 'http://up:5000', { ca: '/x.crt' }, { containerdBuild: ContainerdBuild.STOCK, containerdMajor: 1, containerdMinor: 6 }, false],
  ])('HTTPS first for an http endpoint: %s', (_name, url, table, options, tlsFirst) => {
    const c = mirror(url, table, options);
    expect(c.endpoint?.tlsFirst).toBe(tlsFirst ? true : undefined);
    expect(c.endpoint?.scheme).toBe(url.split(':')[0]);
    expect(c.notes).toEqual(tlsFirst ? [expect.stringMatching(new RegExp(`^${url.replace(/[.]/g, '\\.')}: host will try HTTPS first`))] : []);
  });

  test.each([
    [{ ca: 5 }, 'invalid type 5 for "ca"'],
    [{ ca: ['/a.crt', true] }, 'unable to cast true to string'],
    [{ client: { cert: '/c' } }, 'invalid type map[cert:/c] for "client"'],
    [{ client: [1] }, 'invalid type int64 for "client"'],
    [{ client: [['/c.crt']] }, 'invalid pair [/c.crt] for "client"'],
    [{ client: [['/c.crt', 2]] }, 'unable to cast 2 to string'],
  ])('ca and client of the wrong shape discard the file: %j', (table, why) => {
    expect(mirror('https://up', table)).toEqual({ discard: true, notes: [`failed to decode hosts.toml: ${why}`] });
    expect(hostConfig(PARSED, EndpointSource.SERVER, 'https://srv', table as Table, stock)).toEqual({ discard: true, notes: [`failed to decode hosts.toml: ${why}`] });
  });

  test('ca and client as containerd takes them: a path, a list of paths, [cert, key] pairs', () => {
    for (const table of [{ ca: '/a.crt' }, { ca: ['/a.crt', '/b.crt'] }, { client: '/c.pem' }, { client: ['/c.pem', ['/c.crt', '/c.key']] }]) {
      expect(mirror('https://up', table).discard).toBe(false);
    }
  });

  test('an unknown top-level capability discards the file, as in a [host] table', () => {
    const top = { server: 'https://srv', capabilities: ['pull', 'pul'] };
    expect(hostConfig(PARSED, EndpointSource.SERVER, top.server, top as Table, stock)).toEqual({ discard: true, notes: ['failed to decode hosts.toml: unknown capability "pul"'] });
  });

  test('the top-level server is an endpoint of source server, from the top-level keys', () => {
    const top = { server: 'https://srv:5000/base', capabilities: ['pull', 'resolve'], auth: { username: 'u', password: 'p' } };
    expect(hostConfig(PARSED, EndpointSource.SERVER, top.server, top as Table, deckhouse)).toEqual({
      discard: false,
      notes: [],
      endpoint: {
        source: EndpointSource.SERVER, scheme: 'https', host: 'srv:5000', path: '/base/v2', repository: 'system/deckhouse', capabilities: ['pull', 'resolve'],
        auth: true, manifestRequest: `/base/v2/system/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}`, credentials: { username: 'u', password: 'p' },
      },
    });
  });
});

describe('step 4, fallbackEndpoint: the image\'s own host as last resort', () => {
  test.each([
    ['nginx:1', 'https', 'registry-1.docker.io', 'library/nginx'],
    ['localhost:80/app:1', 'http', 'localhost:80', 'app'],
    ['127.0.0.2/app:1', 'https', '127.0.0.2', 'app'],
    ['127.0.0.2:443/app:1', 'https', '127.0.0.2:443', 'app'],
    ['registry.example:5000/a/b@sha256:0123', 'https', 'registry.example:5000', 'a/b'],
    ['127.example:5000/app:1', 'https', '127.example:5000', 'app'],
    [IMAGE, 'https', FIXED, 'system/deckhouse'],
  ])('%s', (ref, scheme, host, repository) => {
    for (const options of [stock, deckhouse]) {
      const e = fallbackEndpoint(parseImageReference(ref), options);
      expect(e).toMatchObject({ source: EndpointSource.FALLBACK, scheme, host, path: '/v2', repository, capabilities: ['pull', 'resolve', 'push'], auth: false });
      expect(e).not.toHaveProperty('credentials');
      expect(e).not.toHaveProperty('tlsFirst');
    }
  });

  test.each([
    ['localhost:5000/app:1', 'localhost:5000'],
    ['127.0.0.2:5000/app:1', '127.0.0.2:5000'],
    ['[::1]:5000/app:1', '[::1]:5000'],
    ['[::ffff:127.0.0.1]:5000/app:1', '[::ffff:127.0.0.1]:5000'],
  ])('a loopback host on a port but 80 and 443 (%s) is http, tried with HTTPS first on 1.7 and 2.x', (ref, host) => {
    for (const options of [stock, deckhouse]) expect(fallbackEndpoint(parseImageReference(ref), options)).toMatchObject({ scheme: 'http', host, tlsFirst: true });
  });

  test('containerd 1.6 gives a loopback host plain http on any port, with no HTTPS-first', () => {
    const v16 = { ...stock, containerdMinor: 6 };
    for (const ref of ['localhost/app:1', 'localhost:5000/app:1', '127.0.0.2:443/app:1']) {
      const e = fallbackEndpoint(parseImageReference(ref), v16);
      expect(e.scheme).toBe('http');
      expect(e).not.toHaveProperty('tlsFirst');
    }
  });

  test('the manifest request is made to the image host itself, so without ns', () => {
    expect(fallbackEndpoint(PARSED, stock).manifestRequest).toBe('/v2/system/deckhouse/manifests/v1');
    expect(fallbackEndpoint(parseImageReference('registry.example/a@sha256:0123'), stock).manifestRequest).toBe('/v2/a/manifests/sha256:0123');
  });

  test('docker.io is asked at registry-1.docker.io without ns, as containerd counts the two as one host', () => {
    expect(fallbackEndpoint(parseImageReference('nginx:1'), stock).manifestRequest).toBe('/v2/library/nginx/manifests/1');
  });
});

describe('resolveImage composes the steps', () => {
  test('a server ends the list in place of the image host; without one the image host is last', () => {
    const withServer = resolveImage(IMAGE, files(FIXED, 'server = "https://srv"\n[host."https://up"]\n'), stock).endpoints;
    expect(withServer.map((e) => [e.source, e.host])).toEqual([[EndpointSource.MIRROR, 'up'], [EndpointSource.SERVER, 'srv']]);
    const without = resolveImage(IMAGE, files(FIXED, '[host."https://up"]\n'), stock).endpoints;
    expect(without.map((e) => [e.source, e.host])).toEqual([[EndpointSource.MIRROR, 'up'], [EndpointSource.FALLBACK, FIXED]]);
  });

  test('an unknown top-level capability discards the whole file, with or without a server', () => {
    for (const toml of ['server = "https://srv"\ncapabilities = ["pul"]\n[host."https://up"]\n', 'capabilities = ["pul"]\n[host."https://up"]\n']) {
      const r = resolveImage(IMAGE, files(FIXED, toml), stock);
      expect(r.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.FALLBACK, FIXED]]);
      expect(r.notes).toEqual(['failed to decode hosts.toml: unknown capability "pul"']);
    }
  });

  test('a [host] key or server without a scheme is an https endpoint, and the image host is not added after a server', () => {
    const r = resolveImage(IMAGE, files(FIXED, 'server = "srv:5000"\n[host."mirror.local:5000"]\ncapabilities = ["pull", "resolve"]\n'), stock);
    expect(r.notes).toEqual([]);
    expect(r.endpoints.map((e) => [e.source, e.scheme, e.host])).toEqual([[EndpointSource.MIRROR, 'https', 'mirror.local:5000'], [EndpointSource.SERVER, 'https', 'srv:5000']]);
    expect(firstManifestEndpoint(r, IMAGE)?.manifestRequest).toBe(`/v2/system/deckhouse/manifests/v1?ns=${encodeURIComponent(FIXED)}`);
  });

  test('a server that names no host gives the image host; a [host] key whose requests fail is passed over', () => {
    const noHost = resolveImage(IMAGE, files(FIXED, 'server = "http-srv:5000"\n[host."https://up"]\n'), { ...stock, containerdMajor: 2 });
    expect(noHost.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.MIRROR, 'up'], [EndpointSource.FALLBACK, FIXED]]);
    expect(noHost.notes).toEqual([]);
    const deadMirror = resolveImage(IMAGE, files(FIXED, '[host."http-mirror:5000"]\n[host."https://up"]\n'), stock);
    expect(deadMirror.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.MIRROR, 'up'], [EndpointSource.FALLBACK, FIXED]]);
    expect(deadMirror.notes).toEqual(['trying next host: host "http-mirror:5000" is read as scheme "http-mirror", host "": unsupported protocol scheme "http-mirror"']);
    const deadServer = resolveImage(IMAGE, files(FIXED, 'server = "httpx://srv"\n[host."https://up"]\n'), stock);
    expect(deadServer.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.MIRROR, 'up']]);
  });

  test('a server Go\'s url.Parse rejects discards the whole file, so the image host is tried', () => {
    const r = resolveImage(IMAGE, files(FIXED, 'server = "http://srv:port"\n[host."https://up"]\n'), stock);
    expect(r.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.FALLBACK, FIXED]]);
    expect(r.notes).toEqual(['failed to decode hosts.toml: unable to parse server http://srv:port: parse "http://srv:port": invalid port ":port" after host']);
  });

  test('server = "" names no server: the image host is last', () => {
    const r = resolveImage(IMAGE, files(FIXED, 'server = ""\n[host."https://up"]\n'), stock);
    expect(r.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.MIRROR, 'up'], [EndpointSource.FALLBACK, FIXED]]);
  });

  test('top-level TLS settings stay on the server endpoint (HTTPS first) and change nothing for the image host', () => {
    const srv = resolveImage(IMAGE, files(FIXED, 'server = "http://srv:5000"\nskip_verify = true\n[host]\n'), stock);
    expect(srv.endpoints).toEqual([expect.objectContaining({ source: EndpointSource.SERVER, scheme: 'http', host: 'srv:5000', tlsFirst: true })]);
    expect(srv.notes).toEqual([expect.stringMatching(/^http:\/\/srv:5000: host will try HTTPS first/)]);
    const local = 'localhost:80/app:1';
    const viaImageHost = resolveImage(local, { [`${DIR}/localhost_80_/hosts.toml`]: 'ca = "/x.crt"\n[host."https://up"]\n' }, { ...stock, containerdMajor: 2 });
    expect(viaImageHost.endpoints.map((e) => [e.source, e.scheme, e.tlsFirst])).toEqual([[EndpointSource.MIRROR, 'https', undefined], [EndpointSource.FALLBACK, 'http', undefined]]);
  });

  test('a server of the wrong type discards the whole file (it was read as no server)', () => {
    for (const [major, error] of [[1, 'Can\'t convert 5(int64) to string'], [2, 'toml: cannot decode TOML integer into a Go value of type string']] as const) {
      const r = resolveImage(IMAGE, files(FIXED, 'server = 5\n[host."https://up"]\n'), { ...stock, containerdMajor: major });
      expect(r.endpoints.map((e) => [e.source, e.host])).toEqual([[EndpointSource.FALLBACK, FIXED]]);
      expect(r.notes).toEqual([`failed to decode hosts.toml: ${error}`]);
    }
  });

  test('one discarded [host] table discards the whole file, the mirrors before it too', () => {
    const r = resolveImage(IMAGE, files(FIXED, '[host."https://a"]\n[host."https://b"]\ncapabilities = ["pul"]\n'), stock);
    expect(r.endpoints.map((e) => e.source)).toEqual([EndpointSource.FALLBACK]);
    expect(r.notes).toEqual(['failed to decode hosts.toml: unknown capability "pul"']);
  });
});
