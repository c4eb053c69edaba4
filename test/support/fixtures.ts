import { App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { RegistryModule, RegistryModuleProps } from '../../lib';
import { TEST_PKI, TEST_UPSTREAM_CA } from '../../examples/fixtures/test-pki';
import { EXAMPLE_IMAGES } from '../../examples/fixtures/values';

export { TEST_PKI, TEST_UPSTREAM_CA, EXAMPLE_IMAGES };

/** Synthesizes a RegistryModule in a fresh chart and returns the manifests. */
export function synth(props: RegistryModuleProps): any[] {
  const chart = Testing.chart();
  new RegistryModule(chart, 'Registry', props);
  return Testing.synth(chart);
}

export function chartOf(app: App = Testing.app()): Chart {
  return new Chart(app, 'test');
}

/** The one object of a kind and name; namespaced ones in `d8-system` unless another namespace is given. */
export function find(objects: any[], kind: string, name: string, namespace = 'd8-system'): any {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}

/** Decoded data of a Secret. */
export function secretData(objects: any[], name: string): Record<string, string> {
  const s = find(objects, 'Secret', name);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v as string, 'base64').toString('utf8');
  return out;
}

export function parseYaml(text: string): any {
  return YAML.parse(text);
}
