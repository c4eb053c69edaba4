import { App, Chart } from 'cdk8s';
import { Cri, RegistryMode, RegistryModule, Scheme } from '../lib';
import { TEST_PKI } from './fixtures/test-pki';
import { EXAMPLE_IMAGES, EXAMPLE_LICENSE } from './fixtures/values';

/** Direct mode against the Deckhouse EE registry with a licence, three control-plane nodes, two CRIs. */
export function directLicense(app: App): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: Scheme.HTTPS, license: EXAMPLE_LICENSE }),
    nodeGroups: [
      { name: 'master', cri: Cri.CONTAINERD },
      { name: 'worker', cri: Cri.CONTAINERD_V2 },
    ],
    controlPlaneNodes: 3,
    images: EXAMPLE_IMAGES,
    pki: TEST_PKI,
  });
  return chart;
}
