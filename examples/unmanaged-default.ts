import { App, Chart } from 'cdk8s';
import { RegistryModule } from '../lib';

/** The default: Unmanaged without settings; the cluster keeps the registry it was bootstrapped with. */
export function unmanagedDefault(app: App): Chart {
  const chart = new Chart(app, 'registry');
  new RegistryModule(chart, 'Registry');
  return chart;
}
