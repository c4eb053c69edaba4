import { App, Chart } from 'cdk8s';
import { Cri, DeliveryTarget, RegistryMode, RegistryModule, Scheme } from '../lib';
import { TEST_PKI, TEST_UPSTREAM_CA } from './fixtures/test-pki';
import { EXAMPLE_IMAGES, EXAMPLE_PASSWORD } from './fixtures/values';

/**
 * Direct mode against a private registry with username/password and its own CA, one control-plane node. The PKI and
 * image digests are given, so the expected state uses them; `target` renders it for a cluster without the module.
 */
export function directPrivate(app: App, target: DeliveryTarget = DeliveryTarget.WITH_MODULE): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.direct({
      imagesRepo: 'registry.example.com:5000/deckhouse/ee',
      scheme: Scheme.HTTPS,
      username: 'deckhouse-puller',
      password: EXAMPLE_PASSWORD,
      ca: TEST_UPSTREAM_CA,
    }),
    nodeGroups: [
      { name: 'master', cri: Cri.CONTAINERD_V2 },
      { name: 'worker', cri: Cri.CONTAINERD },
    ],
    images: EXAMPLE_IMAGES,
    pki: TEST_PKI,
    target,
  });
  return chart;
}
