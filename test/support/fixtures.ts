import { App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { DeliveryTarget, RegistryModuleProps } from '../../lib';
import { TEST_PKI, TEST_UPSTREAM_CA } from '../../examples/fixtures/test-pki';
import { EXAMPLE_IMAGES } from '../../examples/fixtures/values';
import { renderModule } from './render';

export { TEST_PKI, TEST_UPSTREAM_CA, EXAMPLE_IMAGES };

/** The applied `ModuleConfig/deckhouse` of a RegistryModule (the library's default target), parsed (placeholders as written). */
export function moduleConfigOf(props: RegistryModuleProps): any {
  return YAML.parse(renderModule({ target: DeliveryTarget.WITH_MODULE, ...props }).module.moduleConfig.toYaml());
}

export function chartOf(app: App = Testing.app()): Chart {
  return new Chart(app, 'test');
}

export function parseYaml(text: string): any {
  return YAML.parse(text);
}

/** Annotations without Flux's substitute-disabled, which the applied objects of the WithoutModule target carry. */
export function withoutFlux(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  const { 'kustomize.toolkit.fluxcd.io/substitute': _flux, ...rest } = annotations;
  return rest;
}
