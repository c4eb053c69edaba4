import { App, Chart } from 'cdk8s';
import { ClusterType, Cri, RegistryMode, RegistryModule, Scheme } from '../lib';
import { testPkiFor } from './fixtures/pki';
import { EXAMPLE_IMAGES, EXAMPLE_LICENSE } from './fixtures/values';

const CONTROL_PLANE = [
  { name: 'master-0', address: '10.0.0.10' },
  { name: 'master-1', address: '10.0.0.11' },
  { name: 'master-2', address: '10.0.0.12' },
];

/** Proxy: a caching registry on three masters of a static cluster, a load balancer on every node. */
export function proxy(app: App): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.proxy({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: Scheme.HTTPS, license: EXAMPLE_LICENSE, ttl: '72h' }),
    clusterType: ClusterType.STATIC,
    nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
    controlPlane: CONTROL_PLANE,
    images: EXAMPLE_IMAGES,
    pki: testPkiFor(CONTROL_PLANE),
  });
  return chart;
}
