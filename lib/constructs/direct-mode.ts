import { Construct } from 'constructs';
import { BashibleConfig } from '../model/bashible';
import { RegistryModeName } from '../settings/enums';
import { InClusterProxy } from './in-cluster-proxy';
import { RegistryModeConstruct, RegistryModeConstructProps } from './registry-mode-construct';
import { RegistryService, RegistryServiceTarget } from './registry-service';
import { bashibleConfigSecret, deckhouseRegistrySecret, registryPkiSecret } from './_module-secrets';

/** Props of `DirectMode`. */
export interface DirectModeProps extends RegistryModeConstructProps {}

/**
 * Everything the module converges to in `Direct` mode: Secret `registry-pki`, the In-Cluster Proxy, the headless
 * `registry` Service selecting it, `deckhouse-registry` pointed at the fixed address, and
 * `registry-bashible-config` that sends the fixed address to the upstream with a repository rewrite.
 */
export class DirectMode extends RegistryModeConstruct {
  /** The In-Cluster Proxy it runs. */
  public readonly inClusterProxy: InClusterProxy;

  constructor(scope: Construct, id: string, props: DirectModeProps) {
    super(scope, id, props, RegistryModeName.DIRECT);
    const m = this._model;
    const bashible = m.bashible as BashibleConfig;
    registryPkiSecret(this, 'Pki', m);
    deckhouseRegistrySecret(this, 'DeckhouseRegistry', m.deckhouseRegistry as { [key: string]: string });
    bashibleConfigSecret(this, 'BashibleConfig', bashible);
    this.inClusterProxy = new InClusterProxy(this, 'InClusterProxy', { model: props.model });
    new RegistryService(this, 'Service', { target: RegistryServiceTarget.IN_CLUSTER_PROXY, configHash: m.configHash });
  }
}
