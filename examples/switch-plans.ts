import { App } from 'cdk8s';
import { ClusterType, Cri, RegistryMode, RegistrySwitch, RegistrySwitchProps, Scheme } from '../lib';
import { testPkiFor } from './fixtures/pki';
import { TEST_PKI, TEST_UPSTREAM_CA } from './fixtures/test-pki';
import { EXAMPLE_IMAGES, EXAMPLE_LICENSE, EXAMPLE_PASSWORD } from './fixtures/values';

const CLUSTER: Omit<RegistrySwitchProps, 'from' | 'to'> = {
  nodeGroups: [{ name: 'master', cri: Cri.CONTAINERD }, { name: 'worker', cri: Cri.CONTAINERD_V2 }],
  controlPlaneNodes: 3,
  images: EXAMPLE_IMAGES,
  pki: TEST_PKI,
};
const EE = RegistryMode.direct({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: Scheme.HTTPS, license: EXAMPLE_LICENSE });
const PRIVATE = { imagesRepo: 'registry.example.com:5000/deckhouse/ee', username: 'deckhouse-puller', password: EXAMPLE_PASSWORD, ca: TEST_UPSTREAM_CA };

/** Into the module: from the bootstrap registry (default Unmanaged) to Direct against the same registry. */
export function switchUnmanagedToDirect(app: App): RegistrySwitch {
  return new RegistrySwitch(app, 'Switch', {
    ...CLUSTER,
    from: RegistryMode.unmanaged(),
    to: EE,
    bootstrapRegistry: { imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', license: EXAMPLE_LICENSE },
  });
}

/** Direct to Direct with a new upstream and new credentials: image references stay, only Deckhouse restarts. */
export function switchDirectToDirect(app: App): RegistrySwitch {
  return new RegistrySwitch(app, 'Switch', { ...CLUSTER, from: EE, to: RegistryMode.direct(PRIVATE) });
}

/** Out of Direct to configurable Unmanaged: the In-Cluster Proxy and the Service go. */
export function switchDirectToUnmanaged(app: App): RegistrySwitch {
  return new RegistrySwitch(app, 'Switch', { ...CLUSTER, from: EE, to: RegistryMode.unmanaged(PRIVATE) });
}

/** Configurable Unmanaged back to the default form: the node configuration is kept. */
export function switchUnmanagedToDefault(app: App): RegistrySwitch {
  return new RegistrySwitch(app, 'Switch', { ...CLUSTER, from: RegistryMode.unmanaged(PRIVATE), to: RegistryMode.unmanaged() });
}

const MASTERS = [{ name: 'master-0', address: '10.0.0.10' }, { name: 'master-1', address: '10.0.0.11' }, { name: 'master-2', address: '10.0.0.12' }];

/** Direct to Proxy on a static cluster: load balancers first, then the caches on the masters, then the switch. */
export function switchDirectToProxy(app: App): RegistrySwitch {
  return new RegistrySwitch(app, 'Switch', {
    ...CLUSTER,
    clusterType: ClusterType.STATIC,
    controlPlane: MASTERS,
    pki: testPkiFor(MASTERS),
    from: EE,
    to: RegistryMode.proxy({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: Scheme.HTTPS, license: EXAMPLE_LICENSE }),
  });
}
