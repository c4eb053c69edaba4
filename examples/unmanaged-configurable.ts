import { App, Chart } from 'cdk8s';
import { Cri, DeliveryTarget, RegistryMode, RegistryModule, Scheme } from '../lib';
import { EXAMPLE_LICENSE } from './fixtures/values';

/** Configurable Unmanaged: the cluster pulls straight from the upstream given here (no fixed address). */
export function unmanagedConfigurable(app: App, target: DeliveryTarget = DeliveryTarget.WITH_MODULE): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry', {
    mode: RegistryMode.unmanaged({ imagesRepo: 'registry.deckhouse.ru/deckhouse/ee', scheme: Scheme.HTTPS, license: EXAMPLE_LICENSE }),
    nodeGroups: [
      { name: 'master', cri: Cri.CONTAINERD },
      { name: 'worker', cri: Cri.CONTAINERD_V2 },
    ],
    target,
  });
  return chart;
}
