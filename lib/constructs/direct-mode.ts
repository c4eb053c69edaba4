import { Construct } from 'constructs';
import { BashibleConfig } from '../model/bashible';
import { RegistryModel } from '../model/registry-model';
import { RegistryModeName } from '../settings/enums';
import { InClusterProxy } from './in-cluster-proxy';
import { IRegistryModeConstruct, resolvedModel } from './mode-construct';
import { RegistryService, RegistryServiceTarget } from './registry-service';
import { bashibleConfigSecret, deckhouseRegistrySecret, registryPkiSecret } from './_module-secrets';

/** Props of `DirectMode`. */
export interface DirectModeProps {
  /** A model of a `RegistryMode.direct(…)`: `RegistryModel.resolve({ mode: RegistryMode.direct(…), pki, images, … })`. */
  readonly model: RegistryModel;
}

/**
 * Everything the module converges to in `Direct` mode: Secret `registry-pki`, the In-Cluster Proxy, the headless
 * `registry` Service selecting it, `deckhouse-registry` pointed at the fixed address, and
 * `registry-bashible-config` that sends the fixed address to the upstream with a repository rewrite.
 */
export class DirectMode extends Construct implements IRegistryModeConstruct {
  /** `Direct`. */
  public readonly modeName: RegistryModeName = RegistryModeName.DIRECT;
  /** Version of the node configuration (`registry-bashible-config`) that nodes report in `registry.deckhouse.io/version`. */
  public readonly bashibleVersion: string;
  /** The In-Cluster Proxy it runs. */
  public readonly inClusterProxy: InClusterProxy;

  constructor(scope: Construct, id: string, props: DirectModeProps) {
    super(scope, id);
    const m = resolvedModel(this, props.model, RegistryModeName.DIRECT);
    const bashible = m.bashible as BashibleConfig;
    registryPkiSecret(this, 'Pki', m);
    deckhouseRegistrySecret(this, 'DeckhouseRegistry', m.deckhouseRegistry as { [key: string]: string });
    this.bashibleVersion = bashible.version;
    bashibleConfigSecret(this, 'BashibleConfig', bashible);
    this.inClusterProxy = new InClusterProxy(this, 'InClusterProxy', { model: props.model });
    new RegistryService(this, 'Service', { target: RegistryServiceTarget.IN_CLUSTER_PROXY, configHash: m.configHash });
  }
}
