// The module's Secrets that carry no logic of their own.
import { Construct } from 'constructs';
import { BashibleConfig, bashiblePayload } from '../model/bashible';
import { DECKHOUSE_REGISTRY_SECRET } from '../model/constants';
import { registryConfigData, registryValues } from '../model/module-settings';
import { toYaml } from '../render/yaml';
import { Pki } from '../settings/_cluster';
import { ParsedSettings } from '../settings/_registry-settings';
import { secret } from './_objects';

/** `d8-system/deckhouse-registry`, the pull secret and registry address of every Deckhouse component. */
export function deckhouseRegistrySecret(scope: Construct, id: string, data: Record<string, string>): void {
  secret(scope, id, {
    name: DECKHOUSE_REGISTRY_SECRET,
    type: 'kubernetes.io/dockerconfigjson',
    labels: { heritage: 'deckhouse', module: 'deckhouse' },
    data,
  });
}

/** `d8-system/registry-bashible-config`: what bashible turns into containerd files on every node. */
export function bashibleConfigSecret(scope: Construct, id: string, config: BashibleConfig): void {
  secret(scope, id, {
    name: 'registry-bashible-config',
    labels: { heritage: 'deckhouse', module: 'registry', app: 'registry', name: 'registry-bashible-config' },
    annotations: { 'helm.sh/resource-policy': 'keep' },
    data: { config: toYaml(bashiblePayload(config)) },
  });
}

/** `d8-system/registry-pki`: the CA and the token signing pair. */
export function registryPkiSecret(scope: Construct, id: string, pki: Pki, configHash: string): void {
  secret(scope, id, {
    name: 'registry-pki',
    type: 'registry/pki',
    labels: { app: 'registry', type: 'registry-pki' },
    annotations: { 'registry.deckhouse.io/config-hash': configHash },
    data: { 'ca.crt': pki.ca.certificate, 'ca.key': pki.ca.privateKey, 'token.crt': pki.token.certificate, 'token.key': pki.token.privateKey },
  });
}

/** `d8-system/registry-config`, rendered by module `deckhouse` from the settings: the registry module's input. */
export function registryConfigSecret(scope: Construct, id: string, parsed: ParsedSettings): void {
  secret(scope, id, {
    name: 'registry-config',
    type: 'registry/config',
    labels: { heritage: 'deckhouse', module: 'deckhouse', app: 'registry', name: 'registry-deckhouse-config', type: 'registry-config' },
    annotations: { version: '1' },
    data: { ...registryConfigData(parsed), raw_config: toYaml(registryValues(parsed)) },
  });
}
