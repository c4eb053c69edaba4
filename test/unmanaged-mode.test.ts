// Unmanaged mode, both forms (reference §8).
import { Cri, RegistryMode, Scheme } from '../lib';
import { moduleConfigOf, parseYaml, TEST_UPSTREAM_CA } from './support/fixtures';
import { b64, secretData } from './support/manifests';
import { renderObjects } from './support/render';

describe('Unmanaged, default form', () => {
  const objects = renderObjects({});

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('renders only the ModuleConfig and the registry-config input: no Service, proxy, PKI or bashible config', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Secret/registry-config']);
    expect(moduleConfigOf({}).spec.settings).toEqual({ registry: { mode: 'Unmanaged' } });
    const data = secretData(objects, 'registry-config');
    expect(data).toEqual({ mode: 'Unmanaged', raw_config: 'mode: Unmanaged\n' });
  });

  test('allows any CRI: the module does not manage containerd here', () => {
    expect(() => renderObjects({ nodeGroups: [{ name: 'legacy', cri: Cri.DOCKER }] })).not.toThrow();
  });

  test('an explicit mode: Unmanaged is written as given', () => {
    expect(moduleConfigOf({ mode: RegistryMode.fromSettings({ mode: 'Unmanaged' }) }).spec.settings).toEqual({ registry: { mode: 'Unmanaged' } });
  });
});

describe('Unmanaged, configurable form', () => {
  const mode = RegistryMode.unmanaged({ imagesRepo: 'registry.example.com:5000/deckhouse/ee', scheme: Scheme.HTTPS, username: 'puller', password: 'pw-9', ca: TEST_UPSTREAM_CA });
  const objects = renderObjects({ mode, nodeGroups: [{ name: 'master' }, { name: 'worker', cri: Cri.CONTAINERD_V2 }] });

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('renders deckhouse-registry, registry-bashible-config and the node configuration only', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Secret/registry-config', 'Secret/deckhouse-registry', 'Secret/deckhouse-registry', 'Secret/deckhouse-registry',
      'Secret/registry-bashible-config',
      'Secret/registry-node-files-group-master', 'NodeGroupConfiguration/registry-containerd-master',
      'Secret/registry-node-files-group-worker', 'NodeGroupConfiguration/registry-containerd-worker',
      'Role/registry-node-files', 'RoleBinding/registry-node-files',
    ]);
  });

  test('deckhouse-registry points at the upstream itself', () => {
    const data = secretData(objects, 'deckhouse-registry');
    expect(data).toMatchObject({
      address: 'registry.example.com:5000', path: '/deckhouse/ee', scheme: 'https', ca: TEST_UPSTREAM_CA.trimStart(),
      imagesRegistry: 'registry.example.com:5000/deckhouse/ee',
    });
    expect(JSON.parse(data['.dockerconfigjson'])).toEqual({
      auths: { 'registry.example.com:5000': { username: 'puller', password: 'pw-9', auth: b64('puller:pw-9') } },
    });
  });

  test('registry-bashible-config routes the upstream host to itself with no rewrite', () => {
    const config = parseYaml(secretData(objects, 'registry-bashible-config').config);
    expect(config).toEqual({
      mode: 'Unmanaged',
      version: expect.stringMatching(/^[0-9a-f]{64}$/),
      imagesBase: 'registry.example.com:5000/deckhouse/ee',
      hosts: {
        'registry.example.com:5000': { mirrors: [{ host: 'registry.example.com:5000', scheme: 'https', ca: TEST_UPSTREAM_CA.trimStart(), auth: { auth: '', username: 'puller', password: 'pw-9' } }] },
      },
    });
  });

  test('ModuleConfig keeps the section with the password as a placeholder', () => {
    expect(moduleConfigOf({ mode }).spec.settings.registry).toEqual({
      mode: 'Unmanaged',
      unmanaged: { imagesRepo: 'registry.example.com:5000/deckhouse/ee', scheme: 'HTTPS', username: 'puller', password: '${REGISTRY_UNMANAGED_PASSWORD}', ca: TEST_UPSTREAM_CA },
    });
  });

  test('an http upstream is written with a lower-case scheme', () => {
    const o = renderObjects({ mode: RegistryMode.unmanaged({ imagesRepo: 'mirror.local/dkp/ce', scheme: Scheme.HTTP }) });
    expect(secretData(o, 'deckhouse-registry').scheme).toBe('http');
    expect(parseYaml(secretData(o, 'registry-bashible-config').config).hosts['mirror.local'].mirrors[0]).toEqual({ host: 'mirror.local', scheme: 'http', auth: { auth: '', password: '', username: '' } });
  });
});
