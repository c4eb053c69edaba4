import { App, Chart } from 'cdk8s';
import { ClusterType, Cri, IngressTls, RegistryMode, RegistryModule } from '../lib';
import { TEST_INGRESS_TLS } from './fixtures/test-ingress';
import { testPkiFor } from './fixtures/pki';
import { TEST_UPSTREAM_CA } from './fixtures/test-pki';
import { EXAMPLE_IMAGES } from './fixtures/values';

const CONTROL_PLANE = [
  { name: 'master-0', address: '10.0.0.10' },
  { name: 'master-1', address: '10.0.0.11' },
];

/** Local: a full copy on two masters, filled with `d8 mirror push` through registry.kube.example.com. */
export function local(app: App): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.local(),
    clusterType: ClusterType.STATIC,
    nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD_V2 }, { name: 'worker', cri: Cri.CONTAINERD }],
    controlPlane: CONTROL_PLANE,
    ingress: {
      publicDomainTemplate: '%s.kube.example.com',
      clientCa: TEST_UPSTREAM_CA,
      tls: IngressTls.customCertificate(TEST_INGRESS_TLS),
      whitelistSourceRanges: ['10.0.0.0/8'],
    },
    images: EXAMPLE_IMAGES,
    pki: testPkiFor(CONTROL_PLANE),
  });
  return chart;
}
