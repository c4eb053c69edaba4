import { Construct } from 'constructs';
import { IntOrString, KubeService } from '../../imports/k8s';
import { REGISTRY_NAMESPACE, REGISTRY_PORT } from '../model/constants';
import { REGISTRY_LABELS, REGISTRY_SERVICE } from '../model/object-names';

/** What the `registry` Service selects (`state.registry_service`). */
export enum RegistryServiceTarget {
  /** Direct: the `registry-incluster-proxy` pods. */
  IN_CLUSTER_PROXY = 'incluster-proxy',
  /** Proxy and Local: the `registry-nodeservices` static pods. */
  NODE_SERVICES = 'node-services',
}

/** Props of `RegistryService`. */
export interface RegistryServiceProps {
  /** The pods behind the fixed address. */
  readonly target: RegistryServiceTarget;

  /**
   * The orchestrator hash, written to `registry.deckhouse.io/config-hash`.
   * @default - no annotation
   */
  readonly configHash?: string;
}

/**
 * The headless Service `d8-system/registry`: `registry.d8-system.svc:5001` resolves to the selected pods, port
 * `registry` 5001 -> container port `distribution`.
 */
export class RegistryService extends Construct {
  /** The `registry` Service object. */
  public readonly resource: KubeService;

  constructor(scope: Construct, id: string, props: RegistryServiceProps) {
    super(scope, id);
    const targets = Object.values(RegistryServiceTarget) as string[];
    if (!targets.includes(props.target)) throw new Error(`${this.node.path}: expected target to be one of ${targets.join(', ')}, got "${props.target}"`);
    this.resource = new KubeService(this, 'Resource', {
      metadata: {
        name: REGISTRY_SERVICE,
        namespace: REGISTRY_NAMESPACE,
        labels: { ...REGISTRY_LABELS, app: 'registry' },
        annotations: props.configHash === undefined ? undefined : { 'registry.deckhouse.io/config-hash': props.configHash },
      },
      spec: {
        clusterIp: 'None',
        selector: { component: 'registry-service', type: props.target },
        ports: [{ name: 'registry', port: REGISTRY_PORT, protocol: 'TCP', targetPort: IntOrString.fromString('distribution') }],
      },
    });
  }
}
