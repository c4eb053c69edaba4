// Diagrams are generated from the model: each names what the mode deploys and where pulls go.
import { Chart, Testing } from 'cdk8s';
import { ClusterType, Cri, RegistryMode, RegistryModule, RegistryModuleProps } from '../lib';
import { planDiagram } from '../lib/render/diagram';
import { EXAMPLE_IMAGES, TEST_PKI } from './support/fixtures';
import { pkiFor } from './support/node-pki';

const diagram = (props: RegistryModuleProps) => new RegistryModule(new Chart(Testing.app(), 'c'), 'R', props).diagram();

test('Direct: nodes -> fixed address -> upstream with the rewrite; API clients -> Service -> In-Cluster Proxy', () => {
  const d = diagram({ mode: RegistryMode.direct({ imagesRepo: 'r.example.com/deckhouse/ee', license: 'k' }), images: EXAMPLE_IMAGES, pki: TEST_PKI, controlPlaneNodes: 3 });
  expect(d).toMatch(/^flowchart LR\n/);
  expect(d).toContain('h0(["registry.d8-system.svc:5001/system/deckhouse"])');
  expect(d).toContain('h0 -- "hosts.toml mirror 1, rewrite ^system/deckhouse → deckhouse/ee, auth" --> m1');
  expect(d).toContain('registry-incluster-proxy ×3');
  expect(d).not.toContain('"k"');
});

test('default Unmanaged points at the bootstrap registry; Proxy balances over the masters', () => {
  expect(diagram({})).toContain('legacy containerd configuration');
  const d = diagram({
    mode: RegistryMode.proxy({ imagesRepo: 'r.example.com/deckhouse/ee' }), clusterType: ClusterType.STATIC, images: EXAMPLE_IMAGES,
    nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }], controlPlane: [{ name: 'm0', address: '10.0.0.1' }], pki: pkiFor([{ name: 'm0', address: '10.0.0.1' }]),
  });
  expect(d).toContain('m1[("https://127.0.0.1:5001")]');
  expect(d).toContain('cp0["m0 10.0.0.1:5001"]');
  expect(d).toContain('masters -- "pull-through cache" --> up');
});

test('labels are escaped', () => {
  const d = planDiagram([{ folder: '01-x', waitFor: ['A'], disruptions: ['say "hi" <b>'] }]);
  expect(d).toContain('s0["01-x: say #quot;hi#quot; #lt;b#gt;"]');
});
