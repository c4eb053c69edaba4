// What the output READMEs of a module and of a switch are made from, gathered one way for both.
import { OutputFacts } from '../render/output-readme';
import { DeliveryTarget } from '../settings/enums';
import { DeckhouseModuleConfig } from './deckhouse-module-config';
import { hasSecretFiles, NodeBundle } from './node-configuration';

/** What the output READMEs say of a module or switch: its target, credentials, node groups and how node files travel. */
export function outputFacts(target: DeliveryTarget, summary: string, moduleConfig: DeckhouseModuleConfig, bundles: readonly NodeBundle[]): OutputFacts {
  return {
    target, summary, variables: moduleConfig.variables, inline: moduleConfig.inlineCredentials, kept: moduleConfig.kept,
    nodeGroups: [...new Set(bundles.map((b) => b.nodeGroup))],
    secretDelivery: target === DeliveryTarget.WITHOUT_MODULE && bundles.some(hasSecretFiles),
  };
}
