// The module's Secrets that carry no logic of their own.
import { Construct } from 'constructs';
import { BashibleConfig, bashiblePayload } from '../model/bashible';
import { sortKeysDeep } from '../model/_hash';
import { registryConfigData, registryValues } from '../model/deckhouse-module';
import { BASHIBLE_CONFIG_SECRET, DECKHOUSE_REGISTRY_SECRET, REGISTRY_CONFIG_SECRET, REGISTRY_LABELS, REGISTRY_PKI_SECRET } from '../model/object-names';
import { ResolvedRegistry } from '../model/registry-model';
import { toYaml } from '../render/yaml';
import { Pki } from '../model/cluster';
import { ParsedSettings } from '../settings/parsed-settings';
import { secret } from './_objects';

/** Labels of module `deckhouse`'s objects (helm_lib_module_labels with Chart.Name `deckhouse`). */
const DECKHOUSE_LABELS = { heritage: 'deckhouse', module: 'deckhouse' };
const KEEP = { 'helm.sh/resource-policy': 'keep' };

/**
 * `d8-system/deckhouse-registry`, the pull secret and registry address of every Deckhouse component, plus the copies
 * in `kube-system` and `d8-monitoring` that carry only `.dockerconfigjson` (errata §2, §3).
 */
export function deckhouseRegistrySecret(scope: Construct, id: string, data: { readonly [key: string]: string }): void {
  secret(scope, id, {
    name: DECKHOUSE_REGISTRY_SECRET,
    type: 'kubernetes.io/dockerconfigjson',
    labels: { ...DECKHOUSE_LABELS, app: 'registry', name: DECKHOUSE_REGISTRY_SECRET },
    annotations: KEEP,
    data,
  });
  for (const namespace of ['kube-system', 'd8-monitoring']) {
    secret(scope, `${id}-${namespace}`, {
      name: DECKHOUSE_REGISTRY_SECRET,
      namespace,
      type: 'kubernetes.io/dockerconfigjson',
      labels: DECKHOUSE_LABELS,
      annotations: KEEP,
      data: { '.dockerconfigjson': data['.dockerconfigjson'] },
    });
  }
}

/** `d8-system/registry-bashible-config`: what bashible turns into containerd files on every node. */
export function bashibleConfigSecret(scope: Construct, id: string, config: BashibleConfig): void {
  secret(scope, id, {
    name: BASHIBLE_CONFIG_SECRET,
    labels: { ...REGISTRY_LABELS, app: 'registry', name: BASHIBLE_CONFIG_SECRET },
    annotations: KEEP,
    data: { config: toYaml(bashiblePayload(config)) },
  });
}

/** `d8-system/registry-pki`: the CA and the token signing pair of a setting that runs components. */
export function registryPkiSecret(scope: Construct, id: string, m: ResolvedRegistry): void {
  const pki = m.cluster.pki as Pki;
  secret(scope, id, {
    name: REGISTRY_PKI_SECRET,
    type: 'registry/pki',
    labels: { ...REGISTRY_LABELS, app: 'registry', type: 'registry-pki' },
    annotations: { 'registry.deckhouse.io/config-hash': m.configHash },
    data: { 'ca.crt': pki.ca.certificate, 'ca.key': pki.ca.privateKey, 'token.crt': pki.token.certificate, 'token.key': pki.token.privateKey },
  });
}

/** `d8-system/registry-config`, rendered by module `deckhouse` from the settings: the registry module's input. */
export function registryConfigSecret(scope: Construct, id: string, parsed: ParsedSettings): void {
  secret(scope, id, {
    name: REGISTRY_CONFIG_SECRET,
    type: 'registry/config',
    labels: { ...DECKHOUSE_LABELS, app: 'registry', name: 'registry-deckhouse-config', type: 'registry-config' },
    annotations: { version: '1' },
    data: { ...registryConfigData(parsed), raw_config: toYaml(sortKeysDeep(registryValues(parsed))) },
  });
}
