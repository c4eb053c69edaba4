import { Construct } from 'constructs';
import { RegistryModeName } from '../settings/enums';
import { RegistryModeConstruct, RegistryModeConstructProps } from './registry-mode-construct';
import { bashibleConfigSecret, deckhouseRegistrySecret } from './_module-secrets';

/** Props of `UnmanagedMode`. */
export interface UnmanagedModeProps extends RegistryModeConstructProps {}

/**
 * `Unmanaged` mode. The default form renders nothing: the cluster keeps the registry it was bootstrapped with,
 * and nodes are configured from `deckhouse-registry`. The configurable form points `deckhouse-registry` at the
 * upstream and renders `registry-bashible-config` with the upstream host and no rewrite; there is no Service and
 * no proxy in either form.
 */
export class UnmanagedMode extends RegistryModeConstruct {
  constructor(scope: Construct, id: string, props: UnmanagedModeProps) {
    super(scope, id, props, RegistryModeName.UNMANAGED);
    const m = this._model;
    if (m.deckhouseRegistry === undefined || m.bashible === undefined) return;
    deckhouseRegistrySecret(this, 'DeckhouseRegistry', m.deckhouseRegistry);
    bashibleConfigSecret(this, 'BashibleConfig', m.bashible);
  }
}
