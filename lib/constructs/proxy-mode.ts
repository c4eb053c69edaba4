import { Construct } from 'constructs';
import { RegistryModel } from '../model/registry-model';
import { RegistryModeName } from '../settings/enums';
import { IRegistryModeConstruct, resolvedModel } from './mode-construct';
import { renderNodeServicesObjects } from './_node-services-objects';

/** Props of `ProxyMode`. */
export interface ProxyModeProps {
  /** A model of a `RegistryMode.proxy(…)`: `RegistryModel.resolve({ mode: RegistryMode.proxy(…), controlPlane, … })`. */
  readonly model: RegistryModel;
}

/**
 * `Proxy` mode: a caching registry on every control-plane node (static pods delivered with the node files),
 * reached by every node through the `registry-proxy` load balancer on 127.0.0.1:5001. Renders `registry-pki`, the
 * `registry-user-ro` Secret, one `registry-node-config-<node>` Secret per control-plane node, `deckhouse-registry`
 * with the read-only user, `registry-bashible-config` and the `registry` Service selecting the node services.
 */
export class ProxyMode extends Construct implements IRegistryModeConstruct {
  /** `Proxy`. */
  public readonly modeName: RegistryModeName = RegistryModeName.PROXY;
  /** Version of the node configuration nodes report in `registry.deckhouse.io/version`. */
  public readonly bashibleVersion: string;

  constructor(scope: Construct, id: string, props: ProxyModeProps) {
    super(scope, id);
    this.bashibleVersion = renderNodeServicesObjects(this, resolvedModel(this, props.model, RegistryModeName.PROXY));
  }
}
