// Issue 12, items 11 and 12 in PLAN.md: what a stage says must match what its node files do.
import * as TOML from '@iarna/toml';
import { Testing } from 'cdk8s';
import { Cri, RegistryMode, RegistrySwitch } from '../lib';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';

const CLUSTER = { nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }], images: EXAMPLE_IMAGES, pki: TEST_PKI };
const REPO = 'registry.example.com/deckhouse/ee';

test('11. PLAN.md for a password-only rotation does not claim routing for both Direct (X) and Direct (X)', () => {
  const p = new RegistrySwitch(Testing.app(), 'Switch', {
    ...CLUSTER,
    from: RegistryMode.direct({ imagesRepo: REPO, username: 'u', password: 'OLD-PASS' }),
    to: RegistryMode.direct({ imagesRepo: REPO, username: 'u', password: 'NEW-PASS' }),
  });
  const files = p.toFiles();
  const hosts = TOML.parse(files['expected/01-transition/nodes/master/etc/containerd/registry.d/registry.d8-system.svc:5001/hosts.toml']) as any;
  expect(Object.values<any>(hosts.host).map((h) => h.auth.password)).toEqual(['NEW-PASS']);
  const plan = files['PLAN.md'];
  expect(plan).not.toMatch(/routing for both (Direct \([^)]*\)) and \1/);
  expect(plan).toContain(`every node's routing for Direct (${REPO}) takes the new credentials or CA (the same upstream: hosts.toml holds only the new ones from this stage on)`);
});

test('12. PLAN.md says who restarts containerd when config_path first appears', () => {
  const p = new RegistrySwitch(Testing.app(), 'Switch', { ...CLUSTER, from: RegistryMode.unmanaged(), to: RegistryMode.direct({ imagesRepo: REPO, license: 'K' }) });
  expect(p.planMarkdown()).toMatch(/config_path takes effect only when containerd restarts: with Deckhouse, bashible restarts it .*containerd-need-restart.*elsewhere the script prints that containerd must be restarted/);
  // a switch between two upstreams changes hosts.toml only: no restart is announced
  const q = new RegistrySwitch(Testing.app(), 'Switch', { ...CLUSTER, from: RegistryMode.direct({ imagesRepo: REPO, license: 'K' }), to: RegistryMode.direct({ imagesRepo: 'other.example.com/dkp', license: 'K' }) });
  expect(q.planMarkdown()).not.toMatch(/config_path takes effect only when containerd restarts/);
});
