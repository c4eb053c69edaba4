import { Construct } from 'constructs';
import { bashibleConfig } from '../model/bashible';
import { unmanagedDeckhouseRegistry } from '../model/deckhouse-registry';
import { unmanagedRouting } from '../model/routing';
import { resolveCluster } from '../settings/_cluster';
import { RegistryClusterProps } from '../settings/cluster';
import { RegistryModeName } from '../settings/enums';
import { RegistryMode } from '../settings/registry-mode';
import { bashibleConfigSecret, deckhouseRegistrySecret } from './_module-secrets';

/** Props of `UnmanagedMode`. */
export interface UnmanagedModeProps extends RegistryClusterProps {
  /** A `RegistryMode.unmanaged()` or `RegistryMode.unmanaged({ imagesRepo, … })`. */
  readonly mode: RegistryMode;
}

/**
 * `Unmanaged` mode. The default form renders nothing: the cluster keeps the registry it was bootstrapped with,
 * and nodes are configured from `deckhouse-registry`. The configurable form points `deckhouse-registry` at the
 * upstream and renders `registry-bashible-config` with the upstream host and no rewrite; there is no Service and
 * no proxy in either form.
 */
export class UnmanagedMode extends Construct {
  /** Version of the node configuration nodes report; undefined for the default form. */
  public readonly bashibleVersion?: string;

  constructor(scope: Construct, id: string, props: UnmanagedModeProps) {
    super(scope, id);
    const settings = props.mode._settings;
    if (settings.mode !== RegistryModeName.UNMANAGED) {
      throw new Error(`${this.node.path}: expected mode to be RegistryMode.unmanaged(…), got mode '${settings.mode}'`);
    }
    resolveCluster(props, settings);
    const u = settings.upstream;
    if (u === undefined) return;
    deckhouseRegistrySecret(this, 'DeckhouseRegistry', unmanagedDeckhouseRegistry(u));
    const bashible = bashibleConfig(RegistryModeName.UNMANAGED, u.imagesRepo, unmanagedRouting(u));
    this.bashibleVersion = bashible.version;
    bashibleConfigSecret(this, 'BashibleConfig', bashible);
  }
}
