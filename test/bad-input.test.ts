// The bad-input matrix (issue #6 §1): every setting, fed the wrong thing the way a user or a JavaScript caller
// would, must fail at construction with a RegistryValidationError whose message starts with the field path, says
// what is expected, and whose message and fields never carry a secret's value.
//
// Rows marked `bug` are known library defects (see the row's comment); they run as `test.failing`, so the suite
// stays green now and turns red the day the library is fixed, as a reminder to drop the marker.
import { testPkiFor } from '../examples/fixtures/pki';
import { App, Chart } from 'cdk8s';
import { ClusterType, ContainerdBuild, Cri, DeliveryTarget, IngressTls, RegistryMode, RegistryModule, RegistrySettings, RegistrySwitch, RegistryValidationError } from '../lib';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';

const REPO = 'registry.deckhouse.ru/deckhouse/ee';
const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }];

// Distinctive secrets: none of them may ever show up in an error message.
const SECRET_PASSWORD = 'pw-7f3a9c-DO-NOT-LEAK';
const SECRET_LICENSE = 'lic-51e0b2-DO-NOT-LEAK';
const SECRET_NUMBER = 73019284655; // a password YAML parsed as a number (`password: 73019284655`)
const SECRET_HTTP = 'httpSecretDoNotLeak0451';
const KEY_LINES = Object.values(TEST_PKI)
  .filter((p): p is { certificate: string; privateKey: string } => typeof p === 'object')
  .flatMap((p) => p.privateKey.trim().split('\n').filter((l) => !l.startsWith('-----') && l.length >= 16));
const SECRETS = [SECRET_PASSWORD, SECRET_LICENSE, String(SECRET_NUMBER), SECRET_HTTP, ...KEY_LINES];

/** Symptoms of an error thrown from inside a library or the runtime instead of the validators. */
const NOT_A_VALIDATION_ERROR = /Cannot read propert|Cannot convert|is not a function|is not iterable|is not defined|of undefined|undefined is not|\(reading '|\[object Object\]|\n\s+at /;

interface Row {
  readonly name: string;
  readonly run: () => unknown;
  /** The message must start with `<path>: `. */
  readonly path: string;
  /** What the message must say is expected. */
  readonly says: RegExp;
  /** A known library defect: the row runs as test.failing. */
  readonly bug?: string;
  /**
   * Not about one field, so a plain Error: the text is no valid ModuleConfig (YAML syntax, apiVersion) and no field
   * was validated, or the switch as a whole is refused.
   */
  readonly plain?: true;
}

const chart = () => new Chart(new App({ outdir: '/nonexistent-outdir-never-written' }), 'registry');
const settings = (registry: unknown) => () => RegistryMode.fromSettings(registry as any);
const direct = (section: unknown) => settings({ mode: 'Direct', direct: section });
const withRepo = (over: Record<string, unknown>) => direct({ imagesRepo: REPO, ...over });
const withoutModule = (props: unknown) => (props !== null && typeof props === 'object' && !Array.isArray(props) && Object.getPrototypeOf(props) === Object.prototype
  ? { target: DeliveryTarget.WITHOUT_MODULE, ...props } : props);
const registryModule = (props: unknown) => () => new RegistryModule(chart(), 'Registry', withoutModule(props) as any);
const directModule = (over: Record<string, unknown>) => () =>
  new RegistryModule(chart(), 'Registry', {
    target: DeliveryTarget.WITHOUT_MODULE, mode: RegistryMode.direct({ imagesRepo: REPO, license: SECRET_LICENSE }),
    nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI, ...over,
  } as any);
const pki = (over: Record<string, unknown>) => directModule({ pki: { ...TEST_PKI, ...over } });
const configurableUnmanaged = (over: Record<string, unknown>) => () =>
  new RegistryModule(chart(), 'Registry', { target: DeliveryTarget.WITHOUT_MODULE, mode: RegistryMode.unmanaged({ imagesRepo: REPO, username: 'puller', password: SECRET_PASSWORD }), nodeGroups: GROUPS, ...over } as any);

const registrySwitch = (props: Record<string, unknown>) => () =>
  new RegistrySwitch(new App({ outdir: '/nonexistent-outdir-never-written' }), 'Switch', { target: DeliveryTarget.WITHOUT_MODULE, images: EXAMPLE_IMAGES, pki: TEST_PKI, nodeGroups: GROUPS, ...props } as any);
const ee = () => RegistryMode.direct({ imagesRepo: REPO, license: SECRET_LICENSE });
const nodeServicesProps = { clusterType: ClusterType.STATIC, nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: testPkiFor([{ name: 'master-0', address: '10.0.0.10' }]), controlPlane: [{ name: 'master-0', address: '10.0.0.10' }] };
const proxyModule = (over: Record<string, unknown>) => registryModule({ mode: RegistryMode.proxy({ imagesRepo: REPO, license: SECRET_LICENSE }), ...nodeServicesProps, ...over });
const localModule = (ingress: Record<string, unknown>) => registryModule({
  mode: RegistryMode.local(), ...nodeServicesProps, ingress: { publicDomainTemplate: '%s.kube.example.com', clientCa: TEST_UPSTREAM_CA, ...ingress },
});

const moduleConfig = (passwordLine: string, apiVersion = 'deckhouse.io/v1alpha1') => () => RegistrySettings.fromModuleConfig([
  `apiVersion: ${apiVersion}`, 'kind: ModuleConfig', 'metadata: { name: deckhouse }', 'spec:', '  settings:', '    registry:', '      mode: Direct',
  '      direct:', '        imagesRepo: r.example.com/x', '        username: u', `        ${passwordLine}`, '',
].join('\n'), 'mc.yaml');
const BOMB = `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata: { name: deckhouse }\na: &a [${Array(9).fill('"lol"').join(',')}]\nb: &b [${Array(9).fill('*a').join(',')}]\nc: &c [${Array(9).fill('*b').join(',')}]\nd: [${Array(9).fill('*c').join(',')}]\n`;

const REPO_FORMAT = /expected host\[:port\]\/path/;
const PEM_CERTS = /expected one PEM certificate/;

const ROWS: Row[] = [
  // ---- registry (RegistryMode.fromSettings: the ModuleConfig document) ----
  { name: 'registry is a string', run: settings('Direct'), path: 'registry', says: /expected an object with mode/ },
  { name: 'registry is an array', run: settings([{ mode: 'Direct' }]), path: 'registry', says: /expected an object.*got an array/ },
  { name: 'registry is null', run: settings(null), path: 'registry', says: /expected an object.*got null/ },
  { name: 'registry is a number', run: settings(42), path: 'registry', says: /expected an object.*got number 42/ },
  { name: 'registry has an unknown field', run: settings({ mode: 'Direct', drect: {} }), path: 'registry.drect', says: /unknown field; expected one of mode, direct, unmanaged, proxy/ },
  { name: 'registry has a JSON __proto__ key', run: settings(JSON.parse('{"mode":"Unmanaged","__proto__":{"mode":"Direct"}}')), path: 'registry.__proto__', says: /unknown field/ },
  { name: 'mode in lower case', run: settings({ mode: 'direct', direct: { imagesRepo: REPO } }), path: 'registry.mode', says: /did you mean "Direct"/ },
  { name: 'mode in upper case', run: settings({ mode: 'UNMANAGED' }), path: 'registry.mode', says: /did you mean "Unmanaged"/ },
  { name: 'mode unknown', run: settings({ mode: 'Mirror' }), path: 'registry.mode', says: /expected one of "Unmanaged" or "Direct" or "Proxy" or "Local"/ },
  { name: 'mode is a number', run: settings({ mode: 1 }), path: 'registry.mode', says: /expected one of .*got number 1/ },
  { name: 'mode is null', run: settings({ mode: null }), path: 'registry.mode', says: /expected one of .*got null/ },
  { name: 'mode is an empty string', run: settings({ mode: '' }), path: 'registry.mode', says: /expected one of .*got an empty string/ },
  { name: 'Direct without its section', run: settings({ mode: 'Direct' }), path: 'registry.direct', says: /the 'direct' section must be specified/ },
  { name: 'direct section in Unmanaged mode', run: settings({ mode: 'Unmanaged', direct: { imagesRepo: REPO } }), path: 'registry.direct', says: /must be omitted/ },
  { name: 'unmanaged section in Direct mode', run: settings({ mode: 'Direct', direct: { imagesRepo: REPO }, unmanaged: { imagesRepo: REPO } }), path: 'registry.unmanaged', says: /must be omitted/ },
  { name: 'direct section is null', run: () => RegistryMode.direct(null as any), path: 'registry.direct', says: /expected an object with imagesRepo/ },
  { name: 'direct section is a string', run: () => RegistryMode.direct(REPO as any), path: 'registry.direct', says: /expected an object with imagesRepo/ },
  { name: 'direct section is an array', run: direct([REPO]), path: 'registry.direct', says: /expected an object.*got an array/ },
  { name: 'unknown section field (typo imageRepo)', run: direct({ imageRepo: REPO }), path: 'registry.direct.imageRepo', says: /unknown field; expected one of imagesRepo/ },
  { name: 'ttl outside the proxy section', run: withRepo({ ttl: '1h' }), path: 'registry.direct.ttl', says: /unknown field/ },

  // ---- imagesRepo ----
  { name: 'imagesRepo missing', run: direct({ license: SECRET_LICENSE }), path: 'registry.direct.imagesRepo', says: /'imagesRepo' is required/ },
  { name: 'imagesRepo empty', run: direct({ imagesRepo: '' }), path: 'registry.direct.imagesRepo', says: /expected host\[:port\]\/path.*got an empty string/ },
  { name: 'imagesRepo with https:// prefix', run: direct({ imagesRepo: `https://${REPO}` }), path: 'registry.direct.imagesRepo', says: /the scheme belongs in 'scheme'/ },
  { name: 'imagesRepo with http:// prefix and port', run: direct({ imagesRepo: 'http://mirror.local:5000/dkp' }), path: 'registry.direct.imagesRepo', says: /the scheme belongs in 'scheme'/ },
  { name: 'imagesRepo with upper-case scheme prefix', run: direct({ imagesRepo: `HTTPS://${REPO}` }), path: 'registry.direct.imagesRepo', says: /the scheme belongs in 'scheme'/ },
  { name: 'imagesRepo with a trailing slash', run: direct({ imagesRepo: `${REPO}/` }), path: 'registry.direct.imagesRepo', says: /without a scheme or trailing slash/ },
  { name: 'imagesRepo with a space inside', run: direct({ imagesRepo: 'registry example.com/x' }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with a leading space', run: direct({ imagesRepo: ` ${REPO}` }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with a trailing newline', run: direct({ imagesRepo: `${REPO}\n` }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with port 0', run: direct({ imagesRepo: 'r.example:0/x' }), path: 'registry.direct.imagesRepo', says: /a port from 1 to 65535/ },
  { name: 'imagesRepo with port 65536', run: direct({ imagesRepo: 'r.example:65536/x' }), path: 'registry.direct.imagesRepo', says: /a port from 1 to 65535/ },
  { name: 'imagesRepo with a six-digit port', run: direct({ imagesRepo: 'r.example:123456/x' }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with a non-numeric port', run: direct({ imagesRepo: 'r.example:https/x' }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with an empty port', run: direct({ imagesRepo: 'r.example:/x' }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo without a repository path', run: direct({ imagesRepo: 'r.example:5000' }), path: 'registry.direct.imagesRepo', says: /a repository path is required/ },
  { name: 'imagesRepo with a double slash', run: direct({ imagesRepo: 'r.example//x' }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with a tag', run: direct({ imagesRepo: `${REPO}:v1.2` }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo with non-ASCII host', run: direct({ imagesRepo: 'régistry.example/x' }), path: 'registry.direct.imagesRepo', says: REPO_FORMAT },
  { name: 'imagesRepo is a number', run: direct({ imagesRepo: 5000 }), path: 'registry.direct.imagesRepo', says: /expected host.*got number 5000/ },
  { name: 'imagesRepo is an array', run: direct({ imagesRepo: [REPO] }), path: 'registry.direct.imagesRepo', says: /got an array of 1 item/ },
  { name: 'imagesRepo is null', run: direct({ imagesRepo: null }), path: 'registry.direct.imagesRepo', says: /got null/ },
  { name: 'imagesRepo is an object', run: direct({ imagesRepo: { host: 'r.example', path: '/x' } }), path: 'registry.direct.imagesRepo', says: /got an object/ },
  {
    name: 'imagesRepo with user:password@ (copied from a docker login URL)', run: direct({ imagesRepo: `puller:${SECRET_PASSWORD}@registry.example.com/x` }),
    path: 'registry.direct.imagesRepo', says: REPO_FORMAT,
  },
  {
    name: 'imagesRepo https://user:password@host/path', run: direct({ imagesRepo: `https://puller:${SECRET_PASSWORD}@registry.example.com/x` }),
    path: 'registry.direct.imagesRepo', says: /the scheme belongs in 'scheme'/,
  },
  {
    name: 'imagesRepo user:password@ whose password holds "@" (nothing after the first @ is echoed)', run: direct({ imagesRepo: `puller:p@${SECRET_PASSWORD}@registry.example.com/x` }),
    path: 'registry.direct.imagesRepo', says: /user information \(value hidden\)/,
  },
  {
    name: 'imagesRepo user:password@ whose password holds "/" (the host check alone would miss it)', run: direct({ imagesRepo: `puller:p/${SECRET_PASSWORD}@registry.example.com/x` }),
    path: 'registry.direct.imagesRepo', says: /user information \(value hidden\)/,
  },
  {
    name: 'configurable Unmanaged imagesRepo host ".." (path traversal)', run: () => RegistryMode.unmanaged({ imagesRepo: '../x' }),
    path: 'registry.unmanaged.imagesRepo', says: REPO_FORMAT,
  },
  {
    name: 'Direct imagesRepo host ".."', run: () => RegistryMode.direct({ imagesRepo: '../x' }),
    path: 'registry.direct.imagesRepo', says: REPO_FORMAT,
  },
  { name: 'configurable Unmanaged imagesRepo with a scheme', run: () => RegistryMode.unmanaged({ imagesRepo: 'http://x/y' }), path: 'registry.unmanaged.imagesRepo', says: /the scheme belongs in 'scheme'/ },
  { name: 'Proxy imagesRepo without a path', run: () => RegistryMode.proxy({ imagesRepo: 'r.example' }), path: 'registry.proxy.imagesRepo', says: /a repository path is required/ },

  // ---- scheme, checkMode ----
  { name: 'scheme in lower case', run: withRepo({ scheme: 'https' }), path: 'registry.direct.scheme', says: /did you mean "HTTPS"/ },
  { name: 'scheme unknown', run: withRepo({ scheme: 'FTP' }), path: 'registry.direct.scheme', says: /expected one of "HTTP" or "HTTPS"/ },
  { name: 'scheme is a boolean', run: withRepo({ scheme: true }), path: 'registry.direct.scheme', says: /expected one of "HTTP" or "HTTPS".*got boolean true/ },
  { name: 'scheme is an empty string', run: withRepo({ scheme: '' }), path: 'registry.direct.scheme', says: /expected one of "HTTP" or "HTTPS"/ },
  { name: 'checkMode in lower case', run: withRepo({ checkMode: 'relax' }), path: 'registry.direct.checkMode', says: /did you mean "Relax"/ },
  { name: 'checkMode unknown', run: withRepo({ checkMode: 'Strict' }), path: 'registry.direct.checkMode', says: /expected one of "Default" or "Relax"/ },

  // ---- ca ----
  { name: 'ca is a private key', run: withRepo({ ca: TEST_PKI.ca.privateKey }), path: 'registry.direct.ca', says: /block 1 is a private key/ },
  { name: 'ca bundle ends with a private key', run: withRepo({ ca: TEST_UPSTREAM_CA + TEST_PKI.token.privateKey }), path: 'registry.direct.ca', says: /block 2 is a private key/ },
  { name: 'ca is garbage', run: withRepo({ ca: 'not a certificate' }), path: 'registry.direct.ca', says: /found text outside the PEM blocks/ },
  { name: 'ca has text before the PEM block', run: withRepo({ ca: `subject=CN=x\n${TEST_UPSTREAM_CA}` }), path: 'registry.direct.ca', says: /found text outside the PEM blocks/ },
  { name: 'ca with a broken body', run: withRepo({ ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), path: 'registry.direct.ca', says: /not a valid X\.509 certificate/ },
  { name: 'ca with mismatched BEGIN/END labels', run: withRepo({ ca: TEST_UPSTREAM_CA.replace('END CERTIFICATE', 'END X509 CRL') }), path: 'registry.direct.ca', says: /opens as "CERTIFICATE" but closes as "X509 CRL"/ },
  { name: 'ca is a public key', run: withRepo({ ca: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }), path: 'registry.direct.ca', says: /is a "PUBLIC KEY" block/ },
  { name: 'ca is empty', run: withRepo({ ca: '' }), path: 'registry.direct.ca', says: PEM_CERTS },
  { name: 'ca is whitespace', run: withRepo({ ca: ' \n\t' }), path: 'registry.direct.ca', says: PEM_CERTS },
  { name: 'ca is an array of PEM strings', run: withRepo({ ca: [TEST_UPSTREAM_CA] }), path: 'registry.direct.ca', says: /expected one PEM certificate.*got an array/ },
  { name: 'ca is a Buffer', run: withRepo({ ca: Buffer.from(TEST_UPSTREAM_CA) }), path: 'registry.direct.ca', says: PEM_CERTS },

  // ---- license, username, password ----
  { name: 'licence together with username and password', run: withRepo({ license: SECRET_LICENSE, username: 'u', password: SECRET_PASSWORD }), path: 'registry.direct', says: /'license' and 'username'\/'password' are mutually exclusive/ },
  { name: 'licence together with a username', run: withRepo({ license: SECRET_LICENSE, username: 'u' }), path: 'registry.direct', says: /mutually exclusive/ },
  { name: 'licence together with a password', run: withRepo({ license: SECRET_LICENSE, password: SECRET_PASSWORD }), path: 'registry.direct', says: /mutually exclusive/ },
  { name: 'licence empty', run: withRepo({ license: '' }), path: 'registry.direct.license', says: /expected a non-empty string \(a licence key\)/ },
  { name: 'licence with a trailing newline', run: withRepo({ license: `${SECRET_LICENSE}\n` }), path: 'registry.direct.license', says: /without control characters/ },
  { name: 'licence with a NUL', run: withRepo({ license: `${SECRET_LICENSE}\u0000` }), path: 'registry.direct.license', says: /without control characters/ },
  { name: 'licence is null', run: withRepo({ license: null }), path: 'registry.direct.license', says: /expected a non-empty string.*got null/ },
  { name: 'licence is an object', run: withRepo({ license: { key: SECRET_LICENSE } }), path: 'registry.direct.license', says: /expected a non-empty string.*got an object/ },
  {
    name: 'licence is a number (unquoted in YAML)', run: withRepo({ license: SECRET_NUMBER }), path: 'registry.direct.license', says: /expected a non-empty string/,
  },
  { name: 'username without password', run: withRepo({ username: 'puller' }), path: 'registry.direct.password', says: /'password' is required when 'username' is provided/ },
  { name: 'password without username', run: withRepo({ password: SECRET_PASSWORD }), path: 'registry.direct.username', says: /'username' is required when 'password' is provided/ },
  { name: 'username empty', run: withRepo({ username: '', password: SECRET_PASSWORD }), path: 'registry.direct.username', says: /expected a non-empty string \(a registry username\)/ },
  { name: 'username with a newline', run: withRepo({ username: 'pul\nler', password: SECRET_PASSWORD }), path: 'registry.direct.username', says: /without control characters/ },
  { name: 'username is a number', run: withRepo({ username: 42, password: SECRET_PASSWORD }), path: 'registry.direct.username', says: /expected a non-empty string/ },
  { name: 'username is an array', run: withRepo({ username: ['puller'], password: SECRET_PASSWORD }), path: 'registry.direct.username', says: /got an array/ },
  { name: 'username with a colon', run: withRepo({ username: 'a:b', password: SECRET_PASSWORD }), path: 'registry.direct.username', says: /a username without ":"/ },
  {
    name: 'username that is user:password (pasted basic-auth pair)', run: withRepo({ username: `puller:${SECRET_PASSWORD}`, password: SECRET_PASSWORD }),
    path: 'registry.direct.username', says: /a username without ":"/,
  },
  { name: 'password empty', run: withRepo({ username: 'puller', password: '' }), path: 'registry.direct.password', says: /expected a non-empty string \(the registry password\)/ },
  { name: 'password with a newline', run: withRepo({ username: 'puller', password: `${SECRET_PASSWORD}\n` }), path: 'registry.direct.password', says: /without control characters/ },
  { name: 'password with a tab', run: withRepo({ username: 'puller', password: `${SECRET_PASSWORD}\t` }), path: 'registry.direct.password', says: /without control characters/ },
  { name: 'password with DEL', run: withRepo({ username: 'puller', password: `${SECRET_PASSWORD}\u007f` }), path: 'registry.direct.password', says: /without control characters/ },
  { name: 'password with an escape sequence', run: withRepo({ username: 'puller', password: `\u001b[31m${SECRET_PASSWORD}` }), path: 'registry.direct.password', says: /without control characters/ },
  { name: 'password is null', run: withRepo({ username: 'puller', password: null }), path: 'registry.direct.password', says: /expected a non-empty string.*got null/ },
  { name: 'password is an array', run: withRepo({ username: 'puller', password: [SECRET_PASSWORD] }), path: 'registry.direct.password', says: /got an array/ },
  { name: 'password is an object', run: withRepo({ username: 'puller', password: { value: SECRET_PASSWORD } }), path: 'registry.direct.password', says: /got an object/ },
  {
    name: 'password is a number (unquoted in YAML)', run: withRepo({ username: 'puller', password: SECRET_NUMBER }), path: 'registry.direct.password', says: /expected a non-empty string/,
  },
  {
    name: 'password is a bigint', run: withRepo({ username: 'puller', password: BigInt(SECRET_NUMBER) }), path: 'registry.direct.password', says: /expected a non-empty string/,
  },
  {
    name: 'password that is not well-formed Unicode (lone surrogate)', run: withRepo({ username: 'puller', password: `${SECRET_PASSWORD}\uD800` }),
    path: 'registry.direct.password', says: /expected/,
  },
  { name: 'configurable Unmanaged password with a newline', run: () => RegistryMode.unmanaged({ imagesRepo: REPO, username: 'u', password: `${SECRET_PASSWORD}\r\n` }), path: 'registry.unmanaged.password', says: /without control characters/ },

  // ---- proxy ttl ----
  { name: 'ttl under 5 minutes', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '4m59s' }), path: 'registry.proxy.ttl', says: /at least 5 minutes/ },
  { name: 'ttl in seconds under 5 minutes', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '299s' }), path: 'registry.proxy.ttl', says: /at least 5 minutes/ },
  { name: 'ttl zero', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '0h' }), path: 'registry.proxy.ttl', says: /at least 5 minutes/ },
  { name: 'ttl in days', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '7d' }), path: 'registry.proxy.ttl', says: /expected a duration such as "168h"/ },
  { name: 'ttl units out of order', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '30m1h' }), path: 'registry.proxy.ttl', says: /expected a duration/ },
  { name: 'ttl is a number of seconds', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: 3600 as any }), path: 'registry.proxy.ttl', says: /expected a duration.*got number 3600/ },
  { name: 'ttl empty', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '' }), path: 'registry.proxy.ttl', says: /expected a duration/ },

  // ---- RegistryModule props ----
  { name: 'props is a string', run: registryModule('Direct'), path: 'props', says: /expected an object/ },
  {
    name: 'props is null', run: registryModule(null), path: 'props', says: /expected an object/,
  },
  {
    name: 'mode is a string', run: registryModule({ mode: 'Direct' }), path: 'mode', says: /expected mode to be a RegistryMode/,
  },
  {
    name: 'mode is a settings object instead of a RegistryMode', run: registryModule({ mode: { mode: 'Direct', direct: { imagesRepo: REPO } } }), path: 'mode', says: /expected mode to be a RegistryMode/,
  },
  {
    name: 'unknown prop (typo nodeGroup)', run: registryModule({ nodeGroup: [{ name: 'worker', cri: Cri.DOCKER }] }), path: 'nodeGroup', says: /unknown/,
  },
  {
    name: 'unknown prop (settings field at the top level)', run: registryModule({ imagesRepo: REPO }), path: 'imagesRepo', says: /unknown/,
  },

  // ---- nodeGroups ----
  { name: 'nodeGroups empty', run: registryModule({ nodeGroups: [] }), path: 'nodeGroups', says: /expected a non-empty array of \{ name, cri \}/ },
  { name: 'nodeGroups is a string', run: registryModule({ nodeGroups: 'master' }), path: 'nodeGroups', says: /expected a non-empty array/ },
  { name: 'nodeGroups is an object', run: registryModule({ nodeGroups: { name: 'master' } }), path: 'nodeGroups', says: /expected a non-empty array.*got an object/ },
  { name: 'nodeGroups is null', run: registryModule({ nodeGroups: null }), path: 'nodeGroups', says: /expected a non-empty array.*got null/ },
  { name: 'node group is a string', run: registryModule({ nodeGroups: ['master'] }), path: 'nodeGroups[0]', says: /expected an object \{ name, cri \}/ },
  { name: 'node group is null', run: registryModule({ nodeGroups: [{ name: 'master' }, null] }), path: 'nodeGroups[1]', says: /expected an object/ },
  { name: 'node group has an unknown key', run: registryModule({ nodeGroups: [{ name: 'master', runtime: 'Containerd' }] }), path: 'nodeGroups[0].runtime', says: /unknown field; expected one of name, cri/ },
  { name: 'node group without a name', run: registryModule({ nodeGroups: [{ cri: Cri.CONTAINERD }] }), path: 'nodeGroups[0].name', says: /expected a node group name.*got nothing/ },
  { name: 'node group name upper case', run: registryModule({ nodeGroups: [{ name: 'Worker' }] }), path: 'nodeGroups[0].name', says: /lower-case letters, digits and "-"/ },
  { name: 'node group name with underscore', run: registryModule({ nodeGroups: [{ name: 'big_workers' }] }), path: 'nodeGroups[0].name', says: /expected a node group name/ },
  { name: 'node group name starting with "-"', run: registryModule({ nodeGroups: [{ name: '-worker' }] }), path: 'nodeGroups[0].name', says: /starting and ending with a letter or digit/ },
  { name: 'node group name with a dot', run: registryModule({ nodeGroups: [{ name: 'a.b' }] }), path: 'nodeGroups[0].name', says: /expected a node group name/ },
  { name: 'node group name of 64 characters', run: registryModule({ nodeGroups: [{ name: 'a'.repeat(64) }] }), path: 'nodeGroups[0].name', says: /at most 63 characters/ },
  { name: 'node group name with a shell metacharacter', run: registryModule({ nodeGroups: [{ name: 'w$(id)' }] }), path: 'nodeGroups[0].name', says: /expected a node group name/ },
  { name: 'node group name is a number', run: registryModule({ nodeGroups: [{ name: 1 }] }), path: 'nodeGroups[0].name', says: /expected a node group name.*got number 1/ },
  { name: 'duplicate node group names', run: registryModule({ nodeGroups: [{ name: 'master' }, { name: 'worker' }, { name: 'master', cri: Cri.CONTAINERD_V2 }] }), path: 'nodeGroups[2].name', says: /node group "master" is listed twice/ },
  { name: 'cri in lower case', run: registryModule({ nodeGroups: [{ name: 'master', cri: 'containerd' }] }), path: 'nodeGroups[0].cri', says: /did you mean "Containerd"/ },
  { name: 'cri unsupported (CRI-O)', run: registryModule({ nodeGroups: [{ name: 'master' }, { name: 'w', cri: 'CRI-O' }] }), path: 'nodeGroups[1].cri', says: /expected one of "Containerd" or "ContainerdV2" or "Docker" or "NotManaged"/ },
  { name: 'cri is null', run: registryModule({ nodeGroups: [{ name: 'master', cri: null }] }), path: 'nodeGroups[0].cri', says: /expected one of .*got null/ },
  { name: 'Docker node group in Direct mode', run: directModule({ nodeGroups: [{ name: 'master' }, { name: 'legacy', cri: Cri.DOCKER }] }), path: 'nodeGroups[1].cri', says: /managed modes .* need containerd on all nodes/ },
  { name: 'NotManaged node group in Direct mode', run: directModule({ nodeGroups: [{ name: 'master', cri: Cri.NOT_MANAGED }] }), path: 'nodeGroups[0].cri', says: /need containerd on all nodes/ },
  {
    name: 'nodeGroups is a sparse array (JavaScript hole)', run: configurableUnmanaged({ nodeGroups: [, { name: 'worker' }] }), // eslint-disable-line no-sparse-arrays
    path: 'nodeGroups[0]', says: /expected an object/,
  },

  // ---- controlPlaneNodes, clusterType, customTolerationKeys, verticalPodAutoscaler ----
  { name: 'controlPlaneNodes zero', run: registryModule({ controlPlaneNodes: 0 }), path: 'controlPlaneNodes', says: /a whole number of control-plane nodes from 1 to 99/ },
  { name: 'controlPlaneNodes 100', run: registryModule({ controlPlaneNodes: 100 }), path: 'controlPlaneNodes', says: /from 1 to 99.*got number 100/ },
  { name: 'controlPlaneNodes fractional', run: registryModule({ controlPlaneNodes: 1.5 }), path: 'controlPlaneNodes', says: /a whole number/ },
  { name: 'controlPlaneNodes is a string', run: registryModule({ controlPlaneNodes: '3' }), path: 'controlPlaneNodes', says: /a whole number.*got "3"/ },
  { name: 'controlPlaneNodes NaN', run: registryModule({ controlPlaneNodes: NaN }), path: 'controlPlaneNodes', says: /a whole number/ },
  { name: 'controlPlaneNodes Infinity', run: registryModule({ controlPlaneNodes: Infinity }), path: 'controlPlaneNodes', says: /a whole number/ },
  { name: 'clusterType in lower case', run: registryModule({ clusterType: 'static' }), path: 'clusterType', says: /did you mean "Static"/ },
  { name: 'clusterType unknown', run: registryModule({ clusterType: 'BareMetal' }), path: 'clusterType', says: /expected one of "Cloud" or "Static"/ },
  { name: 'Proxy on a cloud cluster', run: registryModule({ mode: RegistryMode.proxy({ imagesRepo: REPO }), clusterType: ClusterType.CLOUD }), path: 'clusterType', says: /unsupported for non-static clusters/ },
  { name: 'customTolerationKeys is a string', run: registryModule({ customTolerationKeys: 'dedicated' }), path: 'customTolerationKeys', says: /an array of taint keys/ },
  { name: 'customTolerationKeys has an empty key', run: registryModule({ customTolerationKeys: ['ok', ''] }), path: 'customTolerationKeys[1]', says: /a taint key/ },
  { name: 'customTolerationKeys has a key with a space', run: registryModule({ customTolerationKeys: ['dedicated key'] }), path: 'customTolerationKeys[0]', says: /a taint key/ },
  { name: 'customTolerationKeys has a number', run: registryModule({ customTolerationKeys: [42] }), path: 'customTolerationKeys[0]', says: /a taint key.*got number 42/ },
  { name: 'verticalPodAutoscaler is a string', run: registryModule({ verticalPodAutoscaler: 'true' }), path: 'verticalPodAutoscaler', says: /true or false/ },
  { name: 'verticalPodAutoscaler is 1', run: registryModule({ verticalPodAutoscaler: 1 }), path: 'verticalPodAutoscaler', says: /true or false.*got number 1/ },

  // ---- images ----
  { name: 'images missing in Direct', run: directModule({ images: undefined }), path: 'images', says: /needs the digests of its images/ },
  { name: 'images is null', run: directModule({ images: null }), path: 'images', says: /expected an object \{ dockerDistribution, dockerAuth \}/ },
  { name: 'image digest too short', run: directModule({ images: { ...EXAMPLE_IMAGES, dockerDistribution: 'sha256:abc' } }), path: 'images.dockerDistribution', says: /sha256:<64 lower-case hex digits>/ },
  { name: 'image digest upper-case hex', run: directModule({ images: { ...EXAMPLE_IMAGES, dockerAuth: `sha256:${'AB'.repeat(32)}` } }), path: 'images.dockerAuth', says: /lower-case hex/ },
  { name: 'image reference instead of a digest', run: directModule({ images: { ...EXAMPLE_IMAGES, dockerAuth: 'registry.example/auth:v1' } }), path: 'images.dockerAuth', says: /an image digest/ },
  { name: 'image digest missing', run: directModule({ images: { dockerDistribution: EXAMPLE_IMAGES.dockerDistribution } }), path: 'images.dockerAuth', says: /an image digest.*got nothing/ },
  { name: 'images has an unknown key', run: directModule({ images: { ...EXAMPLE_IMAGES, tag: 'v1' } }), path: 'images.tag', says: /unknown field/ },

  // ---- pki ----
  { name: 'pki missing in Direct', run: directModule({ pki: undefined }), path: 'pki', says: /needs the module's PKI/ },
  { name: 'pki is a string', run: directModule({ pki: TEST_PKI.ca.certificate }), path: 'pki', says: /expected an object \{ ca, token, auth, distribution \}/ },
  { name: 'pki without ca', run: directModule({ pki: { token: TEST_PKI.token, auth: TEST_PKI.auth, distribution: TEST_PKI.distribution } }), path: 'pki.ca', says: /expected an object \{ certificate, privateKey \}.*got nothing/ },
  { name: 'pki has an unknown key', run: pki({ caKey: TEST_PKI.ca.privateKey }), path: 'pki.caKey', says: /unknown field/ },
  { name: 'pki.ca certificate is a private key', run: pki({ ca: { certificate: TEST_PKI.ca.privateKey, privateKey: TEST_PKI.ca.privateKey } }), path: 'pki.ca.certificate', says: /block 1 is a private key/ },
  { name: 'pki.ca private key is a certificate', run: pki({ ca: { certificate: TEST_PKI.ca.certificate, privateKey: TEST_PKI.ca.certificate } }), path: 'pki.ca.privateKey', says: /expected one PEM private key; found a "CERTIFICATE" block/ },
  { name: 'pki.ca private key is garbage', run: pki({ ca: { certificate: TEST_PKI.ca.certificate, privateKey: 'hunter2' } }), path: 'pki.ca.privateKey', says: /expected one PEM private key/ },
  { name: 'pki.ca private key does not parse', run: pki({ ca: { certificate: TEST_PKI.ca.certificate, privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' } }), path: 'pki.ca.privateKey', says: /does not parse \(content hidden\)/ },
  { name: 'pki.ca private key of another certificate', run: pki({ ca: { certificate: TEST_PKI.ca.certificate, privateKey: TEST_PKI.token.privateKey } }), path: 'pki.ca.privateKey', says: /does not belong to the certificate/ },
  { name: 'pki.ca certificate is two certificates', run: pki({ ca: { certificate: TEST_PKI.ca.certificate + TEST_UPSTREAM_CA, privateKey: TEST_PKI.ca.privateKey } }), path: 'pki.ca.certificate', says: /expected one PEM certificate, found 2/ },
  { name: 'pki.token not signed by pki.ca', run: pki({ ca: TEST_PKI.auth }), path: 'pki.token.certificate', says: /not signed by pki\.ca/ },
  { name: 'pki.auth without the required SANs', run: pki({ auth: TEST_PKI.token }), path: 'pki.auth.certificate', says: /must be valid for "localhost"/ },
  { name: 'pki.distribution is a string', run: pki({ distribution: TEST_PKI.distribution.certificate }), path: 'pki.distribution', says: /expected an object \{ certificate, privateKey \}/ },
  { name: 'pki.httpSecret too short', run: pki({ httpSecret: 'abc' }), path: 'pki.httpSecret', says: /at least 16 characters from \[a-zA-Z0-9\]/ },
  { name: 'pki.httpSecret with punctuation', run: pki({ httpSecret: `${SECRET_HTTP}!` }), path: 'pki.httpSecret', says: /at least 16 characters from \[a-zA-Z0-9\]/ },
  {
    name: 'pki.httpSecret is a number', run: pki({ httpSecret: SECRET_NUMBER }), path: 'pki.httpSecret', says: /at least 16 characters/,
  },

  // ---- containerdBuild, nodeConfigurationWeight ----
  { name: 'containerdBuild in lower case (default Unmanaged)', run: registryModule({ containerdBuild: 'stock' }), path: 'containerdBuild', says: /did you mean "Stock"/ },
  { name: 'containerdBuild unknown (configurable Unmanaged)', run: configurableUnmanaged({ containerdBuild: 'Upstream' }), path: 'containerdBuild', says: /expected one of "Deckhouse" or "Stock"/ },
  { name: 'stock containerd with a mode that needs hosts.toml auth', run: directModule({ containerdBuild: ContainerdBuild.STOCK }), path: 'containerdBuild', says: /stock containerd ignores hosts\.toml auth.*ContainerdBuild\.DECKHOUSE/ },
  { name: 'containerdBuild in lower case (Direct)', run: directModule({ containerdBuild: 'deckhouse' }), path: 'containerdBuild', says: /did you mean "Deckhouse"/ },
  { name: 'containerdBuild is a number (Direct)', run: directModule({ containerdBuild: 1 }), path: 'containerdBuild', says: /expected one of "Deckhouse" or "Stock".*got number 1/ },
  { name: 'nodeConfigurationWeight negative', run: registryModule({ nodeConfigurationWeight: -1 }), path: 'nodeConfigurationWeight', says: /a whole number from 0 to 9999/ },
  { name: 'nodeConfigurationWeight 10000', run: configurableUnmanaged({ nodeConfigurationWeight: 10000 }), path: 'nodeConfigurationWeight', says: /from 0 to 9999.*got number 10000/ },
  { name: 'nodeConfigurationWeight fractional', run: directModule({ nodeConfigurationWeight: 2.5 }), path: 'nodeConfigurationWeight', says: /a whole number/ },
  { name: 'nodeConfigurationWeight is a string', run: registryModule({ nodeConfigurationWeight: '30' }), path: 'nodeConfigurationWeight', says: /a whole number.*got "30"/ },

  // ---- RegistrySwitch props (the same settings and cluster facts, plus from/to/bootstrapRegistry) ----
  { name: 'switch: from is a string', run: registrySwitch({ from: 'Unmanaged', to: ee() }), path: 'from', says: /expected a RegistryMode/ },
  { name: 'switch: to is missing', run: registrySwitch({ from: RegistryMode.unmanaged() }), path: 'to', says: /expected a RegistryMode/ },
  { name: 'switch: from and to are the same', run: registrySwitch({ from: ee(), to: ee() }), path: 'switch', says: /from and to are the same settings/, plain: true },
  { name: 'switch: bootstrapRegistry when from is not default Unmanaged', run: registrySwitch({ from: ee(), to: RegistryMode.unmanaged({ imagesRepo: REPO }), bootstrapRegistry: { imagesRepo: REPO } }), path: 'bootstrapRegistry', says: /only meaningful when from is the default Unmanaged mode/ },
  {
    name: 'switch: bootstrapRegistry imagesRepo with a scheme', run: registrySwitch({ from: RegistryMode.unmanaged(), to: ee(), bootstrapRegistry: { imagesRepo: `https://${REPO}` } }),
    path: 'bootstrapRegistry.imagesRepo', says: /the scheme belongs in 'scheme'/,
  },
  {
    name: 'switch: bootstrapRegistry password is a number', run: registrySwitch({ from: RegistryMode.unmanaged(), to: ee(), bootstrapRegistry: { imagesRepo: REPO, username: 'u', password: SECRET_NUMBER } }),
    path: 'bootstrapRegistry.password', says: /expected a non-empty string/,
  },
  { name: 'switch: Docker node group into Direct', run: registrySwitch({ from: RegistryMode.unmanaged(), to: ee(), nodeGroups: [{ name: 'master' }, { name: 'legacy', cri: Cri.DOCKER }] }), path: 'nodeGroups[1].cri', says: /need containerd on all nodes/ },
  { name: 'switch: into Direct without pki', run: registrySwitch({ from: RegistryMode.unmanaged(), to: ee(), pki: undefined }), path: 'pki', says: /needs the module's PKI/ },
  { name: 'switch: nodeConfigurationWeight negative', run: registrySwitch({ from: RegistryMode.unmanaged(), to: ee(), nodeConfigurationWeight: -3 }), path: 'nodeConfigurationWeight', says: /a whole number from 0 to 9999/ },
  {
    name: 'switch: unknown prop (typo form)', run: registrySwitch({ form: RegistryMode.unmanaged(), from: RegistryMode.unmanaged(), to: ee() }), path: 'form', says: /unknown/,
  },

  // ---- issue 12, item 9: limits as Kubernetes and Go define them ----
  { name: 'imagesRepo host over 253 characters', run: withRepo({ imagesRepo: `${Array(5).fill('a'.repeat(60)).join('.')}.example.com/dkp` }), path: 'registry.direct.imagesRepo', says: /a DNS name of at most 253 characters with labels of at most 63.*got a host of 316 characters/ },
  { name: 'imagesRepo host label over 63 characters', run: withRepo({ imagesRepo: `${'a'.repeat(64)}.example.com/dkp` }), path: 'registry.direct.imagesRepo', says: /labels of at most 63.*longest label has 64/ },
  { name: 'ttl that overflows Go\'s time.ParseDuration (2562048h)', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '2562048h' }), path: 'registry.proxy.ttl', says: /a duration Go's time\.ParseDuration accepts \(at most 2562047h47m16s/ },
  { name: 'ttl of 2562047h48m (just past Go\'s range)', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '2562047h48m' }), path: 'registry.proxy.ttl', says: /time\.ParseDuration/ },
  { name: 'ttl with a huge seconds component', run: () => RegistryMode.proxy({ imagesRepo: REPO, ttl: '99999999999999999999s' }), path: 'registry.proxy.ttl', says: /time\.ParseDuration/ },
  { name: 'a 1 MB password (Secrets hold at most 1 MiB)', run: withRepo({ username: 'u', password: `${SECRET_PASSWORD}${'x'.repeat(1_000_000)}` }), path: 'registry.direct.password', says: /at most 131072 bytes \(128 KiB\): Kubernetes caps a Secret's data at 1 MiB/ },
  { name: 'a 1 MB licence', run: withRepo({ license: `${SECRET_LICENSE}${'x'.repeat(1_000_000)}` }), path: 'registry.direct.license', says: /at most 131072 bytes/ },
  { name: 'a 1 MB CA bundle', run: withRepo({ ca: TEST_UPSTREAM_CA.repeat(1 + Math.ceil(1_000_000 / TEST_UPSTREAM_CA.length)) }), path: 'registry.direct.ca', says: /at most 131072 bytes.*got \d+ bytes/ },
  {
    name: 'control-plane node name over 63 characters (the "node" label, registry-node-config-<node>)',
    run: proxyModule({ controlPlane: [{ name: `master-${'x'.repeat(57)}`, address: '10.0.0.10' }] }), path: 'controlPlane[0].name', says: /at most 63 characters: it becomes the value of the "node" label of Secret registry-node-config-<node>/,
  },
  {
    name: 'control-plane node name of 240 characters (would make registry-node-config-<node> longer than 253)',
    run: proxyModule({ controlPlane: [{ name: `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(57)}`, address: '10.0.0.10' }] }), path: 'controlPlane[0].name', says: /at most 63 characters/,
  },
  { name: 'Ingress domain label over 63 characters', run: localModule({ publicDomainTemplate: `%s.${'k'.repeat(64)}.example.com` }), path: 'ingress.publicDomainTemplate', says: /registry\.<domain> is a DNS name of at most 253 characters with labels of at most 63/ },
  { name: 'Ingress domain over 253 characters', run: localModule({ publicDomainTemplate: `%s.${Array(4).fill('k'.repeat(62)).join('.')}.com` }), path: 'ingress.publicDomainTemplate', says: /at most 253 characters.*got a host of 264 characters/ },
  { name: 'ingressClass over 253 characters', run: localModule({ ingressClass: Array(5).fill('n'.repeat(60)).join('.') }), path: 'ingress.ingressClass', says: /an IngressClass name \(a DNS-1123 subdomain of at most 253 characters\)/ },
  { name: 'clusterIssuer over 253 characters', run: localModule({ tls: IngressTls.certManager(Array(5).fill('i'.repeat(60)).join('.')) }), path: 'ingress.tls.clusterIssuer', says: /a ClusterIssuer name \(a DNS-1123 subdomain of at most 253 characters\)/ },
  { name: 'toleration key name over 63 characters', run: registryModule({ customTolerationKeys: [`example.com/${'t'.repeat(64)}`] }), path: 'customTolerationKeys[0]', says: /a name of at most 63.*name has 64 characters/ },
  { name: 'toleration key prefix over 253 characters', run: registryModule({ customTolerationKeys: [`${Array(5).fill('p'.repeat(60)).join('.')}/dedicated`] }), path: 'customTolerationKeys[0]', says: /prefix of at most 253.*prefix has 304 characters/ },
  // ---- issue 12, items 4 and 10: ModuleConfig text (RegistrySettings.fromModuleConfig) ----
  { name: 'ModuleConfig: an unquoted alias as the password', run: moduleConfig(`password: *${SECRET_PASSWORD}`), path: 'mc.yaml:11:19', says: /^mc\.yaml:11:19: spec\.settings\.registry\.direct\.password: invalid YAML: an alias \(\*name\) that refers to no anchor/, plain: true },
  { name: 'ModuleConfig: a block scalar header with the password after it', run: moduleConfig(`password: |${SECRET_PASSWORD}`), path: 'mc.yaml:11:20', says: /spec\.settings\.registry\.direct\.password: invalid YAML: unexpected characters/, plain: true },
  { name: 'ModuleConfig: a bad escape in a double-quoted password', run: moduleConfig(`password: "${SECRET_PASSWORD}\\q"`), path: 'mc.yaml:11:41', says: /spec\.settings\.registry\.direct\.password: invalid YAML: an invalid escape sequence/, plain: true },
  { name: 'ModuleConfig: apiVersion v1', run: moduleConfig(`password: ${SECRET_PASSWORD}`, 'v1'), path: 'mc.yaml:1', says: /apiVersion: expected "deckhouse\.io\/v1alpha1" for ModuleConfig\/deckhouse, got "v1"/, plain: true },
  { name: 'ModuleConfig: a YAML bomb', run: () => RegistrySettings.fromModuleConfig(BOMB, 'mc.yaml'), path: 'mc.yaml:5:8', says: /b: invalid YAML: aliases expand to too many nodes/, plain: true },
];

describe('bad-input matrix', () => {
  test(`has at least 60 rows and covers every setting (${ROWS.length} rows, ${ROWS.filter((r) => r.bug).length} known bugs)`, () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
    const fields = [
      'registry', 'registry.mode', 'registry.direct', 'registry.direct.imagesRepo', 'registry.direct.scheme', 'registry.direct.checkMode',
      'registry.direct.ca', 'registry.direct.license', 'registry.direct.username', 'registry.direct.password', 'registry.unmanaged',
      'registry.proxy', 'registry.proxy.ttl', 'props', 'mode', 'nodeGroups', 'controlPlaneNodes', 'clusterType', 'customTolerationKeys',
      'verticalPodAutoscaler', 'images', 'pki', 'containerdBuild', 'nodeConfigurationWeight', 'from', 'to', 'bootstrapRegistry',
    ];
    const missing = fields.filter((f) => !ROWS.some((r) => r.path === f || r.path.startsWith(`${f}.`) || r.path.startsWith(`${f}[`)));
    expect(missing).toEqual([]);
  });

  const check = (row: Row) => () => {
    let error: unknown;
    try {
      row.run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
    const e = error as RegistryValidationError;
    const message = String(e?.message);
    // A RegistryValidationError from the validators (a plain Error for a `plain` row), not a TypeError or
    // RangeError from deep inside.
    const constructor = row.plain ? 'Error' : 'RegistryValidationError';
    expect({ constructor: e?.constructor?.name, message }).toEqual({ constructor, message });
    expect(e).toBeInstanceOf(row.plain ? Error : RegistryValidationError);
    expect(message).not.toMatch(NOT_A_VALIDATION_ERROR);
    // Names the field path first, then what is expected; the path is a field of its own.
    expect(message.startsWith(`${row.path}: `)).toBe(true);
    if (!row.plain) {
      expect(e.path).toBe(row.path);
      expect(message).toBe(`${e.path}: ${e.problem}`);
    }
    expect(message).toMatch(row.says);
    // Never a secret, in the message or in any field.
    for (const s of SECRETS) {
      for (const text of [message, e.path, e.expected, e.got, e.rule, e.problem, String(e), e.stack, JSON.stringify(e)]) expect(text ?? '').not.toContain(s);
    }
  };

  for (const row of ROWS) {
    if (row.bug) test.failing(`${row.name} -> ${row.path} [known bug: ${row.bug}]`, check(row));
    else test(`${row.name} -> ${row.path}`, check(row));
  }
});
