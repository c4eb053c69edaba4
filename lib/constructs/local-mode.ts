import { Construct } from 'constructs';
import { RegistryModel } from '../model/registry-model';
import { RegistryModeName } from '../settings/enums';
import { IRegistryModeConstruct, resolvedModel } from './mode-construct';
import { renderLocalPush, renderNodeServicesObjects } from './_node-services-objects';

/** Props of `LocalMode`. */
export interface LocalModeProps {
  /** A model of `RegistryMode.local()`: `RegistryModel.resolve({ mode: RegistryMode.local(), controlPlane, ingress, … })`. */
  readonly model: RegistryModel;
}

/**
 * `Local` mode: everything Proxy has, without an upstream, plus the users `rw`, `mirror-puller` and
 * `mirror-pusher`, replication between control-plane nodes, the `registry-push` Service and the `registry`
 * Ingress at `registry.<public domain>` that `d8 mirror push` fills the copy through.
 */
export class LocalMode extends Construct implements IRegistryModeConstruct {
  /** `Local`. */
  public readonly modeName: RegistryModeName = RegistryModeName.LOCAL;
  /** Version of the node configuration nodes report in `registry.deckhouse.io/version`. */
  public readonly bashibleVersion: string;
  /** `registry.<public domain>`. */
  public readonly pushHost: string;

  constructor(scope: Construct, id: string, props: LocalModeProps) {
    super(scope, id);
    const m = resolvedModel(this, props.model, RegistryModeName.LOCAL);
    this.bashibleVersion = renderNodeServicesObjects(this, m);
    this.pushHost = renderLocalPush(this, m);
  }
}
