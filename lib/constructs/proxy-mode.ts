import { Construct } from 'constructs';
import { RegistryModeName } from '../settings/enums';
import { RegistryModeConstruct, RegistryModeConstructProps } from './registry-mode-construct';
import { renderNodeServicesObjects } from './_node-services-objects';

/** Props of `ProxyMode`. */
export interface ProxyModeProps extends RegistryModeConstructProps {}

/**
 * `Proxy` mode: a caching registry on every control-plane node (static pods delivered with the node files),
 * reached by every node through the `registry-proxy` load balancer on 127.0.0.1:5001. Renders `registry-pki`, the
 * `registry-user-ro` Secret, one `registry-node-config-<node>` Secret per control-plane node, `deckhouse-registry`
 * with the read-only user, `registry-bashible-config` and the `registry` Service selecting the node services.
 */
export class ProxyMode extends RegistryModeConstruct {
  constructor(scope: Construct, id: string, props: ProxyModeProps) {
    super(scope, id, props, RegistryModeName.PROXY);
    renderNodeServicesObjects(this, this._model);
  }
}
