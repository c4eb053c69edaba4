import { Construct } from 'constructs';
import { RegistryModeName } from '../settings/enums';
import { RegistryModeConstruct, RegistryModeConstructProps } from './registry-mode-construct';
import { renderLocalPush, renderNodeServicesObjects } from './_node-services-objects';

/** Props of `LocalMode`. */
export interface LocalModeProps extends RegistryModeConstructProps {}

/**
 * `Local` mode: everything Proxy has, without an upstream, plus the users `rw`, `mirror-puller` and
 * `mirror-pusher`, replication between control-plane nodes, the `registry-push` Service and the `registry`
 * Ingress at `registry.<public domain>` that `d8 mirror push` fills the copy through.
 */
export class LocalMode extends RegistryModeConstruct {
  /** `registry.<public domain>`. */
  public readonly pushHost: string;

  constructor(scope: Construct, id: string, props: LocalModeProps) {
    super(scope, id, props, RegistryModeName.LOCAL);
    const m = this._model;
    renderNodeServicesObjects(this, m);
    this.pushHost = renderLocalPush(this, m);
  }
}
