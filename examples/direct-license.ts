import { App, Chart } from 'cdk8s';
import { Cri, RegistryMode, RegistryModule, Scheme } from '../lib';
import { EXAMPLE_LICENSE } from './fixtures/values';

/**
 * Direct mode against the Deckhouse EE registry with a licence, three control-plane nodes, two CRIs. With the module
 * (the default target) no PKI or image digests are needed: the module has its own, and the expected state marks them.
 */
export function directLicense(app: App): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: Scheme.HTTPS, license: EXAMPLE_LICENSE }),
    nodeGroups: [
      { name: 'master', cri: Cri.CONTAINERD },
      { name: 'worker', cri: Cri.CONTAINERD_V2 },
    ],
    controlPlaneNodes: 3,
  });
  return chart;
}
