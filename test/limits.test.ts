// Issue 12, item 9: values at the limits render; one step past them is refused (the bad-input table holds the
// refusals). At the largest accepted credentials every Secret stays within Kubernetes' 1 MiB of data. The CA is one
// ordinary certificate here: a CA near 128 KiB (a huge SAN list) is not generated, so that case is not covered.
import { ClusterType, Cri, DeliveryTarget, RegistryMode, RegistryModuleProps } from '../lib';
import { pkiFor } from './support/node-pki';
import { MAX_VALUE_BYTES } from '../lib/settings/parsed-settings';
import { EXAMPLE_IMAGES, TEST_PKI, TEST_UPSTREAM_CA } from './support/fixtures';
import { secretBytes } from './support/manifests';
import { renderObjects } from './support/render';

const GROUPS = [{ name: 'master', cri: Cri.CONTAINERD }];
const SECRET_LIMIT = 1024 * 1024;
const big = (c: string) => c.repeat(MAX_VALUE_BYTES);
// The module accepts one certificate in `ca` (a bundle is refused, errata §6): the largest CA is one certificate.
const bigCa = () => TEST_UPSTREAM_CA;

function secretSizes(props: RegistryModuleProps): Array<[string, number]> {
  // Without the module every Secret is rendered for real (and the node-files Secrets carry hosts.toml and keys too).
  return renderObjects({ target: DeliveryTarget.WITHOUT_MODULE, ...props }).filter((o) => o.kind === 'Secret').map((o) => [
    o.metadata.name,
    Object.values(secretBytes(o)).reduce((n, v) => n + v.length, 0),
  ]);
}

describe('9. values Go or the API server reject: the largest accepted ones keep every Secret within 1 MiB (one step past is in the bad-input table)', () => {
  const controlPlane = [{ name: `m-${'x'.repeat(61)}`, address: '10.0.0.10' }];
  test.each([
    ['Direct, username and password', { mode: RegistryMode.direct({ imagesRepo: 'r.example.com/dkp', username: big('u'), password: big('p'), ca: bigCa() }), nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI }],
    ['Direct, licence', { mode: RegistryMode.direct({ imagesRepo: 'r.example.com/dkp', license: big('l'), ca: bigCa() }), nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: TEST_PKI }],
    ['configurable Unmanaged', { mode: RegistryMode.unmanaged({ imagesRepo: 'r.example.com/dkp', username: big('u'), password: big('p'), ca: bigCa() }), nodeGroups: GROUPS }],
    ['Proxy, a 63-character node name, the longest ttl Go reads', {
      mode: RegistryMode.proxy({ imagesRepo: 'r.example.com/dkp', username: big('u'), password: big('p'), ca: bigCa(), ttl: '2562047h47m16s' }),
      clusterType: ClusterType.STATIC, controlPlane, nodeGroups: GROUPS, images: EXAMPLE_IMAGES, pki: pkiFor(controlPlane),
    }],
  ] as Array<[string, RegistryModuleProps]>)('%s', (_name, props) => {
    const sizes = secretSizes(props);
    expect(sizes.length).toBeGreaterThan(0);
    for (const [name, size] of sizes) expect([name, size <= SECRET_LIMIT]).toEqual([name, true]);
    if (process.env.LIMITS_VERBOSE) console.log(_name, sizes);
  });
});
