import { Construct } from 'constructs';
import { RegistryModel } from '../model/registry-model';
import { RegistryModeName } from '../settings/enums';
import { IRegistryModeConstruct, resolvedModel } from './mode-construct';
import { bashibleConfigSecret, deckhouseRegistrySecret } from './_module-secrets';

/** Props of `UnmanagedMode`. */
export interface UnmanagedModeProps {
  /** A model of `RegistryMode.unmanaged()` or `RegistryMode.unmanaged({ imagesRepo, … })`. */
  readonly model: RegistryModel;
}

/**
 * `Unmanaged` mode. The default form renders nothing: the cluster keeps the registry it was bootstrapped with,
 * and nodes are configured from `deckhouse-registry`. The configurable form points `deckhouse-registry` at the
 * upstream and renders `registry-bashible-config` with the upstream host and no rewrite; there is no Service and
 * no proxy in either form.
 */
export class UnmanagedMode extends Construct implements IRegistryModeConstruct {
  /** `Unmanaged`. */
  public readonly modeName: RegistryModeName = RegistryModeName.UNMANAGED;
  /** Version of the node configuration nodes report; undefined for the default form. */
  public readonly bashibleVersion?: string;

  constructor(scope: Construct, id: string, props: UnmanagedModeProps) {
    super(scope, id);
    const m = resolvedModel(this, props.model, RegistryModeName.UNMANAGED);
    if (m.deckhouseRegistry === undefined || m.bashible === undefined) return;
    deckhouseRegistrySecret(this, 'DeckhouseRegistry', m.deckhouseRegistry);
    this.bashibleVersion = m.bashible.version;
    bashibleConfigSecret(this, 'BashibleConfig', m.bashible);
  }
}
