import { Construct } from 'constructs';
import { bashibleConfig } from '../model/bashible';
import { REGISTRY_IMAGES_BASE } from '../model/constants';
import { managedDeckhouseRegistry } from '../model/deckhouse-registry';
import { orchestratorHash } from '../model/module-settings';
import { directRouting } from '../model/routing';
import { Pki, resolveCluster } from '../settings/_cluster';
import { RegistryClusterProps } from '../settings/cluster';
import { RegistryModeName } from '../settings/enums';
import { RegistryMode } from '../settings/registry-mode';
import { InClusterProxy } from './in-cluster-proxy';
import { RegistryService, RegistryServiceTarget } from './registry-service';
import { bashibleConfigSecret, deckhouseRegistrySecret, registryPkiSecret } from './_module-secrets';

/** Props of `DirectMode`. */
export interface DirectModeProps extends RegistryClusterProps {
  /** A `RegistryMode.direct(…)`. */
  readonly mode: RegistryMode;
}

/**
 * Everything the module converges to in `Direct` mode: Secret `registry-pki`, the In-Cluster Proxy, the headless
 * `registry` Service selecting it, `deckhouse-registry` pointed at the fixed address, and
 * `registry-bashible-config` that sends the fixed address to the upstream with a repository rewrite.
 */
export class DirectMode extends Construct {
  /** Version of the node configuration (`registry-bashible-config`) that nodes report in `registry.deckhouse.io/version`. */
  public readonly bashibleVersion: string;
  /** The In-Cluster Proxy it runs. */
  public readonly inClusterProxy: InClusterProxy;

  constructor(scope: Construct, id: string, props: DirectModeProps) {
    super(scope, id);
    const settings = props.mode._settings;
    if (settings.mode !== RegistryModeName.DIRECT) {
      throw new Error(`${this.node.path}: expected mode to be RegistryMode.direct(…), got mode '${settings.mode}'`);
    }
    const cluster = resolveCluster(props, settings);
    const pki = cluster.pki as Pki;
    const hash = orchestratorHash(settings, cluster);
    const u = settings.upstream;

    registryPkiSecret(this, 'Pki', pki, hash);
    deckhouseRegistrySecret(this, 'DeckhouseRegistry', managedDeckhouseRegistry(pki.ca.certificate, u.username, u.password));
    const bashible = bashibleConfig(RegistryModeName.DIRECT, REGISTRY_IMAGES_BASE, directRouting(u));
    this.bashibleVersion = bashible.version;
    bashibleConfigSecret(this, 'BashibleConfig', bashible);
    this.inClusterProxy = new InClusterProxy(this, 'InClusterProxy', props);
    new RegistryService(this, 'Service', { target: RegistryServiceTarget.IN_CLUSTER_PROXY, configHash: hash });
  }
}
